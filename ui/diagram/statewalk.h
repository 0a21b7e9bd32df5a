// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/tcp/tcpstatemachine.h"
#include "core/tracking/connectionhistory.h"

#include <QList>

namespace sockscope {

// One end's way through the state diagram, reconstructed from what the polls saw.
//
// Polls see states, not transitions: two consecutive observed states that the RFC does not
// join by one arrow were joined by states no poll saw. Those are filled in with the shortest
// RFC path and kept apart as "passed, not observed", so the diagram never draws a guess as if
// it were seen. The same holds before the first observation (a client starts in CLOSED, a
// server end in LISTEN) and after the connection vanished from the table (it ends in CLOSED).
struct StateWalk
{
    struct Step
    {
        int transition = -1;   // index into TcpStateMachine::transitions()
        bool observed = false; // a poll saw the state before and the state after, consecutively

        friend bool operator==(const Step &a, const Step &b)
        {
            return a.transition == b.transition && a.observed == b.observed;
        }
    };

    TcpState start = TcpState::Close;   // where the walk begins (the first step's source)
    TcpState current = TcpState::Close; // where it is now
    QList<Step> steps;
    QList<TcpState> observed;          // distinct, in the order first seen
    QList<TcpState> passedNotObserved; // distinct, in walk order; never in `observed`

    // Where a history's walk begins when no poll saw its beginning.
    static TcpState impliedStart(bool clientSide);

    static StateWalk of(const ConnectionHistory &history, bool clientSide);

    // The states a walk visits, start and current included, in order.
    QList<TcpState> visited() const;
};

} // namespace sockscope
