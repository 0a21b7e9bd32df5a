// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "diagrammark.h"
#include "diagramtheme.h"

#include "core/tcp/tcpstate.h"

#include <QGraphicsItem>
#include <QList>

namespace sockscope {

// One state box of the diagram: the kernel's name for the state, and how the shown
// connection's ends met it (observed, passed without being observed, there now).
class StateItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 1 };
    // Keys of QGraphicsItem::data() for tests and tools that look items up in the scene.
    enum DataKey { StateNameKey = 0, BoxKey = 1 };

    StateItem(int box, const DiagramTheme &theme);

    int type() const override { return Type; }
    int box() const { return m_box; }
    TcpState state() const { return m_state; }
    QString name() const; // kernelName(state())

    void setTheme(const DiagramTheme &theme);
    void setMarks(const QList<DiagramMark> &marks);
    QList<DiagramMark> marks() const { return m_marks; }

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    int m_box;
    TcpState m_state;
    DiagramTheme m_theme;
    QList<DiagramMark> m_marks;
};

} // namespace sockscope
