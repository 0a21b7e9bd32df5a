// SPDX-License-Identifier: GPL-3.0-or-later
#include "timelinelayout.h"

#include "core/tcp/stateexplainer.h"

#include "core/capture/segmenttext.h"

#include <QDateTime>

#include <algorithm>
#include <cerrno>
#include <cmath>

namespace sockscope {

namespace {

constexpr double markerHeight = 7;
constexpr double markerClusterPx = 7; // calls closer than this share one marker
constexpr double labelGap = 6;
constexpr double minLadderHeight = 56;
constexpr double burstGapPx = 4;       // captured arrows closer than a pitch and this share a burst
constexpr int maxSteppedArrows = 12;   // a longer burst steps by less than a pitch per segment

// EINPROGRESS is how a non-blocking connect() says "started", not a failure.
bool callFailed(const LabCall &call)
{
    return call.failed() && call.error != EINPROGRESS;
}

QString offsetText(qint64 ns, qint64 originNs)
{
    return QStringLiteral("+") + TimelineScale::tickLabel(ns - originNs, 1000);
}

QString wallText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss.zzz"));
}

QString callText(const LabCall &call)
{
    if (call.asynchronous)
        return call.failed() ? call.name() + QLatin1Char(' ') + call.errorName() : QStringLiteral("connected");
    if (callFailed(call))
        return call.name() + QLatin1Char(' ') + call.errorName();
    return call.name();
}

QRectF centredText(double cx, double cy, double width, double height)
{
    return QRectF(cx - width / 2, cy - height / 2, width, height);
}

QString directionMark(int fromLane)
{
    return fromLane == 0 ? QStringLiteral(" ↓") : QStringLiteral(" ↑");
}

// True when `line` runs through `rect` (or touches it).
bool crosses(const QLineF &line, const QRectF &rect)
{
    if (rect.contains(line.p1()) || rect.contains(line.p2()))
        return true;
    const QLineF edges[] = {QLineF(rect.topLeft(), rect.topRight()), QLineF(rect.topRight(), rect.bottomRight()),
                            QLineF(rect.bottomRight(), rect.bottomLeft()), QLineF(rect.bottomLeft(), rect.topLeft())};
    return std::any_of(std::begin(edges), std::end(edges),
                       [&line](const QLineF &edge) { return line.intersects(edge) == QLineF::BoundedIntersection; });
}

QString microsecondsText(qint64 ns)
{
    return QString::number(double(ns) / 1000, 'f', 1) + QStringLiteral(" µs");
}

// Everything the capture knows of a segment, in the long form tcpdump -v users read, with
// the absolute numbers a relative one hides and the call that sent it.
QString capturedToolTip(const TimelinePlan &plan, const TimelinePlan::Captured &c)
{
    const Segment &s = c.wire.segment;
    QStringList lines;
    lines << QStringLiteral("%1 from %2 to %3 — captured on the wire at +%4")
                 .arg(s.flagsText(), plan.lanes()[c.fromLane].label, plan.lanes()[c.toLane].label,
                      microsecondsText(c.wire.steadyNs - plan.originNs()));
    if (c.wire.wasStopped()) {
        const QString receiver = plan.lanes()[c.toLane].label;
        lines << c.wire.stopText()
              << (c.wire.answeredWithReset
                      ? QStringLiteral("A wire rule refused it on its way: %1 never had it; the rule answered with a "
                                       "reset in %1's name.")
                            .arg(receiver)
                      : QStringLiteral("A wire rule dropped it on its way: the capture saw it leave, and %1 never had it.")
                            .arg(receiver));
    }
    lines << SegmentText::line(s, c.wire.bases, SegmentText::Form::Long);
    if (c.wire.repeat.isRepeat())
        lines << c.wire.repeat.text();
    QString absolute = QStringLiteral("absolute seq=%1").arg(s.seq);
    if (s.has(SegmentFlag::Ack))
        absolute += QStringLiteral(" ack=%1").arg(s.ack);
    lines << absolute;
    lines << (c.wire.cause.isEmpty() ? QStringLiteral("sent by the kernel on its own, not by a lab call")
                                     : QStringLiteral("caused by %1").arg(c.wire.cause));
    return lines.join(QLatin1Char('\n'));
}

double distanceToLine(const QPointF &p, const QLineF &line)
{
    const QPointF d = line.p2() - line.p1();
    const double lengthSquared = d.x() * d.x() + d.y() * d.y();
    double t = lengthSquared > 0 ? QPointF::dotProduct(p - line.p1(), d) / lengthSquared : 0;
    t = std::clamp(t, 0.0, 1.0);
    const QPointF nearest = line.p1() + t * d;
    return std::hypot(p.x() - nearest.x(), p.y() - nearest.y());
}

} // namespace

