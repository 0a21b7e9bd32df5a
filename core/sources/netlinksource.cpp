// SPDX-License-Identifier: GPL-3.0-or-later
#include "netlinksource.h"

#include "../parsers/inetdiagparser.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockscope {

namespace {

// The kernel's TCPF_BOUND_INACTIVE: also dump sockets that are only bound (kernel 6.8+;
// older kernels ignore the bit).
constexpr quint32 boundInactive = 1u << 13;
constexpr quint32 allStates = 0xfff | boundInactive;

QString systemError(const char *call)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(call), QString::fromLocal8Bit(std::strerror(errno)));
}

} // namespace

NetlinkSource::NetlinkSource()
{
    m_buffer.resize(64 * 1024);
}

NetlinkSource::~NetlinkSource()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool NetlinkSource::ensureSocket(QString &error)
{
    if (m_fd >= 0)
        return true;
    m_fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (m_fd < 0) {
        error = systemError("socket(AF_NETLINK, NETLINK_SOCK_DIAG)");
        return false;
    }
    // A dump of many sockets arrives in many datagrams; a bigger receive buffer means fewer
    // wake-ups. Best effort: the default works too.
    const int size = 1024 * 1024;
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    // Never block for ever on a kernel that does not answer.
    const timeval timeout{5, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return true;
}

QString NetlinkSource::dump(int family, const SocketFilter &filter, QList<SocketRecord> *records, qint64 *bytes)
{
    QString error;
    if (!ensureSocket(error))
        return error;

    const QByteArray bytecode = InetDiagParser::portFilter(filter.allPorts());
    struct
    {
        nlmsghdr header;
        inet_diag_req_v2 request;
    } message{};
    QByteArray packet;
    const quint32 sequence = ++m_sequence;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    message.header.nlmsg_seq = sequence;
    message.request.sdiag_family = quint8(family);
    message.request.sdiag_protocol = IPPROTO_TCP;
    message.request.idiag_states = allStates;
    if (filter.state) {
        // Bound-only sockets are CLOSE too, but the kernel lists them under their own bit.
        message.request.idiag_states = 1u << kernelNumber(*filter.state);
        if (*filter.state == TcpState::Close)
            message.request.idiag_states |= boundInactive;
    }
    message.request.idiag_ext = 1 << (INET_DIAG_INFO - 1);
    packet.append(reinterpret_cast<const char *>(&message), sizeof message);
    if (!bytecode.isEmpty()) {
        rtattr attr{};
        attr.rta_type = INET_DIAG_REQ_BYTECODE;
        attr.rta_len = quint16(RTA_LENGTH(bytecode.size()));
        packet.append(reinterpret_cast<const char *>(&attr), sizeof attr);
        packet.append(bytecode);
        packet.append(QByteArray(RTA_ALIGN(attr.rta_len) - attr.rta_len, '\0'));
    }
    auto *header = reinterpret_cast<nlmsghdr *>(packet.data());
    header->nlmsg_len = quint32(packet.size());

    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(m_fd, packet.constData(), size_t(packet.size()), 0, reinterpret_cast<sockaddr *>(&kernel), sizeof kernel) < 0) {
        error = systemError("sendto(netlink)");
        ::close(m_fd);
        m_fd = -1;
        return error;
    }

    for (;;) {
        const ssize_t n = ::recv(m_fd, m_buffer.data(), size_t(m_buffer.size()), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            error = systemError("recv(netlink)");
            // A socket left mid-dump would hand its leftovers to the next request.
            ::close(m_fd);
            m_fd = -1;
            return error;
        }
        if (bytes)
            *bytes += n;
        if (!records) {
            // Only count: look for the end of the dump without parsing sockets.
            bool done = false;
            for (qsizetype at = 0; at + qsizetype(sizeof(nlmsghdr)) <= qsizetype(n);) {
                nlmsghdr header;
                std::memcpy(&header, m_buffer.constData() + at, sizeof header);
                if (header.nlmsg_type == NLMSG_DONE || header.nlmsg_type == NLMSG_ERROR)
                    done = true;
                if (header.nlmsg_len < sizeof header)
                    break;
                at += qsizetype(NLMSG_ALIGN(header.nlmsg_len));
            }
            if (done)
                return QString();
            continue;
        }
        const InetDiagParser::Result result = InetDiagParser::parse(QByteArrayView(m_buffer.constData(), n), *records);
        if (result.status == InetDiagParser::Status::Done)
            return QString();
        if (result.status == InetDiagParser::Status::Error) {
            ::close(m_fd);
            m_fd = -1;
            return result.error;
        }
    }
}

Snapshot NetlinkSource::take(const SocketFilter &filter)
{
    Snapshot snapshot;
    snapshot.source = name();
    snapshot.stampNow();
    for (int family : {AF_INET, AF_INET6}) {
        if (filter.family && (*filter.family == AddressFamily::IPv4) != (family == AF_INET))
            continue;
        const QString error = dump(family, filter, &snapshot.records, nullptr);
        if (!error.isEmpty()) {
            snapshot.error = error;
            snapshot.records.clear();
            return snapshot;
        }
    }
    // The kernel filtered by port and state; more ports than its filter holds, and the family
    // of IPv4-mapped rows, are checked here.
    if (!filter.isEmpty())
        snapshot.records.removeIf([&filter](const SocketRecord &r) { return !filter.matches(r); });
    return snapshot;
}

qint64 NetlinkSource::dumpBytes(const SocketFilter &filter, QString *error)
{
    qint64 bytes = 0;
    for (int family : {AF_INET, AF_INET6}) {
        const QString problem = dump(family, filter, nullptr, &bytes);
        if (!problem.isEmpty()) {
            if (error)
                *error = problem;
            return -1;
        }
    }
    return bytes;
}

bool NetlinkSource::isAvailable(QString *error)
{
    NetlinkSource probe;
    SocketFilter nothing;
    nothing.port = 1;
    const Snapshot s = probe.take(nothing);
    if (!s.ok() && error)
        *error = s.error;
    return s.ok();
}

} // namespace sockscope
