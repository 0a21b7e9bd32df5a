// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/tcp/tcpstate.h"

#include <QList>
#include <QPainterPath>
#include <QPolygonF>
#include <QRectF>
#include <QSizeF>

namespace sockscope {

// Where everything of the state diagram goes, in scene coordinates: pure arithmetic, no scene,
// so it can be tested on its own. The arrangement is that of RFC 9293 figure 5: CLOSED on top,
// LISTEN below it, the two SYN states either side, ESTABLISHED in the middle, the closing
// states below, and a second CLOSED box bottom right where the closing paths end.
//
// Boxes are numbered: one per state (kernelNumber(state) - 1), plus finalClosedBox().
// Edges are numbered as TcpStateMachine::transitions().
class DiagramLayout
{
public:
    enum class LabelPlacement { OnPath, LeftOf, RightOf, Above, Below };

    static constexpr int boxCount = tcpStateCount + 1;
    static constexpr int finalClosedBox = tcpStateCount;
    static constexpr qreal cornerRadius = 10;

    static int boxOf(TcpState state); // the box of the state (the upper CLOSED for Close)
    static TcpState stateOfBox(int box);
    static QRectF boxRect(int box);

    static int edgeCount();
    static int fromBox(int edge);
    static int toBox(int edge); // transitions into CLOSED from the closing states end below
    static QPainterPath edgePath(int edge);
    // The filled arrow head at the end of a path, pointing along its last direction.
    static QPolygonF arrowHead(const QPainterPath &path, qreal length = 13);
    // Where an edge's label of the given size goes: on the path with a background, or beside
    // it where two arrows run too close for a label on each.
    static QRectF labelRect(int edge, const QSizeF &labelSize);
    static LabelPlacement labelPlacement(int edge);

    // Where an end's token rests on a box: the client on its top-left corner, the server end on
    // its top-right, so both fit on one box.
    static QPointF tokenPoint(int box, bool clientSide);
    // The way a token travels from its place on `fromBox` along the edges to its place on the
    // box the last edge leads to.
    static QPainterPath tokenRoute(int fromBox, const QList<int> &edges, bool clientSide);

    static QPointF legendOrigin(); // top-left corner of the legend, in the empty top-left corner
};

} // namespace sockscope
