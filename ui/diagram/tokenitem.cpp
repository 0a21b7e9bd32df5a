// SPDX-License-Identifier: GPL-3.0-or-later
#include "tokenitem.h"

#include <QPainter>

namespace sockscope {

namespace {

constexpr qreal outline = 2.5;

} // namespace

TokenItem::TokenItem(bool clientSide, const DiagramTheme &theme)
    : m_clientSide(clientSide)
    , m_theme(theme)
{
    setZValue(3);
    setToolTip(clientSide ? QStringLiteral("client end") : QStringLiteral("server end"));
}

void TokenItem::setTheme(const DiagramTheme &theme)
{
    m_theme = theme;
    update();
}

QRectF TokenItem::boundingRect() const
{
    const qreal r = radius + outline;
    return {-r, -r, 2 * r, 2 * r};
}

void TokenItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    // The background-coloured outline separates the disc from the box border it sits on.
    painter->setPen(QPen(m_theme.background, outline));
    painter->setBrush(m_theme.endColour(m_clientSide));
    painter->drawEllipse(QPointF(), radius, radius);
    QFont font = m_theme.smallFont;
    font.setPixelSize(int(radius * 1.25));
    font.setBold(true);
    painter->setFont(font);
    painter->setPen(m_theme.tokenText);
    painter->drawText(QRectF(-radius, -radius, 2 * radius, 2 * radius), Qt::AlignCenter,
                      m_clientSide ? QStringLiteral("C") : QStringLiteral("S"));
}

} // namespace sockscope
