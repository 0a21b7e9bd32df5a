// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "diagramtheme.h"

#include <QGraphicsItem>
#include <QStringList>

namespace sockscope {

// What the marks mean: the two ends' colours, observed versus passed-not-observed states and
// arrows, and the dashed arrow the RFC only describes in a note.
class LegendItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 5 };

    explicit LegendItem(const DiagramTheme &theme);

    int type() const override { return Type; }
    QStringList texts() const; // the legend's lines, for tests
    void setTheme(const DiagramTheme &theme);

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QSizeF sizeFor(const QFont &font) const;

    DiagramTheme m_theme;
    QSizeF m_size;
};

} // namespace sockscope
