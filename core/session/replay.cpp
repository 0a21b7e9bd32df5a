// SPDX-License-Identifier: GPL-3.0-or-later
#include "replay.h"

#include <QSet>

#include <algorithm>

namespace sockscope {

Replay::Replay(SessionDocument document) : m_document(std::move(document))
{
    QSet<qint64> moments;
    for (int i = 0; i < m_document.connections.size(); ++i) {
        const ConnectionHistory &h = m_document.connections[i].history;
        m_byKey[h.key].append(i);
        for (const StateSpan &span : h.spans) {
            moments.insert(span.firstSeenNs);
            m_endNs = qMax(m_endNs, span.lastSeenNs);
        }
        for (const RecordSample &sample : h.samples)
            moments.insert(sample.steadyNs);
        if (!h.alive) {
            moments.insert(h.vanishedNs);
            m_endNs = qMax(m_endNs, h.vanishedNs);
        }
    }
    m_endNs = qMax(m_endNs, m_document.durationNs);
    m_frames = QList<qint64>(moments.cbegin(), moments.cend());
    std::sort(m_frames.begin(), m_frames.end());
}

Snapshot Replay::snapshotAt(qint64 ns) const
{
    Snapshot s;
    s.source = QStringLiteral("replay");
    s.steadyNs = ns;
    s.wallTimeMs = m_document.wallTimeMsAt(ns);
    for (const RecordedConnection &c : m_document.connections) {
        const ConnectionHistory &h = c.history;
        if (h.spans.isEmpty() || ns < h.spans.first().firstSeenNs || (!h.alive && ns >= h.vanishedNs))
            continue;
        // The state the polls saw at that moment, and the newest row recorded by then.
        TcpState state = h.spans.first().state;
        for (const StateSpan &span : h.spans) {
            if (span.firstSeenNs > ns)
                break;
            state = span.state;
        }
        SocketRecord record = h.latest;
        for (const RecordSample &sample : h.samples) {
            if (sample.steadyNs > ns)
                break;
            record = sample.record;
        }
        record.state = state;
        s.records.append(record);
    }
    return s;
}

const RecordedConnection *Replay::recorded(const ConnectionKey &key, qint64 firstSeenNs) const
{
    const auto it = m_byKey.constFind(key);
    if (it == m_byKey.constEnd())
        return nullptr;
    for (int index : *it) {
        const RecordedConnection &c = m_document.connections[index];
        if (c.history.spans.first().firstSeenNs == firstSeenNs)
            return &c;
    }
    return nullptr;
}

} // namespace sockscope
