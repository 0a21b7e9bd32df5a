// SPDX-License-Identifier: GPL-3.0-or-later
#include "sequencelayout.h"

#include "core/capture/segmenttext.h"

#include <QHash>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <tuple>
#include <utility>

namespace sockscope {

namespace {

// Where an event sorts: its time, then calls before segments before state changes seen alone
// (a call's segment comes after it; a poll sees what happened at its moment), then input order.
struct Key
{
    qint64 ns = 0;
    int tier = 0;
    qsizetype order = 0;

    friend bool operator<(const Key &a, const Key &b)
    {
        return std::tie(a.ns, a.tier, a.order) < std::tie(b.ns, b.tier, b.order);
    }
};

enum Tier { CallTier = 0, SegmentTier = 1, StateTier = 2 };

// "client #1: connect(127.0.0.1:8000)": the words LiveSession puts in WireSegment::cause.
QString causeOf(const LabCall &call)
{
    return call.socketLabel + QStringLiteral(": ") + call.name() + QLatin1Char('(') + call.argumentsText()
        + QLatin1Char(')');
}

bool sends(const LabCall &call)
{
    if (call.notCalled || call.asynchronous || (call.failed() && call.error != EINPROGRESS))
        return false;
    return call.kind == LabCall::Kind::Connect || call.kind == LabCall::Kind::Send
        || call.kind == LabCall::Kind::Shutdown || call.kind == LabCall::Kind::Close;
}

// A call that returns now and completes later: a non-blocking connect() that answered
// EINPROGRESS, an epoll_wait() that found nothing ready and waits. Its completion is the next
// asynchronous call of the same kind on the same socket (or epoll instance).
bool waitsForCompletion(const LabCall &call)
{
    if (call.asynchronous || call.notCalled)
        return false;
    return (call.kind == LabCall::Kind::Connect && call.error == EINPROGRESS)
        || (call.kind == LabCall::Kind::EpollWait && call.waiting);
}

bool completes(const LabCall &completion, const LabCall &waiting)
{
    return completion.asynchronous && completion.kind == waiting.kind && completion.socketId == waiting.socketId;
}

// A segment's ends as the server's end of one connection has them, to follow it from the
// listener's lifeline to the accepted socket's.
struct Tuple
{
    Endpoint end;
    Endpoint peer;
    bool operator==(const Tuple &o) const { return end == o.end && peer == o.peer; }
};

Tuple tupleAt(const WireSegment &wire, bool atSender)
{
    const Segment &s = wire.segment;
    return atSender ? Tuple{s.source.unmapped(), s.destination.unmapped()}
                    : Tuple{s.destination.unmapped(), s.source.unmapped()};
}

} // namespace

SequenceLayout::SegmentSpec SequenceLayout::SegmentSpec::of(const WireSegment &wire)
{
    SegmentSpec spec;
    spec.captured = true;
    spec.wire = wire;
    spec.windowStartNs = wire.steadyNs;
    spec.windowEndNs = wire.steadyNs;
    return spec;
}

SequenceLayout::SegmentSpec SequenceLayout::SegmentSpec::implied(TcpFlags flags, const QString &sender,
                                                                 const QString &receiver, qint64 windowStartNs,
                                                                 qint64 windowEndNs)
{
    SegmentSpec spec;
    spec.captured = false;
    spec.flags = flags;
    spec.sender = sender;
    spec.receiver = receiver;
    spec.windowStartNs = windowStartNs;
    spec.windowEndNs = windowEndNs;
    return spec;
}

SequenceLayout SequenceLayout::of(const QList<LifelineSpec> &lifelines, const QList<LabCall> &calls,
                                  const QList<SegmentSpec> &segments, const QList<StateChange> &changes)
{
    SequenceLayout layout;
    const int lifelineCount = int(lifelines.size());

    // Which lifeline each socket and each name is on. Explicit names win over call labels.
    QHash<int, int> lifelineOfSocket;
    QHash<QString, int> lifelineNamed;
    for (int i = 0; i < lifelineCount; ++i) {
        const LifelineSpec &spec = lifelines[i];
        lifelineNamed.insert(spec.label, i);
        for (const QString &name : spec.names)
            lifelineNamed.insert(name, i);
        for (int id : spec.socketIds)
            lifelineOfSocket.insert(id, i);
    }
    for (const LabCall &call : calls) {
        const auto on = lifelineOfSocket.constFind(call.socketId);
        if (on != lifelineOfSocket.cend() && !call.socketLabel.isEmpty() && !lifelineNamed.contains(call.socketLabel))
            lifelineNamed.insert(call.socketLabel, *on);
    }
    const auto named = [&](const QString &name) { return lifelineNamed.value(name, -1); };
    // The lifeline a call is on: its socket's. An epoll_wait() that reported sockets of the
    // figure is on the first of them; one that reported none is on its epoll instance's.
    const auto lifelineOfCall = [&](const LabCall &call) {
        if (call.kind == LabCall::Kind::EpollWait) {
            for (const LabCall::Ready &r : call.ready) {
                if (const auto on = lifelineOfSocket.constFind(r.socketId); on != lifelineOfSocket.cend())
                    return *on;
            }
        }
        return lifelineOfSocket.value(call.socketId, -1);
    };

    // Every event with where it sorts.
    QList<std::pair<Key, Row>> events;
    for (qsizetype i = 0; i < calls.size(); ++i) {
        if (lifelineOfCall(calls[i]) >= 0)
            events.append({{calls[i].steadyNs, CallTier, i}, {Row::Kind::Call, i, calls[i].steadyNs}});
    }

    QList<bool> causeTaken(calls.size(), false);
    std::optional<Key> lastCaptured;
    std::optional<Key> lastImplied;
    QList<bool> segmentShown(segments.size(), false);
    QList<std::pair<qint64, Key>> impliedKeys; // each implied segment's window end and its place
    for (qsizetype j = 0; j < segments.size(); ++j) {
        const SegmentSpec &s = segments[j];
        if (named(s.senderName()) < 0 && named(s.receiverName()) < 0)
            continue;
        segmentShown[j] = true;
        Key key{s.windowStartNs, SegmentTier, j};
        if (s.captured) {
            if (!s.wire.cause.isEmpty()) {
                // The call that put it on the wire: the nearest in time of those it names.
                qsizetype cause = -1;
                for (qsizetype i = 0; i < calls.size(); ++i) {
                    if (causeTaken[i] || !sends(calls[i]) || causeOf(calls[i]) != s.wire.cause)
                        continue;
                    if (cause < 0
                        || std::llabs(calls[i].steadyNs - s.wire.steadyNs)
                            < std::llabs(calls[cause].steadyNs - s.wire.steadyNs))
                        cause = i;
                }
                if (cause >= 0) {
                    causeTaken[cause] = true;
                    key.ns = std::max(key.ns, calls[cause].steadyNs);
                }
            }
            if (lastCaptured && key < *lastCaptured)
                key = {lastCaptured->ns, SegmentTier, j};
            lastCaptured = key;
        } else {
            // After a call of its sender that sends within its window, the latest of them.
            const int sender = named(s.sender);
            for (const LabCall &call : calls) {
                if (sender >= 0 && lifelineOfSocket.value(call.socketId, -1) == sender && sends(call)
                    && call.steadyNs >= s.windowStartNs && call.steadyNs <= s.windowEndNs)
                    key.ns = std::max(key.ns, call.steadyNs);
            }
            // A SYN went after its sender's connect(), whatever a poll that overlapped the call
            // makes its window.
            if (s.flags.testFlag(TcpFlag::Syn) && !s.flags.testFlag(TcpFlag::Ack)) {
                for (const LabCall &call : calls) {
                    if (sender >= 0 && lifelineOfSocket.value(call.socketId, -1) == sender && sends(call)
                        && call.kind == LabCall::Kind::Connect) {
                        key.ns = std::max(key.ns, call.steadyNs);
                        break;
                    }
                }
            }
            if (lastImplied && key < *lastImplied)
                key = {lastImplied->ns, SegmentTier, j};
            lastImplied = key;
        }
        events.append({key, {Row::Kind::Segment, j, s.captured ? s.wire.steadyNs : s.windowStartNs}});
        if (!s.captured)
            impliedKeys.append({s.windowEndNs, key});
    }

    for (qsizetype c = 0; c < changes.size(); ++c) {
        const StateChange &change = changes[c];
        if (change.lifeline < 0 || change.lifeline >= lifelineCount)
            continue;
        const bool onSegment = change.segment >= 0 && change.segment < segments.size() && segmentShown[change.segment];
        if (onSegment)
            continue;
        // After the implied segments that went before the poll that saw it.
        Key key{change.atNs, StateTier, c};
        for (const auto &[windowEndNs, segmentKey] : std::as_const(impliedKeys)) {
            if (windowEndNs <= change.atNs)
                key.ns = std::max(key.ns, segmentKey.ns);
        }
        events.append({key, {Row::Kind::State, c, change.atNs}});
    }

    std::stable_sort(events.begin(), events.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });

