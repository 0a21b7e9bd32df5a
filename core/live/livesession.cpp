// SPDX-License-Identifier: GPL-3.0-or-later
#include "livesession.h"

#include <algorithm>

namespace sockscope {

LiveSession::LiveSession(std::unique_ptr<SocketSource> source, QObject *parent) : QObject(parent)
{
    connect(&m_lab, &Lab::callMade, this, [this](const LabCall &call) {
        Q_EMIT callMade(call);
        burst();
    });
    connect(&m_lab, &Lab::callUpdated, this, &LiveSession::callUpdated);
    connect(&m_lab, &Lab::socketsChanged, this, &LiveSession::updateFilter);
    connect(&m_runner, &ScenarioRunner::portResolved, this, &LiveSession::updateFilter);
    connect(&m_runner, &ScenarioRunner::pollRequested, this, &LiveSession::burst);
    if (source)
        makePoller(std::move(source));
}

LiveSession::~LiveSession()
{
    // The poller's thread stops before the session it feeds goes away.
    m_poller.reset();
}

void LiveSession::makePoller(std::unique_ptr<SocketSource> source)
{
    m_sourceName = source->name();
    m_poller = std::make_unique<Poller>(std::move(source));
    m_poller->setInterval(m_intervalMs);
    m_poller->setTracking(true);
    connect(m_poller.get(), &Poller::changed, this, &LiveSession::applyPoll);
    m_filterSet = false;
    updateFilter();
}

void LiveSession::setSource(std::unique_ptr<SocketSource> source)
{
    m_poller.reset();
    m_session.clear();
    makePoller(std::move(source));
    Q_EMIT sourceChanged();
    if (m_running) {
        m_running = false;
        start();
    }
}

void LiveSession::setInterval(int ms)
{
    m_intervalMs = qMax(1, ms);
    if (m_poller)
        m_poller->setInterval(m_intervalMs);
}

void LiveSession::start()
{
    m_running = true;
    if (m_poller && m_filter)
        m_poller->start();
}

void LiveSession::stop()
{
    m_running = false;
    if (m_poller)
        m_poller->stop();
}

void LiveSession::pollNow()
{
    if (m_poller && m_filter)
        m_poller->pollNow();
}

void LiveSession::burst()
{
    if (m_poller && m_filter)
        m_poller->burst();
}

void LiveSession::setWatchedPorts(const std::optional<QList<quint16>> &ports)
{
    m_watched = ports;
    updateFilter();
}

void LiveSession::setFamily(std::optional<AddressFamily> family)
{
    m_family = family;
    updateFilter();
}

QList<quint16> LiveSession::labPorts() const
{
    QList<quint16> ports;
    const auto add = [&ports](quint16 port) {
        if (port != 0 && !ports.contains(port))
            ports.append(port);
    };
    for (const LabSocket &s : m_lab.sockets()) {
        if (s.role == LabSocket::Role::Listener)
            add(s.local.port);
        if (s.role == LabSocket::Role::Client) {
            add(s.remote.port);
            if (s.local == s.remote)
                add(s.local.port);
        }
    }
    if (m_runner.status() != ScenarioRunner::Status::Idle || m_runner.stepCount() > 0)
        add(m_runner.port());
    return ports;
}

void LiveSession::setLookedAt(const QList<ConnectionKey> &keys)
{
    m_lookedAt = keys;
    updateFilter();
}

std::optional<SocketFilter> LiveSession::filter() const
{
    SocketFilter filter;
    filter.family = m_family;
    filter.tcpInfoForAll = false;
    filter.tcpInfoFor = m_lookedAt;
    for (const LabSocket &s : m_lab.sockets()) {
        if (!s.open || s.local.port == 0)
            continue;
        ConnectionKey key;
        key.family = s.family;
        key.local = s.local;
        key.remote = s.remote;
        if (!filter.tcpInfoFor.contains(key))
            filter.tcpInfoFor.append(key);
    }
    // The lab alone in its private network: the only bound sockets there are the lab's, so the
    // bind hash is walked only while one of them is bound and not yet listening or connecting.
    if (m_lab.network() && m_watched && m_watched->isEmpty()) {
        const QList<LabSocket> sockets = m_lab.sockets();
        filter.boundInactive = std::any_of(sockets.cbegin(), sockets.cend(), [](const LabSocket &s) {
            return s.open && s.local.port != 0 && !s.listening && !s.connecting && !s.connected;
        });
    }
    if (!m_watched)
        return filter;
    filter.ports = *m_watched;
    for (quint16 port : labPorts()) {
        if (!filter.ports.contains(port))
            filter.ports.append(port);
    }
    if (filter.ports.isEmpty())
        return std::nullopt;
    return filter;
}

void LiveSession::updateFilter()
{
    if (!m_poller)
        return;
    const std::optional<SocketFilter> next = filter();
    const bool same = m_filterSet && next.has_value() == m_filter.has_value()
        && (!next
            || (next->ports == m_filter->ports && next->family == m_filter->family
                && next->tcpInfoFor == m_filter->tcpInfoFor && next->boundInactive == m_filter->boundInactive));
    if (same)
        return;
    const bool hadNothing = m_filterSet && !m_filter;
    m_filter = next;
    m_filterSet = true;
    if (!m_filter) {
        m_poller->stop(); // nothing to watch yet: no poll reads rows that are not wanted
        return;
    }
    m_poller->setFilter(*m_filter);
    if (m_running && (hadNothing || !m_poller->isActive()))
        m_poller->start();
    else if (m_running)
        m_poller->pollNow();
}

void LiveSession::applyPoll(const PollChanges &changes)
{
    if (changes.ok()) {
        m_session.apply(changes.delta);
        m_runner.observe(changes.delta, m_session.connections());
    }
    Q_EMIT polled(changes);
}

} // namespace sockscope
