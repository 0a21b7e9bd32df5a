// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tcpstate.h"

#include <QString>

namespace sockscope {

struct SocketRecord;

// Plain-language text about a socket's state for people learning TCP: what the state means,
// what the kernel is doing or waiting for, and the facts of one kernel row that show it.
// It only states what the row says; where the row does not tell, it says nothing.
class StateExplainer
{
public:
    // One or two plain sentences: what this state means, what the kernel is doing or waiting
    // for, citing the facts in the record (a listener's accept queue length = rxQueue,
    // send/receive queue bytes, the timer kind and time left, retransmits). E.g.
    // "TIME_WAIT: this end closed first. The kernel keeps the connection for 2MSL so late
    // segments cannot be mistaken for a new connection: 41.2 s left."
    static QString explain(const SocketRecord &record);
    static QString meaning(TcpState state); // one line per state, no facts

    // "59.7 s", "0.3 s", "133 s": a timer's time left as the text above prints it.
    static QString formatDuration(qint64 ms);
    // A span timed by packets, to the microsecond: "41 µs", "1.24 ms", "2.50 s".
    static QString formatPreciseDuration(qint64 ns);
};

} // namespace sockscope
