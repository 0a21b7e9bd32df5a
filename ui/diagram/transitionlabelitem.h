// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "diagramtheme.h"

#include <QGraphicsItem>

namespace sockscope {

// An arrow's label in the RFC's own form: the event over a rule over the action sent in
// response ("rcv SYN" / "snd SYN,ACK"), on a background so crossing arrows stay readable.
class TransitionLabelItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 3 };
    enum DataKey { LabelKey = 0, EdgeKey = 1 };

    TransitionLabelItem(int edge, const DiagramTheme &theme);

    int type() const override { return Type; }
    int edge() const { return m_edge; }
    QString text() const; // TcpTransition::label()

    // The size the label needs with a theme's font; the layout places it from that.
    static QSizeF sizeFor(int edge, const QFont &font);

    void setTheme(const DiagramTheme &theme);

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    void place();

    int m_edge;
    DiagramTheme m_theme;
    QSizeF m_size;
};

} // namespace sockscope
