// SPDX-License-Identifier: GPL-3.0-or-later
#include "timelinelegend.h"

#include "timelinetheme.h"

#include <QPainter>

namespace sockscope {

namespace {

constexpr int symbolWidth = 22;
constexpr int gapAfterSymbol = 4;
constexpr int gapAfterEntry = 14;

} // namespace

TimelineLegend::TimelineLegend(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("timelineLegend"));
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
}

QList<TimelineLegend::Entry> TimelineLegend::entries() const
{
    return {
        {Entry::Symbol::Implied, tr("implied segment (from observed states, not captured)")},
        {Entry::Symbol::Uncertain, tr("changed between polls")},
        {Entry::Symbol::Call, tr("lab call")},
        {Entry::Symbol::FailedCall, tr("failed call")},
        {Entry::Symbol::LiveEdge, tr("now")},
    };
}

QSize TimelineLegend::sizeHint() const
{
    int width = 0;
    for (const Entry &e : entries())
        width += symbolWidth + gapAfterSymbol + fontMetrics().horizontalAdvance(e.text) + gapAfterEntry;
    return QSize(width, fontMetrics().height() + 6);
}

QSize TimelineLegend::minimumSizeHint() const
{
    return QSize(0, fontMetrics().height() + 6);
}

void TimelineLegend::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const TimelineTheme theme = TimelineTheme::fromPalette(palette());
    const double mid = height() / 2.0;
    double x = 2;
    // Entries that do not fit whole are left out rather than cut off.
    for (const Entry &e : entries()) {
        const int textWidth = fontMetrics().horizontalAdvance(e.text);
        if (x + symbolWidth + gapAfterSymbol + textWidth > width())
            break;
        const QRectF symbol(x, mid - 6, symbolWidth, 12);
        switch (e.symbol) {
        case Entry::Symbol::Implied: {
            QPen pen(theme.endColor(true), 1.4, Qt::DashLine);
            pen.setDashPattern({4, 3});
            p.setPen(pen);
            p.drawLine(QPointF(symbol.left(), symbol.top() + 2), QPointF(symbol.right() - 3, symbol.bottom() - 2));
            break;
        }
        case Entry::Symbol::Uncertain:
            p.setPen(QPen(theme.stateBorder(TcpState::Established), 1));
            p.setBrush(theme.stateFill(TcpState::Established));
            p.drawRect(symbol.adjusted(2, 1, -2, -1));
            p.setPen(Qt::NoPen);
            p.setBrush(QBrush(theme.uncertainty(), Qt::BDiagPattern));
            p.drawRect(symbol.adjusted(2, 1, -2, -1));
            break;
        case Entry::Symbol::Call:
        case Entry::Symbol::FailedCall: {
            const bool failed = e.symbol == Entry::Symbol::FailedCall;
            const QColor color = failed ? theme.failedCall() : theme.endColor(true);
            const QPointF tip(symbol.center().x(), symbol.center().y() + 4);
            QPolygonF triangle;
            triangle << tip << tip + QPointF(-5, -7) << tip + QPointF(5, -7);
            p.setPen(QPen(color, 1.2));
            p.setBrush(failed ? QBrush(theme.base()) : QBrush(color));
            p.drawPolygon(triangle);
            break;
        }
        case Entry::Symbol::LiveEdge:
            p.setPen(QPen(theme.liveEdge(), 1.5));
            p.drawLine(QPointF(symbol.center().x(), symbol.top()), QPointF(symbol.center().x(), symbol.bottom()));
            break;
        }
        x += symbolWidth + gapAfterSymbol;
        p.setPen(theme.mutedText());
        p.drawText(QRectF(x, 0, textWidth + 1, height()), Qt::AlignLeft | Qt::AlignVCenter, e.text);
        x += textWidth + gapAfterEntry;
    }
}

} // namespace sockscope
