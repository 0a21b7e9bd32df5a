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
    // Shows the whole scene, as large as the view allows, but never below the minimum scale:
    // there the view scrolls (drag it, or use the wheel), centred on the focus.
    void fitScene();
    qreal scale() const; // screen pixels per scene unit
    void setMinimumScale(qreal scale);
    qreal minimumScale() const { return m_minimumScale; }
    // Whether the whole scene is in view (false while the minimum scale makes it scroll).
    bool showsWholeScene() const { return m_whole; }
    // The point the view centres on when it cannot show everything: the selected connection's
    // state. A null rectangle centres on the scene.
    void setFocusRect(const QRectF &rect);

Q_SIGNALS:
    void scaleChanged(qreal scale);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    qreal m_minimumScale = 0;
    bool m_whole = true;
    QRectF m_focus;
};

} // namespace sockscope
