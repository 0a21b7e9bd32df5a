// SPDX-License-Identifier: GPL-3.0-or-later
#include "transitionitem.h"

#include "diagramlayout.h"

#include "core/tcp/tcpstatemachine.h"

#include <QPainter>
#include <QPainterPathStroker>

namespace sockscope {

namespace {

constexpr qreal plainPen = 1.6;
constexpr qreal markPen = 5;
constexpr qreal innerMarkPen = 2;

const TcpTransition &transitionOf(int edge)
{
    return TcpStateMachine::transitions().at(edge);
}

} // namespace

TransitionItem::TransitionItem(int edge, const DiagramTheme &theme)
    : m_edge(edge)
    , m_path(DiagramLayout::edgePath(edge))
    , m_head(DiagramLayout::arrowHead(m_path))
    , m_theme(theme)
{
    setData(LabelKey, label());
    setData(EdgeKey, edge);
    const TcpTransition &t = transitionOf(edge);
    setToolTip(t.note.isEmpty() ? label() : label() + u'\n' + t.note);
    setZValue(0);
}

QString TransitionItem::label() const
{
    return transitionOf(m_edge).label();
}

bool TransitionItem::isInFigure() const
{
    return transitionOf(m_edge).inFigure;
}

void TransitionItem::setTheme(const DiagramTheme &theme)
{
    m_theme = theme;
    update();
}

void TransitionItem::setMarks(const QList<DiagramMark> &marks)
{
    if (marks == m_marks)
        return;
    m_marks = marks;
    update();
}

QRectF TransitionItem::boundingRect() const
{
    const qreal m = markPen;
    return m_path.boundingRect().united(m_head.boundingRect()).adjusted(-m, -m, m, m);
}

QPainterPath TransitionItem::shape() const
{
    QPainterPathStroker stroker;
    stroker.setWidth(markPen + 4);
    QPainterPath s = stroker.createStroke(m_path);
    s.addPolygon(m_head);
    return s;
}

void TransitionItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    painter->setBrush(Qt::NoBrush);
    QColor headColour = m_theme.edge;

    if (!m_marks.isEmpty()) {
        // The first end's colour wide, a second end's colour as a narrow line on top of it.
        for (int i = 0; i < m_marks.size() && i < 2; ++i) {
            const DiagramMark &mark = m_marks[i];
            QPen pen(mark.colour, i == 0 ? markPen : innerMarkPen, Qt::SolidLine, Qt::FlatCap);
            if (mark.kind == DiagramMark::Kind::Implied)
                pen.setDashPattern(i == 0 ? QList<qreal>{2.2, 1.3} : QList<qreal>{5, 3});
            painter->setPen(pen);
            painter->drawPath(m_path);
        }
        headColour = m_marks.first().colour;
    } else {
        QPen pen(m_theme.edge, plainPen);
        if (!isInFigure())
            pen.setDashPattern({5, 4});
        painter->setPen(pen);
        painter->drawPath(m_path);
    }

    painter->setPen(Qt::NoPen);
    painter->setBrush(headColour);
    painter->drawPolygon(m_head);
}

} // namespace sockscope
