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
    return {320, 280};
}

void DiagramView::fitScene()
{
    if (!scene())
        return;
    const qreal before = scale();
    fitInView(sceneRect(), Qt::KeepAspectRatio);
    if (!qFuzzyCompare(before, scale()))
        Q_EMIT scaleChanged(scale());
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