    layout.m_callRows = QList<int>(calls.size(), -1);
    layout.m_segmentRows = QList<int>(segments.size(), -1);
    QList<int> changeRows(changes.size(), -1);
    for (const auto &[key, row] : std::as_const(events)) {
        const int r = int(layout.m_rows.size());
        layout.m_rows.append(row);
        switch (row.kind) {
        case Row::Kind::Call: layout.m_callRows[row.index] = r; break;
        case Row::Kind::Segment: layout.m_segmentRows[row.index] = r; break;
        case Row::Kind::State: changeRows[row.index] = r; break;
        }
    }
    const int lastRow = layout.rowCount() - 1;

    layout.m_lifelines.resize(lifelineCount);
    for (int i = 0; i < lifelineCount; ++i) {
        layout.m_lifelines[i].label = lifelines[i].label;
        if (lifelines[i].queued)
            layout.m_lifelines[i].acceptedRow = lastRow + 1;
    }

    // Where an accepted socket's lifeline takes over from its listener's.
    QList<int> parentOf(lifelineCount, -1);
    for (qsizetype i = 0; i < calls.size(); ++i) {
        const LabCall &call = calls[i];
        if (call.kind != LabCall::Kind::Accept || call.failed() || call.notCalled || call.createdSocketId == 0)
            continue;
        const int parent = lifelineOfSocket.value(call.socketId, -1);
        const int child = lifelineOfSocket.value(call.createdSocketId, -1);
        if (parent < 0 || child < 0 || parent == child || layout.m_lifelines[child].acceptedRow >= 0)
            continue;
        layout.m_lifelines[child].acceptedRow = layout.m_callRows[i];
        parentOf[child] = parent;
    }

