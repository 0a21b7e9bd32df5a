// SPDX-License-Identifier: GPL-3.0-or-later
#include "timelineview.h"

#include "timelinetheme.h"

#include "ui/text/plaintext.h"

#include <QFontMetricsF>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace sockscope {

namespace {

constexpr double nsPerSecond = 1e9;
constexpr double wheelScrollPx = 60; // per notch, like a text view's three lines

void drawArrowHead(QPainter &p, const QLineF &line, const QColor &color)
{
    const double size = 7;
    const double angle = std::atan2(line.dy(), line.dx());
    const QPointF tip = line.p2();
    QPainterPath head;
    head.moveTo(tip);
    head.lineTo(tip - QPointF(std::cos(angle - 0.42) * size, std::sin(angle - 0.42) * size));
    head.lineTo(tip - QPointF(std::cos(angle + 0.42) * size, std::sin(angle + 0.42) * size));
    head.closeSubpath();
    p.fillPath(head, color);
}

} // namespace

void TimelineView::drawCross(QPainter &p, const QPointF &centre, const QColor &color)
{
    const double size = TimelineLayout::crossSize;
    QPen pen(color, 2);
    pen.setCapStyle(Qt::RoundCap);
    p.setPen(pen);
    p.drawLine(centre + QPointF(-size, -size), centre + QPointF(size, size));
    p.drawLine(centre + QPointF(-size, size), centre + QPointF(size, -size));
}

TimelineView::TimelineView(QWidget *parent)
    : QAbstractScrollArea(parent)
{
    setFocusPolicy(Qt::WheelFocus);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setFrameShape(QFrame::NoFrame);
    viewport()->setMouseTracking(true);
    viewport()->setBackgroundRole(QPalette::Base);
    viewport()->setAutoFillBackground(true);
}

TimelineLayout::Metrics TimelineView::metrics() const
{
    // Copies, not references: the lambdas outlive this call.
    const QFontMetricsF normal(font());
    TimelineLayout::Metrics m;
    m.textWidth = [normal](const QString &text) { return normal.horizontalAdvance(text); };
    m.lineHeight = normal.height();
    // The labels too: smaller than the application's text, they read badly.
    m.smallTextWidth = m.textWidth;
    m.smallLineHeight = m.lineHeight;
    return m;
}

void TimelineView::setLanes(const QList<TimelineLane> &lanes, const QList<WireSegment> &wire)
{
    QList<quint64> ids;
    for (const TimelineLane &lane : lanes)
        ids.append(lane.history.id);
    const bool sameConnection = !ids.isEmpty() && ids == m_ids;
    m_lanes = lanes;
    m_wire = wire;
    m_ids = ids;
    rebuildPlan();
    if (sameConnection) {
        setScale(m_scale);
        followEdge();
    } else {
        zoomToFit();
    }
}

void TimelineView::clear()
{
    m_lanes.clear();
    m_wire.clear();
    m_ids.clear();
    rebuildPlan();
    setScale(m_scale);
}

void TimelineView::setNow(qint64 steadyNs)
{
    if (steadyNs == m_nowNs)
        return;
    m_nowNs = steadyNs;
    rebuildPlan();
    if (m_fitted && m_plan.isLive() && m_scale.xForNs(contentEndNs()) > viewport()->width() - TimelineLayout::sidePadding) {
        // The fit's headroom is used up: keep the zoom and let the view follow.
        m_fitted = false;
    }
    setScale(m_scale);
    followEdge();
}

void TimelineView::setFollowLive(bool follow)
{
    if (follow == m_followLive)
        return;
    m_followLive = follow;
    followEdge();
    Q_EMIT followLiveChanged(follow);
}

void TimelineView::zoomIn()
{
    zoomAround(zoomAnchorX(), zoomStep);
}

void TimelineView::zoomOut()
{
    zoomAround(zoomAnchorX(), 1 / zoomStep);
}

void TimelineView::zoomAround(double anchorX, double factor)
{
    m_fitted = false;
    setScale(m_scale.zoomedAround(anchorX, factor));
    followEdge();
}

void TimelineView::zoomToFit()
{
    if (m_plan.isEmpty())
        return;
    qint64 extent = contentEndNs() - m_plan.originNs();
    // A live connection gets headroom, so the view does not start scrolling at once.
    if (m_plan.isLive())
        extent += std::max<qint64>(extent / 4, qint64(nsPerSecond));
    extent = std::max<qint64>(extent, 1000);
    const double pps = std::max(visibleWidthPx(), 10.0) / (double(extent) / nsPerSecond);
    setScale(TimelineScale(m_plan.originNs(), pps, timeAreaLeft()));
    m_fitted = true;
}

