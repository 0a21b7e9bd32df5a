// SPDX-License-Identifier: GPL-3.0-or-later
#include "lab.h"

#include "core/system/labnetwork.h"

#include "core/model/snapshot.h"
#include "core/sources/procsource.h"
#include "core/system/socketowners.h"

#include <QDateTime>
#include <QMutex>
#include <QMutexLocker>
#include <QSocketNotifier>
#include <QThreadPool>
#include <QTimer>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

namespace sockscope {

namespace {

// Large enough for a whole fill round and cheap to keep: the lab only ever sends zeros.
constexpr qint64 chunkBytes = 16 * 1024;
const QByteArray &payload()
{
    static const QByteArray zeros(int(chunkBytes), '\0');
    return zeros;
}

socklen_t toSockaddr(const Endpoint &e, AddressFamily socketFamily, sockaddr_storage &storage)
{
    std::memset(&storage, 0, sizeof storage);
    if (socketFamily == AddressFamily::IPv4) {
        auto *a = reinterpret_cast<sockaddr_in *>(&storage);
        a->sin_family = AF_INET;
        a->sin_port = htons(e.port);
        a->sin_addr.s_addr = htonl(e.address.toIPv4());
        return sizeof(sockaddr_in);
    }
    auto *a = reinterpret_cast<sockaddr_in6 *>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(e.port);
    if (e.address.isIPv4()) {
        // An IPv4 address given to an IPv6 socket means its IPv4-mapped form.
        const quint32 v4 = htonl(e.address.toIPv4());
        a->sin6_addr.s6_addr[10] = 0xff;
        a->sin6_addr.s6_addr[11] = 0xff;
        std::memcpy(&a->sin6_addr.s6_addr[12], &v4, 4);
    } else {
        std::memcpy(a->sin6_addr.s6_addr, e.address.bytes().data(), 16);
    }
    return sizeof(sockaddr_in6);
}

Endpoint fromSockaddr(const sockaddr_storage &storage)
{
    Endpoint e;
    if (storage.ss_family == AF_INET) {
        const auto *a = reinterpret_cast<const sockaddr_in *>(&storage);
        e.address = IpAddress::fromIPv4(ntohl(a->sin_addr.s_addr));
        e.port = ntohs(a->sin_port);
    } else if (storage.ss_family == AF_INET6) {
        const auto *a = reinterpret_cast<const sockaddr_in6 *>(&storage);
        std::array<quint8, 16> bytes;
        std::memcpy(bytes.data(), a->sin6_addr.s6_addr, 16);
        e.address = IpAddress::fromIPv6(bytes);
        e.port = ntohs(a->sin6_port);
    }
    return e;
}

struct OptionSpec
{
    int level;
    int name;
};

OptionSpec optionSpec(LabOption option)
{
    switch (option) {
    case LabOption::ReuseAddress: return {SOL_SOCKET, SO_REUSEADDR};
    case LabOption::ReceiveBuffer: return {SOL_SOCKET, SO_RCVBUF};
    case LabOption::SendBuffer: return {SOL_SOCKET, SO_SNDBUF};
    case LabOption::DeferAccept: return {IPPROTO_TCP, TCP_DEFER_ACCEPT};
    case LabOption::SynRetries: return {IPPROTO_TCP, TCP_SYNCNT};
    case LabOption::KeepAlive: return {SOL_SOCKET, SO_KEEPALIVE};
    case LabOption::Linger: return {SOL_SOCKET, SO_LINGER};
    case LabOption::NoDelay: return {IPPROTO_TCP, TCP_NODELAY};
    }
    return {SOL_SOCKET, SO_REUSEADDR};
}

// IPv4 and its IPv4-mapped IPv6 form name the same endpoint: a dual-stack listener's rows
// show ::ffff:127.0.0.1 for a client that connected from 127.0.0.1.
bool sameEndpoint(const Endpoint &a, const Endpoint &b)
{
    return a.unmapped() == b.unmapped();
}

// The states in which the kernel keeps a connection after its socket was closed.
bool outlivesClose(TcpState state)
{
    switch (state) {
    case TcpState::FinWait1:
    case TcpState::FinWait2:
    case TcpState::Closing:
    case TcpState::LastAck:
    case TcpState::TimeWait:
        return true;
    default:
        return false;
    }
}

// Descriptors this process may still open: RLIMIT_NOFILE less those open now. -1 when it
// cannot tell (no /proc).
int descriptorsLeft(int *limitOut)
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return -1;
    *limitOut = int(qMin<rlim_t>(limit.rlim_cur, rlim_t(std::numeric_limits<int>::max())));
    DIR *dir = ::opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int open = -1; // the directory's own descriptor is listed too
    while (const dirent *entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.')
            ++open;
    }
    ::closedir(dir);
    return *limitOut - open;
}

// One of the lab's open sockets, as a port-holder lookup needs it.
struct OwnSocket
{
    quint64 inode = 0;
    QString label;
};

// Who holds `wanted`'s port, in words. Reads /proc (every process's descriptors, for the
// owner), so it runs off the lab's thread: it touches nothing but its arguments.
QString portHolderText(const Endpoint &wanted, const QList<OwnSocket> &own)
{
    const quint16 port = wanted.port;
    SocketFilter filter;
    filter.port = port;
    const Snapshot snapshot = ProcSource().take(filter);
    // The rows that can stand in the way of this bind: same port, and the same address or a
    // wildcard on either side; listeners first, as they are the usual reason.
    QList<SocketRecord> candidates;
    for (const SocketRecord &r : snapshot.records) {
        if (r.local.port != port)
            continue;
        if (!wanted.address.isAny() && !r.local.address.isAny() && !sameEndpoint(r.local, wanted))
            continue;
        if (r.state == TcpState::Listen)
            candidates.prepend(r);
        else
            candidates.append(r);
    }
    for (const SocketRecord &r : std::as_const(candidates)) {
        const QString where = r.local.toString() + QLatin1Char(' ') + kernelName(r.state);
        const quint64 inode = r.inode.value_or(0);
        for (const OwnSocket &s : own) {
            if (inode != 0 && s.inode == inode)
                return QStringLiteral("port %1 is held by this lab's %2 (%3)").arg(port).arg(s.label, where);
        }
        if (inode == 0)
            return QStringLiteral("port %1 is held by a connection without a process (%2); "
                                  "SO_REUSEADDR lets a listener bind anyway")
                .arg(port)
                .arg(where);
        SocketRecord holder = r;
        SocketOwners().attribute(holder);
        if (holder.ownerStatus == OwnerStatus::Process)
            return QStringLiteral("port %1 is held by %2 (%3)").arg(port).arg(holder.ownerText(), where);
        return QStringLiteral("port %1 is held by a socket of uid %2 (%3, inode %4); its process is not "
                              "visible to this user")
            .arg(port)
            .arg(r.uid.value_or(0))
            .arg(where)
            .arg(inode);
    }
    return QStringLiteral("the kernel's table shows no socket on port %1 now").arg(port);
}

} // namespace

