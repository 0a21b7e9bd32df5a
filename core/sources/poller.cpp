// SPDX-License-Identifier: GPL-3.0-or-later
#include "poller.h"

#include "pollworker.h"

namespace sockscope {

PollWorker::PollWorker(std::unique_ptr<SocketSource> source, std::shared_ptr<std::atomic_bool> pending)
    : m_source(std::move(source)), m_pending(std::move(pending)), m_owners(std::make_unique<SocketOwners>())
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
}

void PollWorker::setFilter(const SocketFilter &filter)
{
    m_filter = filter;
}

void PollWorker::setTracking(bool tracking)
{
    if (tracking && !m_differ)
        m_differ = std::make_unique<ConnectionDiffer>();
    else if (!tracking)
        m_differ.reset();
}

void PollWorker::pollIfRequested()
{
    if (m_pending->load())
        poll();
}

void PollWorker::poll()
{
    m_pending->store(false);
    if (m_bursting && m_burstEnd.hasExpired()) {
        m_bursting = false;
        if (m_timer && m_timer->isActive())
            m_timer->start(m_intervalMs);
    }
    Snapshot snapshot = m_source->take(m_filter);
    if (m_owners && snapshot.ok())
        m_owners->attribute(snapshot.records);
    if (!m_differ) {
        Q_EMIT snapshotTaken(snapshot);
        return;
    }
    PollChanges changes;
    changes.source = snapshot.source;
    changes.wallTimeMs = snapshot.wallTimeMs;
    changes.steadyNs = snapshot.steadyNs;
    changes.rows = int(snapshot.records.size());
    changes.issues = std::move(snapshot.issues);
    changes.notes = std::move(snapshot.notes);
    changes.error = std::move(snapshot.error);
    if (changes.ok())
        changes.delta = m_differ->update(snapshot);
    Q_EMIT changed(changes);
}

Poller::Poller(std::unique_ptr<SocketSource> source, QObject *parent)
    : QObject(parent), m_sourceName(source->name())
{
    qRegisterMetaType<Snapshot>();
    qRegisterMetaType<PollChanges>();
    m_thread.setObjectName(QStringLiteral("sockscope-poller"));
    m_worker = new PollWorker(std::move(source), m_pending);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &PollWorker::snapshotTaken, this, &Poller::snapshotTaken, Qt::QueuedConnection);
    connect(m_worker, &PollWorker::changed, this, &Poller::changed, Qt::QueuedConnection);
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
    pollNow();
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
    if (!m_pending->exchange(true))
        QMetaObject::invokeMethod(m_worker, &PollWorker::pollIfRequested, Qt::QueuedConnection);
}

} // namespace sockscope
