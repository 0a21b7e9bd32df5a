// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "labsocket.h"

#include <QString>

#include <optional>

namespace sockscope {

// Socket options the lab sets, each for a reason a scenario or a user has.
enum class LabOption : quint8 {
    ReuseAddress,  // SO_REUSEADDR: a listener may bind while old connections sit in TIME_WAIT
    ReceiveBuffer, // SO_RCVBUF: small buffers fill in a few KiB, holding FIN_WAIT1 or LAST_ACK
    SendBuffer,    // SO_SNDBUF
    DeferAccept,   // TCP_DEFER_ACCEPT seconds: hold the server end in SYN_RECV until data comes
    SynRetries,    // TCP_SYNCNT: how often connect() retransmits its SYN before ETIMEDOUT
    KeepAlive,     // SO_KEEPALIVE
    Linger,        // SO_LINGER {on, value s}: 0 makes close() send RST and skip TIME_WAIT (abort)
    NoDelay,       // TCP_NODELAY: each send() goes out at once, without Nagle's wait for the ACK
};

// epoll_ctl()'s operation: EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL.
enum class EpollOp : quint8 { Add, Modify, Delete };

QString epollOpName(EpollOp op); // "ADD", "MOD", "DEL"
std::optional<EpollOp> epollOpNamed(QStringView name); // the inverse of epollOpName()

QString labOptionName(LabOption option); // "SO_RCVBUF"
std::optional<LabOption> labOptionNamed(QStringView name); // the inverse of labOptionName()

// One step a user or a scenario asks of the lab. Everything the lab does goes through this
// one value, so the same lab can later run elsewhere (a child process in its own network
// namespace) and be driven the same way.
struct LabCommand
{
    enum class Kind : quint8 {
        Socket,        // socket(): role and family
        SetOption,     // setsockopt(): option and value
        Bind,          // bind(): endpoint
        Listen,        // listen(): value = backlog
        Accept,        // accept() on a listener: takes one completed connection off its queue
        Connect,       // connect(), non-blocking: endpoint
        Send,          // send(): value = bytes
        Fill,          // send() until the kernel takes no more (EAGAIN)
        Receive,       // recv(): value = most bytes to read
        Drain,         // recv() until nothing is left (EAGAIN) or the peer's FIN (0)
        Echo,          // recv() what has arrived and send() it back
        ShutdownWrite, // shutdown(SHUT_WR): send FIN, keep receiving
        Close,         // close()
        Abort,         // SO_LINGER {1, 0} then close(): RST instead of FIN, no TIME_WAIT
        EpollCreate,   // epoll_create1(EPOLL_CLOEXEC): a new epoll instance
        EpollCtl,      // epoll_ctl(epollId, op, socketId, events)
        EpollWait,     // epoll_wait(epollId, value = most events, timeoutMs)
    };

    Kind kind = Kind::Socket;
    int socketId = 0;
    LabSocket::Role role = LabSocket::Role::Client;
    AddressFamily family = AddressFamily::IPv4;
    Endpoint endpoint;
    LabOption option = LabOption::ReuseAddress;
    qint64 value = 0;
    int epollId = 0;       // EpollCtl, EpollWait: the lab's epoll instance (LabEpoll::id)
    EpollOp epollOp = EpollOp::Add;
    quint32 events = 0;    // EpollCtl: EPOLLIN, EPOLLOUT, ... as the kernel's bits
    int timeoutMs = 0;     // EpollWait: 0 returns at once, -1 waits without end

    static LabCommand socket(LabSocket::Role role, AddressFamily family);
    static LabCommand setOption(int socketId, LabOption option, qint64 value);
    static LabCommand bind(int socketId, const Endpoint &endpoint);
    static LabCommand listen(int socketId, int backlog);
    static LabCommand accept(int listenerId);
    static LabCommand connect(int socketId, const Endpoint &endpoint);
    static LabCommand send(int socketId, qint64 bytes);
    static LabCommand fill(int socketId);
    static LabCommand receive(int socketId, qint64 maxBytes = 65536);
    static LabCommand drain(int socketId);
    static LabCommand echo(int socketId);
    static LabCommand shutdownWrite(int socketId);
    static LabCommand close(int socketId);
    static LabCommand abort(int socketId);
    static LabCommand epollCreate();
    static LabCommand epollCtl(int epollId, EpollOp op, int socketId, quint32 events = 0);
    static LabCommand epollWait(int epollId, int maxEvents = 16, int timeoutMs = 0);

    static QString kindName(Kind kind); // "connect", "shutdown", ...
};

} // namespace sockscope
