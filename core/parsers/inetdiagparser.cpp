// SPDX-License-Identifier: GPL-3.0-or-later
#include "inetdiagparser.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <climits>
#include <cstring>

namespace sockscope {

namespace {

template<typename T>
T read(const char *p)
{
    T value;
    std::memcpy(&value, p, sizeof value); // the datagram promises no alignment
    return value;
}

// The shutdown detail as ss -e prints it ('<' and '>' for the directions still open). Nearly
// every row carries one and there are four values: each row shares a prebuilt map (a
// reference count) instead of building its own, which at tens of thousands of rows a poll
// was a good part of parsing and of freeing the snapshot.
const QMap<QString, QString> &shutdownDetails(quint8 mask)
{
    static const std::array<QMap<QString, QString>, 4> details = [] {
        std::array<QMap<QString, QString>, 4> d;
        for (quint8 m = 0; m < 4; ++m) {
            d[m].insert(QStringLiteral("shutdown"),
                        QString(QLatin1Char(m & 1 ? '-' : '<')) + QLatin1Char('-') + QLatin1Char(m & 2 ? '-' : '>'));
        }
        return d;
    }();
    return details[mask & 3];
}

// One socket's message: the fixed inet_diag_msg, then attributes.
bool parseSocket(const char *p, qsizetype length, SocketRecord &r, QString &error)
{
    if (length < qsizetype(sizeof(inet_diag_msg))) {
        error = QStringLiteral("a socket message of %1 bytes is shorter than inet_diag_msg").arg(length);
        return false;
    }
    const auto msg = read<inet_diag_msg>(p);
    if (msg.idiag_family == AF_INET) {
        r.family = AddressFamily::IPv4;
        quint32 src, dst;
        std::memcpy(&src, msg.id.idiag_src, 4);
        std::memcpy(&dst, msg.id.idiag_dst, 4);
        r.local.address = IpAddress::fromIPv4(ntohl(src));
        r.remote.address = IpAddress::fromIPv4(ntohl(dst));
    } else if (msg.idiag_family == AF_INET6) {
        r.family = AddressFamily::IPv6;
        std::array<quint8, 16> bytes;
        std::memcpy(bytes.data(), msg.id.idiag_src, 16);
        r.local.address = IpAddress::fromIPv6(bytes);
        std::memcpy(bytes.data(), msg.id.idiag_dst, 16);
        r.remote.address = IpAddress::fromIPv6(bytes);
    } else {
        error = QStringLiteral("a socket of address family %1, neither AF_INET nor AF_INET6").arg(msg.idiag_family);
        return false;
    }
    r.local.port = ntohs(msg.id.idiag_sport);
    r.remote.port = ntohs(msg.id.idiag_dport);
    const std::optional<TcpState> state = tcpStateFromKernelNumber(msg.idiag_state);
    if (!state) {
        error = QStringLiteral("unknown state %1").arg(msg.idiag_state);
        return false;
    }
    r.state = *state;
    if (r.state == TcpState::Listen) {
        r.rxQueue = msg.idiag_rqueue; // the accept queue
        r.listenBacklog = msg.idiag_wqueue;
    } else {
        r.rxQueue = msg.idiag_rqueue;
        r.txQueue = msg.idiag_wqueue;
    }
    if (msg.idiag_timer > 4) {
        error = QStringLiteral("unknown timer %1").arg(msg.idiag_timer);
        return false;
    }
    r.timer = static_cast<TimerKind>(msg.idiag_timer);
    r.timerRemainingMs = r.timer == TimerKind::None ? 0 : qint64(msg.idiag_expires);
    if (r.timer == TimerKind::Retransmit)
        r.retransmits = msg.idiag_retrans;
    else if (r.timer == TimerKind::Keepalive || r.timer == TimerKind::ZeroWindowProbe)
        r.probes = msg.idiag_retrans;
    r.uid = msg.idiag_uid;
    r.inode = msg.idiag_inode;
    r.cookie = quint64(msg.id.idiag_cookie[0]) | quint64(msg.id.idiag_cookie[1]) << 32;

    // Attributes: what the request asked for beyond the fixed part.
    qsizetype offset = NLMSG_ALIGN(sizeof(inet_diag_msg));
    while (offset + qsizetype(sizeof(rtattr)) <= length) {
        const auto attr = read<rtattr>(p + offset);
        if (attr.rta_len < sizeof(rtattr)) {
            error = QStringLiteral("an attribute of %1 bytes is shorter than its header").arg(attr.rta_len);
            return false;
        }
        if (offset + qsizetype(attr.rta_len) > length) {
            error = QStringLiteral("an attribute runs past its message");
            return false;
        }
        const char *data = p + offset + RTA_LENGTH(0);
        const qsizetype size = attr.rta_len - RTA_LENGTH(0);
        if (attr.rta_type == INET_DIAG_INFO && size >= qsizetype(offsetof(tcp_info, tcpi_snd_cwnd) + 4)) {
            tcp_info info{};
            std::memcpy(&info, data, size_t(qMin<qsizetype>(size, sizeof info)));
            r.rtoMs = info.tcpi_rto / 1000;
            r.atoMs = info.tcpi_ato / 1000;
            r.rttUs = info.tcpi_rtt;
            r.rttVarUs = info.tcpi_rttvar;
            r.cwnd = info.tcpi_snd_cwnd;
            if (info.tcpi_snd_ssthresh < 0x7fffffffu)
                r.ssthresh = qint32(info.tcpi_snd_ssthresh);
        } else if (attr.rta_type == INET_DIAG_SHUTDOWN && size >= 1) {
            const QMap<QString, QString> &shutdown = shutdownDetails(quint8(data[0]));
            if (r.details.isEmpty())
                r.details = shutdown;
            else
                r.details.insert(shutdown);
        } else if (attr.rta_type == INET_DIAG_CONG && size >= 1) {
            r.details.insert(QStringLiteral("congestion"),
                             QString::fromLatin1(data, qstrnlen(data, uint(qMin<qsizetype>(size, 32)))));
        }
        offset += RTA_ALIGN(attr.rta_len);
    }
    return true;
}

} // namespace

InetDiagParser::Result InetDiagParser::parse(QByteArrayView datagram, QList<SocketRecord> &records)
{
    Result result;
    const char *base = datagram.data();
    qsizetype offset = 0;
    const qsizetype total = datagram.size();
    while (offset + qsizetype(sizeof(nlmsghdr)) <= total) {
        const auto header = read<nlmsghdr>(base + offset);
        if (header.nlmsg_len < sizeof(nlmsghdr)) {
            result.status = Status::Error;
            result.error = QStringLiteral("a netlink message of %1 bytes is shorter than its header").arg(header.nlmsg_len);
            return result;
        }
        if (offset + qsizetype(header.nlmsg_len) > total) {
            result.status = Status::Error;
            result.error = QStringLiteral("a netlink message of %1 bytes runs past the %2 received")
                               .arg(header.nlmsg_len)
                               .arg(total - offset);
            return result;
        }
        const char *payload = base + offset + NLMSG_HDRLEN;
        const qsizetype payloadLength = qsizetype(header.nlmsg_len) - NLMSG_HDRLEN;
        switch (header.nlmsg_type) {
        case NLMSG_DONE:
            result.status = Status::Done;
            return result;
        case NLMSG_ERROR: {
            result.status = Status::Error;
            if (payloadLength < qsizetype(sizeof(nlmsgerr))) {
                result.error = QStringLiteral("a truncated netlink error");
                return result;
            }
            const auto e = read<nlmsgerr>(payload);
            // error is -errno; anything else (0, positive, INT_MIN whose negation overflows) is
            // no errno and is shown as a number.
            result.error = e.error < 0 && e.error != INT_MIN
                ? QStringLiteral("the kernel refused the dump: %1").arg(QString::fromLocal8Bit(std::strerror(-e.error)))
                : QStringLiteral("the kernel refused the dump with error code %1").arg(e.error);
            return result;
        }
        case SOCK_DIAG_BY_FAMILY:
        case TCPDIAG_GETSOCK: { // the type of the request it answers (NetlinkSource asks both)
            SocketRecord record;
            if (!parseSocket(payload, payloadLength, record, result.error)) {
                result.status = Status::Error;
                return result;
            }
            records.append(std::move(record));
            break;
        }
        default:
            break; // NLMSG_NOOP and anything newer: nothing to take
        }
        offset += NLMSG_ALIGN(header.nlmsg_len);
    }
    if (offset != total && offset < total) {
        result.status = Status::Error;
        result.error = QStringLiteral("%1 stray bytes after the last netlink message").arg(total - offset);
    }
    return result;
}

QByteArray InetDiagParser::portFilter(const QList<quint16> &ports)
{
    if (ports.isEmpty() || ports.size() > maxFilterPorts)
        return QByteArray();
    // An OR of tests, laid out as ss does: test, jump, test, jump, ..., test. The kernel's audit
    // only accepts a "no" target that lies on the chain of "yes" jumps from the start, so a
    // passing test steps onto its jump (which goes to the end: accept) and a failing one skips
    // it to the next test; the last test's miss lands 4 bytes past the end: reject.
    struct Test
    {
        unsigned char code;
        quint16 port;
    };
    QList<Test> tests;
    for (quint16 port : ports) {
        tests.append({static_cast<unsigned char>(INET_DIAG_BC_S_EQ), port});
        tests.append({static_cast<unsigned char>(INET_DIAG_BC_D_EQ), port});
    }
    const int testSize = 2 * int(sizeof(inet_diag_bc_op));
    const int jumpSize = int(sizeof(inet_diag_bc_op));
    const int length = int(tests.size()) * (testSize + jumpSize) - jumpSize;
    QList<inet_diag_bc_op> ops;
    for (qsizetype i = 0; i < tests.size(); ++i) {
        const bool last = i + 1 == tests.size();
        ops.append({tests[i].code, static_cast<unsigned char>(testSize),
                    static_cast<unsigned short>(last ? testSize + 4 : testSize + jumpSize)});
        ops.append({0, 0, tests[i].port});
        if (!last) {
            const int at = int(i) * (testSize + jumpSize) + testSize;
            ops.append({static_cast<unsigned char>(INET_DIAG_BC_JMP), static_cast<unsigned char>(jumpSize),
                        static_cast<unsigned short>(length - at)});
        }
    }
    return QByteArray(reinterpret_cast<const char *>(ops.constData()), length);
}

} // namespace sockscope
