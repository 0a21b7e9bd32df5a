// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "scenario.h"
#include "scenariorun.h"

#include "core/tracking/connectionstore.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <memory>

namespace sockscope {

// Runs a scenario over a lab one step at a time or all at once, and checks what the kernel
// shows against what the scenario expects. It does not poll: its owner (a LiveSession) feeds
// it what each poll changed (observe()), and polls sooner when asked (pollRequested()).
class ScenarioRunner : public QObject
{
    Q_OBJECT

public:
    enum class Status : quint8 {
        Idle,     // loaded, nothing done yet
        Waiting,  // a step ran; waiting for what it should produce
        Ready,    // between steps
        Finished, // every step ran
        Failed,   // a call a step needed failed; the remaining steps were not run
        Stopped,  // stopped by the user
    };

    struct Outcome
    {
        Expectation expectation;
        bool met = false;
        qint64 atMs = -1; // when it was first met, ms since the scenario started
    };

    explicit ScenarioRunner(Lab *lab, QObject *parent = nullptr);

    // Loads a scenario and forgets the previous run: the lab is reset (its open sockets are
    // closed with RST), and snapshots taken before this moment are ignored.
    void load(const Scenario &scenario, const ScenarioConfig &config);

    const Scenario &scenario() const { return m_scenario; }
    const ScenarioConfig &config() const { return m_config; }
    Status status() const { return m_status; }
    int stepCount() const { return int(m_steps.size()); }
    int nextStep() const { return m_next; } // index of the step step() would run
    const ScenarioStep &stepAt(int index) const { return m_steps[index]; }
    quint16 port() const; // the server port once bound, else the configured one
    QString failure() const { return m_failure; }
    bool isDone() const;

    QList<Outcome> outcomes() const { return m_outcomes; }
    QList<Expectation> missing() const; // unmet (and violated never-expectations)
    qint64 elapsedMs() const;
    qint64 startedNs() const { return m_startedNs; } // steady clock of the first step, 0 before

    // Where a scenario's wire rules go (ScenarioContext::setWireRules()); without one, a step
    // that sets rules fails saying the lab is not on its private network. Each load() takes
    // the previous scenario's rules away.
    void setWire(ScenarioWire wire) { m_wire = std::move(wire); }

    // This run as a session file keeps it (its start on the steady clock).
    ScenarioRunRecord record() const;

    // One poll: what it changed, and the histories after it (the store has taken the delta).
    void observe(const TrackerDelta &delta, const ConnectionStore &store);
    // One segment captured on the lab's private wire, as the session keeps it; the same segment
    // again when a wire rule's mark came after it (LiveSession::segmentStopped). What meets a
    // Sends expectation: without a capture, nothing does.
    void observeSegment(const WireSegment &segment);

public Q_SLOTS:
    void step();               // runs the next step
    void runAll(int dwellMs = 400); // runs every remaining step, pausing dwellMs after each
    void stop();               // stops and closes every socket the lab has open (with RST)

Q_SIGNALS:
    void stepStarted(int index);
    void stepFinished(int index, bool expectationsMet);
    void expectationMet(const sockscope::ScenarioRunner::Outcome &outcome);
    // A kernel transition on one of the lab's ends, with the end's label ("client #1").
    void transitionObserved(const sockscope::ConnectionEvent &event, const QString &label,
                            const sockscope::SocketRecord &record);
    // A row kept its state but became another end of the lab's: accept() took it off the
    // queue ("in accept queue ..." -> "accepted #1"), or the lab closed its socket.
    void roleChanged(const QString &before, const QString &after, const sockscope::SocketRecord &record);
    void portResolved(quint16 port);
    void pollRequested();
    void finished();

private:
    void callMade(const LabCall &call);
    void checkStep();
    void finishStep(bool met);
    void advance();
    void finishRun(Status status);
    bool stepExpectationsMet() const;
    bool heldSinceStepBegan(const Expectation &e) const;
    void markMet(const Expectation &e);
    void noteObserved(const LabEnd &end, TcpState state, qint64 steadyNs);
    std::optional<LabEnd> endOfSocket(int socketId) const;
    bool reportsEnd(const LabCall &call, const Expectation &e) const; // an epoll_wait()'s
    // Which end of the scenario's connections sent a segment: client #n from its own endpoint
    // to the server's port, the server end of client #n the other way (before accept() too).
    std::optional<LabEnd> senderOf(const Segment &segment) const;
    // How many segments sent from `sinceNs` on count towards a Sends expectation.
    int sentCount(const Expectation &e, qint64 sinceNs) const;

    Lab *m_lab;
    Scenario m_scenario;
    ScenarioConfig m_config;
    QList<ScenarioStep> m_steps;
    std::unique_ptr<ScenarioContext> m_context;
    ScenarioWire m_wire;
    QList<Outcome> m_outcomes;
    // Index for index with m_outcomes: where a Sends expectation starts counting, the start of
    // the first step that expects it (0 before that step); earlier segments are not its.
    QList<qint64> m_countFromNs;
    struct Seen
    {
        LabEnd end;
        TcpState state;
        qint64 lastSeenNs; // the newest snapshot that showed it
    };
    QList<Seen> m_seen; // every (end, state) any snapshot showed
    static constexpr qsizetype maxSegments = 4096;
    struct Sent
    {
        LabEnd end;
        WireSegment segment; // without its frame
    };
    QList<Sent> m_segments; // the run's segments between its ends, in capture order; the newest maxSegments
    bool m_expectsSegments = false; // some expectation is about segments: worth keeping them
    Status m_status = Status::Idle;
    int m_next = 0;
    int m_current = -1;
    bool m_autoRun = false;
    bool m_inAction = false;
    bool m_failing = false; // the step failed; waiting for the lab's lookups to name why
    QMetaObject::Connection m_awaitLookups;
    qint64 m_loadNs = 0;
    qint64 m_startedNs = 0;            // snapshots older than the run are not about it
    qint64 m_endedNs = 0;              // when it finished, failed or was stopped: segments after are not its
    qint64 m_stepBeginNs = 0;       // when the current step's action began
    qint64 m_stepStartNs = 0;       // when the current step's action ended
    bool m_observedSinceStep = false; // a snapshot taken after that has been seen
    QHash<quint64, QString> m_labels; // the lab's live connections -> the label each had last
    int m_dwellMs = 400;
    quint16 m_reportedPort = 0;
    QString m_failure;
    QElapsedTimer m_clock;
    QTimer m_deadline;
    QTimer m_repeat;
    QTimer m_dwell;
};

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::ScenarioRunner::Outcome)
