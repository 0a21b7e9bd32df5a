// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/lab/lab.h"
#include "core/lab/scenariorunner.h"
#include "core/session/session.h"
#include "core/sources/poller.h"

#include <QObject>

#include <memory>
#include <optional>

namespace sockscope {

// The live pipeline, once: a source polled on its own thread, the one diff of each poll made
// there, and on this thread the session that keeps the histories, the lab whose sockets they
// may be, and the scenario runner that checks them. Everything that shows or saves live data
// (the window, `sockscope watch`, `sockscope scenario`, the tests) follows one stream:
// polled() with what each poll changed, after the session took it, and callMade() with each
// call the lab makes, in the order they happen.
class LiveSession : public QObject
{
    Q_OBJECT

public:
    // Without a source nothing is polled until setSource() gives one (a replay window's live
    // session stays that way).
    explicit LiveSession(std::unique_ptr<SocketSource> source = nullptr, QObject *parent = nullptr);
    ~LiveSession() override;

    Lab *lab() { return &m_lab; }
    const Lab *lab() const { return &m_lab; }
    Session *session() { return &m_session; }
    const Session *session() const { return &m_session; }
    ScenarioRunner *runner() { return &m_runner; }
    Poller *poller() const { return m_poller.get(); }
    QString sourceName() const { return m_sourceName; }

    bool hasSource() const { return m_poller != nullptr; }
    // Starts over with another source: the connections seen so far came from another view of
    // the kernel and are forgotten (the lab and its sockets stay). Polls again if running.
    void setSource(std::unique_ptr<SocketSource> source);

    int interval() const { return m_intervalMs; }
    void setInterval(int ms);
    bool isRunning() const { return m_running; }

    // The one rule for what is polled: every port (nullopt, the default), or these ports and
    // every port the lab and the scenario use. An empty list watches the lab alone; nothing is
    // polled while the lab has no port yet.
    void setWatchedPorts(const std::optional<QList<quint16>> &ports);
    std::optional<QList<quint16>> watchedPorts() const { return m_watched; }
    // Only this family's rows (nullopt: both).
    void setFamily(std::optional<AddressFamily> family);
    // The ports the lab's sockets and the loaded scenario use: listeners' ports, clients'
    // server ports, a self-connected socket's own port, the scenario's port once known.
    QList<quint16> labPorts() const;
    // Connections the user looks at (the selected one and its peer): each poll reads their
    // tcp_info (RTT, congestion window, RTO), as it does for the lab's sockets, and no other
    // row's.
    void setLookedAt(const QList<ConnectionKey> &keys);
    // What the poller is asked for now; nullopt while there is nothing to poll.
    std::optional<SocketFilter> filter() const;

public Q_SLOTS:
    void start();
    void stop();
    void pollNow(); // polls as soon as the poller is free; repeated requests make one poll
    // Polls fast for a moment (Poller::burst()): after a lab call, whose states may last
    // only milliseconds.
    void burst();

Q_SIGNALS:
    void polled(const sockscope::PollChanges &changes);
    void callMade(const sockscope::LabCall &call);
    // What a call learned after it was made (who holds the port a bind() wanted).
    void callUpdated(const sockscope::LabCall &call);
    // The source was replaced (setSource()): views start from an empty table.
    void sourceChanged();

private:
    void applyPoll(const PollChanges &changes);
    void updateFilter();
    void makePoller(std::unique_ptr<SocketSource> source);

    Lab m_lab;
    Session m_session{&m_lab};
    ScenarioRunner m_runner{&m_lab};
    std::unique_ptr<Poller> m_poller;
    QString m_sourceName;
    int m_intervalMs = 500;
    bool m_running = false;
    std::optional<QList<quint16>> m_watched;
    std::optional<AddressFamily> m_family;
    QList<ConnectionKey> m_lookedAt;
    std::optional<SocketFilter> m_filter; // as last given to the poller
    bool m_filterSet = false;
};

} // namespace sockscope