// Where a lookup running on a worker thread delivers its answer. The lab empties it when it
// is destroyed, under the same lock a lookup holds while it posts: a lookup either posts to a
// living lab (and Qt drops the posted call if the lab goes before it runs) or finds it gone.
struct LabMailbox
{
    QMutex mutex;
    Lab *lab = nullptr;
};

Lab::Lab(QObject *parent) : QObject(parent), m_mailbox(std::make_shared<LabMailbox>())
{
    m_mailbox->lab = this;
}

Lab::~Lab()
{
    {
        // Lookups still running answer no one now.
        const QMutexLocker lock(&m_mailbox->mutex);
        m_mailbox->lab = nullptr;
    }
    // No signals from a half-destroyed object: close quietly.
    for (LabSocket &s : m_sockets) {
        if (!s.open)
            continue;
        const linger hard{1, 0};
        ::setsockopt(s.fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        ::close(s.fd);
        s.open = false;
    }
    for (LabEpoll &e : m_epolls) {
        if (e.open)
            ::close(e.fd);
        e.open = false;
    }
}

LabSocket *Lab::find(int id)
{
    for (LabSocket &s : m_sockets) {
        if (s.id == id)
            return &s;
    }
    return nullptr;
}

const LabSocket *Lab::socket(int id) const
{
    // Const iteration: a non-const lookup would detach a list shared with a copy sockets()
    // handed out, and leave earlier pointers dangling.
    for (const LabSocket &s : m_sockets) {
        if (s.id == id)
            return &s;
    }
    return nullptr;
}

QList<LabSocket> Lab::sockets() const
{
    return m_sockets;
}

LabEpoll *Lab::findEpoll(int id)
{
    for (LabEpoll &e : m_epolls) {
        if (e.id == id)
            return &e;
    }
    return nullptr;
}

const LabEpoll *Lab::epoll(int id) const
{
    for (const LabEpoll &e : m_epolls) {
        if (e.id == id)
            return &e;
    }
    return nullptr;
}

QList<LabEpoll> Lab::epolls() const
{
    return m_epolls;
}

LabCall Lab::beginEpoll(const LabEpoll *e, LabCall::Kind kind) const
{
    LabCall c;
    c.kind = kind;
    if (e) {
        c.socketId = e->id;
        c.socketLabel = e->label();
    }
    if (e && LabCall::isEpoll(kind)) { // close() names only its descriptor, like any close()
        c.epollId = e->id;
        c.epollLabel = e->label();
    }
    return c;
}

LabCall Lab::begin(const LabSocket *s, LabCall::Kind kind) const
{
    LabCall c;
    c.kind = kind;
    c.socketId = s ? s->id : 0;
    c.socketLabel = s ? s->label() : QString();
    return c;
}

LabCall Lab::planned(const LabSocket *s, const LabCommand &command) const
{
    // The first call a command makes, with the arguments it would have.
    using K = LabCommand::Kind;
    LabCall c;
    switch (command.kind) {
    case K::Socket:
        c = begin(s, LabCall::Kind::Socket);
        c.family = command.family;
        break;
    case K::SetOption:
        c = begin(s, LabCall::Kind::SetOption);
        c.option = command.option;
        c.value = command.value;
        break;
    case K::Bind:
    case K::Connect:
        c = begin(s, command.kind == K::Bind ? LabCall::Kind::Bind : LabCall::Kind::Connect);
        c.endpoint = command.endpoint;
        break;
    case K::Listen:
        c = begin(s, LabCall::Kind::Listen);
        c.value = command.value;
        break;
    case K::Accept: c = begin(s, LabCall::Kind::Accept); break;
    case K::Send:
    case K::Fill:
        c = begin(s, LabCall::Kind::Send);
        c.value = command.kind == K::Send ? qBound<qint64>(0, command.value, chunkBytes) : 0;
        c.repeated = command.kind == K::Fill;
        break;
    case K::Receive:
    case K::Drain:
    case K::Echo:
        c = begin(s, LabCall::Kind::Receive);
        c.value = command.kind == K::Receive ? qBound<qint64>(1, command.value, chunkBytes)
                                             : (command.kind == K::Echo ? chunkBytes : 0);
        c.repeated = command.kind == K::Drain;
        break;
    case K::ShutdownWrite:
        c = begin(s, LabCall::Kind::Shutdown);
        c.how = LabCall::How::Write;
        break;
    case K::Close:
    case K::Abort: // SO_LINGER 0, then the close() that matters
        c = begin(s, LabCall::Kind::Close);
        break;
    case K::EpollCreate: c = beginEpoll(nullptr, LabCall::Kind::EpollCreate); break;
    case K::EpollCtl: {
        c = begin(s, LabCall::Kind::EpollCtl);
        const LabEpoll *e = epoll(command.epollId);
        c.epollId = command.epollId;
        c.epollLabel = e ? e->label() : QString();
        c.epollOp = command.epollOp;
        c.events = command.epollOp == EpollOp::Delete ? 0 : command.events;
        break;
    }
    case K::EpollWait: {
        const LabEpoll *e = epoll(command.epollId);
        c = beginEpoll(e, LabCall::Kind::EpollWait);
        c.epollId = command.epollId;
        c.value = qBound(1, int(command.value), maxEpollEvents);
        c.timeoutMs = qMax(-1, command.timeoutMs);
        break;
    }
    }
    return c;
}

bool Lab::refuseUnlessEpollOpen(LabEpoll *e, const LabCommand &command)
{
    if (e && e->open)
        return true;
    LabCall c = planned(nullptr, command);
    if (e && (command.kind == LabCommand::Kind::Close || command.kind == LabCommand::Kind::Abort)) {
        c = beginEpoll(e, LabCall::Kind::Close);
    }
    c.notCalled = true;
    c.detail = e ? QStringLiteral("not called: %1 is already closed").arg(e->label())
                 : QStringLiteral("not called: no such epoll instance");
    finish(c, -1, 0);
    return false;
}

const LabCall &Lab::finish(LabCall call, qint64 result, int error)
{
    const Snapshot now = [] {
        Snapshot s;
        s.stampNow();
        return s;
    }();
    call.sequence = ++m_lastSequence;
    call.wallTimeMs = now.wallTimeMs;
    call.steadyNs = now.steadyNs;
    call.result = result;
    call.error = error;
    m_calls.append(call);
    m_pending.append(call);
    return m_calls.last();
}

void Lab::flush()
{
    // Signals go out only once an operation is complete: a slot may call back into the lab,
    // and no operation may hold a pointer into m_sockets across an emit.
    const QList<LabCall> pending = std::exchange(m_pending, {});
    const bool changed = std::exchange(m_socketsChanged, false);
    for (const LabCall &call : pending)
        Q_EMIT callMade(call);
    if (changed)
        Q_EMIT socketsChanged();
}

bool Lab::refuseUnlessOpen(LabSocket *s, const LabCommand &command)
{
    if (s && s->open)
        return true;
    // Never pass a closed descriptor to the kernel: its number may belong to something else now.
    LabCall c = planned(s, command);
    c.notCalled = true;
    c.detail = s ? QStringLiteral("not called: %1 is already closed").arg(s->label())
                 : QStringLiteral("not called: no such socket");
    finish(c, -1, 0);
    return false;
}

void Lab::refreshLocal(LabSocket *s)
{
    sockaddr_storage storage{};
    socklen_t len = sizeof storage;
    if (::getsockname(s->fd, reinterpret_cast<sockaddr *>(&storage), &len) == 0)
        s->local = fromSockaddr(storage);
}

Lab::Result Lab::execute(const LabCommand &c)
{
    const Result result = perform(c);
    flush();
    return result;
}

Lab::Result Lab::perform(const LabCommand &c)
{
    using K = LabCommand::Kind;
    if (c.kind == K::Socket)
        return doSocket(c);
    if (c.kind == K::EpollCreate)
        return doEpollCreate(c);
    if (c.kind == K::EpollWait) {
        LabEpoll *e = findEpoll(c.epollId);
        return refuseUnlessEpollOpen(e, c) ? doEpollWait(e, c) : Result{};
    }
    if (c.kind == K::Close || c.kind == K::Abort) {
        // close() on an epoll instance: its ids are from the sockets' count, never the same.
        if (LabEpoll *e = findEpoll(c.socketId))
            return refuseUnlessEpollOpen(e, c) ? doEpollClose(e) : Result{};
    }
    if (c.kind == K::EpollCtl && !refuseUnlessEpollOpen(findEpoll(c.epollId), c))
        return {};
    LabSocket *s = find(c.socketId);
    if (!refuseUnlessOpen(s, c))
        return {};
    switch (c.kind) {
    case LabCommand::Kind::Socket: break;
    case LabCommand::Kind::SetOption: return doSetOption(s, c.option, c.value);
    case LabCommand::Kind::Bind: return doBind(s, c.endpoint);
    case LabCommand::Kind::Listen: return doListen(s, int(c.value));
    case LabCommand::Kind::Accept: return doAccept(s);
    case LabCommand::Kind::Connect: return doConnect(s, c.endpoint);
    case LabCommand::Kind::Send: return doSend(s, c.value);
    case LabCommand::Kind::Fill: return doFill(s);
    case LabCommand::Kind::Receive: return doReceive(s, c.value);
    case LabCommand::Kind::Drain: return doDrain(s);
    case LabCommand::Kind::Echo: return doEcho(s);
    case LabCommand::Kind::ShutdownWrite: return doShutdownWrite(s);
    case LabCommand::Kind::Close: return doClose(s, false);
    case LabCommand::Kind::Abort: return doClose(s, true);
    case LabCommand::Kind::EpollCtl: return doEpollCtl(findEpoll(c.epollId), s, c);
    case LabCommand::Kind::EpollCreate:
    case LabCommand::Kind::EpollWait: break;
    }
    return {};
}

bool Lab::refuseWithoutDescriptors(const LabSocket *s, const LabCommand &command)
{
    // The lab's sockets may not take the last descriptors: reading the kernel's table, saving
    // a file, running ss and the sanitizers' own checks all need a few. Beyond this the kernel
    // would answer EMFILE anyway; the lab stops a little earlier and says why.
    int limit = 0;
    const int left = descriptorsLeft(&limit);
    const int reserve = qBound(4, limit / 4, reservedDescriptors);
    if (left < 0 || left > reserve)
        return false;
    LabCall c = planned(s, command);
    c.notCalled = true;
    c.error = EMFILE;
    c.detail = QStringLiteral("not called: %1 of the %2 descriptors this process may have are left (ulimit -n), "
                              "and sockscope keeps %3 to read the kernel's table and save files; close lab sockets "
                              "or raise the limit")
                   .arg(qMax(0, left))
                   .arg(limit)
                   .arg(reserve);
    finish(c, -1, EMFILE);
    return true;
}

void Lab::setNetwork(LabNetwork *network)
{
    m_network = network;
}

LabNetwork *Lab::network() const
{
    return m_network;
}

Lab::Result Lab::doSocket(const LabCommand &c)
{
    if (refuseWithoutDescriptors(nullptr, c))
        return {};
    LabSocket s;
    s.id = m_nextId++;
    s.role = c.role;
    s.ordinal = ++m_lastOrdinal[c.role];
    s.family = c.family;
    s.network = m_network ? Network::Private : Network::Host;
    const int domain = c.family == AddressFamily::IPv4 ? AF_INET : AF_INET6;
    const int fd = m_network ? m_network->createSocket(domain, SOCK_STREAM | SOCK_NONBLOCK, 0)
                             : ::socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        const int error = errno;
        --m_lastOrdinal[c.role];
        finish(planned(nullptr, c), -1, error);
        return {};
    }
    s.fd = fd;
    s.open = true;
    struct stat st{};
    if (::fstat(fd, &st) == 0)
        s.inode = quint64(st.st_ino);
    m_sockets.append(s);
    LabCall call = planned(&s, c);
    call.createdSocketId = s.id;
    call.detail = QStringLiteral("inode %1").arg(s.inode);
    finish(call, fd, 0);
    m_socketsChanged = true;
    return {true, s.id, fd};
}

