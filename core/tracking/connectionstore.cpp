// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectionstore.h"

#include <QSet>

namespace sockscope {

namespace {

void noteInode(ConnectionHistory &h, const SocketRecord &record)
{
    if (record.inode && *record.inode != 0 && !h.inodes.contains(*record.inode))
        h.inodes.append(*record.inode);
}

} // namespace

QList<quint64> ConnectionStore::apply(const TrackerDelta &delta)
{
    // Spans that stay open are brought up to the previous poll before this one changes them.
    const quint64 now = m_polls + 1;
    StateSpan opened;
    opened.firstSeenNs = opened.lastSeenNs = delta.steadyNs;
    opened.firstSeenWallMs = opened.lastSeenWallMs = delta.wallTimeMs;
    opened.polls = 1;

    qsizetype row = 0;
    for (const ConnectionEvent &e : delta.events) {
        if (e.kind == ConnectionEvent::Kind::Appeared) {
            const SocketRecord &record = delta.rows.at(row++).record;
            Entry entry;
            entry.syncedPoll = now;
            ConnectionHistory &h = entry.history;
            h.id = e.id;
            h.key = e.key;
            h.latest = record;
            opened.state = record.state;
            h.addSpan(opened);
            noteInode(h, record);
            h.addSample(delta.steadyNs, delta.wallTimeMs, record);
            m_histories.insert(e.id, std::move(entry));
            m_live.insert(e.key, e.id);
            continue;
        }
        const SocketRecord *record = e.kind == ConnectionEvent::Kind::StateChanged ? &delta.rows.at(row++).record : nullptr;
        const auto it = m_histories.find(e.id);
        if (it == m_histories.end() || !it->history.alive)
            continue;
        ConnectionHistory &h = *sync(*it);
        if (record) {
            opened.state = record->state;
            h.addSpan(opened);
            h.latest = *record;
            noteInode(h, *record);
            h.addSample(delta.steadyNs, delta.wallTimeMs, *record);
            it->syncedPoll = now;
            continue;
        }
        h.alive = false;
        h.vanishedNs = delta.steadyNs;
        h.vanishedWallMs = delta.wallTimeMs;
        h.compactClosed();
        if (m_live.value(h.key) == h.id)
            m_live.remove(h.key);
        m_vanishedOrder.push_back(h.id);
        ++m_vanishedCount;
    }
    for (; row < delta.rows.size(); ++row) {
        const RowUpdate &u = delta.rows.at(row);
        const auto it = m_histories.find(u.id);
        if (it == m_histories.end() || !it->history.alive)
            continue;
        ConnectionHistory &h = *sync(*it);
        StateSpan &span = h.spans.last();
        span.lastSeenNs = delta.steadyNs;
        span.lastSeenWallMs = delta.wallTimeMs;
        ++span.polls;
        if (u.visible)
            h.addSample(delta.steadyNs, delta.wallTimeMs, u.record);
        h.latest = u.record;
        noteInode(h, u.record);
        it->syncedPoll = now;
    }
    m_polls = now;
    m_lastPollNs = delta.steadyNs;
    m_lastPollWallMs = delta.wallTimeMs;
    return forgetBeyondRetention();
}

QList<quint64> ConnectionStore::apply(const QList<ConnectionHistory> &changed, qint64 steadyNs, qint64 wallTimeMs,
                                     int polls)
{
    m_polls += quint64(qMax(0, polls));
    m_lastPollNs = steadyNs;
    m_lastPollWallMs = wallTimeMs;
    for (const ConnectionHistory &h : changed) {
        const auto existing = m_histories.constFind(h.id);
        const bool known = existing != m_histories.constEnd();
        const bool wasVanished = known && !existing->history.alive;
        m_histories.insert(h.id, Entry{h, m_polls});
        if (h.alive) {
            m_live.insert(h.key, h.id);
            if (wasVanished)
                --m_vanishedCount;
        } else {
            if (m_live.value(h.key) == h.id)
                m_live.remove(h.key);
            if (!wasVanished) {
                m_vanishedOrder.push_back(h.id);
                ++m_vanishedCount;
            }
        }
    }
    return forgetBeyondRetention();
}

QList<quint64> ConnectionStore::forgetBeyondRetention()
{
    QList<quint64> forgotten;
    while (m_vanishedCount > m_vanishedRetention && !m_vanishedOrder.empty()) {
        const quint64 id = m_vanishedOrder.front();
        m_vanishedOrder.pop_front();
        const auto it = m_histories.constFind(id);
        if (it == m_histories.constEnd() || it->history.alive)
            continue; // removed, or alive again since
        m_histories.erase(it);
        --m_vanishedCount;
        ++m_forgotten;
        forgotten.append(id);
    }
    // Ids that came back to life or were removed leave stale entries behind: keep the queue
    // within a small multiple of what it stands for.
    if (qsizetype(m_vanishedOrder.size()) > 2 * m_vanishedCount + 1024) {
        std::deque<quint64> kept; // each id where it vanished last
        QSet<quint64> seen;
        for (auto id = m_vanishedOrder.crbegin(); id != m_vanishedOrder.crend(); ++id) {
            const auto it = m_histories.constFind(*id);
            if (it != m_histories.constEnd() && !it->history.alive && !seen.contains(*id)) {
                seen.insert(*id);
                kept.push_front(*id);
            }
        }
        m_vanishedOrder.swap(kept);
    }
    return forgotten;
}

void ConnectionStore::remove(const QList<quint64> &ids)
{
    for (quint64 id : ids) {
        const auto it = m_histories.constFind(id);
        if (it == m_histories.constEnd())
            continue;
        if (it->history.alive) {
            if (m_live.value(it->history.key) == id)
                m_live.remove(it->history.key);
        } else {
            --m_vanishedCount;
        }
        m_histories.erase(it);
    }
}

ConnectionHistory *ConnectionStore::sync(Entry &entry) const
{
    ConnectionHistory &h = entry.history;
    if (h.alive && entry.syncedPoll < m_polls && !h.spans.isEmpty()) {
        StateSpan &span = h.spans.last();
        span.polls += int(m_polls - entry.syncedPoll);
        span.lastSeenNs = m_lastPollNs;
        span.lastSeenWallMs = m_lastPollWallMs;
    }
    entry.syncedPoll = m_polls;
    return &h;
}

void ConnectionStore::clear()
{
    m_polls = 0;
    m_histories.clear();
    m_live.clear();
    m_vanishedOrder.clear();
    m_vanishedCount = 0;
    m_forgotten = 0;
}

const ConnectionHistory *ConnectionStore::history(quint64 id) const
{
    const auto it = m_histories.find(id);
    return it == m_histories.end() ? nullptr : sync(it.value());
}

const ConnectionHistory *ConnectionStore::findLive(const ConnectionKey &key) const
{
    const auto it = m_live.constFind(key);
    return it == m_live.constEnd() ? nullptr : history(it.value());
}

QList<quint64> ConnectionStore::ids() const
{
    QList<quint64> all = m_histories.keys();
    std::sort(all.begin(), all.end());
    return all;
}

QList<quint64> ConnectionStore::liveIds() const
{
    QList<quint64> ids = m_live.values();
    std::sort(ids.begin(), ids.end());
    return ids;
}

} // namespace sockscope
