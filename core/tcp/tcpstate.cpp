// SPDX-License-Identifier: GPL-3.0-or-later
#include "tcpstate.h"

#include <algorithm>

namespace sockscope {

namespace {

struct StateNames
{
    TcpState state;
    const char *kernel;
    const char *ss;
    const char *rfc;
};

constexpr std::array<StateNames, tcpStateCount> names{{
    {TcpState::Established, "ESTABLISHED", "ESTAB", "ESTABLISHED"},
    {TcpState::SynSent, "SYN_SENT", "SYN-SENT", "SYN-SENT"},
    {TcpState::SynRecv, "SYN_RECV", "SYN-RECV", "SYN-RECEIVED"},
    {TcpState::FinWait1, "FIN_WAIT1", "FIN-WAIT-1", "FIN-WAIT-1"},
    {TcpState::FinWait2, "FIN_WAIT2", "FIN-WAIT-2", "FIN-WAIT-2"},
    {TcpState::TimeWait, "TIME_WAIT", "TIME-WAIT", "TIME-WAIT"},
    {TcpState::Close, "CLOSE", "UNCONN", "CLOSED"},
    {TcpState::CloseWait, "CLOSE_WAIT", "CLOSE-WAIT", "CLOSE-WAIT"},
    {TcpState::LastAck, "LAST_ACK", "LAST-ACK", "LAST-ACK"},
    {TcpState::Listen, "LISTEN", "LISTEN", "LISTEN"},
    {TcpState::Closing, "CLOSING", "CLOSING", "CLOSING"},
}};

const StateNames &entry(TcpState state)
{
    return names[static_cast<int>(state) - 1];
}

// Upper case with every separator removed: "fin-wait-1" and "FIN_WAIT1" both become "FINWAIT1".
QString squashed(QStringView text)
{
    QString out;
    out.reserve(text.size());
    for (QChar c : text) {
        if (c == u'-' || c == u'_' || c.isSpace())
            continue;
        out.append(c.toUpper());
    }
    return out;
}

} // namespace

const std::array<TcpState, tcpStateCount> &allTcpStates()
{
    static const std::array<TcpState, tcpStateCount> states = [] {
        std::array<TcpState, tcpStateCount> s{};
        for (int i = 0; i < tcpStateCount; ++i)
            s[i] = names[i].state;
        return s;
    }();
    return states;
}

std::optional<TcpState> tcpStateFromKernelNumber(int number)
{
    if (number < 1 || number > tcpStateCount)
        return std::nullopt;
    return static_cast<TcpState>(number);
}

int kernelNumber(TcpState state)
{
    return static_cast<int>(state);
}

QString kernelName(TcpState state)
{
    return QString::fromLatin1(entry(state).kernel);
}

QString ssName(TcpState state)
{
    return QString::fromLatin1(entry(state).ss);
}

QString rfcName(TcpState state)
{
    return QString::fromLatin1(entry(state).rfc);
}

std::optional<TcpState> parseTcpState(QStringView text)
{
    // The kernel's number is plain digits. Asked before squashing, which drops '-' and would
    // read "-1" as 1; and not with toInt(), which takes "+1" too.
    const QStringView trimmed = text.trimmed();
    if (!trimmed.isEmpty() && std::all_of(trimmed.begin(), trimmed.end(), [](QChar c) { return c >= u'0' && c <= u'9'; })) {
        bool isNumber = false;
        const int number = trimmed.toInt(&isNumber);
        return isNumber ? tcpStateFromKernelNumber(number) : std::nullopt;
    }

    const QString key = squashed(text);
    if (key.isEmpty())
        return std::nullopt;

    for (const StateNames &n : names) {
        if (key == squashed(QString::fromLatin1(n.kernel)) || key == squashed(QString::fromLatin1(n.ss))
            || key == squashed(QString::fromLatin1(n.rfc)))
            return n.state;
    }
    // Spellings seen in other tools and textbooks.
    if (key == QLatin1String("SYNRCVD"))
        return TcpState::SynRecv;
    if (key == QLatin1String("LISTENING"))
        return TcpState::Listen;
    return std::nullopt;
}

} // namespace sockscope