    // The 4-tuple of each accepted socket's end, from a segment named for it after accept().
    QList<std::optional<Tuple>> tupleOf(lifelineCount);
    for (qsizetype j = 0; j < segments.size(); ++j) {
        const SegmentSpec &s = segments[j];
        const int row = layout.m_segmentRows[j];
        if (row < 0 || !s.captured)
            continue;
        for (const bool atSender : {true, false}) {
            const int on = named(atSender ? s.wire.sender : s.wire.receiver);
            if (on >= 0 && parentOf[on] >= 0 && row >= layout.m_lifelines[on].acceptedRow && !tupleOf[on])
                tupleOf[on] = tupleAt(s.wire, atSender);
        }
    }
    const auto attach = [&](int on, int row, const SegmentSpec &s, bool atSender) {
        if (on < 0)
            return on;
        if (parentOf[on] >= 0 && row < layout.m_lifelines[on].acceptedRow)
            return parentOf[on];
        if (!s.captured)
            return on;
        for (int child = 0; child < lifelineCount; ++child) {
            if (parentOf[child] == on && row >= layout.m_lifelines[child].acceptedRow && tupleOf[child]
                && *tupleOf[child] == tupleAt(s.wire, atSender))
                return child;
        }
        return on;
    };

    for (qsizetype j = 0; j < segments.size(); ++j) {
        const int row = layout.m_segmentRows[j];
        if (row < 0)
            continue;
        const SegmentSpec &s = segments[j];
        Arrow arrow;
        arrow.fromLifeline = attach(named(s.senderName()), row, s, true);
        arrow.toLifeline = attach(named(s.receiverName()), row, s, false);
        arrow.fromRow = row;
        arrow.toRow = row;
        arrow.label = arrowLabel(s);
        arrow.captured = s.captured;
        arrow.segment = j;
        arrow.sender = s.senderName();
        arrow.receiver = s.receiverName();
        arrow.lost = s.captured && s.wire.wasStopped();
        arrow.stopText = arrow.lost ? s.wire.stopText() : QString();
        layout.m_arrows.append(arrow);
    }
    std::sort(layout.m_arrows.begin(), layout.m_arrows.end(),
              [](const Arrow &a, const Arrow &b) { return a.fromRow < b.fromRow; });

