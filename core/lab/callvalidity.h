// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "labcommand.h"
#include "labepoll.h"
#include "labsocket.h"

#include <QList>

namespace sockscope {

// Which calls make sense on a lab socket in the situation the lab knows it in: the table the
// lab's controls follow. A call outside it would only earn an errno (listen() on a connected
// socket, send() before connect()), or is one the lab never makes (anything on a closed
// descriptor).
class CallValidity
{
public:
    // Where a lab socket stands, as far as the calls on it go.
    enum class Situation : quint8 {
        Fresh,      // socket() and nothing else yet (or a connect() that failed before binding)
        Bound,      // it has a local port (bind(), or a connect() that failed), and no peer
        Listening,  // listen() succeeded
        Connecting, // a non-blocking connect() is under way
        Connected,  // connect() finished, or accept() made it
        HalfClosed, // connected, and shutdown(SHUT_WR) has sent its FIN: it still receives
        Closed,     // close() was called: no call may use its descriptor again
    };

    static Situation situationOf(const LabSocket &socket);

    // Whether `command` makes sense on `socket` now. Socket is never a call on a socket;
    // SetOption makes sense on any open socket.
    static bool allows(const LabSocket &socket, LabCommand::Kind command);
    static bool allows(LabSocket::Role role, Situation situation, LabCommand::Kind command);

    // Every command that makes sense on `socket` now, in LabCommand::Kind order.
    static QList<LabCommand::Kind> allowed(const LabSocket &socket);

    // Why epoll_ctl(op) of `socket` on `epoll` makes no sense now, in words; empty when it
    // does. The kernel would refuse an ADD of a socket the instance watches (EEXIST), a MOD
    // or DEL of one it does not (ENOENT); nullptr stands for none chosen.
    static QString whyNotEpollCtl(const LabEpoll *epoll, const LabSocket *socket, EpollOp op);
    // Why epoll_wait() on `epoll` makes no sense now; empty when it does (one wait at a time).
    static QString whyNotEpollWait(const LabEpoll *epoll);
};

} // namespace sockscope
