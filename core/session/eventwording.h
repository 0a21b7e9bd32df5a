// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "session.h"

namespace sockscope {

// The event log's plain words for what the lab did and what the kernel showed.
class EventWording
{
public:
    // "connect(127.0.0.1:8000) = -1 EINPROGRESS (Operation now in progress) — the SYN is sent ..."
    static QString call(const LabCall &call);
    // What a call learned after it was logged: "bind(127.0.0.1:8000): port 8000 is held by
    // nginx (pid 812) (0.0.0.0:8000 LISTEN)".
    static QString callUpdate(const LabCall &call);

    // "ESTABLISHED → FIN_WAIT2 after 312 ms in ESTABLISHED", with the reason where the kernel's
    // table shows it, e.g. a client stuck in SYN_SENT because the server's accept queue is full.
    static QString transition(const Session &session, const ConnectionEvent &event);
    // A change a captured segment proves: "LISTEN → SYN_RECV, timed by packet: SYN seq=0 …
    // arrived from client #1".
    static QString packetTransition(const PacketStateChange &change);

    // Why the connection is in its state, when the session's facts say; empty otherwise.
    static QString reason(const Session &session, quint64 id);
};

} // namespace sockscope