double TimelineLayout::gutterWidth(const TimelinePlan &plan, const Metrics &metrics)
{
    double widest = 0;
    for (const TimelinePlan::Lane &lane : plan.lanes()) {
        widest = std::max(widest, metrics.textWidth(lane.label));
        widest = std::max(widest, metrics.smallTextWidth(lane.endpoints.section(QStringLiteral(" → "), 0, 0)));
    }
    // Room for the colour chip on the left and a gap on the right.
    return std::clamp(widest + 26, minGutterWidth, 260.0);
}

TimelineLayout TimelineLayout::compute(const TimelinePlan &plan, const TimelineScale &scale, const QSizeF &size,
                                       const Metrics &metrics, qint64 nowNs)
{
    TimelineLayout l;
    const double gutter = gutterWidth(plan, metrics);
    const double width = size.width();
    const double axisHeight = metrics.smallLineHeight + 10;
    const double stripHeight = metrics.smallLineHeight + markerHeight + 6;
    const double barHeight = metrics.lineHeight + 11;
    l.m_axisRect = QRectF(gutter, 0, std::max(0.0, width - gutter), axisHeight);
    l.m_timeArea = QRectF(gutter, axisHeight, std::max(0.0, width - gutter), std::max(0.0, size.height() - axisHeight));

    // Lanes: the first has its calls above it, the others below, so that the ladder between
    // the first two stays free of markers.
    const int laneCount = int(plan.lanes().size());
    double y = axisHeight + 4;
    for (int i = 0; i < laneCount; ++i) {
        LaneBox box;
        if (i == 0) {
            box.strip = QRectF(gutter, y, width - gutter, stripHeight);
            box.bar = QRectF(gutter, box.strip.bottom(), width - gutter, barHeight);
            y = box.bar.bottom();
        } else {
            if (i == 1) {
                const double fill = size.height() - 4 - stripHeight - barHeight;
                const double top = std::max(y + minLadderHeight, fill);
                l.m_ladderRect = QRectF(gutter, y, width - gutter, top - y);
                y = top;
            }
            box.bar = QRectF(gutter, y, width - gutter, barHeight);
            box.strip = QRectF(gutter, box.bar.bottom(), width - gutter, stripHeight);
            y = box.strip.bottom() + 4;
        }
        box.gutter = QRectF(0, std::min(box.strip.top(), box.bar.top()), gutter,
                            box.strip.height() + box.bar.height());
        const TimelinePlan::Lane &lane = plan.lanes()[i];
        const double textHeight = metrics.lineHeight + metrics.smallLineHeight;
        // Centred on the bar, which is what the label names.
        const double top = box.bar.center().y() - textHeight / 2;
        box.labelRect = QRectF(18, top, metrics.textWidth(lane.label), metrics.lineHeight);
        const QString local = lane.endpoints.section(QStringLiteral(" → "), 0, 0);
        box.endpointRect = QRectF(18, top + metrics.lineHeight, metrics.smallTextWidth(local), metrics.smallLineHeight);
        l.m_lanes.append(box);
    }

    const double left = gutter;
    const auto visible = [&](double x0, double x1) { return x1 >= left && x0 <= width; };

    // Axis ticks and their labels, from time zero on.
    const qint64 largest = std::max(plan.endNs(), nowNs) - plan.originNs();
    const qint64 step = TimelineScale::tickStepForLabels(scale.pixelsPerSecond(), largest, metrics.smallTextWidth, 18);
    const qint64 from = std::max(plan.originNs(), scale.nsForX(left));
    for (const TimelineScale::Tick &t : TimelineScale::ticks(plan.originNs(), from, scale.nsForX(width), step)) {
        Tick tick;
        tick.x = scale.xForNs(t.ns);
        tick.label = t.label;
        const QRectF r = centredText(tick.x, 3 + metrics.smallLineHeight / 2, metrics.smallTextWidth(t.label),
                                     metrics.smallLineHeight);
        if (r.left() >= left + 2 && r.right() <= width - 2)
            tick.labelRect = r;
        l.m_ticks.append(tick);
    }

    // State intervals.
    for (int i = 0; i < laneCount; ++i) {
        const TimelinePlan::Lane &lane = plan.lanes()[i];
        const QRectF row = l.m_lanes[i].bar.adjusted(0, 3, 0, -3);
        for (int k = 0; k < lane.intervals.size(); ++k) {
            const TimelinePlan::Interval &in = lane.intervals[k];
            const double x0 = scale.xForNs(in.startNs);
            const double x1 = std::max(scale.xForNs(in.endNs), x0 + 2);
            if (!visible(std::min(x0, scale.xForNs(in.enteredAfterNs)), x1))
                continue;
            Bar bar;
            bar.lane = i;
            bar.interval = k;
            bar.live = in.live;
            bar.rect = QRectF(x0, row.top(), x1 - x0, row.height());
            if (in.enteredAfterNs < in.startNs) {
                const double u0 = scale.xForNs(in.enteredAfterNs);
                bar.uncertain = QRectF(u0, row.top(), x0 - u0, row.height());
            }
            // The label goes on the visible part, so a long bar scrolled half out of view
            // still says what it is.
            const double v0 = std::max(x0, left + 1);
            const double v1 = std::min(x1, width);
            const QString name = kernelName(in.state);
            const QStringList candidates = {name + QLatin1Char(' ') + TimelineScale::formatDuration(in.durationNs()), name};
            for (const QString &candidate : candidates) {
                const double w = metrics.textWidth(candidate);
                if (v1 - v0 >= w + 10) {
                    bar.text = candidate;
                    bar.textRect = QRectF(v0 + 5, row.center().y() - metrics.lineHeight / 2, w, metrics.lineHeight);
                    break;
                }
            }
            l.m_bars.append(bar);
        }
        // States no poll saw, timed by packet: over the window in which the polls could not
        // say when the change happened.
        for (int k = 0; k < lane.packetSpans.size(); ++k) {
            const TimelinePlan::PacketSpan &span = lane.packetSpans[k];
            const double x0 = scale.xForNs(span.startNs);
            const double x1 = std::max(scale.xForNs(span.endNs), x0 + 3);
            if (!visible(x0, x1))
                continue;
            PacketBar bar;
            bar.lane = i;
            bar.span = k;
            bar.rect = QRectF(x0, row.top() + 2, x1 - x0, row.height() - 4);
            const QString name = kernelName(span.state);
            const QStringList candidates = {name + QLatin1Char(' ') + StateExplainer::formatPreciseDuration(span.durationNs()), name};
            for (const QString &candidate : candidates) {
                const double w = metrics.textWidth(candidate);
                if (x1 - x0 >= w + 10) {
                    bar.text = candidate;
                    bar.textRect = QRectF(x0 + 5, row.center().y() - metrics.lineHeight / 2, w, metrics.lineHeight);
                    break;
                }
            }
            l.m_packetBars.append(bar);
        }
    }

    // Lab calls: calls that land on (nearly) the same pixel share a marker; a label is drawn
    // where it does not run into the previous one.
    for (int i = 0; i < laneCount; ++i) {
        const TimelinePlan::Lane &lane = plan.lanes()[i];
        const LaneBox &box = l.m_lanes[i];
        QList<Marker> markers;
        for (int k = 0; k < lane.calls.size(); ++k) {
            const double x = scale.xForNs(lane.calls[k].steadyNs);
            if (!markers.isEmpty() && x - markers.last().tip.x() <= markerClusterPx) {
                markers.last().calls.append(k);
                markers.last().failed = markers.last().failed || callFailed(lane.calls[k]);
                continue;
            }
            Marker m;
            m.lane = i;
            m.calls = {k};
            m.pointsDown = i == 0;
            m.tip = QPointF(x, i == 0 ? box.bar.top() + 2 : box.bar.bottom() - 2);
            m.failed = callFailed(lane.calls[k]);
            markers.append(m);
        }
        double previousRight = -1e300;
        for (Marker &m : markers) {
            if (m.tip.x() < left - markerHeight || m.tip.x() > width + markerHeight)
                continue;
            const double textY = m.pointsDown ? m.tip.y() - markerHeight - 4 - metrics.smallLineHeight / 2
                                              : m.tip.y() + markerHeight + 4 + metrics.smallLineHeight / 2;
            QStringList names;
            for (int k : std::as_const(m.calls))
                names.append(callText(lane.calls[k]));
            QStringList candidates = {names.join(QStringLiteral(", "))};
            if (names.size() > 1)
                candidates.append(names.first() + QStringLiteral(" +%1").arg(names.size() - 1));
            for (const QString &candidate : std::as_const(candidates)) {
                QRectF r = centredText(m.tip.x(), textY, metrics.smallTextWidth(candidate), metrics.smallLineHeight);
                // Slide a label off the edges, as long as it still stands over its marker.
                if (r.left() < left + 2)
                    r.moveLeft(std::min(left + 2, m.tip.x() - 2));
                if (r.right() > width - 2)
                    r.moveRight(std::max(width - 2, m.tip.x() + 2));
                if (r.left() >= std::max(previousRight + labelGap, left + 2) && r.right() <= width - 2) {
                    m.text = candidate;
                    m.textRect = r;
                    previousRight = r.right();
                    break;
                }
            }
            l.m_markers.append(m);
        }
    }

    // The ladder: each exchange's segments zig-zag between the lanes inside the time window
    // they must lie in. Where the window is wide enough, each arrow carries its label; where
    // it is not, the arrows stay in the window (honest in time) and their labels line up in a
    // row beside it, each with the direction it went, at the first height free of other labels.
    if (laneCount >= 2) {
        const double yTop = l.m_ladderRect.top() + 1;
        const double yBottom = l.m_ladderRect.bottom() - 1;
        const double rowHeight = metrics.smallLineHeight + 2;
        QList<QRectF> placed;
        QRectF previousRow;
        // Labels are drawn whole or not at all: a half-clipped one reads as something else.
        const auto isFree = [&placed, left, width](const QRectF &r) {
            return r.left() >= left + 1 && r.right() <= width - 1 && std::none_of(placed.cbegin(), placed.cend(), [&r](const QRectF &p) {
                return p.adjusted(-labelGap / 2, -1, labelGap / 2, 1).intersects(r);
            });
        };
        for (int e = 0; e < plan.exchanges().size(); ++e) {
            const TimelinePlan::Exchange &ex = plan.exchanges()[e];
            double spacing = 0;
            for (int s = ex.firstSegment; s < ex.firstSegment + ex.segmentCount; ++s)
                spacing = std::max(spacing, metrics.smallTextWidth(tcpFlagsText(plan.segments()[s].flags)) + 8 + 2 * labelGap);
            const double w0 = scale.xForNs(ex.windowStartNs);
            const double w1 = scale.xForNs(ex.windowEndNs);
            const bool roomy = w1 - w0 >= spacing * ex.segmentCount;
            Window window;
            window.exchange = e;
            window.fanLeft = w0;
            window.fanRight = std::max(w1, w0 + 3.0 * ex.segmentCount);
            window.band = QRectF(w0, l.m_ladderRect.top(), std::max(w1 - w0, 2.0), l.m_ladderRect.height());
            if (!visible(window.fanLeft, window.fanRight + (roomy ? 0 : 400)))
                continue;
            l.m_windows.append(window);

            const double pitch = (window.fanRight - window.fanLeft) / ex.segmentCount;
            const qsizetype firstArrow = l.m_arrows.size();
            for (int j = 0; j < ex.segmentCount; ++j) {
                const int s = ex.firstSegment + j;
                const TimelinePlan::Segment &seg = plan.segments()[s];
                const double xa = window.fanLeft + j * pitch;
                Arrow a;
                a.segment = s;
                a.line = seg.fromLane == 0 ? QLineF(xa, yTop, xa + pitch, yBottom) : QLineF(xa, yBottom, xa + pitch, yTop);
                a.text = roomy ? tcpFlagsText(seg.flags) : tcpFlagsText(seg.flags) + (seg.fromLane == 0 ? QStringLiteral(" ↓") : QStringLiteral(" ↑"));
                l.m_arrows.append(a);
            }

            if (roomy) {
                for (qsizetype k = firstArrow; k < l.m_arrows.size(); ++k) {
                    Arrow &a = l.m_arrows[k];
                    const QPointF mid = a.line.center();
                    const QRectF r = centredText(mid.x(), mid.y(), metrics.smallTextWidth(a.text) + 8, rowHeight);
                    if (isFree(r)) {
                        a.textRect = r;
                        placed.append(r);
                    }
                }
                continue;
            }
            QList<double> widths;
            double rowWidth = -labelGap;
            for (qsizetype k = firstArrow; k < l.m_arrows.size(); ++k) {
                widths.append(metrics.smallTextWidth(l.m_arrows[k].text) + 8);
                rowWidth += widths.last() + labelGap;
            }
            // Crowded exchanges step down one row each, like a staircase, so that their rows
            // read in time order; once there is room again the rows start at the top.
            const double firstTop = previousRow.isNull() || previousRow.right() + labelGap < window.fanRight
                ? yTop + 4
                : previousRow.bottom() + 3;
            for (double top = firstTop; top + rowHeight <= yBottom; top += rowHeight + 3) {
                const QRectF row(window.fanRight + labelGap, top, rowWidth, rowHeight);
                if (!isFree(row))
                    continue;
                previousRow = row;
                l.m_windows.last().leader = QLineF(window.fanRight, row.center().y(), row.left(), row.center().y());
                double x = row.left();
                for (qsizetype k = firstArrow; k < l.m_arrows.size(); ++k) {
                    l.m_arrows[k].textRect = QRectF(x, row.top(), widths[k - firstArrow], rowHeight);
                    x += widths[k - firstArrow] + labelGap;
                }
                placed.append(row);
                break;
            }
        }
        l.placeCaptured(plan, scale, metrics, placed);
    }

    if (plan.isLive()) {
        l.m_liveEdgeX = scale.xForNs(nowNs);
        l.m_hasLiveEdge = l.m_liveEdgeX >= left && l.m_liveEdgeX <= width;
    }
    return l;
}