Lab::Result Lab::doSetOption(LabSocket *s, LabOption option, qint64 value)
{
    const OptionSpec spec = optionSpec(option);
    const int v = int(qBound<qint64>(0, value, qint64(std::numeric_limits<int>::max())));
    LabCall call = begin(s, LabCall::Kind::SetOption);
    call.option = option;
    call.value = v;
    const linger lingerValue{1, v};
    const int rc = option == LabOption::Linger ? ::setsockopt(s->fd, spec.level, spec.name, &lingerValue, sizeof lingerValue)
                                                : ::setsockopt(s->fd, spec.level, spec.name, &v, sizeof v);
    if (rc != 0) {
        const int error = errno;
        finish(call, -1, error);
        return {false, s->id, 0};
    }
    if (option == LabOption::ReceiveBuffer || option == LabOption::SendBuffer) {
        int actual = 0;
        socklen_t len = sizeof actual;
        if (::getsockopt(s->fd, spec.level, spec.name, &actual, &len) == 0)
            call.detail = QStringLiteral("the kernel doubles it for its own bookkeeping: %1 bytes").arg(actual);
    }
    if (option == LabOption::Linger && v == 0)
        call.detail = QStringLiteral("close() will send RST and skip TIME_WAIT");
    finish(call, 0, 0);
    return {true, s->id, 0};
}

