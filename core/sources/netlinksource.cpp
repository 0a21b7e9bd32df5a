// SPDX-License-Identifier: GPL-3.0-or-later
#include "netlinksource.h"

#include "core/parsers/inetdiagparser.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <QSet>

#include <bitset>
#include <cerrno>
#include <cstring>

namespace sockscope {

namespace {

// The kernel's TCPF_BOUND_INACTIVE: also dump sockets that are only bound (kernel 6.8+;
// older kernels ignore the bit).
constexpr quint32 boundInactive = 1u << 13;
constexpr quint32 allStates = 0xfff | boundInactive;
constexpr int bothFamilies = AF_UNSPEC; // dump(): one request for IPv4 and IPv6

QString systemError(const char *call)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(call), QString::fromLocal8Bit(std::strerror(errno)));
}

} // namespace

NetlinkSource::NetlinkSource()
{
    m_buffer.resize(64 * 1024);
}

NetlinkSource::NetlinkSource(std::function<int()> openSocket) : NetlinkSource()
{
    m_openSocket = std::move(openSocket);
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
    m_fd = m_openSocket ? m_openSocket() : ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
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
    QByteArray packet;
    const quint32 sequence = ++m_sequence;
    quint32 states = allStates;
    if (filter.state) {
        // Bound-only sockets are CLOSE too, but the kernel lists them under their own bit.
        states = 1u << kernelNumber(*filter.state);
        if (*filter.state == TcpState::Close)
            states |= boundInactive;
    }
    if (!filter.boundInactive)
        states &= ~boundInactive;
    const quint8 extensions = filter.tcpInfoForAll ? quint8(1 << (INET_DIAG_INFO - 1)) : quint8(0);
    if (family == bothFamilies) {
        // The older request (TCPDIAG_GETSOCK, as ss once sent): the kernel dumps both families
        // in one walk of its tables, where SOCK_DIAG_BY_FAMILY walks them once per family.
        struct
        {
            nlmsghdr header;
            inet_diag_req request;
        } message{};
        message.header.nlmsg_type = TCPDIAG_GETSOCK;
        message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        message.header.nlmsg_seq = sequence;
        message.request.idiag_family = AF_INET;
        message.request.idiag_states = states;
        message.request.idiag_ext = extensions;
        packet.append(reinterpret_cast<const char *>(&message), sizeof message);
    } else {
        struct
        {
            nlmsghdr header;
            inet_diag_req_v2 request;
        } message{};
        message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        message.header.nlmsg_seq = sequence;
        message.request.sdiag_family = quint8(family);
        message.request.sdiag_protocol = IPPROTO_TCP;
        message.request.idiag_states = states;
        message.request.idiag_ext = extensions;
        packet.append(reinterpret_cast<const char *>(&message), sizeof message);
    }
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
    // Growing a list of tens of thousands of rows step by step copies it several times over.
    snapshot.records.reserve(m_lastRows + m_lastRows / 16);
    if (!filter.family && m_bothAtOnce) {
        const QString error = dump(bothFamilies, filter, &snapshot.records, nullptr);
        if (error.isEmpty())
            return finish(filter, snapshot);
        // A kernel without the older request: one dump per family from now on.
        m_bothAtOnce = false;
        snapshot.records.clear();
    }
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
    return finish(filter, snapshot);
}

Snapshot NetlinkSource::finish(const SocketFilter &filter, Snapshot &snapshot)
{
    // The kernel filtered by port and state; more ports than its filter holds, and the family
    // of IPv4-mapped rows, are checked here.
    if (!filter.isEmpty())
        snapshot.records.removeIf([&filter](const SocketRecord &r) { return !filter.matches(r); });
    if (!filter.tcpInfoForAll && !filter.tcpInfoFor.isEmpty())
        addTcpInfo(filter, snapshot.records);
    m_lastRows = snapshot.records.size();
    return std::move(snapshot);
}

void NetlinkSource::addTcpInfo(const SocketFilter &filter, QList<SocketRecord> &records)
{
    QSet<ConnectionKey> wanted;
    std::bitset<65536> ports; // a cheap first test for each of many rows
    for (const ConnectionKey &key : filter.tcpInfoFor.mid(0, SocketFilter::maxTcpInfoRows)) {
        wanted.insert(key);
        ports.set(key.local.port);
    }
    for (SocketRecord &r : records) {
        if (!ports.test(r.local.port) || !wanted.contains(ConnectionKey::of(r)))
            continue;
        SocketRecord full;
        if (!queryOne(ConnectionKey::of(r), full) || full.local != r.local || full.remote != r.remote)
            continue; // gone since the dump: the row stays as the dump had it
        r.rtoMs = full.rtoMs;
        r.atoMs = full.atoMs;
        r.rttUs = full.rttUs;
        r.rttVarUs = full.rttVarUs;
        r.cwnd = full.cwnd;
        r.ssthresh = full.ssthresh;
    }
}

bool NetlinkSource::queryOne(const ConnectionKey &key, SocketRecord &out)
{
    QString error;
    if (!ensureSocket(error))
        return false;
    struct
    {
        nlmsghdr header;
        inet_diag_req_v2 request;
    } message{};
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST; // one socket, not a dump
    message.header.nlmsg_seq = ++m_sequence;
    const bool v4 = key.family == AddressFamily::IPv4;
    message.request.sdiag_family = v4 ? AF_INET : AF_INET6;
    message.request.sdiag_protocol = IPPROTO_TCP;
    message.request.idiag_states = allStates;
    message.request.idiag_ext = 1 << (INET_DIAG_INFO - 1);
    inet_diag_sockid &id = message.request.id;
    id.idiag_sport = htons(key.local.port);
    id.idiag_dport = htons(key.remote.port);
    const auto put = [v4](const IpAddress &address, __be32 *to) {
        if (v4)
            to[0] = htonl(address.toIPv4());
        else
            std::memcpy(to, address.bytes().data(), 16);
    };
    put(key.local.address, id.idiag_src);
    put(key.remote.address, id.idiag_dst);
    id.idiag_cookie[0] = id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(m_fd, &message, sizeof message, 0, reinterpret_cast<sockaddr *>(&kernel), sizeof kernel) < 0)
        return false;
    ssize_t n;
    do
        n = ::recv(m_fd, m_buffer.data(), size_t(m_buffer.size()), 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return false;
    QList<SocketRecord> one;
    const InetDiagParser::Result result = InetDiagParser::parse(QByteArrayView(m_buffer.constData(), n), one);
    if (result.status == InetDiagParser::Status::Error || one.isEmpty())
        return false; // ENOENT: it closed since the dump
    out = std::move(one.first());
    return true;
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
