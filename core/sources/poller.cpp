// SPDX-License-Identifier: GPL-3.0-or-later
#include "poller.h"

#include "pollworker.h"

namespace sockscope {

PollWorker::PollWorker(std::unique_ptr<SocketSource> source)
    : m_source(std::move(source)), m_owners(std::make_unique<SocketOwners>())
{
}

void PollWorker::start(int intervalMs)
{
    m_intervalMs = intervalMs;
    m_bursting = false;
    if (!m_timer) {
        m_timer = new QTimer(this);
        m_timer->setTimerType(Qt::PreciseTimer);
        connect(m_timer, &QTimer::timeout, this, &PollWorker::poll);
    }
    m_timer->start(intervalMs);
    poll();
}

void PollWorker::stop()
{
    m_bursting = false;
    if (m_timer)
        m_timer->stop();
}

void PollWorker::setInterval(int intervalMs)
{
    m_intervalMs = intervalMs;
    if (m_timer && m_timer->isActive() && !m_bursting)
        m_timer->start(intervalMs);
}

void PollWorker::setOwnerLookup(bool lookup)
{
    if (lookup && !m_owners)
        m_owners = std::make_unique<SocketOwners>();
    else if (!lookup)
        m_owners.reset();
}

void PollWorker::burst(int periodMs, int durationMs)
{
    if (m_timer && m_timer->isActive()) {
        m_bursting = true;
        m_burstEnd.setRemainingTime(durationMs);
        m_timer->start(periodMs);
    }
    poll(); // stopped: one poll, as pollNow()
}

void PollWorker::setFilter(const SocketFilter &filter)
{
    m_filter = filter;
}

void PollWorker::setTracking(bool tracking)
{
    if (tracking && !m_tracker)
        m_tracker = std::make_unique<ConnectionTracker>();
    else if (!tracking)
        m_tracker.reset();
}

void PollWorker::poll()
{
    if (m_bursting && m_burstEnd.hasExpired()) {
        m_bursting = false;
        if (m_timer && m_timer->isActive())
            m_timer->start(m_intervalMs);
    }
    Snapshot snapshot = m_source->take(m_filter);
    if (m_owners && snapshot.ok())
        m_owners->attribute(snapshot.records);
    if (!m_tracker) {
        Q_EMIT snapshotTaken(snapshot);
        return;
    }
    TrackedPoll result;
    if (snapshot.ok()) {
        result.delta = m_tracker->update(snapshot);
        result.histories = m_tracker->historiesOf(result.delta);
    }
    result.snapshot = std::move(snapshot);
    Q_EMIT tracked(result);
}

Poller::Poller(std::unique_ptr<SocketSource> source, QObject *parent)
    : QObject(parent), m_sourceName(source->name())
{
    qRegisterMetaType<Snapshot>();
    qRegisterMetaType<TrackedPoll>();
    m_thread.setObjectName(QStringLiteral("sockscope-poller"));
    m_worker = new PollWorker(std::move(source));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &PollWorker::snapshotTaken, this, &Poller::snapshotTaken, Qt::QueuedConnection);
    connect(m_worker, &PollWorker::tracked, this, &Poller::tracked, Qt::QueuedConnection);
    m_thread.start();
}

Poller::~Poller()
{
    m_thread.quit();
    m_thread.wait();
}

void Poller::setInterval(int ms)
{
    m_intervalMs = qMax(1, ms);
    QMetaObject::invokeMethod(m_worker, [w = m_worker, ms = m_intervalMs] { w->setInterval(ms); },
                              Qt::QueuedConnection);
}

void Poller::setFilter(const SocketFilter &filter)
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker, filter] { w->setFilter(filter); },
                              Qt::QueuedConnection);
}

void Poller::setTracking(bool tracking)
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker, tracking] { w->setTracking(tracking); }, Qt::QueuedConnection);
}

void Poller::setOwnerLookup(bool lookup)
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker, lookup] { w->setOwnerLookup(lookup); }, Qt::QueuedConnection);
}

void Poller::burst(int periodMs, int durationMs)
{
    QMetaObject::invokeMethod(m_worker, [w = m_worker, periodMs, durationMs] { w->burst(periodMs, durationMs); },
                              Qt::QueuedConnection);
}

void Poller::start()
{
    m_active = true;
    QMetaObject::invokeMethod(m_worker, [w = m_worker, ms = m_intervalMs] { w->start(ms); },
                              Qt::QueuedConnection);
}

void Poller::stop()
{
    m_active = false;
    QMetaObject::invokeMethod(m_worker, &PollWorker::stop, Qt::QueuedConnection);
}

void Poller::pollNow()
{
    QMetaObject::invokeMethod(m_worker, &PollWorker::poll, Qt::QueuedConnection);
}

} // namespace sockscope
