// SPDX-License-Identifier: GPL-3.0-or-later
#include "poller.h"

#include "pollworker.h"

namespace sockscope {

PollWorker::PollWorker(std::unique_ptr<SocketSource> source) : m_source(std::move(source)) { }

void PollWorker::start(int intervalMs)
{
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
    if (m_timer)
        m_timer->stop();
}

void PollWorker::setInterval(int intervalMs)
{
    if (m_timer && m_timer->isActive())
        m_timer->start(intervalMs);
}

void PollWorker::setFilter(const SocketFilter &filter)
{
    m_filter = filter;
}

void PollWorker::poll()
{
    Q_EMIT snapshotTaken(m_source->take(m_filter));
}

Poller::Poller(std::unique_ptr<SocketSource> source, QObject *parent)
    : QObject(parent), m_sourceName(source->name())
{
    qRegisterMetaType<Snapshot>();
    m_thread.setObjectName(QStringLiteral("sockscope-poller"));
    m_worker = new PollWorker(std::move(source));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &PollWorker::snapshotTaken, this, &Poller::snapshotTaken, Qt::QueuedConnection);
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