    // Call boxes, in row order; a completion joins the box of the call it completes.
    QList<bool> joined(calls.size(), false);
    for (const Row &row : std::as_const(layout.m_rows)) {
        if (row.kind != Row::Kind::Call || joined[row.index])
            continue;
        const LabCall &call = calls[row.index];
        CallBox box;
        box.lifeline = lifelineOfCall(call);
        box.row = layout.m_callRows[row.index];
        box.endRow = box.row;
        box.call = row.index;
        box.text = callText(call);
        box.failed = call.failed() && !waitsForCompletion(call) && call.error != EAGAIN; // EAGAIN: nothing yet, not a failure
        if (waitsForCompletion(call)) {
            box.endRow = lastRow;
            for (int r = box.row + 1; r <= lastRow; ++r) {
                const Row &later = layout.m_rows[r];
                if (later.kind != Row::Kind::Call)
                    continue;
                const LabCall &next = calls[later.index];
                if (completes(next, call)) {
                    joined[later.index] = true;
                    box.endRow = r;
                    box.endCall = later.index;
                    box.endText = callText(next);
                    box.failed = next.failed();
                    break;
                }
            }
        }
        layout.m_calls.append(box);
    }

    // The rows each lifeline reaches.
    const auto reach = [&](int lifeline, int row) {
        if (lifeline < 0 || row < 0)
            return;
        Lifeline &l = layout.m_lifelines[lifeline];
        l.firstRow = l.firstRow < 0 ? row : std::min(l.firstRow, row);
        l.lastRow = std::max(l.lastRow, row);
    };
    for (const CallBox &box : std::as_const(layout.m_calls)) {
        reach(box.lifeline, box.row);
        reach(box.lifeline, box.endRow);
    }
    for (const Arrow &arrow : std::as_const(layout.m_arrows)) {
        reach(arrow.fromLifeline, arrow.fromRow);
        reach(arrow.toLifeline, arrow.toRow);
    }
    // The changes by lifeline, each on its row: its segment's, or its own.
    QList<QList<std::pair<int, qsizetype>>> changesOn(lifelineCount);
    for (qsizetype c = 0; c < changes.size(); ++c) {
        const StateChange &change = changes[c];
        if (change.lifeline < 0 || change.lifeline >= lifelineCount)
            continue;
        const int row = changeRows[c] >= 0 ? changeRows[c] : layout.rowOfSegment(change.segment);
        if (row < 0)
            continue;
        changesOn[change.lifeline].append({row, c});
        reach(change.lifeline, row);
    }

