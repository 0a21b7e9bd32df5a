// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QGraphicsView>

namespace sockscope {

// Shows the whole diagram at any size: the scene is scaled to fit, never scrolled, so the
// picture on a projector is the picture on a laptop.
class DiagramView : public QGraphicsView
{
    Q_OBJECT

public:
    explicit DiagramView(QGraphicsScene *scene, QWidget *parent = nullptr);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    void fitScene();
    qreal scale() const; // screen pixels per scene unit

Q_SIGNALS:
    void scaleChanged(qreal scale);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;
};

} // namespace sockscope
