// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "labcommand.h"

#include "core/model/endpoint.h"

#include <QMetaType>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace sockscope {

// One socket API call the lab made, with what the kernel answered, as data: which call, on
// which socket, with which arguments, and its result and errno. The words for it are made
// from that data (toString()), never read back from words. A non-blocking connect() that
// finishes later is reported again when it finishes (asynchronous = true); so is an
// epoll_wait() that found nothing ready and waits (waiting = true).
struct LabCall
{
    // The calls the lab makes.
    enum class Kind : quint8 {
        Socket,    // socket(family, SOCK_STREAM | SOCK_NONBLOCK)
        SetOption, // setsockopt(option, value)
        Bind,      // bind(endpoint)
        Listen,    // listen(backlog)
        Accept,    // accept()
        Connect,   // connect(endpoint)
        Send,      // send(bytes), or send() again and again until the kernel takes no more
        Receive,   // recv(most bytes), or recv() again and again until nothing is left
        Shutdown,  // shutdown(how)
        Close,     // close()
        EpollCreate, // epoll_create1(EPOLL_CLOEXEC)
        EpollCtl,    // epoll_ctl(epoll, op, socket, events): on the socket, naming the epoll
        EpollWait,   // epoll_wait(epoll, most events, timeout)
    };
    static constexpr int kindCount = int(Kind::EpollWait) + 1;

    // shutdown()'s second argument.
    enum class How : quint8 { Read, Write, Both }; // SHUT_RD, SHUT_WR, SHUT_RDWR

    // One descriptor an epoll_wait() reported, with its events as the kernel gave them.
    struct Ready
    {
        int socketId = 0;
        QString socketLabel; // "accepted #1"
        quint32 events = 0;  // EPOLLIN, EPOLLRDHUP, ... as the kernel's bits
        friend bool operator==(const Ready &a, const Ready &b)
        {
            return a.socketId == b.socketId && a.socketLabel == b.socketLabel && a.events == b.events;
        }
    };

    qint64 wallTimeMs = 0;
    qint64 steadyNs = 0;
    // This call's number in its lab's log, from 1 and never reused by that lab; a later
    // update of the call (callUpdated()) carries the same number. 0 for a call read from a file.
    quint64 sequence = 0;
    Kind kind = Kind::Socket;
    // The socket the call is on; for epoll_create1() and epoll_wait() the epoll instance
    // (its number is from the lab's same count, its label "epoll #1"); for epoll_ctl() the
    // socket it registers, changes or removes.
    int socketId = 0;
    QString socketLabel; // "client #1"

    // The arguments, as the kind of call has them; the others keep their defaults.
    AddressFamily family = AddressFamily::IPv4; // Socket
    LabOption option = LabOption::ReuseAddress; // SetOption
    // SetOption: the value (SO_LINGER: the seconds, with lingering on); Listen: the backlog;
    // Send: the bytes; Receive: the most bytes to read. Not used when `repeated`.
    qint64 value = 0;
    Endpoint endpoint;      // Bind, Connect (bind() to port 0 lets the kernel choose)
    bool repeated = false;  // Send, Receive: until EAGAIN (or, for recv(), the peer's FIN)
    How how = How::Write;   // Shutdown
    // EpollCreate, EpollCtl, EpollWait: the epoll instance.
    int epollId = 0;
    QString epollLabel;     // "epoll #1"
    EpollOp epollOp = EpollOp::Add; // EpollCtl
    quint32 events = 0;     // EpollCtl: the events asked for (none for DEL)
    // EpollWait: how long it may wait, -1 without end; `value` is the most events it returns.
    int timeoutMs = 0;

    qint64 result = 0;   // the return value (a repeated send() or recv(): the bytes in all)
    int error = 0;       // errno when the call failed, else 0
    bool asynchronous = false;
    // EpollWait: nothing was ready, so the call waits; its completion comes later as an
    // asynchronous epoll_wait() on the same epoll instance.
    bool waiting = false;
    QList<Ready> ready; // EpollWait: what it reported, in the kernel's order
    bool notCalled = false; // the lab refused to make the call (the socket is closed, no descriptors left)
    int createdSocketId = 0; // socket() and accept(): the lab socket the call created
    QString detail;      // what else is known: who holds a port, how many send() calls a fill took

    bool failed() const { return error != 0; }
    QString errorName() const; // "ECONNREFUSED"
    QString errorText() const; // "Connection refused"

    static QString kindName(Kind kind); // "connect", "setsockopt", "recv"
    static std::optional<Kind> kindNamed(QStringView name); // the inverse of kindName()
    static bool isEpoll(Kind kind) { return kind >= Kind::EpollCreate; }

    // Epoll event bits in words: "EPOLLIN|EPOLLRDHUP"; "0" for none.
    static QString epollEventsText(quint32 events);
    // One event's name to its bit ("EPOLLIN"); nullopt for a name the lab does not know.
    static std::optional<quint32> epollEventNamed(QStringView name);
    // Every bit of `events` by name, lowest first; unknown bits as hex ("0x400").
    static QStringList epollEventNames(quint32 events);
    // What epoll_wait() reported: "listener EPOLLIN, accepted #1 EPOLLIN|EPOLLRDHUP".
    QString readyText() const;
    QString name() const { return kindName(kind); }

    // The arguments as the call is written: "127.0.0.1:8000", "SO_RCVBUF, 4096", "8",
    // "until the kernel takes no more"; empty for accept() and close().
    QString argumentsText() const;

    // "connect(127.0.0.1:8000) = -1 EINPROGRESS (Operation now in progress)"
    QString toString() const;

    // Everything but the times and the sequence number.
    bool sameCall(const LabCall &other) const;
};

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::LabCall)
