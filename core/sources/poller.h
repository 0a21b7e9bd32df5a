// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "socketsource.h"

#include "pollchanges.h"

#include <QObject>
#include <QThread>

#include <atomic>
#include <memory>

namespace sockscope {

class PollWorker;

// Takes snapshots from a source on its own worker thread, at a fixed interval and on demand.
// Snapshots arrive through snapshotTaken() in the thread that owns the Poller; while tracking,
// only what each poll changed arrives, through changed(). Requests for a poll made while one
// is already queued are one request.
class Poller : public QObject
{
    Q_OBJECT

public:
    explicit Poller(std::unique_ptr<SocketSource> source, QObject *parent = nullptr);
    ~Poller() override;

    QString sourceName() const { return m_sourceName; }
    int interval() const { return m_intervalMs; }
    bool isActive() const { return m_active; }

    void setInterval(int ms);
    void setFilter(const SocketFilter &filter);
    // While tracking, each poll is diffed against the previous one on the worker thread and
    // delivered through changed() instead of snapshotTaken(): the owner's thread then only
    // takes in what changed. Turning it on starts from an empty table.
    void setTracking(bool tracking);
    // Whether each poll also names the processes holding the sockets (SocketOwners, on the
    // worker thread). On by default.
    void setOwnerLookup(bool lookup);

public Q_SLOTS:
    void start();
    void stop();
    // Polls as soon as the worker is free, whether or not the timer runs. Calls made before
    // that poll begins make no further polls.
    void pollNow();
    // After something changed the sockets (a lab call): polls at once, then every `periodMs`
    // for `durationMs`, then at the interval again, so that short-lived states are caught
    // without polling fast all the time. When stopped, polls once.
    void burst(int periodMs = defaultBurstPeriodMs, int durationMs = defaultBurstDurationMs);

public:
    static constexpr int defaultBurstPeriodMs = 5;
    static constexpr int defaultBurstDurationMs = 300;

Q_SIGNALS:
    void snapshotTaken(const sockscope::Snapshot &snapshot);
    void changed(const sockscope::PollChanges &changes);

private:
    QThread m_thread;
    PollWorker *m_worker = nullptr; // lives in m_thread; deleted when the thread finishes
    std::shared_ptr<std::atomic_bool> m_pending = std::make_shared<std::atomic_bool>(false);
    QString m_sourceName;
    int m_intervalMs = 500;
    bool m_active = false;
};

} // namespace sockscope
