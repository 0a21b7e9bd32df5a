// SPDX-License-Identifier: GPL-3.0-or-later
#include "replay.h"

#include <QHash>
#include <QSet>

#include <algorithm>

namespace sockscope {

namespace {

qint64 msBetween(qint64 fromNs, qint64 toNs)
{
    return qMax<qint64>(0, (toNs - fromNs) / 1000000);
}

// The first span first seen after `ns`.
qsizetype spansUpTo(const QList<StateSpan> &spans, qint64 ns)
{
    return std::upper_bound(spans.cbegin(), spans.cend(), ns,
                            [](qint64 t, const StateSpan &s) { return t < s.firstSeenNs; })
        - spans.cbegin();
}

qsizetype samplesUpTo(const QList<RecordSample> &samples, qint64 ns)
{
    return std::upper_bound(samples.cbegin(), samples.cend(), ns,
                            [](qint64 t, const RecordSample &s) { return t < s.steadyNs; })
        - samples.cbegin();
}

} // namespace

Replay::Replay(SessionDocument document) : m_document(std::move(document))
{
    qsizetype moments = 0;
    for (const RecordedConnection &c : std::as_const(m_document.connections))
        moments += c.history.spans.size() * 2 + c.history.samples.size() + 1;
    m_changes.reserve(moments);
    const auto bySampleTime = [](const RecordSample &a, const RecordSample &b) { return a.steadyNs < b.steadyNs; };
    for (qsizetype i = 0; i < m_document.connections.size(); ++i) {
        // Files are checked for states in order; rows are put in order here (through a const
        // look first: a document shares its lists with the caller's copy until written to).
        if (const QList<RecordSample> &samples = std::as_const(m_document.connections)[i].history.samples;
            !std::is_sorted(samples.cbegin(), samples.cend(), bySampleTime)) {
            QList<RecordSample> &sorted = m_document.connections[i].history.samples;
            std::stable_sort(sorted.begin(), sorted.end(), bySampleTime);
        }
        const ConnectionHistory &h = std::as_const(m_document.connections)[i].history;
        for (const StateSpan &span : h.spans) {
            m_changes.append({span.firstSeenNs, i});
            m_changes.append({span.lastSeenNs, i}); // the last poll that saw it so
            m_endNs = qMax(m_endNs, span.lastSeenNs);
        }
        for (const RecordSample &sample : h.samples)
            m_changes.append({sample.steadyNs, i});
        if (!h.alive) {
            m_changes.append({h.vanishedNs, i});
            m_endNs = qMax(m_endNs, h.vanishedNs);
        }
    }
    std::sort(m_changes.begin(), m_changes.end());
    m_changes.erase(std::unique(m_changes.begin(), m_changes.end(),
                                [](const Change &a, const Change &b) { return a.ns == b.ns && a.connection == b.connection; }),
                    m_changes.end());
    m_changes.squeeze();
    for (const Change &c : std::as_const(m_changes)) {
        if (m_frames.isEmpty() || m_frames.last() != c.ns)
            m_frames.append(c.ns);
    }
    m_frames.squeeze();
    m_endNs = qMax(m_endNs, m_document.durationNs);
    // Calls are logged in time order; a file that says otherwise is put in order.
    const auto byCallTime = [](const LabCall &a, const LabCall &b) { return a.steadyNs < b.steadyNs; };
    if (!std::is_sorted(m_document.calls.cbegin(), m_document.calls.cend(), byCallTime))
        std::stable_sort(m_document.calls.begin(), m_document.calls.end(), byCallTime);
}

qint64 Replay::nextFrame(qint64 ns) const
{
    const auto it = std::upper_bound(m_frames.cbegin(), m_frames.cend(), ns);
    return it == m_frames.cend() ? -1 : *it;
}

int Replay::framesUpTo(qint64 ns) const
{
    return int(std::upper_bound(m_frames.cbegin(), m_frames.cend(), ns) - m_frames.cbegin());
}

qint64 Replay::frameAtOrBefore(qint64 ns) const
{
    const int n = framesUpTo(ns);
    return n == 0 ? 0 : m_frames[n - 1];
}

const RecordedConnection *Replay::connection(quint64 id) const
{
    if (id == 0 || id > quint64(m_document.connections.size()))
        return nullptr;
    return &m_document.connections[qsizetype(id - 1)];
}

std::optional<ConnectionHistory> Replay::historyAt(quint64 id, qint64 ns) const
{
    const RecordedConnection *c = connection(id);
    if (!c || c->history.spans.isEmpty() || ns < c->history.spans.first().firstSeenNs)
        return std::nullopt;
    const ConnectionHistory &recorded = c->history;
    const bool gone = !recorded.alive && ns >= recorded.vanishedNs;
    const qsizetype spanCount = spansUpTo(recorded.spans, ns);
    const qsizetype sampleCount = samplesUpTo(recorded.samples, ns);
    const StateSpan &lastRecorded = recorded.spans.last();
    // Past the last poll that saw it, the connection is as it was recorded in the end.
    const bool whole = gone || (spanCount == recorded.spans.size() && ns >= lastRecorded.lastSeenNs);

    ConnectionHistory h;
    h.id = id;
    h.key = recorded.key;
    h.droppedSpans = recorded.droppedSpans;
    h.alive = !gone;
    if (gone) {
        h.vanishedNs = recorded.vanishedNs;
        h.vanishedWallMs = recorded.vanishedWallMs;
    }
    h.spans = recorded.spans.mid(0, spanCount);
    h.samples = recorded.samples.mid(0, sampleCount);
    if (whole) {
        h.latest = recorded.latest;
        h.inodes = recorded.inodes;
        return h;
    }

    // The span still open at `ns`: seen until the latest poll by then. Polls that changed
    // nothing left no moment behind; the span's own recorded spacing tells how many there were
    // and when the last of them was.
    StateSpan &open = h.spans.last();
    if (ns < open.lastSeenNs) {
        qint64 lastPoll = qMax(open.firstSeenNs, frameAtOrBefore(ns));
        int polls = framesUpTo(lastPoll) - framesUpTo(open.firstSeenNs - 1);
        if (open.polls > 1 && open.lastSeenNs > open.firstSeenNs) {
            const double spacing = double(open.lastSeenNs - open.firstSeenNs) / double(open.polls - 1);
            const int byNow = int(double(ns - open.firstSeenNs) / spacing);
            lastPoll = qMax(lastPoll, open.firstSeenNs + qint64(double(byNow) * spacing));
            polls = qMax(polls, 1 + byNow);
        }
        open.polls = qBound(1, polls, open.polls);
        open.lastSeenNs = lastPoll;
        open.lastSeenWallMs = m_document.wallTimeMsAt(lastPoll);
    }
    h.latest = sampleCount > 0 ? h.samples.last().record : recorded.latest;
    h.latest.state = open.state;
    for (const RecordSample &s : std::as_const(h.samples)) {
        if (s.record.inode && *s.record.inode != 0 && !h.inodes.contains(*s.record.inode))
            h.inodes.append(*s.record.inode);
    }
    return h;
}

std::pair<qsizetype, qsizetype> Replay::changesBetween(qint64 fromNs, qint64 toNs) const
{
    const auto after = [](qint64 t) {
        return [t](const Change &c) { return c.ns <= t; };
    };
    const qsizetype first = std::partition_point(m_changes.cbegin(), m_changes.cend(), after(fromNs)) - m_changes.cbegin();
    const qsizetype last = std::partition_point(m_changes.cbegin(), m_changes.cend(), after(toNs)) - m_changes.cbegin();
    return {first, qMax(first, last)};
}

qsizetype Replay::firstCallAfter(qint64 ns) const
{
    const QList<LabCall> &calls = m_document.calls;
    return std::partition_point(calls.cbegin(), calls.cend(), [ns](const LabCall &c) { return c.steadyNs <= ns; })
        - calls.cbegin();
}

Replay::Step Replay::step(qint64 fromNs, qint64 toNs) const
{
    Step step;
    step.fromNs = fromNs;
    step.toNs = toNs;
    step.delta.steadyNs = frameAtOrBefore(toNs);
    step.delta.wallTimeMs = m_document.wallTimeMsAt(toNs);
    const bool forward = toNs >= fromNs;
    const auto [first, last] = forward ? changesBetween(fromNs, toNs) : changesBetween(toNs, fromNs);

    QSet<qsizetype> touched;
    QList<qsizetype> order; // touched connections, in the order of their first change here
    QSet<qsizetype> withEvent;
    for (qsizetype i = first; i < last; ++i) {
        const Change &change = m_changes[i];
        if (!touched.contains(change.connection)) {
            touched.insert(change.connection);
            order.append(change.connection);
        }
        if (!forward)
            continue;
        const ConnectionHistory &h = m_document.connections[change.connection].history;
        const quint64 id = idOf(change.connection);
        const auto emitEvent = [&](ConnectionEvent::Kind kind, std::optional<TcpState> from,
                                   std::optional<TcpState> to, qint64 msInFrom) {
            ConnectionEvent e;
            e.kind = kind;
            e.id = id;
            e.key = h.key;
            e.from = from;
            e.to = to;
            e.msInFrom = msInFrom;
            e.wallTimeMs = m_document.wallTimeMsAt(change.ns);
            step.delta.events.append(e);
            step.eventNs.append(change.ns);
            withEvent.insert(change.connection);
        };
        // The span that starts at this moment, if one does.
        const qsizetype at = spansUpTo(h.spans, change.ns) - 1;
        if (at >= 0 && h.spans[at].firstSeenNs == change.ns) {
            if (at == 0)
                emitEvent(ConnectionEvent::Kind::Appeared, std::nullopt, h.spans[0].state, 0);
            else
                emitEvent(ConnectionEvent::Kind::StateChanged, h.spans[at - 1].state, h.spans[at].state,
                          msBetween(h.spans[at - 1].firstSeenNs, change.ns));
        }
        if (!h.alive && h.vanishedNs == change.ns)
            emitEvent(ConnectionEvent::Kind::Vanished, h.spans.last().state, std::nullopt,
                      msBetween(h.spans.last().firstSeenNs, change.ns));
    }

    step.histories.reserve(order.size());
    for (qsizetype index : std::as_const(order)) {
        std::optional<ConnectionHistory> h = historyAt(idOf(index), toNs);
        if (!h) {
            step.removed.append(idOf(index));
            continue;
        }
        if (forward && !withEvent.contains(index))
            step.delta.updated.append(h->id);
        step.histories.append(std::move(*h));
    }

    if (forward) {
        for (qsizetype i = firstCallAfter(fromNs), end = firstCallAfter(toNs); i < end; ++i)
            step.calls.append(i);
    }
    return step;
}

Snapshot Replay::snapshotAt(qint64 ns) const
{
    Snapshot s;
    s.source = QStringLiteral("replay");
    s.steadyNs = ns;
    s.wallTimeMs = m_document.wallTimeMsAt(ns);
    for (qsizetype i = 0; i < m_document.connections.size(); ++i) {
        if (const std::optional<ConnectionHistory> h = historyAt(idOf(i), ns); h && h->alive)
            s.records.append(h->latest);
    }
    return s;
}

} // namespace sockscope
