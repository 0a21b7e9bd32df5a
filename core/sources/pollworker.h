// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "socketsource.h"

#include "../system/socketowners.h"
#include "../tracking/connectionstore.h"
#include "../tracking/connectiontracker.h"

#include <QDeadlineTimer>
#include <QObject>
#include <QTimer>

#include <memory>

namespace sockscope {

// The part of Poller that lives on the worker thread. Only Poller talks to it, through
// queued calls.
class PollWorker : public QObject
{
    Q_OBJECT

public:
    explicit PollWorker(std::unique_ptr<SocketSource> source);

    // Called on the worker thread only.
    void start(int intervalMs);
    void stop();
    void setInterval(int intervalMs);
    void setFilter(const SocketFilter &filter);
    void setTracking(bool tracking);
    void setOwnerLookup(bool lookup);
    void burst(int periodMs, int durationMs);
    void poll();

Q_SIGNALS:
    void snapshotTaken(const sockscope::Snapshot &snapshot);
    void tracked(const sockscope::TrackedPoll &poll);

private:
    std::unique_ptr<SocketSource> m_source;
    std::unique_ptr<ConnectionTracker> m_tracker; // while tracking: the diff is made here
    std::unique_ptr<SocketOwners> m_owners; // while looking up owners
    SocketFilter m_filter;
    QTimer *m_timer = nullptr; // child, created on the worker thread
    int m_intervalMs = 500;
    bool m_bursting = false;
    QDeadlineTimer m_burstEnd;
};

} // namespace sockscope
