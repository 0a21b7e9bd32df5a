// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "diagrammark.h"
#include "diagramtheme.h"

#include <QGraphicsItem>
#include <QList>
#include <QPainterPath>

namespace sockscope {

// One arrow of the diagram, drawn under the boxes. Its label is a TransitionLabelItem, above
// every arrow so that no arrow crosses a label.
class TransitionItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 2 };
    enum DataKey { LabelKey = 0, EdgeKey = 1 };

    TransitionItem(int edge, const DiagramTheme &theme);

    int type() const override { return Type; }
    int edge() const { return m_edge; }
    QString label() const; // TcpTransition::label()
    bool isInFigure() const;

    void setTheme(const DiagramTheme &theme);
    // Which ends took this arrow, and whether a poll saw both its ends in a row.
    void setMarks(const QList<DiagramMark> &marks);
    QList<DiagramMark> marks() const { return m_marks; }

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    int m_edge;
    QPainterPath m_path;
    QPolygonF m_head;
    DiagramTheme m_theme;
    QList<DiagramMark> m_marks;
};

} // namespace sockscope
