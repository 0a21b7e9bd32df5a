// SPDX-License-Identifier: GPL-3.0-or-later
#include "wirefilter.h"

#include "labcommandline.h"

#include "core/capture/segmentdecoder.h"
#include "core/model/snapshot.h"
#include "core/system/labnetwork.h"

#include <QSocketNotifier>
#include <QStandardPaths>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <arpa/inet.h>
#include <endian.h>
#include <sys/socket.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockscope {

namespace {

constexpr int nftTimeoutMs = 5000;
constexpr int configTimeoutMs = 2000;
constexpr qsizetype receiveBytes = 256 * 1024;

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

// A netlink attribute appended to `out`, padded to four bytes.
void appendAttribute(QByteArray &out, quint16 type, const void *value, quint16 length)
{
    nlattr attribute{};
    attribute.nla_len = quint16(NLA_HDRLEN + length);
    attribute.nla_type = type;
    out.append(reinterpret_cast<const char *>(&attribute), sizeof attribute);
    out.append(static_cast<const char *>(value), length);
    out.append(QByteArray(NLA_ALIGN(length) - length, '\0'));
}

// The prefix's rule number: "sockscope rule 12" is 12; anything else 0.
int ruleNumber(const char *prefix, qsizetype length)
{
    const QByteArray text = QByteArray(prefix, length).split('\0').value(0);
    static const QByteArray lead("sockscope rule ");
    if (!text.startsWith(lead))
        return 0;
    bool ok = false;
    const int number = text.mid(lead.size()).toInt(&ok);
    return ok ? number : 0;
}

} // namespace

WireFilter::WireFilter(LabNetwork *network, QObject *parent) : QObject(parent), m_network(network) {}

WireFilter::~WireFilter()
{
    // The table goes with the namespace anyway; while the lab lives on, take it out.
    if (!m_rules.isEmpty() && m_network && m_network->isRunning())
        clear();
    closeLog();
}

QString WireFilter::nftProgram()
{
    return LabCommandLine::program(QStringLiteral("nft"));
}

QString WireFilter::whyUnavailable()
{
    if (!m_network || !m_network->isRunning()) {
        return tr("wire rules need the lab's private network; on this machine's own loopback sockscope "
                  "leaves the firewall alone");
    }
    if (nftProgram().isEmpty())
        return tr("the nft program (Debian package nftables) is not installed");
    if (QStandardPaths::findExecutable(m_network->ssLauncher().value(0)).isEmpty())
        return tr("the nsenter program (Debian package util-linux) is not installed");
    if (!m_probed) {
        // Listing the namespace's (empty) ruleset asks nf_tables for what apply() needs.
        QString why;
        if (!runNft(QStringLiteral("list ruleset\n"), &why))
            m_refusal = why;
        m_probed = true;
    }
    return m_refusal;
}

bool WireFilter::isSpent(int number) const
{
    return number >= 1 && number <= m_spent.size() && m_spent[number - 1];
}

bool WireFilter::runNft(const QString &script, QString *error)
{
    const auto failed = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (!m_network || !m_network->isRunning())
        return failed(whyUnavailable());
    const QString nft = nftProgram();
    if (nft.isEmpty())
        return failed(tr("the nft program (Debian package nftables) is not installed"));
    return LabCommandLine::run(*m_network, nft, {QStringLiteral("-f"), QStringLiteral("-")}, script.toUtf8(),
                               nftTimeoutMs, tr("nft in the lab's network"), error);
}

bool WireFilter::apply(const QList<WireRule> &rules, quint16 serverPort, QString *error)
{
    if (rules.isEmpty())
        return clear(error);
    const QString why = whyUnavailable();
    if (!why.isEmpty()) {
        if (error)
            *error = why;
        return false;
    }
    if (m_log < 0) {
        m_whyNoHits.clear();
        if (!openLog(&m_whyNoHits)) {
            // The rules work without their log, except a "drop next", which could not know
            // it had acted and would drop every one.
            for (const WireRule &rule : rules) {
                if (rule.action == WireRule::Action::DropNext) {
                    if (error)
                        *error = m_whyNoHits;
                    return false;
                }
            }
        }
    }
    const QList<bool> spent(rules.size(), false);
    const QString text = WireRule::nftTable(rules, serverPort, WireRule::defaultLogGroup, spent);
    if (!runNft(text, error))
        return false;
    m_rules = rules;
    m_spent = spent;
    m_serverPort = serverPort;
    m_nftText = text;
    return true;
}

