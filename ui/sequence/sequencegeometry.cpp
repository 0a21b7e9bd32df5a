// SPDX-License-Identifier: GPL-3.0-or-later
#include "sequencegeometry.h"

#include <QFontMetricsF>

#include <algorithm>
#include <cmath>

namespace sockscope {

namespace {

using Layout = SequenceLayout;

// Heights of the kinds of row, in lines of text.
constexpr double callRowLines = 1.9;
constexpr double stateRowLines = 1.7;
constexpr double segmentRowLines = 3.1;
// On a segment's row: its words, then the arrow from the sender's height to the receiver's.
constexpr double labelTopLines = 0.3;
constexpr double senderLines = 1.55;
constexpr double receiverLines = 2.3;
// A lost segment's row has a line more, under its arrow, for what stopped it.
constexpr double lostLines = 1.4;
constexpr double stopTopLines = 2.75;

QString pillText(const Layout::Band &band)
{
    return kernelName(band.state) + (band.how == Layout::Known::PassedNotObserved ? QStringLiteral("?") : QString());
}

double distanceToSegment(const QPointF &p, const QLineF &line)
{
    const QPointF d = line.p2() - line.p1();
    const double lengthSquared = d.x() * d.x() + d.y() * d.y();
    double t = lengthSquared > 0 ? ((p.x() - line.x1()) * d.x() + (p.y() - line.y1()) * d.y()) / lengthSquared : 0;
    t = std::clamp(t, 0.0, 1.0);
    const QPointF nearest = line.p1() + t * d;
    return std::hypot(p.x() - nearest.x(), p.y() - nearest.y());
}

} // namespace

SequenceGeometry SequenceGeometry::of(const SequenceLayout &layout, const QFont &font)
{
    SequenceGeometry g;
    const QFontMetricsF fm(font);
    QFont bold = font;
    bold.setBold(true);
    const QFontMetricsF bm(bold);
    const double lh = std::ceil(fm.height());
    const double pad = std::round(lh * 0.5);
    g.m_lineHeight = lh;
    const int n = int(layout.lifelines().size());
    const int rows = layout.rowCount();
    const QList<Layout::Arrow> &arrows = layout.arrows();

    const double pillHeight = std::round(lh * 1.25);
    const double pillGap = barWidth / 2 + std::round(lh * 0.3); // from the bar's middle
    const auto pillWidth = [&](const QString &text) { return std::ceil(fm.horizontalAdvance(text) + lh * 0.9); };
    const auto boxWidth = [&](const QString &text) { return std::ceil(fm.horizontalAdvance(text) + lh * 0.8); };

    // Each lifeline's room on the left (its pills) and on the right (its calls, and pills).
    QList<double> left(n, lh), right(n, lh);
    for (const Layout::Band &band : layout.bands()) {
        const double w = pillGap + pillWidth(pillText(band)) + pad;
        left[band.lifeline] = std::max(left[band.lifeline], w);
        right[band.lifeline] = std::max(right[band.lifeline], w);
    }
    for (const Layout::CallBox &box : layout.calls()) {
        const double w = pillGap + std::max(boxWidth(box.text), boxWidth(box.endText)) + pad;
        right[box.lifeline] = std::max(right[box.lifeline], w);
    }
    QList<double> headerWidth(n);
    for (int i = 0; i < n; ++i) {
        headerWidth[i] = std::ceil(bm.horizontalAdvance(layout.lifelines()[i].label) + 2 * pad);
        left[i] = std::max(left[i], headerWidth[i] / 2 + pad);
        right[i] = std::max(right[i], headerWidth[i] / 2 + pad);
    }

    g.m_barX.resize(n);
    for (int i = 0; i < n; ++i)
        g.m_barX[i] = i == 0 ? margin + left[0] : g.m_barX[i - 1] + right[i - 1] + left[i];
    // Every arrow's words between its two bars, with room to spare.
    QList<int> order;
    for (int a = 0; a < arrows.size(); ++a)
        order.append(a);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return std::abs(arrows[a].toLifeline - arrows[a].fromLifeline) < std::abs(arrows[b].toLifeline - arrows[b].fromLifeline);
    });
    for (int a : std::as_const(order)) {
        const Layout::Arrow &arrow = arrows[a];
        if (arrow.fromLifeline < 0 || arrow.toLifeline < 0 || arrow.fromLifeline == arrow.toLifeline)
            continue;
        const int lo = std::min(arrow.fromLifeline, arrow.toLifeline);
        const int hi = std::max(arrow.fromLifeline, arrow.toLifeline);
        const double words = std::max(fm.horizontalAdvance(arrow.label), arrow.lost ? fm.horizontalAdvance(arrow.stopText) : 0.0);
        const double need = words + 3 * lh;
        const double have = g.m_barX[hi] - g.m_barX[lo];
        if (have < need) {
            for (int i = hi; i < n; ++i)
                g.m_barX[i] += std::ceil(need - have);
        }
    }

    // Rows.
    g.m_headerHeight = margin + std::round(lh * 1.6) + pad;
    g.m_rowTop.resize(rows);
    g.m_rowHeight.resize(rows);
    g.m_segmentOfRow = QList<int>(rows, -1);
    for (int a = 0; a < arrows.size(); ++a) {
        if (arrows[a].fromRow >= 0 && arrows[a].fromRow < rows)
            g.m_segmentOfRow[arrows[a].fromRow] = a;
    }
    double y = g.m_headerHeight;
    for (int r = 0; r < rows; ++r) {
        double lines = stateRowLines;
        switch (layout.rows()[r].kind) {
        case Layout::Row::Kind::Call: lines = callRowLines; break;
        case Layout::Row::Kind::Segment: {
            const int a = g.m_segmentOfRow[r];
            lines = segmentRowLines + (a >= 0 && arrows[a].lost ? lostLines : 0);
            break;
        }
        case Layout::Row::Kind::State: lines = stateRowLines; break;
        }
        g.m_rowTop[r] = y;
        g.m_rowHeight[r] = std::round(lh * lines);
        y += g.m_rowHeight[r];
    }
    const double bottom = y + pad;

    for (int i = 0; i < n; ++i) {
        g.m_headerRects.append(QRectF(g.m_barX[i] - headerWidth[i] / 2, margin, headerWidth[i], std::round(lh * 1.6)));
        const Layout::Lifeline &l = layout.lifelines()[i];
        if (l.isEmpty())
            g.m_barExtent.append({g.m_headerHeight, g.m_headerHeight});
        else
            g.m_barExtent.append({g.anchorY(i, l.firstRow), l.lastRow >= rows - 1 ? bottom : g.anchorY(i, l.lastRow)});
    }

    double width = n > 0 ? g.m_barX[n - 1] + right[n - 1] + margin : 2 * margin;

    // Calls.
    const double boxHeight = std::round(lh * 1.35);
    for (const Layout::CallBox &box : layout.calls()) {
        const double x = g.m_barX[box.lifeline] + pillGap;
        const double mid = g.m_rowTop[box.row] + g.m_rowHeight[box.row] / 2;
        g.m_callRects.append(QRectF(x, mid - boxHeight / 2, boxWidth(box.text), boxHeight));
        QRectF wait;
        QRectF end;
        if (box.waits()) {
            const double endMid = g.m_rowTop[box.endRow] + g.m_rowHeight[box.endRow] / 2;
            const double bx = g.m_barX[box.lifeline];
            wait = QRectF(bx - barWidth / 2 - 2, mid, barWidth + 4, std::max(endMid - mid, 1.0));
            if (!box.endText.isEmpty())
                end = QRectF(x, endMid - boxHeight / 2, boxWidth(box.endText), boxHeight);
        }
        g.m_waitRects.append(wait);
        g.m_endTextRects.append(end);
    }

    // Arrows.
    for (int a = 0; a < arrows.size(); ++a) {
        const Layout::Arrow &arrow = arrows[a];
        ArrowShape shape;
        shape.arrow = a;
        const double top = g.m_rowTop.value(arrow.fromRow);
        const double y1 = top + lh * senderLines;
        const double y2 = g.m_rowTop.value(arrow.toRow) + lh * receiverLines;
        const double labelWidth = std::ceil(fm.horizontalAdvance(arrow.label) + lh * 0.6);
        const double stopWidth = arrow.lost ? std::ceil(fm.horizontalAdvance(arrow.stopText) + lh * 0.6) : 0.0;
        const auto edge = [&](int lifeline, bool towardRight) {
            return g.m_barX[lifeline] + (towardRight ? barWidth / 2 : -barWidth / 2);
        };
        if (arrow.fromLifeline >= 0 && arrow.toLifeline >= 0 && arrow.fromLifeline != arrow.toLifeline) {
            const bool rightward = arrow.toLifeline > arrow.fromLifeline;
            shape.line = QLineF(edge(arrow.fromLifeline, rightward), y1, edge(arrow.toLifeline, !rightward), y2);
        } else if (arrow.fromLifeline >= 0 && arrow.fromLifeline == arrow.toLifeline) {
            // A socket connected to itself: a loop out to the right and back.
            const double x = edge(arrow.fromLifeline, true);
            shape.line = QLineF(x, y1, x, y2);
            width = std::max(width, x + 2 * lh + labelWidth + margin);
        } else {
            // To or from an end outside the figure, drawn out to the right.
            const int on = std::max(arrow.fromLifeline, arrow.toLifeline);
            const double x = edge(on, true);
            const double length = std::max(std::max(labelWidth, stopWidth) + 2 * lh, 5 * lh);
            shape.farName = arrow.fromLifeline >= 0 ? arrow.receiver : arrow.sender;
            const double nameWidth = std::ceil(fm.horizontalAdvance(shape.farName) + lh * 0.4);
            shape.line = arrow.fromLifeline >= 0 ? QLineF(x, y1, x + length, y2) : QLineF(x + length, y1, x, y2);
            shape.farNameRect = QRectF(x + length + lh * 0.3, (y1 + y2) / 2 - lh / 2, nameWidth, lh);
            width = std::max(width, shape.farNameRect.right() + margin);
        }
        const QPointF mid = shape.line.center();
        const bool loop = shape.line.dx() == 0;
        if (loop)
            shape.labelRect = QRectF(mid.x() + 2 * lh, mid.y() - lh / 2, labelWidth, lh);
        else
            shape.labelRect = QRectF(mid.x() - labelWidth / 2, top + lh * labelTopLines, labelWidth, lh);
        shape.reach = shape.line;
        if (arrow.lost) {
            // Sent, and lost on the way: the line stops short in a cross, the rule's words under it.
            shape.crossSize = std::round(lh * 0.45);
            if (loop) {
                // Out to the right and not back: the cross where the loop would turn.
                shape.cross = QPointF(shape.line.x1() + lh * 1.5, mid.y());
                shape.line = QLineF(shape.line.p1(), shape.cross);
                shape.stopRect = QRectF(shape.labelRect.left(), shape.labelRect.bottom() + lh * 0.3, stopWidth, lh);
                width = std::max(width, shape.stopRect.right() + margin);
            } else {
                shape.cross = shape.line.pointAt(lostReach);
                shape.line = QLineF(shape.line.p1(), shape.cross);
                double x = shape.cross.x() - stopWidth / 2;
                // Between the two ends, where there is room for it (the columns were made so).
                const double lo = std::min(shape.reach.x1(), shape.reach.x2()) + lh * 0.5;
                const double hi = std::max(shape.reach.x1(), shape.reach.x2()) - lh * 0.5;
                x = std::max(lo, std::min(x, hi - stopWidth));
                shape.stopRect = QRectF(x, top + lh * stopTopLines, stopWidth, lh);
                width = std::max(width, shape.stopRect.right() + margin);
            }
        }
        g.m_arrows.append(shape);
    }

    // States: a strip along the bar, and a pill where each begins.
    const auto arrowOnRow = [&](int row) -> const Layout::Arrow * {
        const int a = g.m_segmentOfRow.value(row, -1);
        return a >= 0 ? &arrows[a] : nullptr;
    };
    for (int b = 0; b < layout.bands().size(); ++b) {
        const Layout::Band &band = layout.bands()[b];
        const double x = g.m_barX[band.lifeline];
        const double y1 = g.anchorY(band.lifeline, band.firstRow);
        const double y2 = band.lastRow >= rows - 1 && band.state != TcpState::Close ? bottom
                                                                                      : g.anchorY(band.lifeline, band.lastRow);
        g.m_bandRects.append(QRectF(x - barWidth / 2, y1, barWidth, std::max(y2 - y1, 0.0)));

        // The pill beside the bar, away from an arrow that reaches the bar on this row.
        bool onRight = false;
        if (const Layout::Arrow *arrow = arrowOnRow(band.firstRow)) {
            const int other = arrow->fromLifeline == band.lifeline ? arrow->toLifeline
                            : arrow->toLifeline == band.lifeline   ? arrow->fromLifeline
                                                                    : -2;
            if (other >= 0 && other != band.lifeline)
                onRight = g.m_barX[other] < x;
            else if (other == -1 || other == band.lifeline)
                onRight = false; // the arrow goes out to the right
        }
        Pill pill;
        pill.band = b;
        pill.text = pillText(band);
        const double w = pillWidth(pill.text);
        pill.rect = QRectF(onRight ? x + pillGap : x - pillGap - w, y1 - pillHeight / 2, w, pillHeight);
        g.m_pills.append(pill);
    }

    g.m_size = QSizeF(std::ceil(width), std::ceil(bottom + margin));
    return g;
}