Lab::Result Lab::doBind(LabSocket *s, const Endpoint &endpoint)
{
    sockaddr_storage storage;
    const socklen_t len = toSockaddr(endpoint, s->family, storage);
    LabCall call = begin(s, LabCall::Kind::Bind);
    call.endpoint = endpoint;
    if (::bind(s->fd, reinterpret_cast<sockaddr *>(&storage), len) != 0) {
        const int error = errno;
        const quint64 sequence = finish(call, -1, error).sequence;
        if (error == EADDRINUSE)
            lookUpPortHolder(sequence, endpoint);
        return {false, s->id, 0};
    }
    refreshLocal(s);
    if (endpoint.port == 0)
        call.detail = QStringLiteral("the kernel chose port %1").arg(s->local.port);
    finish(call, 0, 0);
    m_socketsChanged = true;
    return {true, s->id, 0};
}

Lab::Result Lab::doListen(LabSocket *s, int backlog)
{
    LabCall call = begin(s, LabCall::Kind::Listen);
    call.value = backlog;
    if (::listen(s->fd, backlog) != 0) {
        const int error = errno;
        const quint64 sequence = finish(call, -1, error).sequence;
        if (error == EADDRINUSE)
            lookUpPortHolder(sequence, s->local);
        return {false, s->id, 0};
    }
    s->listening = true;
    refreshLocal(s);
    call.detail = QStringLiteral("up to %1 completed connections can wait for accept()").arg(backlog + 1);
    finish(call, 0, 0);
    m_socketsChanged = true;
    return {true, s->id, 0};
}

Lab::Result Lab::doAccept(LabSocket *listener)
{
    if (refuseWithoutDescriptors(listener, LabCommand::accept(listener->id)))
        return {false, listener->id, 0};
    sockaddr_storage storage{};
    socklen_t len = sizeof storage;
    LabCall call = begin(listener, LabCall::Kind::Accept);
    const int fd = ::accept4(listener->fd, reinterpret_cast<sockaddr *>(&storage), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        if (error == EAGAIN)
            call.detail = QStringLiteral("no completed connection is waiting in the accept queue");
        finish(call, -1, error);
        return {false, listener->id, 0};
    }

    // Copy what we need before m_sockets grows: `listener` points into it.
    const int listenerId = listener->id;
    const AddressFamily family = listener->family;
    LabSocket s;
    s.id = m_nextId++;
    s.role = LabSocket::Role::Accepted;
    s.ordinal = ++m_lastOrdinal[s.role];
    s.family = family;
    s.network = listener->network;
    s.fd = fd;
    s.open = true;
    s.connected = true;
    s.listenerId = listenerId;
    s.remote = fromSockaddr(storage);
    struct stat st{};
    if (::fstat(fd, &st) == 0)
        s.inode = quint64(st.st_ino);
    refreshLocal(&s);
    for (qsizetype i = m_sockets.size() - 1; i >= 0 && s.peerClientId == 0; --i) {
        const LabSocket &other = m_sockets[i];
        if (other.role == LabSocket::Role::Client && other.open && sameEndpoint(other.local, s.remote)
            && sameEndpoint(other.remote, s.local))
            s.peerClientId = other.id;
    }
    m_sockets.append(s);
    call.createdSocketId = s.id;
    call.detail = QStringLiteral("%1 from %2, inode %3").arg(s.label(), s.remote.toString()).arg(s.inode);
    if (s.peerClientId)
        call.detail += QStringLiteral(" (the peer is %1)").arg(socket(s.peerClientId)->label());
    finish(call, fd, 0);
    m_socketsChanged = true;
    return {true, s.id, fd};
}

Lab::Result Lab::doConnect(LabSocket *s, const Endpoint &endpoint)
{
    sockaddr_storage storage;
    const socklen_t len = toSockaddr(endpoint, s->family, storage);
    LabCall call = begin(s, LabCall::Kind::Connect);
    call.endpoint = endpoint;
    const int rc = ::connect(s->fd, reinterpret_cast<sockaddr *>(&storage), len);
    const int error = rc == 0 ? 0 : errno;
    s->remote = endpoint;
    if (s->family == AddressFamily::IPv6 && endpoint.address.isIPv4())
        s->remote.address = *IpAddress::fromString(QString(QStringLiteral("::ffff:") + endpoint.address.toString()));
    refreshLocal(s);
    if (rc == 0) {
        s->connected = true;
        finish(call, 0, 0);
    } else if (error == EINPROGRESS) {
        s->connecting = true;
        call.detail = QStringLiteral("the SYN is sent from %1; the result comes when the kernel has one")
                          .arg(s->local.toString());
        finish(call, -1, error);
        watchConnect(s);
    } else {
        finish(call, -1, error);
        m_socketsChanged = true;
        return {false, s->id, 0};
    }
    m_socketsChanged = true;
    return {true, s->id, 0};
}

