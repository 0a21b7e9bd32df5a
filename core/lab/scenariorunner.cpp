// SPDX-License-Identifier: GPL-3.0-or-later
#include "scenariorunner.h"

#include <QSet>

namespace sockscope {

namespace {

bool sameExpectation(const Expectation &a, const Expectation &b)
{
    if (a.kind != b.kind || !(a.end == b.end))
        return false;
    if (a.kind == Expectation::Kind::CallError || a.kind == Expectation::Kind::CallReturns)
        return a.call == b.call && a.error == b.error && a.minResult == b.minResult;
    if (a.kind == Expectation::Kind::EpollReports)
        return a.events == b.events;
    if (a.kind == Expectation::Kind::Sends)
        return a.segment == b.segment && a.counted == b.counted && a.atLeast == b.atLeast;
    return a.state == b.state;
}

} // namespace

ScenarioRunner::ScenarioRunner(Lab *lab, QObject *parent) : QObject(parent), m_lab(lab)
{
    qRegisterMetaType<Outcome>();
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        if (m_status == Status::Waiting)
            finishStep(false);
    });
    connect(&m_repeat, &QTimer::timeout, this, [this] {
        if (m_status != Status::Waiting || m_current < 0)
            return;
        m_inAction = true;
        m_steps[m_current].action(*m_context);
        m_inAction = false;
        Q_EMIT pollRequested();
        checkStep();
    });
    m_dwell.setSingleShot(true);
    connect(&m_dwell, &QTimer::timeout, this, &ScenarioRunner::advance);
    connect(m_lab, &Lab::callMade, this, &ScenarioRunner::callMade);
}

void ScenarioRunner::load(const Scenario &scenario, const ScenarioConfig &config)
{
    disconnect(m_awaitLookups);
    m_failing = false;
    m_deadline.stop();
    m_repeat.stop();
    m_dwell.stop();
    // Scenario numbers (client #1, ...) are the lab's ordinals, so every run starts afresh.
    m_lab->reset();
    m_loadNs = steadyNowNs();
    m_scenario = scenario;
    m_config = config;
    m_steps = scenario.steps(config);
    if (m_wire)
        m_wire({}, 0, nullptr);
    m_context = std::make_unique<ScenarioContext>(*m_lab, config, m_wire);
    m_outcomes.clear();
    for (const Expectation &e : scenario.expectations(config)) {
        const bool known = std::any_of(m_outcomes.cbegin(), m_outcomes.cend(),
                                       [&e](const Outcome &o) { return sameExpectation(o.expectation, e); });
        if (!known)
            m_outcomes.append({e, e.kind == Expectation::Kind::NeverState, -1});
    }
    m_countFromNs = QList<qint64>(m_outcomes.size(), 0);
    m_expectsSegments = std::any_of(m_outcomes.cbegin(), m_outcomes.cend(), [](const Outcome &o) {
        return o.expectation.kind == Expectation::Kind::Sends;
    });
    m_seen.clear();
    m_segments.clear();
    m_labels.clear();
    m_status = Status::Idle;
    m_next = 0;
    m_current = -1;
    m_autoRun = false;
    m_reportedPort = 0;
    m_failure.clear();
    m_clock.invalidate();
    m_startedNs = 0;
    m_endedNs = 0;
}

ScenarioRunRecord ScenarioRunner::record() const
{
    ScenarioRunRecord run;
    run.name = m_scenario.name;
    run.title = m_scenario.title;
    run.startedNs = m_startedNs;
    switch (m_status) {
    case Status::Finished: run.status = QStringLiteral("finished"); break;
    case Status::Failed: run.status = QStringLiteral("failed"); break;
    case Status::Stopped: run.status = QStringLiteral("stopped"); break;
    default: run.status = QStringLiteral("running"); break;
    }
    run.failure = m_failure;
    for (const Outcome &o : m_outcomes)
        run.outcomes.append({o.expectation.describe(), o.met, o.atMs});
    return run;
}

quint16 ScenarioRunner::port() const
{
    return m_context ? m_context->port() : m_config.port;
}

bool ScenarioRunner::isDone() const
{
    return m_status == Status::Finished || m_status == Status::Failed || m_status == Status::Stopped;
}

qint64 ScenarioRunner::elapsedMs() const
{
    return m_clock.isValid() ? m_clock.elapsed() : 0;
}

QList<Expectation> ScenarioRunner::missing() const
{
    QList<Expectation> out;
    for (const Outcome &o : m_outcomes) {
        if (!o.met)
            out.append(o.expectation);
    }
    return out;
}

