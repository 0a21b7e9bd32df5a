// SPDX-License-Identifier: GPL-3.0-or-later
#include "legenditem.h"

#include "diagramlayout.h"
#include "tokenitem.h"

#include <QFontMetricsF>
#include <QPainter>

namespace sockscope {

namespace {

enum class Sample { ClientToken, ServerToken, ObservedBox, PacketBox, ImpliedBox, NoteArrow };

struct Entry
{
    Sample sample;
    const char *text;
};

constexpr Entry entries[] = {
    {Sample::ClientToken, "client end"},
    {Sample::ServerToken, "server end"},
    {Sample::ObservedBox, "seen by a poll"},
    {Sample::PacketBox, "timed by packet"},
    {Sample::ImpliedBox, "passed, not observed"},
    {Sample::NoteArrow, "only in an RFC note"},
};

constexpr qreal sampleWidth = 34;
constexpr qreal sampleGap = 8;
constexpr qreal rowGap = 4;
constexpr qreal pad = 6;

} // namespace

LegendItem::LegendItem(const DiagramTheme &theme)
    : m_theme(theme)
    , m_size(sizeFor(theme.legendFont))
{
    setPos(DiagramLayout::legendOrigin());
    setZValue(2);
}

QStringList LegendItem::texts() const
{
    QStringList out;
    for (const Entry &e : entries)
        out << QString::fromLatin1(e.text);
    return out;
}

QSizeF LegendItem::sizeFor(const QFont &font) const
{
    const QFontMetricsF fm(font);
    qreal width = 0;
    for (const QString &t : texts())
        width = qMax(width, fm.horizontalAdvance(t));
    const qreal rowHeight = qMax(fm.height(), 2 * TokenItem::radius);
    const int n = int(std::size(entries));
    return {std::ceil(2 * pad + sampleWidth + sampleGap + width), std::ceil(2 * pad + n * rowHeight + (n - 1) * rowGap)};
}

void LegendItem::setTheme(const DiagramTheme &theme)
{
    m_theme = theme;
    const QSizeF size = sizeFor(theme.legendFont);
    if (size != m_size) {
        prepareGeometryChange();
        m_size = size;
    }
    update();
}

QRectF LegendItem::boundingRect() const
{
    return QRectF(QPointF(), m_size);
}

void LegendItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const QFontMetricsF fm(m_theme.legendFont);
    const qreal rowHeight = qMax(fm.height(), 2 * TokenItem::radius);
    const QColor neutral = m_theme.boxBorder;
    qreal y = pad;
    for (const Entry &e : entries) {
        const QRectF sample(pad, y + 3, sampleWidth, rowHeight - 6);
        const QPointF centre = sample.center();
        switch (e.sample) {
        case Sample::ClientToken:
        case Sample::ServerToken: {
            const bool client = e.sample == Sample::ClientToken;
            painter->setPen(QPen(m_theme.background, 2));
            painter->setBrush(m_theme.endColour(client));
            painter->drawEllipse(centre, TokenItem::radius - 2, TokenItem::radius - 2);
            QFont f = m_theme.smallFont;
            f.setBold(true);
            painter->setFont(f);
            painter->setPen(m_theme.tokenText);
            painter->drawText(QRectF(centre.x() - 10, centre.y() - 10, 20, 20), Qt::AlignCenter,
                              client ? QStringLiteral("C") : QStringLiteral("S"));
            break;
        }
        case Sample::ObservedBox:
            painter->setPen(QPen(neutral, 2.5));
            painter->setBrush(m_theme.tint(neutral, 0.2));
            painter->drawRoundedRect(sample, 4, 4);
            break;
        case Sample::PacketBox:
            painter->setPen(QPen(neutral, 2.5));
            painter->setBrush(m_theme.background);
            painter->drawRoundedRect(sample, 4, 4);
            painter->setPen(Qt::NoPen);
            painter->setBrush(QBrush(m_theme.tint(neutral, 0.45), Qt::BDiagPattern));
            painter->drawRoundedRect(sample, 4, 4);
            break;
        case Sample::ImpliedBox: {
            QPen pen(neutral, 2.5);
            pen.setDashPattern({2.5, 2});
            painter->setPen(pen);
            painter->setBrush(m_theme.background);
            painter->drawRoundedRect(sample, 4, 4);
            break;
        }
        case Sample::NoteArrow: {
            QPen pen(m_theme.edge, 1.6);
            pen.setDashPattern({5, 4});
            painter->setPen(pen);
            painter->drawLine(QPointF(sample.left(), centre.y()), QPointF(sample.right() - 6, centre.y()));
            painter->setPen(Qt::NoPen);
            painter->setBrush(m_theme.edge);
            QPainterPath line(QPointF(sample.left(), centre.y()));
            line.lineTo(sample.right(), centre.y());
            painter->drawPolygon(DiagramLayout::arrowHead(line, 10));
            break;
        }
        }
        painter->setFont(m_theme.legendFont);
        painter->setPen(m_theme.text);
        painter->drawText(QRectF(sample.right() + sampleGap, y, m_size.width(), rowHeight), Qt::AlignLeft | Qt::AlignVCenter,
                          QString::fromLatin1(e.text));
        y += rowHeight + rowGap;
    }
}

} // namespace sockscope