void Lab::watchConnect(LabSocket *s)
{
    auto *notifier = new QSocketNotifier(qintptr(s->fd), QSocketNotifier::Write, this);
    const int id = s->id;
    m_connectWatchers.insert(id, notifier);
    connect(notifier, &QSocketNotifier::activated, this, [this, id] { connectFinished(id); });
}

void Lab::connectFinished(int id)
{
    if (QSocketNotifier *n = m_connectWatchers.take(id)) {
        n->setEnabled(false);
        n->deleteLater();
    }
    LabSocket *s = find(id);
    if (!s || !s->open)
        return;
    int error = 0;
    socklen_t len = sizeof error;
    if (::getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        error = errno;
    s->connecting = false;
    s->connected = error == 0;
    LabCall call = begin(s, LabCall::Kind::Connect);
    call.endpoint = s->remote;
    call.asynchronous = true;
    if (error == ETIMEDOUT)
        call.detail = QStringLiteral("no SYN-ACK came back after every SYN retransmission");
    finish(call, error == 0 ? 0 : -1, error);
    m_socketsChanged = true;
    flush();
}

Lab::Result Lab::doSend(LabSocket *s, qint64 bytes)
{
    bytes = qBound<qint64>(0, bytes, chunkBytes);
    LabCall call = begin(s, LabCall::Kind::Send);
    call.value = bytes;
    const ssize_t n = ::send(s->fd, payload().constData(), size_t(bytes), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
        const int error = errno;
        finish(call, -1, error);
        return {false, s->id, 0};
    }
    if (n < bytes)
        call.detail = QStringLiteral("only %1 of %2 bytes fit in the send buffer").arg(n).arg(bytes);
    s->bytesSent += n;
    finish(call, n, 0);
    return {true, s->id, n};
}

Lab::Result Lab::doFill(LabSocket *s)
{
    LabCall call = begin(s, LabCall::Kind::Send);
    call.repeated = true;
    qint64 total = 0;
    int calls = 0;
    int error = 0;
    // Bounded: the kernel's buffers are finite, but never loop without end on a surprise.
    for (int i = 0; i < 4096; ++i) {
        ++calls;
        const ssize_t n = ::send(s->fd, payload().constData(), size_t(chunkBytes), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            error = errno;
            break;
        }
        total += n;
    }
    s->bytesSent += total;
    if (error == 0) {
        call.detail = QStringLiteral("%1 send() calls, and the kernel still takes more").arg(calls);
        finish(call, total, 0);
        return {true, s->id, total};
    }
    if (error == EAGAIN || error == EWOULDBLOCK) {
        call.detail = QStringLiteral("%1 send() calls; the last said EAGAIN: the send buffer and the "
                                     "peer's receive window are full")
                          .arg(calls);
        finish(call, total, 0);
        return {true, s->id, total};
    }
    call.detail = QStringLiteral("%1 bytes went out before the error").arg(total);
    finish(call, -1, error);
    return {false, s->id, total};
}

Lab::Result Lab::doReceive(LabSocket *s, qint64 maxBytes)
{
    maxBytes = qBound<qint64>(1, maxBytes, chunkBytes);
    QByteArray buffer(int(maxBytes), Qt::Uninitialized);
    LabCall call = begin(s, LabCall::Kind::Receive);
    call.value = maxBytes;
    const ssize_t n = ::recv(s->fd, buffer.data(), size_t(maxBytes), MSG_DONTWAIT);
    if (n < 0) {
        const int error = errno;
        if (error == EAGAIN)
            call.detail = QStringLiteral("nothing has arrived");
        else if (error == ECONNRESET)
            call.detail = QStringLiteral("the peer reset the connection (RST)");
        finish(call, -1, error);
        return {false, s->id, 0};
    }
    if (n == 0) {
        s->sawEndOfFile = true;
        call.detail = QStringLiteral("end of file: the peer sent FIN and will send nothing more");
    }
    s->bytesReceived += n;
    finish(call, n, 0);
    return {true, s->id, n};
}

Lab::Result Lab::doDrain(LabSocket *s)
{
    LabCall call = begin(s, LabCall::Kind::Receive);
    call.repeated = true;
    QByteArray buffer(int(chunkBytes), Qt::Uninitialized);
    qint64 total = 0;
    int calls = 0;
    for (int i = 0; i < 4096; ++i) {
        ++calls;
        const ssize_t n = ::recv(s->fd, buffer.data(), size_t(chunkBytes), MSG_DONTWAIT);
        if (n > 0) {
            total += n;
            s->bytesReceived += n;
            continue;
        }
        if (n == 0) {
            s->sawEndOfFile = true;
            call.detail = QStringLiteral("%1 recv() calls, then 0: end of file, the peer sent FIN").arg(calls);
            finish(call, total, 0);
            return {true, s->id, total};
        }
        const int error = errno;
        if (error == EAGAIN) {
            call.detail = QStringLiteral("%1 recv() calls; the last said EAGAIN: nothing more has arrived").arg(calls);
            finish(call, total, 0);
            return {true, s->id, total};
        }
        call.detail = QStringLiteral("%1 bytes read before the error").arg(total);
        finish(call, -1, error);
        return {false, s->id, total};
    }
    finish(call, total, 0);
    return {true, s->id, total};
}

Lab::Result Lab::doEcho(LabSocket *s)
{
    const Result received = doReceive(s, chunkBytes);
    if (!received.ok || received.value == 0)
        return received;
    return doSend(s, received.value);
}

Lab::Result Lab::doShutdownWrite(LabSocket *s)
{
    LabCall call = begin(s, LabCall::Kind::Shutdown);
    call.how = LabCall::How::Write;
    if (::shutdown(s->fd, SHUT_WR) != 0) {
        const int error = errno;
        finish(call, -1, error);
        return {false, s->id, 0};
    }
    s->shutWrite = true;
    call.detail = QStringLiteral("a FIN follows whatever data is still queued; receiving goes on");
    finish(call, 0, 0);
    m_socketsChanged = true;
    return {true, s->id, 0};
}

Lab::Result Lab::doClose(LabSocket *s, bool abortive)
{
    if (abortive)
        doSetOption(s, LabOption::Linger, 0);
    if (QSocketNotifier *n = m_connectWatchers.take(s->id)) {
        n->setEnabled(false);
        n->deleteLater();
    }
    LabCall call = begin(s, LabCall::Kind::Close);
    // Closing a socket's last descriptor takes it off every epoll interest list.
    QStringList watchers;
    for (LabEpoll &e : m_epolls) {
        if (e.interest.remove(s->id) > 0)
            watchers << e.label();
    }
    if (!watchers.isEmpty())
        call.detail = QStringLiteral("%1 no longer watches it: closing its last descriptor takes it off every "
                                     "interest list")
                          .arg(watchers.join(QStringLiteral(", ")));
    const int rc = ::close(s->fd);
    const int error = rc == 0 ? 0 : errno;
    // close() releases the descriptor even when it reports an error (EINTR included).
    s->open = false;
    s->fd = -1;
    s->connecting = false;
    finish(call, rc, error);
    m_socketsChanged = true;
    return {rc == 0, s->id, 0};
}

void Lab::abortAll()
{
    for (const LabSocket &s : sockets()) {
        if (s.open)
            execute(LabCommand::abort(s.id));
    }
    for (const LabEpoll &e : epolls()) {
        if (e.open)
            execute(LabCommand::close(e.id));
    }
}

void Lab::reset()
{
    abortAll();
    m_epolls.clear();
    m_lastEpollOrdinal = 0;
    m_sockets.clear();
    m_calls.clear();
    m_lastOrdinal.clear();
    m_socketsChanged = true;
    flush();
}

namespace {

int epollCtlOp(EpollOp op)
{
    switch (op) {
    case EpollOp::Add: return EPOLL_CTL_ADD;
    case EpollOp::Modify: return EPOLL_CTL_MOD;
    case EpollOp::Delete: return EPOLL_CTL_DEL;
    }
    return EPOLL_CTL_ADD;
}

// When an epoll instance reports a socket with these events, in words.
QString interestText(const LabSocket &s, quint32 events)
{
    QStringList when;
    if (events & EPOLLIN)
        when << (s.listening ? QStringLiteral("its accept queue holds a completed connection (EPOLLIN)")
                             : QStringLiteral("data or the peer's FIN has arrived (EPOLLIN)"));
    if (events & EPOLLOUT)
        when << QStringLiteral("its send buffer has room (EPOLLOUT)");
    if (events & EPOLLRDHUP)
        when << QStringLiteral("the peer has shut down its sending side (EPOLLRDHUP)");
    QString text = when.isEmpty() ? QStringLiteral("only for EPOLLERR and EPOLLHUP, which are always reported")
                                  : when.join(QStringLiteral(", or ")) + QStringLiteral("; EPOLLERR and EPOLLHUP without being asked");
    if (events & EPOLLET)
        text += QStringLiteral("; edge-triggered (EPOLLET): once per change, not for as long as it stays ready");
    if (events & EPOLLONESHOT)
        text += QStringLiteral("; once (EPOLLONESHOT): then not again until epoll_ctl(MOD)");
    return text;
}

} // namespace

Lab::Result Lab::doEpollCreate(const LabCommand &c)
{
    if (refuseWithoutDescriptors(nullptr, c))
        return {};
    const int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        finish(planned(nullptr, c), -1, error);
        return {};
    }
    LabEpoll e;
    e.id = m_nextId++;
    e.ordinal = ++m_lastEpollOrdinal;
    e.fd = fd;
    e.open = true;
    m_epolls.append(e);
    LabCall call = beginEpoll(&e, LabCall::Kind::EpollCreate);
    call.createdSocketId = e.id;
    call.detail = QStringLiteral("%1: a descriptor of its own, not a socket; it watches nothing until epoll_ctl(ADD)")
                      .arg(e.label());
    finish(call, fd, 0);
    m_socketsChanged = true;
    return {true, e.id, fd};
}