void ScenarioRunner::step()
{
    if ((m_status != Status::Idle && m_status != Status::Ready) || m_next >= m_steps.size())
        return;
    if (!m_clock.isValid()) {
        m_clock.start();
        m_startedNs = steadyNowNs();
    }
    m_current = m_next++;
    m_status = Status::Waiting;
    Q_EMIT stepStarted(m_current);

    const qsizetype callsBefore = m_lab->calls().size();
    m_stepBeginNs = steadyNowNs();
    for (const Expectation &e : std::as_const(m_steps[m_current].expect)) {
        for (qsizetype i = 0; e.kind == Expectation::Kind::Sends && i < m_outcomes.size(); ++i) {
            if (m_countFromNs[i] == 0 && sameExpectation(m_outcomes[i].expectation, e))
                m_countFromNs[i] = m_stepBeginNs;
        }
    }
    m_inAction = true;
    const bool ok = m_steps[m_current].action(*m_context);
    m_inAction = false;

    if (port() != 0 && port() != m_reportedPort) {
        m_reportedPort = port();
        Q_EMIT portResolved(m_reportedPort);
    }
    if (!ok) {
        const auto fail = [this, callsBefore] {
            const QList<LabCall> calls = m_lab->calls();
            QString why = QStringLiteral("step %1 could not be done").arg(m_current + 1);
            if (!m_context->failure().isEmpty())
                why += QStringLiteral(": ") + m_context->failure();
            for (qsizetype i = calls.size() - 1; i >= callsBefore && m_context->failure().isEmpty(); --i) {
                if (calls[i].failed() || !calls[i].detail.isEmpty()) {
                    why += QStringLiteral(": ")
                        + (calls[i].socketLabel.isEmpty() ? QString() : calls[i].socketLabel + QLatin1Char(' '))
                        + calls[i].toString();
                    break;
                }
            }
            m_failure = why;
            finishRun(Status::Failed);
        };
        if (!m_lab->lookingUp()) {
            fail();
            return;
        }
        // Who holds the port a failed bind() wanted comes a moment later, off this thread:
        // the run ends once the lab has said, so that its failure names the holder.
        m_failing = true;
        m_awaitLookups = connect(m_lab, &Lab::lookupsDone, this, fail, Qt::SingleShotConnection);
        return;
    }

    m_stepStartNs = steadyNowNs();
    m_observedSinceStep = false;
    Q_EMIT pollRequested();
    const ScenarioStep &current = m_steps[m_current];
    if (current.repeatEveryMs > 0)
        m_repeat.start(current.repeatEveryMs);
    m_deadline.start(current.timeoutMs);
    checkStep();
}

void ScenarioRunner::runAll(int dwellMs)
{
    m_autoRun = true;
    m_dwellMs = qMax(0, dwellMs);
    if (m_status == Status::Idle || m_status == Status::Ready)
        step();
}

void ScenarioRunner::advance()
{
    if (m_autoRun && m_status == Status::Ready)
        step();
}

void ScenarioRunner::stop()
{
    m_lab->abortAll();
    if (!isDone())
        finishRun(Status::Stopped);
}

void ScenarioRunner::finishRun(Status status)
{
    disconnect(m_awaitLookups);
    m_failing = false;
    m_deadline.stop();
    m_repeat.stop();
    m_dwell.stop();
    m_autoRun = false;
    m_status = status;
    m_endedNs = steadyNowNs();
    Q_EMIT finished();
}

bool ScenarioRunner::heldSinceStepBegan(const Expectation &e) const
{
    switch (e.kind) {
    case Expectation::Kind::NeverState:
        return true;
    case Expectation::Kind::State:
        // Seen in a snapshot taken after this step's action, not only earlier in the run.
        return std::any_of(m_seen.cbegin(), m_seen.cend(), [&](const Seen &s) {
            return s.end == e.end && s.state == e.state && s.lastSeenNs >= m_stepStartNs;
        });
    case Expectation::Kind::CallError:
    case Expectation::Kind::CallReturns: {
        const QList<LabCall> calls = m_lab->calls();
        for (qsizetype i = calls.size() - 1; i >= 0 && calls[i].steadyNs >= m_stepBeginNs; --i) {
            const LabCall &c = calls[i];
            if (c.kind != e.call || c.notCalled || !(endOfSocket(c.socketId) == std::optional<LabEnd>(e.end)))
                continue;
            if (e.kind == Expectation::Kind::CallError ? c.error == e.error : c.error == 0 && c.result >= e.minResult)
                return true;
        }
        return false;
    }
    case Expectation::Kind::EpollReports: {
        const QList<LabCall> calls = m_lab->calls();
        for (qsizetype i = calls.size() - 1; i >= 0 && calls[i].steadyNs >= m_stepBeginNs; --i) {
            if (calls[i].kind == LabCall::Kind::EpollWait && reportsEnd(calls[i], e))
                return true;
        }
        return false;
    }
    case Expectation::Kind::Sends:
        return sentCount(e, m_stepBeginNs) >= e.atLeast;
    }
    return false;
}

