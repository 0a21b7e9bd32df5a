// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/capture/packetstates.h"
#include "core/lab/lab.h"
#include "replay.h"
#include "core/tracking/connectionstore.h"
#include "core/tracking/connectiondiffer.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <memory>

namespace sockscope {

// Everything one sockscope window knows: the connections the polls have seen (with their
// histories), the lab whose sockets they may be, and which two connections are the two ends
// of one loopback connection. What each poll changed comes in through apply() (a LiveSession
// feeds it); views follow updated(). Work per poll is proportional to what changed.
class Session : public QObject
{
    Q_OBJECT

public:
    explicit Session(Lab *lab, QObject *parent = nullptr);

    Lab *lab() const { return m_lab; }
    const ConnectionStore &connections() const { return m_store; }
    // A connection's history as of the moment shown: live, the store's; in a replay, rebuilt
    // from the recording at the position, with exact last-seen times (the store keeps what
    // each step touched). Empty for an unknown id.
    std::optional<ConnectionHistory> historyNow(quint64 id) const;
    // The connections in LISTEN now (a live session), oldest first.
    QList<quint64> listeningIds() const;
    qint64 startSteadyNs() const { return m_startNs; }

    // What one poll changed, as the one ConnectionDiffer reported it.
    void apply(const TrackerDelta &delta);
    // A whole snapshot, for one-shot commands and tests that take their snapshots themselves:
    // diffed here (nothing else diffs it) and applied as above.
    void apply(const Snapshot &snapshot);
    // Replaying: moves to another moment of the recording (setRecording()), forward or back.
    // updated() follows with the step's delta; rewound() names, after a step back, the
    // connections that changed or are no longer there, as views cannot follow a step back
    // through events.
    void apply(const Replay::Step &step);
    void clear(); // forget every connection (a new source, say); the lab is left alone

    // The lab's private wire: every segment captured, in capture order, the newest
    // maxWireSegments of them (older ones are counted in wireSegmentsDropped()). A replay
    // gives the recording's, up to the moment shown.
    static constexpr qsizetype maxWireSegments = 100000;
    void addWireSegment(const WireSegment &segment);
    QList<WireSegment> wireSegments() const;
    // Marks the newest segment not yet marked that is `segment` (same ends, numbers, flags and
    // length) as stopped by a wire rule (WireSegment::stoppedBy ...), among the last
    // `lookBack` kept. The segment as it is now, or nullopt when none is.
    std::optional<WireSegment> stopWireSegment(const Segment &segment, int rule, const QString &ruleText,
                                               bool answeredWithReset, qsizetype lookBack = 256);
    qint64 wireSegmentsDropped() const;
    // The segments of one connection, both ways (segmentsOfConnection()); id is either end.
    QList<WireSegment> wireSegmentsOf(quint64 id) const;
    // The state changes of one end that its connection's captured segments prove
    // (PacketStates), timed on the session's clock (as histories are); empty without a capture.
    QList<PacketTransition> packetTransitionsOf(quint64 id) const;

    // The other end of a connection when both ends are on this machine: the connection whose
    // 4-tuple is this one's, reversed. 0 when there is none (or it was never seen).
    quint64 peerOf(quint64 id) const;

    // What the connection is to the lab, judged on its latest row.
    RowRole roleOf(quint64 id) const;
    QString labelOf(quint64 id) const; // "client #1", or "" for a socket the lab did not make

    // The end that initiated the connection: a lab client, or, for other sockets, the end
    // whose peer is a listening port.
    bool isClientSide(quint64 id) const;

    // The lab's calls on the socket a connection belongs to, with the accept() that created
    // it (empty for foreign ones).
    QList<LabCall> callsOf(quint64 id) const;

    // The lab socket a connection belongs to (LabCall::socketId), 0 for none: the live lab's
    // judgement, or the recording's.
    int labSocketOf(quint64 id) const;
    // Every call the lab made, in order: the live lab's, or the recording's (all of them,
    // whatever the moment shown).
    QList<LabCall> labCalls() const;

    // The connection and, when both ends are local, its peer: client end first.
    QList<quint64> endsOf(quint64 id) const;

    // Replaying a saved session: labels, sides and lab calls come from the recording, and the
    // histories from apply(Replay::Step).
    void setRecording(std::shared_ptr<const Replay> replay);
    const Replay *recording() const { return m_replay.get(); }

    // Everything this session knows, on the document's clock (0 = when the session started).
    // The runs' start times are given on the steady clock.
    SessionDocument toDocument(const QString &programVersion, const QString &source, int intervalMs,
                               const QList<quint16> &ports, const QList<ScenarioRunRecord> &runs) const;
    qint64 startWallMs() const { return m_startWallMs; }
    // Connections that had left the kernel's table and were forgotten, oldest first, beyond
    // what a session keeps (HistoryLimits::vanishedRetention); a replay tells the recording's.
    qint64 forgottenConnections() const;

Q_SIGNALS:
    void updated(const sockscope::TrackerDelta &delta);
    void rewound(const QList<quint64> &ids);

private:
    void findPeers(const TrackerDelta &delta);
    void noteListeners(const TrackerDelta &delta);
    void findPeers(const QList<quint64> &ids); // connections that appeared, or are alive again
    void forgetPeers(const QList<quint64> &ids);
    const RecordedConnection *recordedFor(quint64 id) const;

    Lab *m_lab;
    ConnectionStore m_store;
    std::unique_ptr<ConnectionDiffer> m_differ; // only for snapshots given whole
    QList<WireSegment> m_wire;
    qint64 m_wireDropped = 0;
    QHash<quint64, quint64> m_peers; // both directions
    QHash<quint64, Endpoint> m_listeners;   // LISTEN connections now: id -> local endpoint
    QHash<Endpoint, int> m_listening;       // how many of them listen on each endpoint
    QHash<quint16, int> m_wildcardListeningPorts; // and on each port, bound to 0.0.0.0 or ::
    qint64 m_startNs = 0;
    qint64 m_startWallMs = 0;
    std::shared_ptr<const Replay> m_replay;
    qint64 m_replayNs = -1; // the moment a replay shows
};

} // namespace sockscope