Lab::Result Lab::doEpollCtl(LabEpoll *e, LabSocket *s, const LabCommand &c)
{
    LabCall call = planned(s, c);
    epoll_event event{};
    event.events = call.events;
    event.data.u64 = quint64(s->id);
    if (::epoll_ctl(e->fd, epollCtlOp(c.epollOp), s->fd, &event) != 0) {
        const int error = errno;
        if (error == EEXIST)
            call.detail = QStringLiteral("%1 already watches %2: MOD changes its events").arg(e->label(), s->label());
        else if (error == ENOENT)
            call.detail = QStringLiteral("%1 does not watch %2: ADD it first").arg(e->label(), s->label());
        finish(call, -1, error);
        return {false, s->id, 0};
    }
    if (c.epollOp == EpollOp::Delete) {
        e->interest.remove(s->id);
        call.detail = QStringLiteral("%1 no longer watches %2").arg(e->label(), s->label());
    } else {
        e->interest.insert(s->id, call.events);
        call.detail = QStringLiteral("%1 reports %2 when %3").arg(e->label(), s->label(), interestText(*s, call.events));
    }
    finish(call, 0, 0);
    m_socketsChanged = true;
    return {true, s->id, 0};
}

QString Lab::readiness(int socketId, quint32 events) const
{
    const LabSocket *s = socket(socketId);
    if (!s || !s->open)
        return QString();
    QStringList why;
    tcp_info info{};
    socklen_t infoLength = sizeof info;
    const bool haveInfo = ::getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &info, &infoLength) == 0;
    if (s->listening) {
        // On a listener, TCP_INFO's tcpi_unacked is the accept queue's length and tcpi_sacked
        // its backlog (tcp_get_info()): the numbers /proc shows as rx_queue and ss as Send-Q.
        if ((events & EPOLLIN) && haveInfo)
            why << QStringLiteral("its accept queue holds %1 completed connection%2 (backlog %3): the handshake%4 "
                                  "already done by the kernel; accept() only takes %5 off the queue")
                       .arg(info.tcpi_unacked)
                       .arg(info.tcpi_unacked == 1 ? QString() : QStringLiteral("s"))
                       .arg(info.tcpi_sacked)
                       .arg(info.tcpi_unacked == 1 ? QStringLiteral(" is") : QStringLiteral("s are"))
                       .arg(info.tcpi_unacked == 1 ? QStringLiteral("it") : QStringLiteral("them"));
        else if (events & EPOLLIN)
            why << QStringLiteral("its accept queue holds a completed connection");
    } else {
        int unread = 0;
        if ((events & EPOLLIN) && ::ioctl(s->fd, SIOCINQ, &unread) == 0 && unread > 0)
            why << QStringLiteral("%1 bytes to read").arg(unread);
        if (events & EPOLLRDHUP)
            why << QStringLiteral("the peer's FIN arrived: recv() returns 0 once the data is read");
        else if ((events & EPOLLIN) && unread == 0 && !(events & EPOLLHUP))
            why << QStringLiteral("recv() would not block (end of file or an error)");
        if (events & EPOLLOUT) {
            int queued = 0;
            int buffer = 0;
            socklen_t len = sizeof buffer;
            if (::ioctl(s->fd, SIOCOUTQ, &queued) == 0
                && ::getsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &buffer, &len) == 0)
                why << QStringLiteral("room in the send buffer (%1 of %2 bytes in use)").arg(queued).arg(buffer);
            else
                why << QStringLiteral("room in the send buffer");
        }
        if (events & EPOLLHUP) {
            QString hup = QStringLiteral("hung up: both directions are shut, or the connection was closed or reset");
            if (haveInfo) {
                if (const std::optional<TcpState> state = tcpStateFromKernelNumber(info.tcpi_state))
                    hup += QStringLiteral(" (the kernel has it in %1)").arg(kernelName(*state));
            }
            why << hup;
        }
        if (events & EPOLLERR)
            why << QStringLiteral("an error is pending: the next recv() or getsockopt(SO_ERROR) returns it and "
                                  "clears it, so sockscope does not read it here");
    }
    return why.isEmpty() ? QString() : s->label() + QStringLiteral(": ") + why.join(QStringLiteral("; "));
}

