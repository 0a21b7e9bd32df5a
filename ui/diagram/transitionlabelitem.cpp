// SPDX-License-Identifier: GPL-3.0-or-later
#include "transitionlabelitem.h"

#include "diagramlayout.h"

#include "core/tcp/tcpstatemachine.h"

#include <QFontMetricsF>
#include <QPainter>

namespace sockscope {

namespace {

constexpr qreal padX = 5;
constexpr qreal padY = 2;
constexpr qreal ruleGap = 3; // space above and below the rule

const TcpTransition &transitionOf(int edge)
{
    return TcpStateMachine::transitions().at(edge);
}

} // namespace

TransitionLabelItem::TransitionLabelItem(int edge, const DiagramTheme &theme)
    : m_edge(edge)
    , m_theme(theme)
{
    setData(LabelKey, text());
    setData(EdgeKey, edge);
    setZValue(2);
    place();
}

QString TransitionLabelItem::text() const
{
    return transitionOf(m_edge).label();
}

QSizeF TransitionLabelItem::sizeFor(int edge, const QFont &font)
{
    const TcpTransition &t = transitionOf(edge);
    const QFontMetricsF fm(font);
    const qreal width = qMax(fm.horizontalAdvance(t.event), fm.horizontalAdvance(t.action));
    qreal height = fm.height();
    if (!t.action.isEmpty())
        height += 2 * ruleGap + fm.height();
    return {std::ceil(width + 2 * padX), std::ceil(height + 2 * padY)};
}

void TransitionLabelItem::setTheme(const DiagramTheme &theme)
{
    m_theme = theme;
    place();
    update();
}

void TransitionLabelItem::place()
{
    const QSizeF size = sizeFor(m_edge, m_theme.labelFont);
    if (size != m_size) {
        prepareGeometryChange();
        m_size = size;
    }
    setPos(DiagramLayout::labelRect(m_edge, m_size).topLeft());
}

QRectF TransitionLabelItem::boundingRect() const
{
    return QRectF(QPointF(), m_size);
}

void TransitionLabelItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const TcpTransition &t = transitionOf(m_edge);
    const QRectF r = boundingRect();
    painter->setPen(Qt::NoPen);
    painter->setBrush(m_theme.labelBackground);
    painter->drawRoundedRect(r, 4, 4);

    const QFontMetricsF fm(m_theme.labelFont);
    QFont font = m_theme.labelFont;
    font.setItalic(!t.inFigure);
    painter->setFont(font);
    painter->setPen(m_theme.labelText);
    const QRectF event(r.left(), r.top() + padY, r.width(), fm.height());
    painter->drawText(event, Qt::AlignCenter, t.event);
    if (t.action.isEmpty())
        return;
    const qreal ruleY = event.bottom() + ruleGap;
    const qreal ruleWidth = qMax(fm.horizontalAdvance(t.event), fm.horizontalAdvance(t.action));
    painter->setPen(QPen(m_theme.mutedText, 1));
    painter->drawLine(QPointF(r.center().x() - ruleWidth / 2, ruleY), QPointF(r.center().x() + ruleWidth / 2, ruleY));
    painter->setPen(m_theme.labelText);
    painter->drawText(QRectF(r.left(), ruleY + ruleGap, r.width(), fm.height()), Qt::AlignCenter, t.action);
}

} // namespace sockscope