    for (int i = 0; i < lifelineCount; ++i) {
        QList<std::pair<int, qsizetype>> &own = changesOn[i];
        if (own.isEmpty())
            continue;
        std::stable_sort(own.begin(), own.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
        Lifeline &l = layout.m_lifelines[i];
        const StateChange &first = changes[own.first().second];
        if (l.firstRow < own.first().first)
            layout.m_bands.append({i, l.firstRow, own.first().first, first.from, first.how});
        for (qsizetype k = 0; k < own.size(); ++k) {
            const StateChange &change = changes[own[k].second];
            Band band{i, own[k].first, 0, change.to, change.how};
            if (k + 1 < own.size())
                band.lastRow = own[k + 1].first;
            else
                band.lastRow = change.to == TcpState::Close ? std::max(band.firstRow, l.lastRow) : lastRow;
            layout.m_bands.append(band);
        }
        l.lastRow = std::max(l.lastRow, layout.m_bands.last().lastRow);
    }
    return layout;
}

int SequenceLayout::rowOfCall(qsizetype call) const
{
    return call >= 0 && call < m_callRows.size() ? m_callRows[call] : -1;
}

int SequenceLayout::rowOfSegment(qsizetype segment) const
{
    return segment >= 0 && segment < m_segmentRows.size() ? m_segmentRows[segment] : -1;
}

const SequenceLayout::Band *SequenceLayout::bandAt(int lifeline, int row) const
{
    const Band *found = nullptr;
    for (const Band &band : m_bands) {
        if (band.lifeline == lifeline && band.firstRow <= row && row <= band.lastRow)
            found = &band;
    }
    return found;
}

QString SequenceLayout::callText(const LabCall &call)
{
    if (call.notCalled)
        return call.toString();
    if (call.kind == LabCall::Kind::EpollCtl) {
        QString text = call.name() + QLatin1Char('(') + epollOpName(call.epollOp) + QStringLiteral(", ") + call.socketLabel;
        if (call.epollOp != EpollOp::Delete)
            text += QStringLiteral(", ") + LabCall::epollEventsText(call.events);
        text += QLatin1Char(')');
        return call.failed() ? QString(text + QStringLiteral(" = -1 ") + call.errorName()) : QString(text + QStringLiteral(" = 0"));
    }
    if (call.kind == LabCall::Kind::EpollWait) {
        if (call.waiting)
            return call.name() + QLatin1Char('(')
                + (call.timeoutMs < 0 ? QStringLiteral("no timeout") : QStringLiteral("%1 ms").arg(call.timeoutMs))
                + QStringLiteral(") waits");
        if (call.failed())
            return call.name() + QStringLiteral("() = -1 ") + call.errorName();
        QString text = call.name() + QStringLiteral("() = ") + QString::number(call.result);
        if (!call.ready.isEmpty())
            text += QStringLiteral(": ") + call.readyText();
        else if (call.asynchronous)
            text += QStringLiteral(": timed out");
        return text;
    }
    if (call.asynchronous)
        return call.name() + QStringLiteral("() finished: ")
            + (call.failed() ? call.errorName() : QStringLiteral("connected"));
    QString text = call.name() + QLatin1Char('(') + call.argumentsText() + QLatin1Char(')');
    if (call.failed())
        return text + QStringLiteral(" = -1 ") + call.errorName();
    text += QStringLiteral(" = ") + QString::number(call.result);
    if (call.kind == LabCall::Kind::Receive && call.result == 0)
        text += QStringLiteral(" (EOF)");
    return text;
}

QString SequenceLayout::arrowLabel(const SegmentSpec &segment)
{
    if (!segment.captured)
        return tcpFlagsText(segment.flags);
    const QString label = SegmentText::label(segment.wire.segment, segment.wire.bases);
    return segment.wire.repeat.isRepeat() ? label + QStringLiteral(" (") + segment.wire.repeat.shortText() + QLatin1Char(')')
                                          : label;
}

} // namespace sockscope