void TimelineView::showRange(qint64 fromNs, qint64 toNs)
{
    if (toNs <= fromNs)
        return;
    m_fitted = false;
    setScale(TimelineScale(fromNs, std::max(visibleWidthPx(), 10.0) / (double(toNs - fromNs) / nsPerSecond), timeAreaLeft()));
    if (m_plan.isLive() && m_scale.xForNs(m_nowNs) > viewport()->width())
        setFollowLive(false);
}

void TimelineView::rebuildPlan()
{
    m_plan = TimelinePlan::build(m_lanes, m_nowNs, m_wire);
}

qint64 TimelineView::contentEndNs() const
{
    return m_plan.isLive() ? std::max(m_plan.endNs(), m_nowNs) : m_plan.endNs();
}

double TimelineView::timeAreaLeft() const
{
    return TimelineLayout::gutterWidth(m_plan, metrics()) + TimelineLayout::sidePadding;
}

double TimelineView::visibleWidthPx() const
{
    return viewport()->width() - timeAreaLeft() - TimelineLayout::sidePadding;
}

double TimelineView::zoomAnchorX() const
{
    if (m_followLive && m_layout.hasLiveEdge())
        return m_layout.liveEdgeX();
    return timeAreaLeft() + std::max(visibleWidthPx(), 0.0) / 2;
}

TimelineScale TimelineView::clamped(const TimelineScale &scale) const
{
    const double pps = TimelineScale::clampPixelsPerSecond(scale.pixelsPerSecond());
    const qint64 visibleNs = qint64(std::max(visibleWidthPx(), 0.0) / pps * nsPerSecond);
    const qint64 origin = m_plan.originNs();
    const qint64 lastStart = std::max(origin, contentEndNs() - visibleNs);
    return TimelineScale(std::clamp(scale.viewStartNs(), origin, lastStart), pps, timeAreaLeft());
}

void TimelineView::setScale(const TimelineScale &scale)
{
    const double before = m_scale.pixelsPerSecond();
    m_scale = clamped(scale);
    relayout();
    syncScrollBar();
    if (m_scale.pixelsPerSecond() != before)
        Q_EMIT zoomChanged(m_scale.pixelsPerSecond());
}

void TimelineView::followEdge()
{
    if (!m_followLive || !m_plan.isLive())
        return;
    // Clamping to the last start puts the live edge at the right.
    m_scale = clamped(m_scale.withViewStart(contentEndNs()));
    relayout();
    syncScrollBar();
}

void TimelineView::relayout()
{
    m_layout = TimelineLayout::compute(m_plan, m_scale, QSizeF(viewport()->size()), metrics(), m_nowNs);
    viewport()->update();
    Q_EMIT layoutChanged();
}

void TimelineView::syncScrollBar()
{
    QScrollBar *bar = horizontalScrollBar();
    const double pps = m_scale.pixelsPerSecond();
    const double visible = std::max(visibleWidthPx(), 1.0);
    const double contentPx = double(contentEndNs() - m_plan.originNs()) * pps / nsPerSecond;
    const double scrollPx = std::max(0.0, contentPx - visible);
    // A scroll bar counts in int: at high zoom a long connection is wider than that.
    m_scrollUnitPx = std::max(1.0, scrollPx / 1e9);
    m_syncingScrollBar = true;
    bar->setRange(0, int(scrollPx / m_scrollUnitPx));
    bar->setPageStep(std::max(1, int(visible / m_scrollUnitPx)));
    bar->setSingleStep(std::max(1, int(wheelScrollPx / m_scrollUnitPx)));
    bar->setValue(int(double(m_scale.viewStartNs() - m_plan.originNs()) * pps / nsPerSecond / m_scrollUnitPx));
    m_syncingScrollBar = false;
}

void TimelineView::scrollContentsBy(int, int)
{
    if (m_syncingScrollBar)
        return;
    scrolledByUser(horizontalScrollBar()->value());
}

void TimelineView::scrolledByUser(int value)
{
    m_fitted = false;
    const qint64 start = m_plan.originNs() + std::llround(value * m_scrollUnitPx / m_scale.pixelsPerSecond() * nsPerSecond);
    m_scale = clamped(m_scale.withViewStart(start));
    relayout();
    // Scrolling back in time means the user wants to look there, not at the live edge.
    if (m_followLive && m_plan.isLive() && value < horizontalScrollBar()->maximum())
        setFollowLive(false);
}

void TimelineView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    if (m_fitted)
        zoomToFit();
    else
        setScale(m_scale);
    followEdge();
}

