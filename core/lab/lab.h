// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "labcall.h"
#include "labcommand.h"
#include "labepoll.h"
#include "labsocket.h"
#include "rowrole.h"

#include "core/model/socketrecord.h"

#include <QList>
#include <QMap>
#include <QObject>
#include <QPointer>

#include <memory>

class QSocketNotifier;
class QTimer;

namespace sockscope {
class LabNetwork;
}

namespace sockscope {

struct LabMailbox;

// The user's own server and client sockets: real kernel sockets on loopback, driven one
// socket API call at a time, so that the kernel's table can be read between the calls.
//
// Every socket is non-blocking: connect() returns at once (EINPROGRESS) and its outcome is
// reported when the kernel has one; accept() takes one completed connection or says EAGAIN.
// Every call is logged with its arguments, return value and errno (callMade()). Failures are
// results, never crashes: a port in use names who holds it, a refused or reset connection
// says so. Who holds a port is looked up off the calling thread (it reads all of /proc): the
// failed call is logged at once, and callUpdated() brings the holder a moment later.
//
// The lab also makes epoll instances (epoll_create1) and drives them like any call:
// epoll_ctl() on its sockets, and epoll_wait(), which never blocks this thread. It asks the
// kernel with timeout 0; when nothing is ready and the caller gave a timeout, the call is
// logged as waiting, and its completion (an asynchronous epoll_wait() on the same instance)
// comes when the epoll descriptor becomes readable or the timeout runs out.
class Lab : public QObject
{
    Q_OBJECT

public:
    struct Result
    {
        bool ok = false;
        int socketId = 0; // the socket created (Socket, Accept) or acted on
        qint64 value = 0; // bytes sent or received, where that applies
    };

    explicit Lab(QObject *parent = nullptr);
    ~Lab() override; // every socket still open is closed with RST, so nothing lingers

    Result execute(const LabCommand &command);

    // Where socket() makes its sockets from now on: the lab's private network, or (nullptr)
    // this process's own, the host's. Sockets made before stay where they are.
    void setNetwork(LabNetwork *network);
    LabNetwork *network() const;

    // Valid until the lab's next command; nullptr for an unknown id.
    const LabSocket *socket(int id) const;
    QList<LabSocket> sockets() const; // in creation order, closed ones included
    // Likewise for the epoll instances.
    const LabEpoll *epoll(int id) const;
    QList<LabEpoll> epolls() const;
    QList<LabCall> calls() const { return m_calls; }

    // Which lab socket a kernel row belongs to, by inode where the row has one and by
    // 4-tuple otherwise (the accept queue, TIME_WAIT and orphaned rows have inode 0).
    RowRole identify(const SocketRecord &row) const;

    // Descriptors the lab leaves to the rest of sockscope: socket() and accept() are not
    // called when fewer would remain (a quarter of a small limit).
    static constexpr int reservedDescriptors = 16;

    // The most events one epoll_wait() takes.
    static constexpr int maxEpollEvents = 64;

    // Closes every open socket with RST (SO_LINGER 0), and every epoll instance, logging each call.
    void abortAll();
    // Forgets every socket and epoll instance (they must be closed) and the call log: a fresh lab.
    void reset();

    // True while a logged call's detail is still being looked up (who holds a port).
    bool lookingUp() const { return m_lookups > 0; }

Q_SIGNALS:
    void callMade(const sockscope::LabCall &call);
    // A call logged earlier learned more (its detail now names who holds the port it wanted);
    // the same call, by its sequence number, as calls() now holds it.
    void callUpdated(const sockscope::LabCall &call);
    // The last lookup running has ended (lookingUp() is false now).
    void lookupsDone();
    void socketsChanged();

private:
    Result perform(const LabCommand &command);
    void flush();
    LabSocket *find(int id);
    LabCall begin(const LabSocket *s, LabCall::Kind kind) const;
    LabCall planned(const LabSocket *s, const LabCommand &command) const;
    const LabCall &finish(LabCall call, qint64 result, int error);
    bool refuseUnlessOpen(LabSocket *s, const LabCommand &command);
    bool refuseWithoutDescriptors(const LabSocket *s, const LabCommand &command);

    Result doSocket(const LabCommand &c);
    Result doSetOption(LabSocket *s, LabOption option, qint64 value);
    Result doBind(LabSocket *s, const Endpoint &endpoint);
    Result doListen(LabSocket *s, int backlog);
    Result doAccept(LabSocket *listener);
    Result doConnect(LabSocket *s, const Endpoint &endpoint);
    Result doSend(LabSocket *s, qint64 bytes);
    Result doFill(LabSocket *s);
    Result doReceive(LabSocket *s, qint64 maxBytes);
    Result doDrain(LabSocket *s);
    Result doEcho(LabSocket *s);
    Result doShutdownWrite(LabSocket *s);
    Result doClose(LabSocket *s, bool abortive);
    Result doEpollCreate(const LabCommand &c);
    Result doEpollCtl(LabEpoll *e, LabSocket *s, const LabCommand &c);
    Result doEpollWait(LabEpoll *e, const LabCommand &c);
    Result doEpollClose(LabEpoll *e);
    LabCall beginEpoll(const LabEpoll *e, LabCall::Kind kind) const;
    bool refuseUnlessEpollOpen(LabEpoll *e, const LabCommand &command);
    LabEpoll *findEpoll(int id);
    int waitNow(LabEpoll *e, int maxEvents, LabCall &call);
    void epollWaitFinished(int id, bool timedOut);
    void stopEpollWait(int id);
    QString readiness(int socketId, quint32 events) const;

    void watchConnect(LabSocket *s);
    void connectFinished(int id);
    void lookUpPortHolder(quint64 sequence, const Endpoint &wanted);
    void portHolderFound(quint64 sequence, const QString &detail);
    void refreshLocal(LabSocket *s);

    QList<LabSocket> m_sockets;
    QMap<int, QSocketNotifier *> m_connectWatchers; // children of this
    QList<LabEpoll> m_epolls;
    QMap<int, QSocketNotifier *> m_epollWatchers; // an epoll's waiting epoll_wait(); children of this
    QMap<int, QTimer *> m_epollTimers;            // its timeout; children of this
    int m_lastEpollOrdinal = 0;
    QList<LabCall> m_calls;
    QList<LabCall> m_pending;      // made but not yet announced (see flush())
    bool m_socketsChanged = false; // likewise for socketsChanged()
    QMap<LabSocket::Role, int> m_lastOrdinal;
    int m_nextId = 1;
    QPointer<LabNetwork> m_network;
    quint64 m_lastSequence = 0;
    int m_lookups = 0; // port-holder lookups running
    // Where a lookup's answer goes: this lab while it lives. Shared with the lookups, which
    // may outlive it (see ~Lab()).
    std::shared_ptr<LabMailbox> m_mailbox;
};

} // namespace sockscope
