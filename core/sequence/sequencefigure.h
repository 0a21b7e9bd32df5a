// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sequencelayout.h"

#include <limits>

namespace sockscope {

class Session;

// One lab connection of a session as SequenceLayout wants it: the client's lifeline, the
// listener's and the server end's (the accepted socket once accept() returned it, the end in
// the accept queue before), the lab's calls on those sockets (of the listener's accept() calls,
// the one that returned this connection; of an epoll server's calls, epoll_ctl() on these
// sockets, and its epoll_create1() and epoll_wait() on the listener's lifeline unless a wait
// reported only other connections' sockets), the connection's captured segments or, where
// nothing was captured, the segments its observed changes imply, and each end's state changes,
// timed by packet where the wire was captured and as the polls saw them where it was not.
struct SequenceFigure
{
    QList<SequenceLayout::LifelineSpec> lifelines;
    QList<LabCall> calls;
    QList<SequenceLayout::SegmentSpec> segments;
    QList<SequenceLayout::StateChange> changes;

    // `clientEnd`: a connection of the session whose end is a lab client's; live or replayed.
    // Empty (no lifelines) for any other id. Only what had happened by `untilNs` (the session's
    // clock: a replay's position) is in it.
    static SequenceFigure of(const Session &session, quint64 clientEnd,
                             qint64 untilNs = std::numeric_limits<qint64>::max());

    SequenceLayout layout() const { return SequenceLayout::of(lifelines, calls, segments, changes); }
};

} // namespace sockscope