int Lab::waitNow(LabEpoll *e, int maxEvents, LabCall &call)
{
    // Timeout 0: the kernel's answer now. Waiting is the lab's job, never this thread's.
    epoll_event events[maxEpollEvents];
    const int n = ::epoll_wait(e->fd, events, qBound(1, maxEvents, maxEpollEvents), 0);
    if (n <= 0)
        return n;
    QStringList why;
    for (int i = 0; i < n; ++i) {
        LabCall::Ready ready;
        ready.socketId = int(events[i].data.u64);
        ready.events = events[i].events;
        const LabSocket *s = socket(ready.socketId);
        ready.socketLabel = s ? s->label() : QStringLiteral("socket %1").arg(ready.socketId);
        call.ready.append(ready);
        const QString text = readiness(ready.socketId, ready.events);
        if (!text.isEmpty())
            why << text;
    }
    call.detail = why.join(QStringLiteral(". "));
    return n;
}

Lab::Result Lab::doEpollWait(LabEpoll *e, const LabCommand &c)
{
    LabCall call = planned(nullptr, c);
    if (e->waiting) {
        call.notCalled = true;
        call.detail = QStringLiteral("not called: an epoll_wait() on %1 is already waiting; one wait at a time")
                          .arg(e->label());
        finish(call, -1, 0);
        return {false, e->id, 0};
    }
    const int n = waitNow(e, int(call.value), call);
    if (n < 0) {
        const int error = errno;
        finish(call, -1, error);
        return {false, e->id, 0};
    }
    if (n > 0 || call.timeoutMs == 0) {
        if (n == 0)
            call.detail = e->interest.isEmpty() ? QStringLiteral("nothing is ready: %1 watches no socket").arg(e->label())
                                                : QStringLiteral("nothing is ready");
        finish(call, n, 0);
        return {true, e->id, n};
    }

    // Nothing ready, and the caller would wait: the call is logged now and completes later.
    call.waiting = true;
    const QString watched = e->interest.isEmpty() ? QStringLiteral("%1 watches no socket").arg(e->label())
        : e->interest.size() == 1 ? QStringLiteral("the one socket %1 watches is not ready").arg(e->label())
                                  : QStringLiteral("none of the %1 sockets %2 watches is ready").arg(e->interest.size()).arg(e->label());
    call.detail = watched + QStringLiteral("; the call waits ")
        + (call.timeoutMs < 0 ? QStringLiteral("until one is") : QStringLiteral("up to %1 ms").arg(call.timeoutMs));
    e->waiting = true;
    e->waitMaxEvents = int(call.value);
    e->waitTimeoutMs = call.timeoutMs;
    e->waitStartedNs = steadyNowNs();
    const int id = e->id;
    // An epoll descriptor is itself pollable: readable while something it watches is ready.
    auto *notifier = new QSocketNotifier(qintptr(e->fd), QSocketNotifier::Read, this);
    m_epollWatchers.insert(id, notifier);
    connect(notifier, &QSocketNotifier::activated, this, [this, id] { epollWaitFinished(id, false); });
    if (call.timeoutMs > 0) {
        auto *timer = new QTimer(this);
        timer->setSingleShot(true);
        m_epollTimers.insert(id, timer);
        connect(timer, &QTimer::timeout, this, [this, id] { epollWaitFinished(id, true); });
        timer->start(call.timeoutMs);
    }
    finish(call, 0, 0);
    m_socketsChanged = true;
    return {true, id, 0};
}

void Lab::stopEpollWait(int id)
{
    if (QSocketNotifier *n = m_epollWatchers.take(id)) {
        n->setEnabled(false);
        n->deleteLater();
    }
    if (QTimer *t = m_epollTimers.take(id)) {
        t->stop();
        t->deleteLater();
    }
    if (LabEpoll *e = findEpoll(id))
        e->waiting = false;
}

