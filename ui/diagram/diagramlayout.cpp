// SPDX-License-Identifier: GPL-3.0-or-later
#include "diagramlayout.h"

#include "core/tcp/tcpstatemachine.h"

#include <QLineF>
#include <QtMath>

#include <array>

namespace sockscope {

namespace {

using S = TcpState;
using Placement = DiagramLayout::LabelPlacement;

constexpr qreal boxWidth = 170;
constexpr qreal boxHeight = 54;
constexpr qreal bendRadius = 18;
constexpr qreal labelGap = 6;

// The grid of figure 5: three columns, seven rows.
constexpr qreal colLeft = 150;
constexpr qreal colCentre = 520;
constexpr qreal colRight = 890;
constexpr std::array<qreal, 7> rows = {60, 185, 325, 455, 575, 695, 815};

struct BoxPlace
{
    qreal x;
    qreal y;
};

BoxPlace placeOf(int box)
{
    if (box == DiagramLayout::finalClosedBox)
        return {colRight, rows[6]};
    switch (DiagramLayout::stateOfBox(box)) {
    case S::Close:
        return {colCentre, rows[0]};
    case S::Listen:
        return {colCentre, rows[1]};
    case S::SynRecv:
        return {colLeft, rows[2]};
    case S::SynSent:
        return {colRight, rows[2]};
    case S::Established:
        return {colCentre, rows[3]};
    case S::FinWait1:
        return {colLeft, rows[4]};
    case S::CloseWait:
        return {colRight, rows[4]};
    case S::FinWait2:
        return {colLeft, rows[5]};
    case S::Closing:
        return {colCentre, rows[5]};
    case S::LastAck:
        return {colRight, rows[5]};
    case S::TimeWait:
        return {colCentre, rows[6]};
    }
    return {0, 0};
}

enum class Shape { Polyline, Cubic };

// How one arrow is drawn. Polylines get rounded bends; a cubic is start, two control points,
// end. Points are written out rather than derived so the figure can be tuned like a drawing.
struct Route
{
    S from;
    S to;
    Shape shape;
    QList<QPointF> points;
    Placement placement;
    qreal labelAt; // OnPath: where along the path (0..1); otherwise the anchor is the bend or
                   // the middle of the segment named by `anchor`
    QPointF anchor;
};

const QList<Route> &routes()
{
    // Box edges, for reading the points: x ± 85, y ± 27 around the column and row centres.
    static const QList<Route> all = {
        {S::Close, S::Listen, Shape::Polyline, {{495, 87}, {495, 158}}, Placement::LeftOf, 0, {495, 122}},
        {S::Close, S::SynSent, Shape::Polyline, {{605, 48}, {935, 48}, {935, 298}}, Placement::Above, 0, {770, 48}},
        {S::Listen, S::SynRecv, Shape::Cubic, {{435, 198}, {330, 198}, {300, 312}, {235, 312}}, Placement::OnPath, 0.5, {}},
        {S::Listen, S::SynSent, Shape::Cubic, {{605, 198}, {710, 198}, {740, 312}, {805, 312}}, Placement::OnPath, 0.5, {}},
        {S::Listen, S::Close, Shape::Polyline, {{545, 158}, {545, 87}}, Placement::RightOf, 0, {545, 122}},
        {S::SynSent, S::SynRecv, Shape::Polyline, {{805, 336}, {235, 336}}, Placement::OnPath, 0.5, {}},
        {S::SynSent, S::Established, Shape::Cubic, {{850, 352}, {850, 420}, {570, 380}, {570, 428}}, Placement::OnPath, 0.45, {}},
        {S::SynSent, S::Close, Shape::Polyline, {{880, 298}, {880, 74}, {605, 74}}, Placement::Below, 0, {770, 74}},
        {S::SynRecv, S::Established, Shape::Cubic, {{190, 352}, {190, 420}, {470, 380}, {470, 428}}, Placement::OnPath, 0.45, {}},
        {S::SynRecv, S::FinWait1, Shape::Polyline, {{110, 352}, {110, 548}}, Placement::OnPath, 0.5, {}},
        {S::SynRecv, S::Listen, Shape::Polyline, {{110, 298}, {110, 176}, {435, 176}}, Placement::Above, 0, {290, 176}},
        {S::Established, S::FinWait1, Shape::Cubic, {{470, 482}, {470, 545}, {300, 562}, {235, 562}}, Placement::OnPath, 0.4, {}},
        {S::Established, S::CloseWait, Shape::Cubic, {{570, 482}, {570, 545}, {740, 562}, {805, 562}}, Placement::OnPath, 0.4, {}},
        {S::FinWait1, S::FinWait2, Shape::Polyline, {{150, 602}, {150, 668}}, Placement::OnPath, 0.5, {}},
        {S::FinWait1, S::Closing, Shape::Cubic, {{235, 588}, {420, 588}, {490, 610}, {490, 668}}, Placement::OnPath, 0.5, {}},
        {S::FinWait1, S::TimeWait, Shape::Cubic, {{215, 602}, {330, 680}, {370, 806}, {435, 806}}, Placement::OnPath, 0.42, {}},
        {S::FinWait2, S::TimeWait, Shape::Polyline, {{150, 722}, {150, 830}, {435, 830}}, Placement::OnPath, 0.72, {}},
        {S::Closing, S::TimeWait, Shape::Polyline, {{520, 722}, {520, 788}}, Placement::OnPath, 0.5, {}},
        {S::CloseWait, S::LastAck, Shape::Polyline, {{890, 602}, {890, 668}}, Placement::OnPath, 0.5, {}},
        {S::LastAck, S::Close, Shape::Polyline, {{890, 722}, {890, 788}}, Placement::OnPath, 0.5, {}},
        {S::TimeWait, S::Close, Shape::Polyline, {{605, 815}, {805, 815}}, Placement::OnPath, 0.5, {}},
    };
    return all;
}

const Route &routeOf(int edge)
{
    const TcpTransition &t = TcpStateMachine::transitions().at(edge);
    for (const Route &r : routes()) {
        if (r.from == t.from && r.to == t.to)
            return r;
    }
    Q_UNREACHABLE();
}

// A polyline whose bends are rounded with quadratic curves.
QPainterPath roundedPolyline(const QList<QPointF> &points)
{
    QPainterPath path(points.first());
    for (qsizetype i = 1; i + 1 < points.size(); ++i) {
        const QPointF corner = points[i];
        const QLineF in(corner, points[i - 1]);
        const QLineF out(corner, points[i + 1]);
        const qreal r = qMin(bendRadius, qMin(in.length(), out.length()) / 2);
        path.lineTo(in.pointAt(r / in.length()));
        path.quadTo(corner, out.pointAt(r / out.length()));
    }
    path.lineTo(points.last());
    return path;
}

} // namespace

int DiagramLayout::boxOf(TcpState state)
{
    return kernelNumber(state) - 1;
}

TcpState DiagramLayout::stateOfBox(int box)
{
    if (box == finalClosedBox)
        return TcpState::Close;
    return *tcpStateFromKernelNumber(box + 1);
}

QRectF DiagramLayout::boxRect(int box)
{
    const BoxPlace p = placeOf(box);
    return {p.x - boxWidth / 2, p.y - boxHeight / 2, boxWidth, boxHeight};
}

int DiagramLayout::edgeCount()
{
    return int(TcpStateMachine::transitions().size());
}

int DiagramLayout::fromBox(int edge)
{
    return boxOf(TcpStateMachine::transitions().at(edge).from);
}

int DiagramLayout::toBox(int edge)
{
    const TcpTransition &t = TcpStateMachine::transitions().at(edge);
    // As in the RFC's figure, a connection that ends normally arrives at the lower CLOSED.
    if (t.to == TcpState::Close && (t.from == TcpState::LastAck || t.from == TcpState::TimeWait))
        return finalClosedBox;
    return boxOf(t.to);
}

QPainterPath DiagramLayout::edgePath(int edge)
{
    const Route &r = routeOf(edge);
    if (r.shape == Shape::Cubic) {
        QPainterPath path(r.points[0]);
        path.cubicTo(r.points[1], r.points[2], r.points[3]);
        return path;
    }
    return roundedPolyline(r.points);
}

QPolygonF DiagramLayout::arrowHead(const QPainterPath &path, qreal length)
{
    const QPointF tip = path.pointAtPercent(1);
    // angleAtPercent counts degrees anticlockwise with y up; the scene's y points down.
    const qreal angle = qDegreesToRadians(path.angleAtPercent(1));
    const QPointF back(-std::cos(angle), std::sin(angle));
    const QPointF side(-back.y(), back.x());
    const qreal halfWidth = length * 0.42;
    return QPolygonF({tip, tip + back * length + side * halfWidth, tip + back * length * 0.78,
                      tip + back * length - side * halfWidth});
}

DiagramLayout::LabelPlacement DiagramLayout::labelPlacement(int edge)
{
    return routeOf(edge).placement;
}

QRectF DiagramLayout::labelRect(int edge, const QSizeF &size)
{
    const Route &r = routeOf(edge);
    QRectF rect(QPointF(), size);
    switch (r.placement) {
    case Placement::OnPath:
        rect.moveCenter(edgePath(edge).pointAtPercent(r.labelAt));
        break;
    case Placement::LeftOf:
        rect.moveCenter(r.anchor);
        rect.moveRight(r.anchor.x() - labelGap);
        break;
    case Placement::RightOf:
        rect.moveCenter(r.anchor);
        rect.moveLeft(r.anchor.x() + labelGap);
        break;
    case Placement::Above:
        rect.moveCenter(r.anchor);
        rect.moveBottom(r.anchor.y() - labelGap);
        break;
    case Placement::Below:
        rect.moveCenter(r.anchor);
        rect.moveTop(r.anchor.y() + labelGap);
        break;
    }
    return rect;
}

QPointF DiagramLayout::tokenPoint(int box, bool clientSide)
{
    const QRectF r = boxRect(box);
    return clientSide ? QPointF(r.left() + 4, r.top() + 4) : QPointF(r.right() - 4, r.top() + 4);
}

QPainterPath DiagramLayout::tokenRoute(int fromBox, const QList<int> &edges, bool clientSide)
{
    QPainterPath route(tokenPoint(fromBox, clientSide));
    int box = fromBox;
    for (int edge : edges) {
        const QPainterPath path = edgePath(edge);
        route.lineTo(path.pointAtPercent(0));
        route.connectPath(path);
        box = toBox(edge);
    }
    route.lineTo(tokenPoint(box, clientSide));
    return route;
}

QPointF DiagramLayout::legendOrigin()
{
    return {12, 8};
}

} // namespace sockscope
