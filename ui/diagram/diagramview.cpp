// SPDX-License-Identifier: GPL-3.0-or-later
#include "diagramview.h"

namespace sockscope {

DiagramView::DiagramView(QGraphicsScene *scene, QWidget *parent)
    : QGraphicsView(scene, parent)
{
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setFrameShape(QFrame::NoFrame);
    setViewportUpdateMode(QGraphicsView::BoundingRectViewportUpdate);
    setAlignment(Qt::AlignCenter);
}

QSize DiagramView::sizeHint() const
{
    return {720, 620};
}

QSize DiagramView::minimumSizeHint() const
{
    // It scrolls when small (fitScene()); the dock can be narrow on a laptop screen.
    return {240, 200};
}

void DiagramView::fitScene()
{
    if (!scene() || sceneRect().isEmpty())
        return;
    const qreal before = scale();
    const QRectF scene = sceneRect();
    // The viewport without scroll bars: what fitting the whole scene has.
    const QSize room = maximumViewportSize();
    const qreal fit = qMin(room.width() / scene.width(), room.height() / scene.height());
    const qreal chosen = qMax(fit, m_minimumScale);
    m_whole = chosen <= fit * 1.0001;
    const Qt::ScrollBarPolicy bars = m_whole ? Qt::ScrollBarAlwaysOff : Qt::ScrollBarAsNeeded;
    setHorizontalScrollBarPolicy(bars);
    setVerticalScrollBarPolicy(bars);
    setDragMode(m_whole ? QGraphicsView::NoDrag : QGraphicsView::ScrollHandDrag);
    setTransform(QTransform::fromScale(chosen, chosen));
    if (!m_whole)
        centerOn(m_focus.isNull() ? scene.center() : m_focus.center());
    if (!qFuzzyCompare(before, scale()))
        Q_EMIT scaleChanged(scale());
}

void DiagramView::setMinimumScale(qreal scale)
{
    if (qFuzzyCompare(scale, m_minimumScale))
        return;
    m_minimumScale = scale;
    fitScene();
}

void DiagramView::setFocusRect(const QRectF &rect)
{
    m_focus = rect;
    if (!m_whole && !rect.isNull())
        ensureVisible(rect, 40, 40);
}

qreal DiagramView::scale() const
{
    return transform().m11();
}

void DiagramView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    fitScene();
}

void DiagramView::showEvent(QShowEvent *event)
{
    QGraphicsView::showEvent(event);
    fitScene();
}

} // namespace sockscope
