// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "connectiondiffer.h"
#include "connectionstore.h"

#include <QObject>

namespace sockscope {

// A ConnectionDiffer and the ConnectionStore it feeds, on one thread: for commands and tools
// that diff snapshots where they take them. The live pipeline splits the two across threads
// (LiveSession); either way each poll is diffed once.
class ConnectionTracker : public QObject
{
    Q_OBJECT

public:
    explicit ConnectionTracker(QObject *parent = nullptr);

    TrackerDelta update(const Snapshot &snapshot);

    const ConnectionStore &store() const { return m_store; }
    const ConnectionHistory *history(quint64 id) const { return m_store.history(id); }
    // The current histories of every connection a delta names (events and updates).
    QList<ConnectionHistory> historiesOf(const TrackerDelta &delta) const;
    const ConnectionHistory *findLive(const ConnectionKey &key) const { return m_store.findLive(key); }
    QList<quint64> liveIds() const { return m_store.liveIds(); }
    int liveCount() const { return m_store.liveCount(); }
    int historyCount() const { return int(m_store.ids().size()); }
    bool hasBaseline() const { return m_differ.hasBaseline(); }

    // How many vanished connections to keep (oldest are forgotten first); live ones are
    // always kept.
    void setVanishedRetention(int count) { m_store.setVanishedRetention(count); }
    // Vanished connections forgotten beyond the retention since the last clear().
    qint64 forgottenCount() const { return m_store.forgottenCount(); }

    void clear();

Q_SIGNALS:
    void connectionAppeared(const sockscope::ConnectionEvent &event);
    void stateChanged(const sockscope::ConnectionEvent &event);
    void connectionVanished(const sockscope::ConnectionEvent &event);

private:
    ConnectionDiffer m_differ;
    ConnectionStore m_store;
};

} // namespace sockscope
