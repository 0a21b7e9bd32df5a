// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sequencelayout.h"

#include <QString>

namespace sockscope {

// A sequence layout as plain text, to paste into a bug report or a course's notes: the
// lifelines as columns of '|' under their labels, one line per row, calls written beside their
// lifeline, segments as arrows between them, and each end's state in brackets beside its
// lifeline where the state changes. What is not plainly seen is drawn apart, and a key under the
// figure names what it uses:
//   [STATE] seen by a poll   (STATE) timed by a packet   (STATE?) passed, not observed
//   -----> captured segment  - - -> implied, not captured
//   :  the end is the kernel's only, before accept() returns it
//   #  a call waiting to finish (a connect() in progress)
//   ---x a segment a wire rule stopped on its way, with what stopped it
// An end outside the figure is written at the arrow's far end. `width` is what the columns are
// spread over; a call's words are never cut, and run past it where they must.
class SequenceText
{
public:
    static QString render(const SequenceLayout &layout, int width = 100);

    // "[ESTABLISHED]", "(SYN_RECV)", "(FIN_WAIT2?)".
    static QString stateText(TcpState state, SequenceLayout::Known how);
};

} // namespace sockscope