void TimelineView::wheelEvent(QWheelEvent *event)
{
    const QPoint delta = event->angleDelta();
    if (event->modifiers() & Qt::ControlModifier) {
        if (delta.y() != 0)
            zoomAround(event->position().x(), std::pow(zoomStep, delta.y() / 120.0));
        event->accept();
        return;
    }
    // There is nothing to scroll vertically, so the ordinary wheel moves through time.
    const int steps = delta.x() != 0 ? delta.x() : delta.y();
    QScrollBar *bar = horizontalScrollBar();
    bar->setValue(bar->value() - int(steps / 120.0 * bar->singleStep()));
    event->accept();
}

void TimelineView::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_0:
        zoomToFit();
        break;
    case Qt::Key_Home:
        horizontalScrollBar()->setValue(0);
        break;
    case Qt::Key_End:
        horizontalScrollBar()->setValue(horizontalScrollBar()->maximum());
        if (m_plan.isLive())
            setFollowLive(true);
        break;
    default:
        QAbstractScrollArea::keyPressEvent(event);
        return;
    }
    event->accept();
}

bool TimelineView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QString text = m_layout.toolTipAt(help->pos(), m_plan);
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), PlainText::toolTip(text), viewport()); // lane names, calls
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

void TimelineView::changeEvent(QEvent *event)
{
    QAbstractScrollArea::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::PaletteChange)
        setScale(m_scale);
}