bool WireFilter::clear(QString *error)
{
    if (m_rules.isEmpty() && m_nftText.isEmpty())
        return true;
    if (!runNft(WireRule::nftClear(), error))
        return false;
    m_rules.clear();
    m_spent.clear();
    m_nftText.clear();
    return true;
}

bool WireFilter::openLog(QString *error)
{
    const auto failed = [this, error](const QString &why) {
        closeLog();
        if (error)
            *error = tr("the wire rules' log: %1").arg(why);
        return false;
    };
    m_log = m_network->createSocket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK, NETLINK_NETFILTER);
    if (m_log < 0)
        return failed(tr("socket(AF_NETLINK, NETLINK_NETFILTER) in the lab's network: %1").arg(errnoText(errno)));
    const int size = int(receiveBytes);
    ::setsockopt(m_log, SOL_SOCKET, SO_RCVBUF, &size, sizeof size); // a larger buffer if allowed
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    if (::bind(m_log, reinterpret_cast<sockaddr *>(&local), sizeof local) != 0)
        return failed(tr("bind(): %1").arg(errnoText(errno)));

    // Bind the group, copy whole packets, and hand each over at once (the default batches
    // up to 100 for a second).
    QByteArray attributes;
    nfulnl_msg_config_cmd command{};
    command.command = NFULNL_CFG_CMD_BIND;
    appendAttribute(attributes, NFULA_CFG_CMD, &command, sizeof command);
    nfulnl_msg_config_mode mode{};
    mode.copy_range = htonl(0xffff);
    mode.copy_mode = NFULNL_COPY_PACKET;
    appendAttribute(attributes, NFULA_CFG_MODE, &mode, sizeof mode);
    const quint32 threshold = htonl(1);
    appendAttribute(attributes, NFULA_CFG_QTHRESH, &threshold, sizeof threshold);

    nlmsghdr header{};
    header.nlmsg_len = quint32(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg)) + attributes.size());
    header.nlmsg_type = quint16((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG);
    header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    header.nlmsg_seq = 1;
    nfgenmsg family{};
    family.nfgen_family = AF_UNSPEC;
    family.version = NFNETLINK_V0;
    family.res_id = htons(quint16(WireRule::defaultLogGroup));
    QByteArray message(reinterpret_cast<const char *>(&header), sizeof header);
    message.append(reinterpret_cast<const char *>(&family), sizeof family);
    message.append(attributes);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(m_log, message.constData(), size_t(message.size()), 0, reinterpret_cast<sockaddr *>(&kernel),
                 sizeof kernel)
        != message.size()) {
        return failed(tr("sending the configuration: %1").arg(errnoText(errno)));
    }
    pollfd p{m_log, POLLIN, 0};
    if (::poll(&p, 1, configTimeoutMs) <= 0)
        return failed(tr("the kernel did not answer the configuration within %1 s").arg(configTimeoutMs / 1000));
    alignas(nlmsghdr) char answer[4096];
    const ssize_t n = ::recv(m_log, answer, sizeof answer, 0);
    if (n < ssize_t(NLMSG_HDRLEN + sizeof(nlmsgerr)))
        return failed(tr("no answer to the configuration: %1").arg(n < 0 ? errnoText(errno) : tr("too short")));
    const auto *reply = reinterpret_cast<const nlmsghdr *>(answer);
    if (reply->nlmsg_type != NLMSG_ERROR)
        return failed(tr("an unexpected answer (type %1) to the configuration").arg(reply->nlmsg_type));
    const auto *status = static_cast<const nlmsgerr *>(NLMSG_DATA(reply));
    if (status->error != 0) {
        return failed(tr("binding group %1: %2").arg(WireRule::defaultLogGroup).arg(errnoText(-status->error)));
    }
    m_notifier = new QSocketNotifier(qintptr(m_log), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &WireFilter::readPending);
    return true;
}

void WireFilter::closeLog()
{
    delete m_notifier;
    m_notifier = nullptr;
    if (m_log >= 0) {
        ::close(m_log);
        m_log = -1;
    }
}