bool ScenarioRunner::reportsEnd(const LabCall &call, const Expectation &e) const
{
    return std::any_of(call.ready.cbegin(), call.ready.cend(), [&](const LabCall::Ready &r) {
        return endOfSocket(r.socketId) == std::optional<LabEnd>(e.end) && e.metBy(r);
    });
}

bool ScenarioRunner::stepExpectationsMet() const
{
    // Every step's effect is seen by at least one poll before the next step changes it.
    if (!m_observedSinceStep)
        return false;
    const QList<Expectation> &expect = m_steps[m_current].expect;
    return std::all_of(expect.cbegin(), expect.cend(), [this](const Expectation &e) { return heldSinceStepBegan(e); });
}

void ScenarioRunner::checkStep()
{
    if (m_status == Status::Waiting && !m_inAction && !m_failing && stepExpectationsMet())
        finishStep(true);
}

void ScenarioRunner::finishStep(bool met)
{
    m_deadline.stop();
    m_repeat.stop();
    const int index = m_current;
    if (m_next >= m_steps.size()) {
        Q_EMIT stepFinished(index, met);
        finishRun(Status::Finished);
        return;
    }
    m_status = Status::Ready;
    Q_EMIT stepFinished(index, met);
    if (m_autoRun)
        m_dwell.start(m_dwellMs);
}

void ScenarioRunner::markMet(const Expectation &e)
{
    for (Outcome &o : m_outcomes) {
        if (!sameExpectation(o.expectation, e))
            continue;
        if (e.kind == Expectation::Kind::NeverState) {
            if (o.met) {
                o.met = false; // seen after all
                o.atMs = elapsedMs();
            }
        } else if (!o.met) {
            o.met = true;
            o.atMs = elapsedMs();
            Q_EMIT expectationMet(o);
        }
    }
}

void ScenarioRunner::noteObserved(const LabEnd &end, TcpState state, qint64 steadyNs)
{
    for (Seen &s : m_seen) {
        if (s.end == end && s.state == state) {
            s.lastSeenNs = qMax(s.lastSeenNs, steadyNs);
            return;
        }
    }
    m_seen.append({end, state, steadyNs});
    markMet(Expectation::inState(end, state));
    markMet(Expectation::never(end, state));
}