void TimelineView::paintEvent(QPaintEvent *)
{
    QPainter p(viewport());
    p.setRenderHint(QPainter::Antialiasing);
    const TimelineTheme theme = TimelineTheme::fromPalette(palette());
    const QFont normal = font(); // every text, labels too
    const TimelineLayout &l = m_layout;
    const QRectF all(viewport()->rect());

    p.setFont(normal);
    if (m_plan.isEmpty()) {
        p.setPen(theme.mutedText());
        p.drawText(all, Qt::AlignCenter, tr("Select a connection to see its timeline."));
        return;
    }

    // Lane backgrounds and labels.
    for (int i = 0; i < l.lanes().size(); ++i) {
        const TimelineLayout::LaneBox &box = l.lanes()[i];
        const TimelinePlan::Lane &lane = m_plan.lanes()[i];
        p.fillRect(QRectF(0, box.bar.top(), all.width(), box.bar.height()), theme.laneBackground());
        const QColor chip = theme.endColor(lane.clientSide);
        p.setPen(Qt::NoPen);
        p.setBrush(chip);
        p.drawRoundedRect(QRectF(6, box.bar.top() + 4, 5, box.bar.height() - 8), 2, 2);
        p.setPen(theme.text());
        p.drawText(box.labelRect, Qt::AlignLeft | Qt::AlignVCenter, lane.label);
        p.setPen(theme.mutedText());
        p.drawText(box.endpointRect, Qt::AlignLeft | Qt::AlignVCenter, lane.endpoints.section(QStringLiteral(" → "), 0, 0));
    }

    // Everything in time is clipped to the right of the labels.
    p.setClipRect(QRectF(l.axisRect().left(), 0, all.width() - l.axisRect().left(), all.height()));

    // Axis and grid.
    p.setPen(QPen(theme.grid(), 1));
    p.drawLine(QPointF(l.axisRect().left(), l.axisRect().bottom()), QPointF(all.right(), l.axisRect().bottom()));
    for (const TimelineLayout::Tick &t : l.ticks()) {
        const double x = std::round(t.x) + 0.5;
        p.setPen(QPen(theme.grid(), 1));
        p.drawLine(QPointF(x, l.axisRect().bottom() - 4), QPointF(x, all.bottom()));
        if (!t.labelRect.isEmpty()) {
            p.setPen(theme.mutedText());
            p.drawText(t.labelRect, Qt::AlignCenter, t.label);
        }
    }

    // Ladder windows: where the implied segments must lie in time.
    for (const TimelineLayout::Window &w : l.windows()) {
        p.fillRect(w.band, theme.windowBand());
        if (!w.leader.isNull()) {
            p.setPen(QPen(theme.mutedText(), 1, Qt::DotLine));
            p.drawLine(w.leader);
        }
    }

    // State intervals, then where each change happened between two polls.
    for (const TimelineLayout::Bar &b : l.bars()) {
        const TcpState state = m_plan.lanes()[b.lane].intervals[b.interval].state;
        p.setPen(QPen(theme.stateBorder(state), 1));
        p.setBrush(theme.stateFill(state));
        p.drawRoundedRect(b.rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3);
    }
    for (const TimelineLayout::Bar &b : l.bars()) {
        if (b.uncertain.width() >= 1) {
            p.setPen(Qt::NoPen);
            p.setBrush(QBrush(theme.uncertainty(), Qt::BDiagPattern));
            p.drawRect(b.uncertain);
        }
        if (!b.text.isEmpty()) {
            p.setPen(theme.text());
            p.drawText(b.textRect, Qt::AlignLeft | Qt::AlignVCenter, b.text);
        }
    }
    // States no poll saw, timed by packet: in the state's colours, square, with a
    // border in the end's colour.
    for (const TimelineLayout::PacketBar &b : l.packetBars()) {
        const TcpState state = m_plan.lanes()[b.lane].packetSpans[b.span].state;
        p.setPen(QPen(theme.endColor(m_plan.lanes()[b.lane].clientSide), 1.5));
        p.setBrush(theme.stateFill(state));
        p.drawRect(b.rect.adjusted(0.5, 0.5, -0.5, -0.5));
        if (!b.text.isEmpty()) {
            p.setPen(theme.text());
            p.drawText(b.textRect, Qt::AlignLeft | Qt::AlignVCenter, b.text);
        }
    }

    // Segments in the sender's colour: captured ones solid, implied ones dashed with italic
    // labels.
    const auto senderColor = [this, &theme](const TimelineLayout::Arrow &a) {
        const int from = a.captured ? m_plan.captured()[a.segment].fromLane : m_plan.segments()[a.segment].fromLane;
        return theme.endColor(m_plan.lanes()[from].clientSide);
    };
    for (const TimelineLayout::Arrow &a : l.arrows()) {
        if (a.lost) {
            // Sent, never arrived: part of the way, in the error colour, ending in a cross.
            p.setPen(QPen(theme.failedCall(), 1.8));
            p.drawLine(a.line);
            drawCross(p, a.line.p2(), theme.failedCall());
            continue;
        }
        const QColor color = senderColor(a);
        QPen pen(color, a.captured ? 1.5 : 1.4, a.captured ? Qt::SolidLine : Qt::DashLine);
        if (!a.captured)
            pen.setDashPattern({4, 3});
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        // The line stops short of the tip, so that a thick pen does not blunt the head.
        p.drawLine(QLineF(a.line.p1(), a.line.pointAt(std::max(0.0, 1 - 4 / std::max(a.line.length(), 1.0)))));
        drawArrowHead(p, a.line, color);
    }
    // Labels after all lines, so that no arrow runs through a label.
    QFont italic = normal;
    italic.setItalic(true);
    for (const TimelineLayout::Arrow &a : l.arrows()) {
        if (a.textRect.isEmpty())
            continue;
        p.setPen(Qt::NoPen);
        p.setBrush(theme.labelBackground());
        p.drawRoundedRect(a.textRect, 3, 3);
        p.setFont(a.captured ? normal : italic);
        p.setPen(a.lost ? theme.failedCall() : senderColor(a));
        p.drawText(a.textRect, Qt::AlignCenter, a.text);
    }
    p.setFont(normal);

    // Lab calls.
    for (const TimelineLayout::Marker &m : l.markers()) {
        const bool client = m_plan.lanes()[m.lane].clientSide;
        const QColor color = m.failed ? theme.failedCall() : theme.endColor(client);
        const double dir = m.pointsDown ? -1 : 1;
        QPolygonF triangle;
        triangle << m.tip << m.tip + QPointF(-5, dir * 7) << m.tip + QPointF(5, dir * 7);
        p.setPen(QPen(color, 1.2));
        p.setBrush(m.failed ? QBrush(theme.base()) : QBrush(color));
        p.drawPolygon(triangle);
        if (!m.text.isEmpty()) {
            p.setPen(m.failed ? theme.failedCall() : theme.text());
            p.drawText(m.textRect, Qt::AlignCenter, m.text);
        }
    }

    if (l.hasLiveEdge()) {
        const double x = std::round(l.liveEdgeX()) + 0.5;
        p.setPen(QPen(theme.liveEdge(), 1.5));
        p.drawLine(QPointF(x, l.axisRect().bottom()), QPointF(x, all.bottom()));
        QPolygonF notch;
        notch << QPointF(x, l.axisRect().bottom() + 1) << QPointF(x - 4, l.axisRect().bottom() - 5)
              << QPointF(x + 4, l.axisRect().bottom() - 5);
        p.setPen(Qt::NoPen);
        p.setBrush(theme.liveEdge());
        p.drawPolygon(notch);
    }
}

} // namespace sockscope
