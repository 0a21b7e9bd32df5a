// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "diagramtheme.h"

#include <QGraphicsItem>

namespace sockscope {

// The marker of one end of the connection: a disc in the end's colour with a letter
// (C for the client end, S for the server end) so colour is never the only cue.
// Its position is its centre; the widget moves it along a DiagramLayout::tokenRoute().
class TokenItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 4 };
    static constexpr qreal radius = 12;

    TokenItem(bool clientSide, const DiagramTheme &theme);

    int type() const override { return Type; }
    bool isClientSide() const { return m_clientSide; }
    void setTheme(const DiagramTheme &theme);

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    bool m_clientSide;
    DiagramTheme m_theme;
};

} // namespace sockscope