std::optional<LabEnd> ScenarioRunner::endOfSocket(int socketId) const
{
    const LabSocket *s = m_lab->socket(socketId);
    if (!s)
        return std::nullopt;
    switch (s->role) {
    case LabSocket::Role::Listener:
        return LabEnd{LabEnd::Kind::Listener, s->ordinal};
    case LabSocket::Role::Client:
        return LabEnd::client(s->ordinal);
    case LabSocket::Role::Accepted:
        if (const LabSocket *peer = m_lab->socket(s->peerClientId))
            return LabEnd::serverEnd(peer->ordinal);
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<LabEnd> ScenarioRunner::senderOf(const Segment &segment) const
{
    const quint16 port = m_context->port();
    if (port == 0)
        return std::nullopt;
    const Endpoint from = segment.source.unmapped();
    const Endpoint to = segment.destination.unmapped();
    for (int n = 1; n <= m_context->clientCount(); ++n) {
        const LabSocket *c = m_lab->socket(m_context->client(n));
        if (!c || c->local.port == 0)
            continue;
        const Endpoint mine = c->local.unmapped();
        if (from == mine && to.port == port)
            return LabEnd::client(n);
        if (to == mine && from.port == port)
            return LabEnd::serverEnd(n);
    }
    return std::nullopt;
}

int ScenarioRunner::sentCount(const Expectation &e, qint64 sinceNs) const
{
    int n = 0;
    for (qsizetype i = m_segments.size() - 1; i >= 0 && m_segments[i].segment.steadyNs >= sinceNs; --i) {
        if (m_segments[i].end == e.end && e.counts(m_segments[i].segment))
            ++n;
    }
    return n;
}

void ScenarioRunner::observeSegment(const WireSegment &segment)
{
    if (!m_expectsSegments || !m_context || m_status == Status::Idle || segment.steadyNs < m_loadNs
        || (isDone() && segment.steadyNs > m_endedNs))
        return;
    const std::optional<LabEnd> end = senderOf(segment.segment);
    if (!end)
        return;
    Sent kept{*end, segment};
    kept.segment.frame.clear(); // the session keeps it; the header is enough here
    // The same segment again, marked by a wire rule after it was reported: among the newest.
    const auto isIt = [&segment](const Sent &s) {
        return s.segment.steadyNs == segment.steadyNs && s.segment.segment == segment.segment;
    };
    qsizetype same = m_segments.size() - 1;
    while (same >= 0 && m_segments[same].segment.steadyNs >= segment.steadyNs && !isIt(m_segments[same]))
        --same;
    if (same >= 0 && isIt(m_segments[same])) {
        m_segments[same] = kept;
    } else {
        if (m_segments.size() >= maxSegments)
            m_segments.removeFirst();
        m_segments.append(kept);
    }
    QList<Expectation> met;
    for (qsizetype i = 0; i < m_outcomes.size(); ++i) {
        const Outcome &o = m_outcomes[i];
        if (o.expectation.kind == Expectation::Kind::Sends && !o.met && m_countFromNs[i] > 0
            && sentCount(o.expectation, m_countFromNs[i]) >= o.expectation.atLeast)
            met.append(o.expectation);
    }
    for (const Expectation &e : met)
        markMet(e);
    checkStep();
}

void ScenarioRunner::callMade(const LabCall &call)
{
    if (m_status == Status::Idle || !m_context || call.notCalled)
        return;
    if (call.kind == LabCall::Kind::EpollWait) {
        // Its report is about the sockets it names, not the epoll instance it is on.
        QList<Expectation> reported;
        for (const Outcome &o : std::as_const(m_outcomes)) {
            if (o.expectation.kind == Expectation::Kind::EpollReports && reportsEnd(call, o.expectation))
                reported.append(o.expectation);
        }
        for (const Expectation &e : reported)
            markMet(e);
        if (!m_inAction)
            checkStep();
        return;
    }
    const std::optional<LabEnd> end = endOfSocket(call.socketId);
    if (!end)
        return;
    if (call.error != 0) {
        markMet(Expectation::callFails(*end, call.kind, call.error));
    } else {
        QList<Expectation> returns;
        for (const Outcome &o : std::as_const(m_outcomes)) {
            const Expectation &e = o.expectation;
            if (e.kind == Expectation::Kind::CallReturns && e.end == *end && e.call == call.kind
                && call.result >= e.minResult)
                returns.append(e);
        }
        for (const Expectation &e : returns)
            markMet(e);
    }
    if (!m_inAction)
        checkStep();
}

void ScenarioRunner::observe(const TrackerDelta &delta, const ConnectionStore &store)
{
    if (!m_context || delta.steadyNs < m_loadNs)
        return;
    if (m_status == Status::Waiting && delta.steadyNs >= m_stepStartNs)
        m_observedSinceStep = true;

    // The lab's connections are the ones this poll changed that the lab knows, and the ones
    // known before: a handful, however many rows the poll read.
    QSet<quint64> reported;
    for (const ConnectionEvent &e : delta.events) {
        const ConnectionHistory *h = store.history(e.id);
        if (!h)
            continue;
        const RowRole role = m_lab->identify(h->latest);
        if (!role.isLab())
            continue;
        m_labels.insert(e.id, role.label());
        reported.insert(e.id);
        Q_EMIT transitionObserved(e, role.label(), h->latest);
    }
    for (quint64 id : delta.updated) {
        if (m_labels.contains(id))
            continue;
        if (const ConnectionHistory *h = store.history(id); h && m_lab->identify(h->latest).isLab())
            m_labels.insert(id, QString()); // became the lab's (accept() took it): named below
    }
    for (auto it = m_labels.begin(); it != m_labels.end();) {
        const ConnectionHistory *h = store.history(it.key());
        if (!h || !h->alive) {
            it = m_labels.erase(it);
            continue;
        }
        const RowRole role = m_lab->identify(h->latest);
        if (const std::optional<LabEnd> end = LabEnd::of(role))
            noteObserved(*end, h->latest.state, delta.steadyNs);
        const QString label = role.label();
        if (!reported.contains(it.key()) && !it->isEmpty() && *it != label && !label.isEmpty())
            Q_EMIT roleChanged(*it, label, h->latest);
        if (!label.isEmpty())
            *it = label;
        ++it;
    }
    checkStep();
}

} // namespace sockscope