void TimelineLayout::placeCaptured(const TimelinePlan &plan, const TimelineScale &scale, const Metrics &metrics,
                                   QList<QRectF> &placed)
{
    const QList<TimelinePlan::Captured> &captured = plan.captured();
    if (captured.isEmpty())
        return;
    const double left = m_timeArea.left();
    const double width = m_timeArea.right();
    const double yTop = m_ladderRect.top() + 1;
    const double yBottom = m_ladderRect.bottom() - 1;
    const double rowHeight = metrics.smallLineHeight + 2;

    // Each segment is an arrow from the moment it was sent. Segments closer together than an
    // arrow's slant form a burst whose arrows step right one after the other, in time order,
    // so that a handshake within microseconds reads as three arrows at any zoom; a long burst
    // (a bulk transfer zoomed out) steps by less, so that it stays near its time.
    //
    // Labels go by moments rather than bursts: where bursts run together (zoomed out), a
    // label column beside the whole run would stand far from most of its arrows.
    QList<double> xs(captured.size());
    QList<qsizetype> bursts; // the first segment of each
    QList<int> moments(captured.size()); // segments at (nearly) the same pixel share one
    double previous = -1e300;
    double previousT = -1e300;
    for (qsizetype i = 0; i < captured.size(); ++i) {
        const double t = scale.xForNs(captured[i].steadyNs());
        moments[i] = i == 0 ? 0 : moments[i - 1] + (t >= previousT + capturedPitch + burstGapPx ? 1 : 0);
        previousT = t;
        if (t >= previous + capturedPitch + burstGapPx) {
            bursts.append(i);
            xs[i] = t;
        } else {
            xs[i] = std::max(t, previous + capturedPitch);
        }
        previous = xs[i];
    }
    for (qsizetype b = 0; b < bursts.size(); ++b) {
        const qsizetype first = bursts[b];
        const qsizetype end = b + 1 < bursts.size() ? bursts[b + 1] : captured.size();
        if (end - first <= maxSteppedArrows)
            continue;
        const double step = std::max(2.0, capturedPitch * maxSteppedArrows / double(end - first));
        for (qsizetype i = first + 1; i < end; ++i)
            xs[i] = std::max(scale.xForNs(captured[i].steadyNs()), xs[i - 1] + step);
    }

    const qsizetype firstArrow = m_arrows.size();
    QList<QPair<qsizetype, qsizetype>> shownMoments; // ranges of m_arrows
    for (qsizetype i = 0; i < captured.size(); ++i) {
        const double x = xs[i];
        if (x + capturedPitch < left || x > width)
            continue;
        const TimelinePlan::Captured &c = captured[i];
        Arrow a;
        a.segment = int(i);
        a.captured = true;
        a.line = c.fromLane == 0 ? QLineF(x, yTop, x + capturedPitch, yBottom) : QLineF(x, yBottom, x + capturedPitch, yTop);
        a.lost = c.wire.wasStopped();
        if (a.lost)
            a.line.setP2(a.line.pointAt(lostReach));
        if (m_arrows.size() > firstArrow && moments[m_arrows.last().segment] == moments[i])
            shownMoments.last().second = m_arrows.size() + 1;
        else
            shownMoments.append({m_arrows.size(), m_arrows.size() + 1});
        m_arrows.append(a);
    }

    // No label lies on an arrow: the captured arrows are in x order, so only those starting
    // near a label need looking at.
    const auto crossesAnArrow = [&](const QRectF &r) {
        for (qsizetype k = 0; k < firstArrow; ++k) {
            if (crosses(m_arrows[k].line, r))
                return true;
        }
        const auto from = std::lower_bound(m_arrows.cbegin() + firstArrow, m_arrows.cend(), r.left() - capturedPitch,
                                           [](const Arrow &a, double x) { return a.line.x1() < x; });
        for (auto it = from; it != m_arrows.cend() && it->line.x1() <= r.right(); ++it) {
            if (crosses(it->line, r))
                return true;
        }
        return false;
    };
    const auto fits = [&](const QRectF &r) {
        return r.left() >= left + 1 && r.right() <= width - 1 && r.top() >= yTop && r.bottom() <= yBottom
            && std::none_of(placed.cbegin(), placed.cend(),
                            [&r](const QRectF &p) { return p.adjusted(-labelGap / 2, -1, labelGap / 2, 1).intersects(r); })
            && !crossesAnArrow(r);
    };

    // The labels stand in a column beside their moment's arrows, one row each in time order and each
    // with the way its segment went, centred on the ladder where there is room; a label that
    // finds no room whole takes a shorter form, and the tooltip tells the rest. The same at
    // every zoom, so that a label is always where the eye found it before.
    const int rowCount = std::max(0, int((yBottom - yTop - 6 + 3) / (rowHeight + 3)));
    const auto rowTop = [&](int row) { return yTop + 3 + row * (rowHeight + 3); };
    for (const auto &[first, end] : std::as_const(shownMoments)) {
        const double momentLeft = m_arrows[first].line.x1();
        const double momentRight = m_arrows[end - 1].line.x1() + capturedPitch;
        // Right of the arrows, unless the view ends before even the shortest labels: a column
        // on the left stands beside the previous moment's and reads as part of it.
        double shortest = 0;
        for (qsizetype k = first; k < end; ++k) {
            const TimelinePlan::Captured &c = captured[m_arrows[k].segment];
            shortest = std::max(shortest, metrics.smallTextWidth(capturedLabels(c.wire).last()
                                                                 + directionMark(c.fromLane)) + 8);
        }
        const bool onLeft = momentRight + labelGap + shortest > width - 1;
        const int start = std::max(0, (rowCount - int(end - first)) / 2);
        int next = -1; // the row below the previous label's
        for (qsizetype k = first; k < end && next < rowCount; ++k) {
            // The first label finds the rows nearest the middle that are free; the others
            // follow it down. One that finds no room leaves its row empty, so that each row
            // still goes with the arrow in the same place.
            QList<int> rows;
            for (int r = next < 0 ? start : next; r < rowCount; ++r)
                rows.append(r);
            for (int r = 0; next < 0 && r < start; ++r)
                rows.append(r);
            const TimelinePlan::Captured &c = captured[m_arrows[k].segment];
            bool done = false;
            for (const QString &label : capturedLabels(c.wire)) {
                const QString text = label + directionMark(c.fromLane);
                const double w = metrics.smallTextWidth(text) + 8;
                for (int r : std::as_const(rows)) {
                    const QRectF rect = onLeft ? QRectF(momentLeft - labelGap - w, rowTop(r), w, rowHeight)
                                               : QRectF(momentRight + labelGap, rowTop(r), w, rowHeight);
                    if (!fits(rect))
                        continue;
                    m_arrows[k].text = text;
                    m_arrows[k].textRect = rect;
                    placed.append(rect);
                    next = r + 1;
                    done = true;
                    break;
                }
                if (done)
                    break;
            }
            if (!done)
                next = (next < 0 ? start : next) + 1;
        }
    }
}