void Lab::epollWaitFinished(int id, bool timedOut)
{
    LabEpoll *e = findEpoll(id);
    if (!e || !e->open || !e->waiting)
        return;
    LabCall call = beginEpoll(e, LabCall::Kind::EpollWait);
    call.asynchronous = true;
    call.value = e->waitMaxEvents;
    call.timeoutMs = e->waitTimeoutMs;
    const qint64 waitedMs = (steadyNowNs() - e->waitStartedNs) / 1000000;
    const int n = waitNow(e, e->waitMaxEvents, call);
    const int error = n < 0 ? errno : 0;
    if (n == 0 && !timedOut)
        return; // what woke the descriptor is gone again (an edge-triggered event taken): wait on
    stopEpollWait(id);
    if (n == 0)
        call.detail = QStringLiteral("the timeout of %1 ms ran out with nothing ready").arg(call.timeoutMs);
    else if (n > 0)
        call.detail = QStringLiteral("after %1 ms. ").arg(waitedMs) + call.detail;
    finish(call, n < 0 ? -1 : n, error);
    m_socketsChanged = true;
    flush();
}

Lab::Result Lab::doEpollClose(LabEpoll *e)
{
    const bool wasWaiting = e->waiting;
    stopEpollWait(e->id);
    LabCall call = beginEpoll(e, LabCall::Kind::Close);
    const int rc = ::close(e->fd);
    const int error = rc == 0 ? 0 : errno;
    e->open = false;
    e->fd = -1;
    e->interest.clear();
    call.detail = QStringLiteral("the kernel forgets its interest list; the sockets it watched are left as they are");
    if (wasWaiting)
        call.detail += QStringLiteral("; the epoll_wait() that was waiting never returns");
    finish(call, rc, error);
    m_socketsChanged = true;
    return {rc == 0, e->id, 0};
}

void Lab::lookUpPortHolder(quint64 sequence, const Endpoint &wanted)
{
    // Everything the lookup needs is copied now: it runs while the lab goes on (or goes away).
    QList<OwnSocket> own;
    for (const LabSocket &s : std::as_const(m_sockets)) {
        if (s.open && s.inode != 0)
            own.append({s.inode, s.label()});
    }
    ++m_lookups;
    QThreadPool::globalInstance()->start([mailbox = m_mailbox, sequence, wanted, own] {
        const QString detail = portHolderText(wanted, own);
        const QMutexLocker lock(&mailbox->mutex);
        if (Lab *lab = mailbox->lab) {
            QMetaObject::invokeMethod(
                lab, [lab, sequence, detail] { lab->portHolderFound(sequence, detail); }, Qt::QueuedConnection);
        }
    });
}

void Lab::portHolderFound(quint64 sequence, const QString &detail)
{
    --m_lookups;
    // After reset() the call may be gone: the answer is then for no one.
    for (qsizetype i = m_calls.size() - 1; i >= 0; --i) {
        if (m_calls[i].sequence != sequence)
            continue;
        m_calls[i].detail = detail;
        const LabCall updated = m_calls[i]; // a slot may call the lab, and m_calls grow
        Q_EMIT callUpdated(updated);
        break;
    }
    if (m_lookups == 0)
        Q_EMIT lookupsDone();
}

RowRole Lab::identify(const SocketRecord &row) const
{
    RowRole role;
    const auto fill = [&role, this](const LabSocket &s) {
        role.socketId = s.id;
        role.ordinal = s.ordinal;
        role.closed = !s.open;
        switch (s.role) {
        case LabSocket::Role::Listener: role.kind = RowRole::Kind::Listener; break;
        case LabSocket::Role::Client: role.kind = RowRole::Kind::Client; break;
        case LabSocket::Role::Accepted:
            role.kind = RowRole::Kind::Accepted;
            if (const LabSocket *peer = socket(s.peerClientId))
                role.clientOrdinal = peer->ordinal;
            break;
        }
    };
    // The lab client at (local, remote): the newest such client, an open one first.
    const auto clientOrdinalAt = [this, &row](const Endpoint &local, const Endpoint &remote) {
        int closedMatch = 0;
        for (qsizetype i = m_sockets.size() - 1; i >= 0; --i) {
            const LabSocket &c = m_sockets[i];
            if (c.role != LabSocket::Role::Client || c.network != row.network || !sameEndpoint(c.local, local)
                || !sameEndpoint(c.remote, remote))
                continue;
            if (c.open)
                return c.ordinal;
            if (closedMatch == 0)
                closedMatch = c.ordinal;
        }
        return closedMatch;
    };

    const quint64 inode = row.inode.value_or(0);
    if (inode != 0) {
        // A row with a file was read while the socket was open, even if the lab has closed it
        // since; socket inodes are not reused while sockscope runs in practice.
        for (qsizetype i = m_sockets.size() - 1; i >= 0; --i) {
            const LabSocket &s = m_sockets[i];
            if (s.inode == inode) {
                fill(s);
                role.closed = false;
                return role;
            }
        }
        return role;
    }

    // No file. A closed lab socket's connection lives on only in the states that outlive
    // close(); an open socket shows its inode except in TIME_WAIT, which the kernel keeps in a
    // separate mini-socket even while the descriptor stays open (after shutdown(), say).
    // Newest first: a reused 4-tuple belongs to the latest socket.
    for (qsizetype i = m_sockets.size() - 1; i >= 0; --i) {
        const LabSocket &s = m_sockets[i];
        const bool possible = s.open ? row.state == TcpState::TimeWait : outlivesClose(row.state);
        if (possible && s.role != LabSocket::Role::Listener && s.network == row.network && sameEndpoint(s.local, row.local)
            && sameEndpoint(s.remote, row.remote)) {
            fill(s);
            return role;
        }
    }
    // The server end of a lab client's connection that no accept() has returned: a request
    // socket in SYN_RECV, or a completed connection in the accept queue.
    if (row.state != TcpState::Listen) {
        for (const LabSocket &l : m_sockets) {
            const bool sameLocal = sameEndpoint(l.local, row.local)
                || (l.local.address.isAny() && l.local.port == row.local.port);
            if (l.role != LabSocket::Role::Listener || l.network != row.network || !sameLocal)
                continue;
            const int client = clientOrdinalAt(row.remote, row.local);
            if (client == 0)
                continue;
            role.kind = row.state == TcpState::SynRecv ? RowRole::Kind::Handshaking : RowRole::Kind::Queued;
            role.clientOrdinal = client;
            return role;
        }
    }
    return role;
}

} // namespace sockscope
