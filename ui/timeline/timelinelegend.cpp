// SPDX-License-Identifier: GPL-3.0-or-later
#include "timelinelegend.h"

#include "timelinelayout.h"
#include "timelinetheme.h"
#include "timelineview.h"

#include <QPainter>

#include <algorithm>

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

QList<TimelineLegend::Symbol> TimelineLegend::symbolsOf(const TimelineLayout &layout)
{
    bool captured = false;
    bool implied = false;
    bool lost = false;
    for (const TimelineLayout::Arrow &a : layout.arrows()) {
        (a.captured ? captured : implied) = true;
        lost = lost || a.lost;
    }
    const bool uncertain = std::any_of(layout.bars().cbegin(), layout.bars().cend(),
                                       [](const TimelineLayout::Bar &b) { return b.uncertain.width() >= 1; });
    const QList<TimelineLayout::Marker> &markers = layout.markers();
    const bool calls = std::any_of(markers.cbegin(), markers.cend(), [](const TimelineLayout::Marker &m) { return !m.failed; });
    const bool failed = std::any_of(markers.cbegin(), markers.cend(), [](const TimelineLayout::Marker &m) { return m.failed; });
    QList<Symbol> out;
    if (captured)
        out.append(Symbol::Captured);
    if (implied)
        out.append(Symbol::Implied);
    if (lost)
        out.append(Symbol::Lost);
    if (uncertain)
        out.append(Symbol::Uncertain);
    if (!layout.packetBars().isEmpty())
        out.append(Symbol::TimedByPacket);
    if (calls)
        out.append(Symbol::Call);
    if (failed)
        out.append(Symbol::FailedCall);
    if (layout.hasLiveEdge())
        out.append(Symbol::LiveEdge);
    return out;
}

void TimelineLegend::setSymbols(const QList<Symbol> &symbols)
{
    if (symbols == m_symbols)
        return;
    m_symbols = symbols;
    updateGeometry();
    update();
}

QString TimelineLegend::textOf(Symbol symbol)
{
    switch (symbol) {
    case Symbol::Captured:
        return tr("captured segment");
    case Symbol::Implied:
        return tr("implied segment (from observed states, not captured)");
    case Symbol::Lost:
        return tr("stopped by a wire rule: never arrived");
    case Symbol::Uncertain:
        return tr("changed between polls");
    case Symbol::TimedByPacket:
        return tr("timed by packet (no poll saw it)");
    case Symbol::Call:
        return tr("lab call");
    case Symbol::FailedCall:
        return tr("failed call");
    case Symbol::LiveEdge:
        return tr("now");
    }
    return QString();
}

QStringList TimelineLegend::texts() const
{
    QStringList out;
    for (Symbol s : m_symbols)
        out.append(textOf(s));
    return out;
}

QSize TimelineLegend::sizeHint() const
{
    int width = 0;
    for (Symbol s : m_symbols)
        width += symbolWidth + gapAfterSymbol + fontMetrics().horizontalAdvance(textOf(s)) + gapAfterEntry;
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
    for (Symbol symbol : m_symbols) {
        const QString text = textOf(symbol);
        const int textWidth = fontMetrics().horizontalAdvance(text);
        if (x + symbolWidth + gapAfterSymbol + textWidth > width())
            break;
        const QRectF box(x, mid - 6, symbolWidth, 12);
        switch (symbol) {
        case Symbol::Captured:
        case Symbol::Implied: {
            QPen pen(theme.endColor(true), symbol == Symbol::Captured ? 1.5 : 1.4,
                     symbol == Symbol::Captured ? Qt::SolidLine : Qt::DashLine);
            if (symbol == Symbol::Implied)
                pen.setDashPattern({4, 3});
            p.setPen(pen);
            p.drawLine(QPointF(box.left(), box.top() + 2), QPointF(box.right() - 3, box.bottom() - 2));
            break;
        }
        case Symbol::Lost: {
            const QPointF cross(box.right() - 5, box.bottom() - 4);
            p.setPen(QPen(theme.failedCall(), 1.8));
            p.drawLine(QPointF(box.left(), box.top() + 2), cross);
            TimelineView::drawCross(p, cross, theme.failedCall());
            break;
        }
        case Symbol::Uncertain:
            p.setPen(QPen(theme.stateBorder(TcpState::Established), 1));
            p.setBrush(theme.stateFill(TcpState::Established));
            p.drawRect(box.adjusted(2, 1, -2, -1));
            p.setPen(Qt::NoPen);
            p.setBrush(QBrush(theme.uncertainty(), Qt::BDiagPattern));
            p.drawRect(box.adjusted(2, 1, -2, -1));
            break;
        case Symbol::TimedByPacket:
            p.setPen(QPen(theme.endColor(true), 1.5));
            p.setBrush(theme.stateFill(TcpState::SynSent));
            p.drawRect(box.adjusted(2, 3, -2, -3));
            break;
        case Symbol::Call:
        case Symbol::FailedCall: {
            const bool failed = symbol == Symbol::FailedCall;
            const QColor color = failed ? theme.failedCall() : theme.endColor(true);
            const QPointF tip(box.center().x(), box.center().y() + 4);
            QPolygonF triangle;
            triangle << tip << tip + QPointF(-5, -7) << tip + QPointF(5, -7);
            p.setPen(QPen(color, 1.2));
            p.setBrush(failed ? QBrush(theme.base()) : QBrush(color));
            p.drawPolygon(triangle);
            break;
        }
        case Symbol::LiveEdge:
            p.setPen(QPen(theme.liveEdge(), 1.5));
            p.drawLine(QPointF(box.center().x(), box.top()), QPointF(box.center().x(), box.bottom()));
            break;
        }
        x += symbolWidth + gapAfterSymbol;
        p.setPen(theme.mutedText());
        p.drawText(QRectF(x, 0, textWidth + 1, height()), Qt::AlignLeft | Qt::AlignVCenter, text);
        x += textWidth + gapAfterEntry;
    }
}

} // namespace sockscope
