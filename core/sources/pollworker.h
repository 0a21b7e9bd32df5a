// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "socketsource.h"

#include "pollchanges.h"

#include "core/system/socketowners.h"
#include "core/tracking/connectiondiffer.h"

#include <QDeadlineTimer>
#include <QObject>
#include <QTimer>

#include <atomic>

#include <memory>

namespace sockscope {

// The part of Poller that lives on the worker thread. Only Poller talks to it, through
// queued calls.
class PollWorker : public QObject
{
    Q_OBJECT

public:
    PollWorker(std::unique_ptr<SocketSource> source, std::shared_ptr<std::atomic_bool> pending);

    // Called on the worker thread only.
    void start(int intervalMs);
    void stop();
    void setInterval(int intervalMs);
    void setFilter(const SocketFilter &filter);
    void setTracking(bool tracking);
    void setOwnerLookup(bool lookup);
    void burst(int periodMs, int durationMs); // polls fast from the next poll on
    void poll();
    void pollIfRequested(); // a queued Poller::pollNow(): nothing when a poll since took it

Q_SIGNALS:
    void snapshotTaken(const sockscope::Snapshot &snapshot);
    void changed(const sockscope::PollChanges &changes);

private:
    std::unique_ptr<SocketSource> m_source;
    std::unique_ptr<ConnectionDiffer> m_differ; // while tracking: the one diff is made here
    std::shared_ptr<std::atomic_bool> m_pending; // a poll is queued (Poller::pollNow())
    std::unique_ptr<SocketOwners> m_owners; // while looking up owners
    SocketFilter m_filter;
    QTimer *m_timer = nullptr; // child, created on the worker thread
    int m_intervalMs = 500;
    bool m_bursting = false;
    QDeadlineTimer m_burstEnd;
};

} // namespace sockscope