QStringList TimelineLayout::capturedLabels(const WireSegment &wire)
{
    const QStringList labels = TimelinePlan::capturedLabels(wire);
    if (!wire.wasStopped())
        return labels;
    // That it never arrived matters more than its numbers.
    const QString stopped = wire.answeredWithReset ? QStringLiteral("REFUSED") : QStringLiteral("DROPPED");
    QStringList out = {labels.first() + QLatin1Char(' ') + stopped + QStringLiteral(" by rule ") + QString::number(wire.stoppedBy)};
    for (const QString &label : labels)
        out << label + QLatin1Char(' ') + stopped;
    out << stopped;
    return out;
}

QList<QRectF> TimelineLayout::textRects() const
{
    QList<QRectF> out;
    for (const Tick &t : m_ticks) {
        if (!t.labelRect.isEmpty())
            out.append(t.labelRect);
    }
    for (const LaneBox &b : m_lanes)
        out << b.labelRect << b.endpointRect;
    for (const Bar &b : m_bars) {
        if (!b.text.isEmpty())
            out.append(b.textRect);
    }
    for (const PacketBar &b : m_packetBars) {
        if (!b.text.isEmpty())
            out.append(b.textRect);
    }
    for (const Marker &m : m_markers) {
        if (!m.text.isEmpty())
            out.append(m.textRect);
    }
    for (const Arrow &a : m_arrows) {
        if (!a.textRect.isEmpty())
            out.append(a.textRect);
    }
    return out;
}

