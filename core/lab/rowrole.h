// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace sockscope {

// What a kernel row is to the lab: one of its sockets, the server end of one of its clients'
// connections that accept() has not taken yet, or nothing of the lab's.
struct RowRole
{
    enum class Kind : quint8 {
        Foreign,  // not created by the lab
        Listener,
        Client,
        Accepted,
        Queued,   // the server end of a lab client's connection, completed, not yet accepted
        Handshaking, // the server end still in SYN_RECV: a request socket, not yet in the queue
    };

    Kind kind = Kind::Foreign;
    int socketId = 0;     // the lab socket, 0 for Queued, Handshaking and Foreign
    int ordinal = 0;      // listener/client/accepted number
    int clientOrdinal = 0; // the lab client at the other end of a server-side row, 0 if none
    bool closed = false;   // the lab closed its socket; the kernel still has the connection

    bool isLab() const { return kind != Kind::Foreign; }

    // "listener", "client #2", "accepted #1", "in accept queue (client #3)",
    // "client #1 (closed)"; empty for foreign rows.
    QString label() const;
};

} // namespace sockscope
