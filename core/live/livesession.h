// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/capture/packetstates.h"
#include "core/capture/segmentcapture.h"
#include "core/capture/wiresegment.h"
#include "core/lab/lab.h"
#include "core/lab/scenariorunner.h"
#include "core/session/session.h"
#include "core/sources/poller.h"
#include "core/wire/wiredelay.h"
#include "core/wire/wirefilter.h"

#include <QObject>

#include <memory>
#include <optional>

namespace sockscope {

// The live pipeline, once: a source polled on its own thread, the one diff of each poll made
// there, and on this thread the session that keeps the histories, the lab whose sockets they
// may be, and the scenario runner that checks them. Everything that shows or saves live data
// (the window, `sockscope watch`, `sockscope scenario`, the tests) follows one stream:
// polled() with what each poll changed, after the session took it, callMade() with each call
// the lab makes, and segmentCaptured() with each segment on the lab's private wire, in the
// order they happen.
//
// The lab lives in a private network of its own (setNetwork()) or on this machine's; in the
// private one every segment is captured (setCapturing()) into the session.
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

    // Where the lab makes its sockets: a private network of its own, made on first use (false
    // and why not where this machine refuses one: the lab then stays where it was), or this
    // machine's. Sockets cannot move: the lab's are closed first, with RST, and the lab starts
    // over. Give a source of the new kind afterwards (createSource(), setSource()).
    bool setNetwork(Network network, QString *why = nullptr);
    Network network() const { return m_lab.network() ? Network::Private : Network::Host; }
    LabNetwork *labNetwork() const { return m_network.get(); }
    // Why the private network stopped working (its helper died), or empty.
    QString networkFailure() const { return m_networkFailure; }
    // A source of this kind for where the lab is now: the private network's table with this
    // machine's beside it (which of them a poll reads follows the watched ports), or this
    // machine's alone.
    std::unique_ptr<SocketSource> createSource(QStringView name, QString *error = nullptr) const;

    // The private network's wire, captured into the session (Session::wireSegments()): on by
    // default there, and false with why where it cannot be (this machine's network, which
    // sockscope does not capture; a kernel refusing packet sockets).
    bool setCapturing(bool on, QString *why = nullptr);
    bool isCapturing() const { return m_capture.isCapturing(); }
    const SegmentCapture &capture() const { return m_capture; }
    // Reads the segments the kernel has queued now, before what follows is reported (the
    // segments that led to a transition come before it).
    void readWire();

    // The lab's wire: rules that drop or refuse chosen segments on its private loopback
    // (WireFilter), nowhere else. nullptr while the lab is on this machine's network.
    WireFilter *wire() const { return m_lab.network() ? m_wire.get() : nullptr; }
    // Empty when rules can be put on the wire, or why not, in words for the user.
    QString whyNoWire() const;
    // A fixed delay on the same wire (netem), where the kernel offers it: nullptr while the
    // lab is on this machine's network; WireDelay::whyUnavailable() otherwise says if it can.
    WireDelay *wireDelay() const { return m_lab.network() ? m_delay.get() : nullptr; }
    // The user's rules (the lab panel, `scenario --wire`): they stay through scenarios, and a
    // scenario's own rules (ScenarioContext::setWireRules()) come after them, numbered on.
    // False with why, the rules before still in force, where they cannot be applied.
    bool setWireRules(const QList<WireRule> &rules, QString *why = nullptr);
    QList<WireRule> wireRules() const { return m_userRules; }
    QList<WireRule> scenarioWireRules() const { return m_scenarioRules; }
    // Every rule on the wire now, as numbered there: the user's, then the scenario's.
    QList<WireRule> activeWireRules() const { return m_userRules + m_scenarioRules; }
    // The port the rules take for the server's: the scenario's once it has one, else the lab's
    // newest open listener's; 0 before there is any (rules with a direction wait for it).
    quint16 wirePort() const;

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
    // A segment on the lab's private wire, as the session keeps it, and then what it proves of
    // either end's state.
    void segmentCaptured(const sockscope::WireSegment &segment);
    void packetStateChanged(const sockscope::PacketStateChange &change);
    // The lab moved to another network (setNetwork()), or capture started or stopped.
    void networkChanged();
    // The rules on the wire changed (the user's or a scenario's), or one was spent.
    void wireRulesChanged();
    // A wire rule took a segment, in the log's words: "rule 1 (drop synack) dropped server end
    // of client #1 -> client #1  SYN,ACK seq=0 ack=1 ...". Comes after segmentStopped() when
    // the segment was captured.
    void wireRuleActed(const sockscope::WireRuleHit &hit, const QString &text);
    // A captured segment turned out to have been stopped by a wire rule: the session's copy,
    // now marked (WireSegment::stoppedBy). Usually before segmentCaptured() reports it, when it
    // comes marked already; this is for the rare hit read after its segment.
    void segmentStopped(const sockscope::WireSegment &segment);

private:
    void applyPoll(const PollChanges &changes);
    void updateFilter();
    void makePoller(std::unique_ptr<SocketSource> source);
    void takeSegment(const SegmentCapture::Captured &captured);
    bool applyWire(QString *why);
    void takeHit(const WireRuleHit &hit);
    void settleHits();
    QString hitText(const WireRuleHit &hit, const WireSegment *captured) const;
    void provePacketStates(const WireSegment &w);
    void noteCause(const LabCall &call);
    QString whoIs(const Endpoint &at, const Endpoint &peer) const;

    std::unique_ptr<LabNetwork> m_network; // declared before the lab, which holds a pointer to it
    std::unique_ptr<WireFilter> m_wire;    // made with the private network, and gone before it
    std::unique_ptr<WireDelay> m_delay;    // likewise
    Lab m_lab;
    Session m_session{&m_lab};
    SegmentCapture m_capture;
    QString m_networkFailure;
    QHash<QString, QString> m_causes;
    // Each lab connection's segments so far (both ways, by its 4-tuple from the lower end), and
    // the changes of each end already reported: what the next segment proves is the rest.
    struct Flow
    {
        QList<Segment> segments;
        QStringList texts; // each segment's line, with its relative numbers
        QList<qint64> steadyNs; // and its time on the steady clock
        QList<bool> stopped; // a wire rule stopped it: it never arrived
        Endpoint client; // the end that sent the first SYN
        QList<PacketTransition> reported[2]; // [0]: the client end, [1]: the server end
        bool awaitingAck = true; // some end waits for an ACK that would move it
    };
    QHash<std::pair<Endpoint, Endpoint>, Flow> m_flows; // lab socket -> its last call that sends, until a segment answers for it
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
    QList<WireRule> m_userRules;
    QList<WireRule> m_scenarioRules;
    quint16 m_scenarioWirePort = 0;
    QList<WireRuleHit> m_pendingHits; // read, not yet matched with their captured segment
    bool m_readingHits = false;
    bool m_settleQueued = false;
    std::optional<WireSegment> m_lastRefusal; // the last segment a reject rule answered
};

} // namespace sockscope