QString TimelineLayout::toolTipAt(const QPointF &pos, const TimelinePlan &plan) const
{
    const qint64 origin = plan.originNs();
    for (const Marker &m : m_markers) {
        const QRectF hit = QRectF(m.tip.x() - 6, m.tip.y() - (m.pointsDown ? markerHeight + 2 : -2), 12, markerHeight)
                               .united(m.textRect);
        if (!hit.contains(pos))
            continue;
        QStringList lines;
        for (int k : m.calls) {
            const LabCall &c = plan.lanes()[m.lane].calls[k];
            lines.append(offsetText(c.steadyNs, origin) + QStringLiteral("  ") + c.toString());
        }
        return lines.join(QLatin1Char('\n'));
    }
    for (const Arrow &a : m_arrows) {
        if (!a.textRect.contains(pos) && distanceToLine(pos, a.line) > 4)
            continue;
        if (a.captured)
            return capturedToolTip(plan, plan.captured()[a.segment]);
        const TimelinePlan::Segment &s = plan.segments()[a.segment];
        const QString sender = plan.lanes()[s.fromLane].label;
        return QStringLiteral("%1 from %2 to %3 — implied, not a captured packet.\n"
                              "%2 was seen going %4 → %5; on the RFC 9293 path between them it sends %1 (%6).\n"
                              "It happened between %7 and %8.")
            .arg(tcpFlagsText(s.flags), sender, plan.lanes()[s.toLane].label, kernelName(s.change.from), kernelName(s.change.to),
                 s.transition.label(), offsetText(s.change.windowStartNs, origin), offsetText(s.change.windowEndNs, origin));
    }
    for (const PacketBar &b : m_packetBars) {
        if (!b.rect.adjusted(-3, -4, 3, 4).contains(pos))
            continue;
        const TimelinePlan::PacketSpan &span = plan.lanes()[b.lane].packetSpans[b.span];
        return QStringLiteral("%1: %2 for %3, timed by packet — no poll saw it.\nFrom %4: %5\nto %6: %7")
            .arg(plan.lanes()[b.lane].label, kernelName(span.state), StateExplainer::formatPreciseDuration(span.durationNs()),
                 offsetText(span.startNs, origin), span.enteredBy, offsetText(span.endNs, origin), span.leftBy);
    }
    for (const Bar &b : m_bars) {
        if (!b.rect.contains(pos) && !b.uncertain.contains(pos))
            continue;
        const TimelinePlan::Interval &in = plan.lanes()[b.lane].intervals[b.interval];
        QString text = QStringLiteral("%1: %2 for %3%4")
                           .arg(plan.lanes()[b.lane].label, kernelName(in.state), TimelineScale::formatDuration(in.durationNs()),
                                in.live ? QStringLiteral(" so far") : QString());
        text += QStringLiteral("\nseen by %1 %2, first at %3, last at %4")
                    .arg(in.polls)
                    .arg(in.polls == 1 ? QStringLiteral("poll") : QStringLiteral("polls"), wallText(in.firstSeenWallMs),
                         wallText(in.lastSeenWallMs));
        if (in.enteredAfterNs < in.startNs)
            text += QStringLiteral("\nentered between %1 and %2 (between two polls)")
                        .arg(offsetText(in.enteredAfterNs, origin), offsetText(in.startNs, origin));
        return text;
    }
    for (const Window &w : m_windows) {
        if (!w.band.contains(pos) && !(pos.x() >= w.fanLeft && pos.x() <= w.fanRight && w.band.top() <= pos.y()
                                       && pos.y() <= w.band.bottom()))
            continue;
        const TimelinePlan::Exchange &ex = plan.exchanges()[w.exchange];
        return QStringLiteral("Implied segments: they must have been sent between %1 and %2,\n"
                              "the polls before and after the change. No packet was captured.")
            .arg(offsetText(ex.windowStartNs, origin), offsetText(ex.windowEndNs, origin));
    }
    for (int i = 0; i < m_lanes.size(); ++i) {
        if (m_lanes[i].gutter.contains(pos)) {
            const TimelinePlan::Lane &lane = plan.lanes()[i];
            return lane.label + QLatin1Char('\n') + lane.endpoints;
        }
    }
    return QString();
}

} // namespace sockscope
