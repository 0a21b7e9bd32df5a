// SPDX-License-Identifier: GPL-3.0-or-later
#include "sequencepainter.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace sockscope {

namespace {

using Layout = SequenceLayout;
using Known = SequenceLayout::Known;

QColor withAlpha(QColor c, double alpha)
{
    c.setAlphaF(float(alpha));
    return c;
}

// What the key can show, in its order.
enum class Entry { Seen, ByPacket, Passed, Captured, Implied, Lost, KernelOnly, Waiting };

QString entryText(Entry e)
{
    switch (e) {
    case Entry::Seen: return QStringLiteral("seen by a poll");
    case Entry::ByPacket: return QStringLiteral("timed by a packet");
    case Entry::Passed: return QStringLiteral("passed, not observed");
    case Entry::Captured: return QStringLiteral("captured segment");
    case Entry::Implied: return QStringLiteral("implied, not captured");
    case Entry::Lost: return QStringLiteral("stopped by a wire rule: never arrived");
    case Entry::KernelOnly: return QStringLiteral("the kernel's only, before accept()");
    case Entry::Waiting: return QStringLiteral("a call waiting");
    }
    return QString();
}

QList<Entry> entriesOf(const Layout &layout)
{
    bool how[3] = {false, false, false};
    for (const Layout::Band &band : layout.bands())
        how[int(band.how)] = true;
    QList<Entry> out;
    if (how[int(Known::SeenByPoll)])
        out << Entry::Seen;
    if (how[int(Known::TimedByPacket)])
        out << Entry::ByPacket;
    if (how[int(Known::PassedNotObserved)])
        out << Entry::Passed;
    const auto &arrows = layout.arrows();
    if (std::any_of(arrows.cbegin(), arrows.cend(), [](const Layout::Arrow &a) { return a.captured; }))
        out << Entry::Captured;
    if (std::any_of(arrows.cbegin(), arrows.cend(), [](const Layout::Arrow &a) { return !a.captured; }))
        out << Entry::Implied;
    if (std::any_of(arrows.cbegin(), arrows.cend(), [](const Layout::Arrow &a) { return a.lost; }))
        out << Entry::Lost;
    const auto &lifelines = layout.lifelines();
    if (std::any_of(lifelines.cbegin(), lifelines.cend(), [](const Layout::Lifeline &l) { return l.acceptedRow >= 0; }))
        out << Entry::KernelOnly;
    const auto &calls = layout.calls();
    if (std::any_of(calls.cbegin(), calls.cend(), [](const Layout::CallBox &c) { return c.waits(); }))
        out << Entry::Waiting;
    return out;
}

QPen arrowPen(bool captured, const TimelineTheme &theme, bool selected, bool lost = false)
{
    QPen pen(lost ? theme.failedCall() : captured ? theme.text() : theme.mutedText(), selected ? 2.6 : lost ? 1.8 : 1.4);
    if (!captured)
        pen.setStyle(Qt::DashLine);
    pen.setCapStyle(Qt::FlatCap);
    return pen;
}

void drawWait(QPainter &p, const QRectF &rect, const TimelineTheme &theme)
{
    p.fillRect(rect, TimelineTheme::mix(theme.liveEdge(), theme.base(), 0.35));
    p.fillRect(rect, QBrush(withAlpha(theme.liveEdge(), 0.8), Qt::BDiagPattern));
    p.setPen(QPen(theme.liveEdge(), 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(rect);
}

void drawStrip(QPainter &p, const QRectF &rect, TcpState state, Known how, const TimelineTheme &theme)
{
    if (rect.height() <= 0)
        return;
    QPen pen(theme.stateBorder(state), 1);
    if (how == Known::PassedNotObserved) {
        pen.setStyle(Qt::DashLine);
        p.setPen(pen);
        p.setBrush(theme.base());
        p.drawRect(rect);
        return;
    }
    p.setPen(pen);
    p.setBrush(theme.stateFill(state));
    p.drawRect(rect);
    if (how == Known::TimedByPacket)
        p.fillRect(rect, QBrush(withAlpha(theme.stateBorder(state), 0.55), Qt::BDiagPattern));
}

// One entry's glyph in the key, in `box`.
void drawGlyph(QPainter &p, Entry e, const QRectF &box, const TimelineTheme &theme, const QFont &font)
{
    const QPointF mid = box.center();
    switch (e) {
    case Entry::Seen:
    case Entry::ByPacket:
    case Entry::Passed: {
        const Known how = e == Entry::Seen ? Known::SeenByPoll : e == Entry::ByPacket ? Known::TimedByPacket : Known::PassedNotObserved;
        QFont small = font;
        p.setFont(small);
        SequencePainter::drawPill(p, box, e == Entry::Passed ? QStringLiteral("STATE?") : QStringLiteral("STATE"),
                                  TcpState::Established, how, theme);
        break;
    }
    case Entry::Captured:
    case Entry::Implied: {
        const QLineF line(box.left(), mid.y() - 3, box.right(), mid.y() + 3);
        p.setPen(arrowPen(e == Entry::Captured, theme, false));
        p.drawLine(line);
        SequencePainter::drawArrowHead(p, line, e == Entry::Captured ? theme.text() : theme.mutedText(), 7);
        break;
    }
    case Entry::Lost: {
        const double size = std::round(box.height() * 0.3);
        const QPointF cross(box.right() - size, mid.y() + 2);
        p.setPen(arrowPen(true, theme, false, true));
        p.drawLine(QLineF(QPointF(box.left(), mid.y() - 3), cross));
        SequencePainter::drawCross(p, cross, size, theme.failedCall());
        break;
    }
    case Entry::KernelOnly: {
        QPen pen(theme.mutedText(), 2, Qt::DotLine);
        p.setPen(pen);
        p.drawLine(QPointF(mid.x(), box.top()), QPointF(mid.x(), box.bottom()));
        break;
    }
    case Entry::Waiting:
        drawWait(p, QRectF(mid.x() - 5, box.top(), 10, box.height()), theme);
        break;
    }
}

double glyphWidth(Entry e, const QFontMetricsF &fm)
{
    switch (e) {
    case Entry::Seen:
    case Entry::ByPacket:
        return fm.horizontalAdvance(QStringLiteral("STATE")) + fm.height() * 0.9;
    case Entry::Passed:
        return fm.horizontalAdvance(QStringLiteral("STATE?")) + fm.height() * 0.9;
    case Entry::Captured:
    case Entry::Implied:
    case Entry::Lost:
        return fm.height() * 2.2;
    case Entry::KernelOnly:
    case Entry::Waiting:
        return fm.height() * 0.8;
    }
    return 0;
}

// The key's entries placed in rows no wider than `width`: each entry's left edge, by row.
QList<QList<std::pair<Entry, double>>> legendRows(const QList<Entry> &entries, const QFontMetricsF &fm, double width)
{
    QList<QList<std::pair<Entry, double>>> rows;
    const double gap = fm.height() * 1.2;
    double x = 0;
    for (Entry e : entries) {
        const double w = glyphWidth(e, fm) + fm.height() * 0.4 + fm.horizontalAdvance(entryText(e));
        if (rows.isEmpty() || (x > 0 && x + w > width)) {
            rows.append(QList<std::pair<Entry, double>>());
            x = 0;
        }
        rows.last().append({e, x});
        x += w + gap;
    }
    return rows;
}

} // namespace

void SequencePainter::drawArrowHead(QPainter &p, const QLineF &line, const QColor &color, double size)
{
    const double angle = std::atan2(line.dy(), line.dx());
    const QPointF tip = line.p2();
    QPainterPath head;
    head.moveTo(tip);
    head.lineTo(tip - QPointF(std::cos(angle - 0.42) * size, std::sin(angle - 0.42) * size));
    head.lineTo(tip - QPointF(std::cos(angle + 0.42) * size, std::sin(angle + 0.42) * size));
    head.closeSubpath();
    p.fillPath(head, color);
}

void SequencePainter::drawCross(QPainter &p, const QPointF &centre, double size, const QColor &color)
{
    QPen pen(color, std::max(2.0, size / 2.5));
    pen.setCapStyle(Qt::RoundCap);
    p.setPen(pen);
    p.drawLine(centre + QPointF(-size, -size), centre + QPointF(size, size));
    p.drawLine(centre + QPointF(-size, size), centre + QPointF(size, -size));
}

void SequencePainter::drawPill(QPainter &p, const QRectF &rect, const QString &text, TcpState state, Known how,
                               const TimelineTheme &theme)
{
    const double radius = rect.height() / 2;
    QPen pen(theme.stateBorder(state), 1.2);
    if (how == Known::PassedNotObserved)
        pen.setStyle(Qt::DashLine);
    p.setPen(pen);
    p.setBrush(how == Known::PassedNotObserved ? theme.base() : theme.stateFill(state));
    p.drawRoundedRect(rect, radius, radius);
    if (how == Known::TimedByPacket) {
        QPainterPath clip;
        clip.addRoundedRect(rect, radius, radius);
        p.save();
        p.setClipPath(clip, Qt::IntersectClip);
        p.fillRect(rect, QBrush(withAlpha(theme.stateBorder(state), 0.35), Qt::BDiagPattern));
        p.restore();
    }
    p.setPen(theme.text());
    p.drawText(rect, Qt::AlignCenter, text);
}

void SequencePainter::paint(QPainter &p, const SequenceLayout &layout, const SequenceGeometry &g,
                            const TimelineTheme &theme, const QFont &font, const Options &options)
{
    p.save();
    p.setFont(font);
    const double lh = g.lineHeight();
    const QRectF exposed = options.exposed.isEmpty() ? QRectF(QPointF(0, 0), g.size()) : options.exposed;
    const auto visible = [&exposed](const QRectF &r) { return r.intersects(exposed) || r.isEmpty(); };

    // The rows of the current step.
    for (int row : options.highlightedRows) {
        if (row >= 0 && row < layout.rowCount())
            p.fillRect(g.rowRect(row), withAlpha(theme.liveEdge(), theme.isDark() ? 0.22 : 0.14));
    }

    // Lifelines: header, a thin line down the figure, dotted where the end is the kernel's only.
    QFont bold = font;
    bold.setBold(true);
    for (int i = 0; i < layout.lifelines().size(); ++i) {
        const Layout::Lifeline &l = layout.lifelines()[i];
        const QColor end = theme.endColor(i == 0);
        const QRectF header = g.headerRect(i);
        p.setPen(QPen(end, 1.5));
        p.setBrush(theme.laneBackground());
        p.drawRoundedRect(header, 4, 4);
        p.setFont(bold);
        p.setPen(theme.text());
        p.drawText(header, Qt::AlignCenter, l.label);
        p.setFont(font);

        const double x = g.barX(i);
        p.setPen(QPen(theme.grid(), 1, Qt::DotLine));
        p.drawLine(QPointF(x, header.bottom()), QPointF(x, g.barTop(i)));
        if (l.isEmpty())
            continue;
        const double split = l.acceptedRow >= 0 ? (l.acceptedRow > l.lastRow ? g.barBottom(i) : g.anchorY(i, l.acceptedRow))
                                                : g.barTop(i);
        if (split > g.barTop(i)) {
            p.setPen(QPen(theme.mutedText(), 2, Qt::DotLine));
            p.drawLine(QPointF(x, g.barTop(i)), QPointF(x, split));
        }
        if (g.barBottom(i) > split) {
            p.setPen(QPen(theme.mutedText(), 1.2));
            p.drawLine(QPointF(x, split), QPointF(x, g.barBottom(i)));
        }
    }

    // States along the bars.
    for (int b = 0; b < layout.bands().size(); ++b) {
        const Layout::Band &band = layout.bands()[b];
        if (band.state != TcpState::Close && visible(g.bandRects()[b]))
            drawStrip(p, g.bandRects()[b], band.state, band.how, theme);
    }

    // Where an end is the kernel's only (before accept() returns it): its states faded behind
    // a dotted edge.
    for (int i = 0; i < layout.lifelines().size(); ++i) {
        const Layout::Lifeline &l = layout.lifelines()[i];
        if (l.isEmpty() || l.acceptedRow < 0)
            continue;
        const double top = g.barTop(i);
        const double split = l.acceptedRow > l.lastRow ? g.barBottom(i) : g.anchorY(i, l.acceptedRow);
        if (split <= top)
            continue;
        const double x = g.barX(i);
        const QRectF rect(x - SequenceGeometry::barWidth / 2 - 1, top, SequenceGeometry::barWidth + 2, split - top);
        p.fillRect(rect, withAlpha(theme.base(), 0.6));
        p.setPen(QPen(theme.mutedText(), 1.5, Qt::DotLine));
        p.drawLine(rect.topLeft(), rect.bottomLeft());
        p.drawLine(rect.topRight(), rect.bottomRight());
    }

    // Waiting calls, then the call boxes.
    for (int c = 0; c < layout.calls().size(); ++c) {
        if (!g.waitRects()[c].isEmpty())
            drawWait(p, g.waitRects()[c], theme);
    }
    for (int c = 0; c < layout.calls().size(); ++c) {
        const Layout::CallBox &box = layout.calls()[c];
        const bool selected = options.selected.kind == SequenceGeometry::Hit::Kind::Call && options.selected.index == c;
        const QColor ink = box.failed ? theme.failedCall() : theme.text();
        for (const auto &[rect, text] : {std::pair{g.callRects()[c], box.text}, std::pair{g.endTextRect(c), box.endText}}) {
            if (rect.isEmpty() || !visible(rect))
                continue;
            p.setPen(selected ? QPen(theme.liveEdge(), 2.4) : QPen(box.failed ? theme.failedCall() : theme.grid(), 1.2));
            p.setBrush(theme.laneBackground());
            p.drawRoundedRect(rect, 3, 3);
            // The socket's side, as a mark on the box's edge toward its bar.
            p.fillRect(QRectF(rect.left(), rect.top() + 2, 3, rect.height() - 4), theme.endColor(box.lifeline == 0));
            p.setPen(ink);
            p.drawText(rect.adjusted(lh * 0.4, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft, text);
        }
    }

    // Segments.
    for (const SequenceGeometry::ArrowShape &shape : g.arrows()) {
        const Layout::Arrow &arrow = layout.arrows()[shape.arrow];
        const bool selected = options.selected.kind == SequenceGeometry::Hit::Kind::Arrow && options.selected.index == shape.arrow;
        const QColor ink = arrow.captured ? theme.text() : theme.mutedText();
        QRectF bounds = QRectF(shape.reach.p1(), shape.reach.p2()).normalized().united(shape.labelRect);
        if (shape.isLost())
            bounds = bounds.united(shape.stopRect);
        if (!visible(bounds.adjusted(-lh, -lh, lh * 3, lh)))
            continue;
        p.setPen(arrowPen(arrow.captured, theme, selected, shape.isLost()));
        p.setBrush(Qt::NoBrush);
        if (shape.isLost()) {
            // Sent, and lost on the way: no head, a cross where it ends, and what stopped it.
            if (shape.reach.dx() == 0 && shape.farName.isEmpty()) {
                const QPointF a = shape.line.p1();
                p.drawPolyline(QPolygonF({a, QPointF(shape.cross.x(), a.y()), shape.cross}));
            } else {
                p.drawLine(shape.line);
            }
            drawCross(p, shape.cross, shape.crossSize, theme.failedCall());
            p.setPen(Qt::NoPen);
            p.setBrush(theme.labelBackground());
            p.drawRoundedRect(shape.stopRect, 3, 3);
            p.setPen(theme.failedCall());
            p.drawText(shape.stopRect, Qt::AlignCenter, arrow.stopText);
        } else if (shape.line.dx() == 0 && shape.farName.isEmpty()) {
            // A socket connected to itself.
            QPainterPath loop;
            const QPointF a = shape.line.p1();
            const QPointF b = shape.line.p2();
            loop.moveTo(a);
            loop.lineTo(a.x() + lh * 1.5, a.y());
            loop.lineTo(b.x() + lh * 1.5, b.y());
            loop.lineTo(b);
            p.drawPath(loop);
            drawArrowHead(p, QLineF(QPointF(b.x() + lh * 1.5, b.y()), b), ink, 8);
        } else {
            p.drawLine(shape.line);
            drawArrowHead(p, shape.line, ink, 8);
        }
        p.setPen(Qt::NoPen);
        p.setBrush(theme.labelBackground());
        p.drawRoundedRect(shape.labelRect, 3, 3);
        if (selected) {
            p.setPen(QPen(theme.liveEdge(), 2));
            p.setBrush(Qt::NoBrush);
            p.drawRoundedRect(shape.labelRect, 3, 3);
        }
        p.setPen(ink);
        p.drawText(shape.labelRect, Qt::AlignCenter, arrow.label);
        if (!shape.farName.isEmpty()) {
            p.setPen(theme.mutedText());
            p.drawText(shape.farNameRect, Qt::AlignVCenter | Qt::AlignLeft, shape.farName);
        }
    }

    // Pills last: above the strips and the bars.
    for (const SequenceGeometry::Pill &pill : g.pills()) {
        if (!visible(pill.rect))
            continue;
        const Layout::Band &band = layout.bands()[pill.band];
        drawPill(p, pill.rect, pill.text, band.state, band.how, theme);
        if (options.selected.kind == SequenceGeometry::Hit::Kind::Band && options.selected.index == pill.band) {
            p.setPen(QPen(theme.liveEdge(), 2.4));
            p.setBrush(Qt::NoBrush);
            p.drawRoundedRect(pill.rect.adjusted(-2, -2, 2, 2), pill.rect.height() / 2 + 2, pill.rect.height() / 2 + 2);
        }
    }
    p.restore();
}

QStringList SequencePainter::legendEntries(const SequenceLayout &layout)
{
    QStringList out;
    for (Entry e : entriesOf(layout))
        out << entryText(e);
    return out;
}

double SequencePainter::legendHeight(const SequenceLayout &layout, const QFont &font, double width)
{
    const QFontMetricsF fm(font);
    const qsizetype rows = legendRows(entriesOf(layout), fm, width).size();
    return rows == 0 ? 0 : std::ceil(rows * fm.height() * 1.6 + fm.height() * 0.4);
}

void SequencePainter::paintLegend(QPainter &p, const QRectF &rect, const SequenceLayout &layout,
                                  const TimelineTheme &theme, const QFont &font)
{
    const QFontMetricsF fm(font);
    const double lh = fm.height();
    p.save();
    p.setFont(font);
    const auto rows = legendRows(entriesOf(layout), fm, rect.width());
    double y = rect.top() + lh * 0.2;
    for (const auto &row : rows) {
        for (const auto &[entry, x] : row) {
            const double gw = glyphWidth(entry, fm);
            const QRectF glyph(rect.left() + x, y + lh * 0.15, gw, lh * 1.25);
            drawGlyph(p, entry, glyph, theme, font);
            p.setPen(theme.mutedText());
            p.drawText(QRectF(glyph.right() + lh * 0.4, y, fm.horizontalAdvance(entryText(entry)) + 2, lh * 1.6),
                       Qt::AlignVCenter | Qt::AlignLeft, entryText(entry));
        }
        y += lh * 1.6;
    }
    p.restore();
}

QSizeF SequencePainter::pictureSize(const SequenceLayout &layout, const SequenceGeometry &geometry, const QFont &font)
{
    const double width = geometry.size().width();
    return QSizeF(width, geometry.size().height()
                             + legendHeight(layout, font, width - 2 * SequenceGeometry::margin) + SequenceGeometry::margin);
}

void SequencePainter::paintPicture(QPainter &p, const SequenceLayout &layout, const SequenceGeometry &geometry,
                                   const TimelineTheme &theme, const QFont &font)
{
    const QSizeF size = pictureSize(layout, geometry, font);
    p.fillRect(QRectF(QPointF(0, 0), size), theme.base());
    paint(p, layout, geometry, theme, font, Options());
    const double top = geometry.size().height();
    paintLegend(p, QRectF(SequenceGeometry::margin, top, size.width() - 2 * SequenceGeometry::margin, size.height() - top),
                layout, theme, font);
}

} // namespace sockscope