double SequenceGeometry::anchorY(int lifeline, int row) const
{
    if (row < 0 || row >= m_rowTop.size())
        return 0;
    const double top = m_rowTop[row];
    const int a = m_segmentOfRow.value(row, -1);
    if (a < 0 || a >= m_arrows.size())
        return top + m_rowHeight[row] / 2;
    const QLineF &line = m_arrows[a].reach;
    // The arrow's end on this lifeline, or for a lifeline beside it, the nearer end's height.
    const double x = m_barX.value(lifeline);
    return std::abs(line.x1() - x) <= std::abs(line.x2() - x) ? line.y1() : line.y2();
}

double SequenceGeometry::barTop(int lifeline) const
{
    return m_barExtent.value(lifeline).first;
}

double SequenceGeometry::barBottom(int lifeline) const
{
    return m_barExtent.value(lifeline).second;
}

int SequenceGeometry::rowAt(double y) const
{
    const auto it = std::upper_bound(m_rowTop.cbegin(), m_rowTop.cend(), y);
    if (it == m_rowTop.cbegin())
        return -1;
    const int row = int(it - m_rowTop.cbegin()) - 1;
    return y < m_rowTop[row] + m_rowHeight[row] ? row : -1;
}

SequenceGeometry::Hit SequenceGeometry::hitAt(const QPointF &point) const
{
    Hit hit;
    hit.row = rowAt(point.y());
    for (int i = 0; i < m_callRects.size(); ++i) {
        if (m_callRects[i].contains(point) || m_endTextRects[i].contains(point) || m_waitRects[i].contains(point)) {
            hit.kind = Hit::Kind::Call;
            hit.index = i;
            return hit;
        }
    }
    for (const Pill &pill : m_pills) {
        if (pill.rect.contains(point)) {
            hit.kind = Hit::Kind::Band;
            hit.index = pill.band;
            return hit;
        }
    }
    double nearest = 6; // pixels
    for (const ArrowShape &shape : m_arrows) {
        const double d = shape.labelRect.contains(point) || shape.stopRect.contains(point) ? 0
                                                                                            : distanceToSegment(point, shape.line);
        if (d < nearest) {
            nearest = d;
            hit.kind = Hit::Kind::Arrow;
            hit.index = shape.arrow;
        }
    }
    if (hit.kind != Hit::Kind::None)
        return hit;
    for (int b = 0; b < m_bandRects.size(); ++b) {
        if (m_bandRects[b].adjusted(-3, 0, 3, 0).contains(point)) {
            hit.kind = Hit::Kind::Band;
            hit.index = b;
            return hit;
        }
    }
    return hit;
}

} // namespace sockscope
