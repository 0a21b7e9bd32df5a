// SPDX-License-Identifier: GPL-3.0-or-later
#include "sequencetext.h"

#include <QStringList>

#include <algorithm>

namespace sockscope {

namespace {

using Layout = SequenceLayout;

void put(QString &line, int x, const QString &text)
{
    if (line.size() < x + text.size())
        line.resize(x + text.size(), QLatin1Char(' '));
    line.replace(x, text.size(), text);
}

// "----- SYN seq=0 ---->" or "<- - SYN - - -": a captured segment solid, an implied one dashed,
// one a wire rule stopped ending in 'x' instead of a head: "x-- SYN,ACK ... DROPPED by rule 1 --".
QString arrowText(int length, const QString &label, bool rightward, bool captured, bool lost = false)
{
    const QString words = QLatin1Char(' ') + label + QLatin1Char(' ');
    length = std::max<int>(length, int(words.size()) + 4);
    QString text(length, QLatin1Char('-'));
    if (!captured) {
        for (int i = rightward ? length - 2 : 1; i >= 0 && i < length; i += rightward ? -2 : 2)
            text[i] = QLatin1Char(' ');
    }
    text.replace((length - int(words.size())) / 2, words.size(), words);
    if (rightward)
        text[length - 1] = lost ? QLatin1Char('x') : QLatin1Char('>');
    else
        text[0] = lost ? QLatin1Char('x') : QLatin1Char('<');
    return text;
}

// What an arrow says: its label, and for a lost one what stopped it.
QString wordsOf(const Layout::Arrow &arrow)
{
    return arrow.lost ? arrow.label + QLatin1Char(' ') + arrow.stopText : arrow.label;
}

bool waitingAt(const Layout &layout, int lifeline, int row)
{
    for (const Layout::CallBox &box : layout.calls()) {
        if (box.lifeline == lifeline && box.waits() && box.row < row
            && (row < box.endRow || (box.endCall < 0 && row <= box.endRow)))
            return true;
    }
    return false;
}

} // namespace

QString SequenceText::stateText(TcpState state, SequenceLayout::Known how)
{
    switch (how) {
    case SequenceLayout::Known::SeenByPoll: return QLatin1Char('[') + kernelName(state) + QLatin1Char(']');
    case SequenceLayout::Known::TimedByPacket: return QLatin1Char('(') + kernelName(state) + QLatin1Char(')');
    case SequenceLayout::Known::PassedNotObserved: return QLatin1Char('(') + kernelName(state) + QStringLiteral("?)");
    }
    return kernelName(state);
}

QString SequenceText::render(const SequenceLayout &layout, int width)
{
    const QList<Layout::Lifeline> &lifelines = layout.lifelines();
    const int count = int(lifelines.size());
    if (count == 0)
        return QString();

    int gutter = 0;
    for (const Layout::Band &band : layout.bands())
        gutter = std::max<int>(gutter, int(stateText(band.state, band.how).size()));
    int longestLabel = 0;
    int longestOutside = 0;
    for (const Layout::Arrow &arrow : layout.arrows()) {
        longestLabel = std::max<int>(longestLabel, int(wordsOf(arrow).size()));
        if (arrow.fromLifeline < 0)
            longestOutside = std::max<int>(longestOutside, int(arrow.sender.size()));
        if (arrow.toLifeline < 0)
            longestOutside = std::max<int>(longestOutside, int(arrow.receiver.size()));
    }
    // From a lifeline's bar: a space, its state, a space, then its calls and the arrows it sends
    // or receives on the right.
    const int beside = 2 + (gutter > 0 ? gutter + 1 : 0);
    const int shortestArrow = longestLabel + 8;
    int rightReserve = beside;
    for (const Layout::CallBox &box : layout.calls()) {
        if (box.lifeline == count - 1)
            rightReserve = std::max<int>(rightReserve, beside + int(std::max(box.text.size(), box.endText.size())));
    }
    if (longestOutside > 0)
        rightReserve = std::max(rightReserve, beside + shortestArrow + 1 + longestOutside);
    int spacing = 0;
    if (count > 1) {
        spacing = std::max(beside + shortestArrow + 1, (width - rightReserve) / (count - 1));
        for (int i = 0; i + 1 < count; ++i)
            spacing = std::max<int>(spacing, int(lifelines[i].label.size()) + 2);
    }
    const auto x = [&](int lifeline) { return lifeline * spacing; };

    QStringList lines;
    QString header;
    for (int i = 0; i < count; ++i)
        put(header, x(i), lifelines[i].label);
    lines.append(header);

    bool kernelOnly = false;
    bool waiting = false;
    for (int r = 0; r < layout.rowCount(); ++r) {
        QString line;
        for (int i = 0; i < count; ++i) {
            const Layout::Lifeline &l = lifelines[i];
            if (l.isEmpty() || r < l.firstRow || r > l.lastRow)
                continue;
            QChar bar = QLatin1Char('|');
            if (l.kernelOnlyAt(r)) {
                bar = QLatin1Char(':');
                kernelOnly = true;
            } else if (waitingAt(layout, i, r)) {
                bar = QLatin1Char('#');
                waiting = true;
            }
            put(line, x(i), QString(bar));
            // The state it enters here; of several on one row, the last.
            const Layout::Band *entered = nullptr;
            for (const Layout::Band &band : layout.bands()) {
                if (band.lifeline == i && band.firstRow == r)
                    entered = &band;
            }
            if (entered)
                put(line, x(i) + 2, stateText(entered->state, entered->how));
        }

        const Layout::Row &row = layout.rows()[r];
        if (row.kind == Layout::Row::Kind::Call) {
            for (const Layout::CallBox &box : layout.calls()) {
                if (box.row == r)
                    put(line, x(box.lifeline) + beside, box.text);
                else if (box.endCall >= 0 && box.endRow == r)
                    put(line, x(box.lifeline) + beside, box.endText);
            }
        } else if (row.kind == Layout::Row::Kind::Segment) {
            for (const Layout::Arrow &arrow : layout.arrows()) {
                if (arrow.fromRow != r)
                    continue;
                const int from = arrow.fromLifeline;
                const int to = arrow.toLifeline;
                if (from >= 0 && to >= 0 && from != to) {
                    const int left = std::min(from, to);
                    const int start = x(left) + beside;
                    put(line, start,
                        arrowText(x(std::max(from, to)) - 1 - start + 1, wordsOf(arrow), from < to, arrow.captured, arrow.lost));
                } else {
                    // To or from outside the figure, or a socket connected to itself.
                    const int on = from >= 0 ? from : to;
                    const QString far = from == to ? QStringLiteral("itself") : from >= 0 ? arrow.receiver : arrow.sender;
                    const QString body = arrowText(shortestArrow, wordsOf(arrow), from >= 0, arrow.captured, arrow.lost);
                    put(line, x(on) + beside, body + QLatin1Char(' ') + far);
                }
            }
        }
        lines.append(line);
    }

    QStringList key;
    bool how[3] = {false, false, false};
    for (const Layout::Band &band : layout.bands())
        how[int(band.how)] = true;
    if (how[int(Layout::Known::SeenByPoll)])
        key << QStringLiteral("[STATE] seen by a poll");
    if (how[int(Layout::Known::TimedByPacket)])
        key << QStringLiteral("(STATE) timed by a packet");
    if (how[int(Layout::Known::PassedNotObserved)])
        key << QStringLiteral("(STATE?) passed, not observed");
    if (std::any_of(layout.arrows().cbegin(), layout.arrows().cend(), [](const auto &a) { return !a.captured; }))
        key << QStringLiteral("- - -> implied, not captured");
    if (std::any_of(layout.arrows().cbegin(), layout.arrows().cend(), [](const auto &a) { return a.lost; }))
        key << QStringLiteral("---x lost: a wire rule stopped it");
    if (kernelOnly)
        key << QStringLiteral(": the kernel's only, before accept()");
    if (waiting)
        key << QStringLiteral("# waiting to finish");
    if (!key.isEmpty()) {
        lines.append(QString());
        lines.append(key.join(QStringLiteral("   ")));
    }

    for (QString &line : lines) {
        while (line.endsWith(QLatin1Char(' ')))
            line.chop(1);
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

} // namespace sockscope