void WireFilter::readPending()
{
    if (m_log < 0)
        return;
    QByteArray buffer(receiveBytes, Qt::Uninitialized);
    for (;;) {
        const ssize_t n = ::recv(m_log, buffer.data(), size_t(buffer.size()), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) {
                ++m_lostHits; // at least one; the kernel does not say how many
                continue;
            }
            return; // EAGAIN: all read
        }
        if (n == 0)
            return;
        const auto *data = reinterpret_cast<const uchar *>(buffer.constData());
        qsizetype at = 0;
        while (at + qsizetype(NLMSG_HDRLEN) <= n) {
            nlmsghdr header;
            std::memcpy(&header, data + at, sizeof header);
            if (header.nlmsg_len < NLMSG_HDRLEN || at + qsizetype(header.nlmsg_len) > n)
                break;
            if (header.nlmsg_type == ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET))
                handleMessage(data + at + NLMSG_HDRLEN, qsizetype(header.nlmsg_len) - qsizetype(NLMSG_HDRLEN));
            at += qsizetype(NLMSG_ALIGN(header.nlmsg_len));
        }
    }
}

void WireFilter::handleMessage(const uchar *data, qsizetype length)
{
    const qsizetype start = qsizetype(NLMSG_ALIGN(sizeof(nfgenmsg)));
    int number = 0;
    QByteArray packet;
    qint64 stampNs = 0;
    for (qsizetype at = start; at + qsizetype(NLA_HDRLEN) <= length;) {
        nlattr attribute;
        std::memcpy(&attribute, data + at, sizeof attribute);
        if (attribute.nla_len < NLA_HDRLEN || at + attribute.nla_len > length)
            return;
        const uchar *value = data + at + NLA_HDRLEN;
        const qsizetype size = attribute.nla_len - NLA_HDRLEN;
        switch (attribute.nla_type & NLA_TYPE_MASK) {
        case NFULA_PREFIX:
            number = ruleNumber(reinterpret_cast<const char *>(value), size);
            break;
        case NFULA_PAYLOAD:
            packet = QByteArray(reinterpret_cast<const char *>(value), size);
            break;
        case NFULA_TIMESTAMP:
            if (size >= qsizetype(sizeof(nfulnl_msg_packet_timestamp))) {
                nfulnl_msg_packet_timestamp stamp;
                std::memcpy(&stamp, value, sizeof stamp);
                stampNs = qint64(be64toh(stamp.sec)) * 1000000000 + qint64(be64toh(stamp.usec)) * 1000;
            }
            break;
        default:
            break;
        }
        at += qsizetype(NLA_ALIGN(attribute.nla_len));
    }
    if (number < 1 || number > m_rules.size() || packet.isEmpty())
        return; // another table's log, or a rule of rules since replaced

    // The kernel stamps on CLOCK_REALTIME when the packet has a stamp (only while some socket
    // asks for them, a capture for one); otherwise the moment it is read stands in.
    timespec real{};
    ::clock_gettime(CLOCK_REALTIME, &real);
    const qint64 realNs = qint64(real.tv_sec) * 1000000000 + real.tv_nsec;
    if (stampNs <= 0 || stampNs > realNs)
        stampNs = realNs;
    const SegmentDecoder::Result decoded = SegmentDecoder::decodeIpPacket(packet, 0 /* PACKET_HOST */, stampNs);
    if (!decoded.ok())
        return; // the rules take only TCP; nothing else can arrive here

    WireRuleHit hit;
    hit.rule = number;
    hit.action = m_rules[number - 1].action;
    hit.segment = *decoded.segment;
    hit.packet = packet;
    hit.steadyNs = steadyNowNs() - (realNs - stampNs);

    if (hit.action == WireRule::Action::DropNext && !m_spent[number - 1]) {
        // Taking the rule out takes a few ms; a retransmission within them is dropped too, and
        // is reported here as a second hit of the same rule.
        m_spent[number - 1] = true;
        const QString text = WireRule::nftTable(m_rules, m_serverPort, WireRule::defaultLogGroup, m_spent);
        QString why;
        if (runNft(text, &why)) {
            m_nftText = text;
            Q_EMIT ruleSpent(number);
        } else {
            Q_EMIT failed(tr("taking out spent rule %1: %2").arg(number).arg(why));
        }
    }
    Q_EMIT segmentRuled(hit);
}

} // namespace sockscope
