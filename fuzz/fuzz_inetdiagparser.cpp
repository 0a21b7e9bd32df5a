// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer: any bytes handed over as a sock_diag datagram parse without crashing or reading past
// them; an error always says what went wrong and nothing else does; every record is a socket the
// kernel could have described; and the same bytes cut into two datagrams at a message boundary
// (where the kernel cuts them) parse to the same records, status and error.
#include "core/parsers/inetdiagparser.h"

#include <cstdlib>
#include <cstring>

using sockscope::InetDiagParser;
using sockscope::SocketRecord;
using sockscope::TimerKind;

namespace {

constexpr qsizetype headerSize = 16;           // struct nlmsghdr
constexpr qsizetype socketMessageSize = 16 + 72; // nlmsghdr + inet_diag_msg: the least a record takes

void check(const InetDiagParser::Result &result)
{
    if ((result.status == InetDiagParser::Status::Error) == result.error.isEmpty())
        std::abort(); // an error without a reason, or a reason without an error
}

void check(const SocketRecord &r)
{
    if (!sockscope::tcpStateFromKernelNumber(sockscope::kernelNumber(r.state)))
        std::abort();
    if (r.local.address.family() != r.family || r.remote.address.family() != r.family)
        std::abort();
    if (quint8(r.timer) > quint8(TimerKind::ZeroWindowProbe) || r.timerRemainingMs < 0 || r.timerRemainingMs > 0xffffffffLL
        || (r.timer == TimerKind::None && r.timerRemainingMs != 0))
        std::abort();
    if (r.retransmits != 0 && r.timer != TimerKind::Retransmit)
        std::abort();
    if (r.probes != 0 && r.timer != TimerKind::Keepalive && r.timer != TimerKind::ZeroWindowProbe)
        std::abort();
    if (r.listenBacklog.has_value() != r.isListener() || (r.isListener() && r.txQueue != 0))
        std::abort();
    if (!r.uid || !r.inode || !r.cookie)
        std::abort(); // inet_diag_msg always carries them
    // tcp_info comes whole or not at all
    const bool info = r.rtoMs.has_value();
    if (r.atoMs.has_value() != info || r.rttUs.has_value() != info || r.rttVarUs.has_value() != info
        || r.cwnd.has_value() != info || (r.ssthresh.has_value() && !info))
        std::abort();
    for (auto it = r.details.cbegin(); it != r.details.cend(); ++it) {
        if (it.key() != QLatin1String("shutdown") && it.key() != QLatin1String("congestion"))
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QList<SocketRecord> records;
    const InetDiagParser::Result whole = InetDiagParser::parse(bytes, records);
    check(whole);
    if (records.size() * socketMessageSize > bytes.size())
        std::abort();
    for (const SocketRecord &r : records)
        check(r);

    // The message boundaries, as the headers claim them; cut at the middle one.
    QList<qsizetype> boundaries;
    for (qsizetype offset = 0; offset + headerSize <= bytes.size();) {
        quint32 length;
        std::memcpy(&length, bytes.data() + offset, sizeof length);
        if (length < headerSize || length > quint64(bytes.size() - offset))
            break;
        offset += (qsizetype(length) + 3) & ~qsizetype(3);
        if (offset > bytes.size())
            break;
        boundaries.append(offset);
    }
    if (boundaries.isEmpty())
        return 0;
    const qsizetype cut = boundaries[boundaries.size() / 2];
    QList<SocketRecord> split;
    const InetDiagParser::Result first = InetDiagParser::parse(bytes.first(cut), split);
    check(first);
    InetDiagParser::Result last = first;
    if (first.status == InetDiagParser::Status::More) {
        last = InetDiagParser::parse(bytes.sliced(cut), split);
        check(last);
    }
    if (last.status != whole.status || last.error != whole.error || split != records)
        std::abort();
    return 0;
}
