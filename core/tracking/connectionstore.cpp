// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectionstore.h"

namespace sockscope {

void ConnectionStore::apply(const QList<ConnectionHistory> &changed, qint64 steadyNs, qint64 wallTimeMs)
{
    ++m_polls;
    m_lastPollNs = steadyNs;
    m_lastPollWallMs = wallTimeMs;
    for (const ConnectionHistory &h : changed) {
        const auto existing = m_histories.constFind(h.id);
        const bool known = existing != m_histories.constEnd();
        const bool wasAlive = known && existing->history.alive;
        m_histories.insert(h.id, Entry{h, m_polls});
        if (h.alive) {
            m_live.insert(h.key, h.id);
        } else {
            if (m_live.value(h.key) == h.id)
                m_live.remove(h.key);
            if (wasAlive || !known)
                m_vanishedOrder.push_back(h.id);
        }
    }
    while (m_vanishedOrder.size() > size_t(m_vanishedRetention)) {
        m_histories.remove(m_vanishedOrder.front());
        m_vanishedOrder.pop_front();
    }
}

const ConnectionHistory *ConnectionStore::sync(Entry &entry) const
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
