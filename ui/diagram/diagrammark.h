// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>

namespace sockscope {

// How one end of the shown connection touched a box or an arrow.
struct DiagramMark
{
    enum class Kind : quint8 {
        Observed, // some poll saw the end in this state, or both sides of this arrow in a row
        Implied,  // passed, not observed: on the RFC path between what the polls saw
        ByPacket, // timed by packet: no poll saw it, a captured segment proves it and its moment
        Current,  // the end's state now
    };

    QColor colour;
    Kind kind = Kind::Observed;

    friend bool operator==(const DiagramMark &a, const DiagramMark &b)
    {
        return a.colour == b.colour && a.kind == b.kind;
    }
};

} // namespace sockscope
