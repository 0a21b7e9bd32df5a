// SPDX-License-Identifier: GPL-3.0-or-later
#include "livesession.h"

#include "core/capture/segmenttext.h"
#include "core/system/labnetwork.h"

#include <QTimer>

#include <algorithm>

#include <cerrno>
#include <ctime>

namespace sockscope {

LiveSession::LiveSession(std::unique_ptr<SocketSource> source, QObject *parent) : QObject(parent)
{
    connect(&m_lab, &Lab::callMade, this, [this](const LabCall &call) {
        noteCause(call);
        Q_EMIT callMade(call);
        burst();
    });
    // Nothing kept twice: the session keeps the segments, with its own bound.
    m_capture.setMaxKept(0);
    connect(&m_capture, &SegmentCapture::segmentCaptured, this, &LiveSession::takeSegment);
    connect(&m_lab, &Lab::callUpdated, this, &LiveSession::callUpdated);
    connect(&m_lab, &Lab::socketsChanged, this, &LiveSession::updateFilter);
    connect(&m_runner, &ScenarioRunner::portResolved, this, &LiveSession::updateFilter);
    connect(&m_runner, &ScenarioRunner::pollRequested, this, &LiveSession::burst);
    // The rules' server port follows the lab: a listener bound, a scenario's port chosen.
    const auto followPort = [this] {
        if (wire() && !activeWireRules().isEmpty() && wirePort() != m_wire->serverPort())
            applyWire(nullptr);
    };
    connect(&m_lab, &Lab::socketsChanged, this, followPort);
    connect(&m_runner, &ScenarioRunner::portResolved, this, followPort);
    m_runner.setWire([this](const QList<WireRule> &rules, quint16 port, QString *why) {
        if (rules.isEmpty() && m_scenarioRules.isEmpty())
            return true;
        if (!wire()) {
            if (why)
                *why = whyNoWire();
            return rules.isEmpty();
        }
        const QList<WireRule> before = m_scenarioRules;
        const quint16 portBefore = m_scenarioWirePort;
        m_scenarioRules = rules;
        m_scenarioWirePort = port;
        if (!applyWire(why)) {
            m_scenarioRules = before;
            m_scenarioWirePort = portBefore;
            return false;
        }
        return true;
    });
    if (source)
        makePoller(std::move(source));
}

LiveSession::~LiveSession()
{
    // The poller's thread stops before the session it feeds goes away, and the capture before
    // the network it reads.
    m_poller.reset();
    m_capture.stop();
}

bool LiveSession::setNetwork(Network network, QString *why)
{
    if (network == this->network())
        return true;
    if (network == Network::Private && !m_network) {
        auto made = std::make_unique<LabNetwork>();
        QString reason;
        if (!made->start(&reason)) {
            if (why)
                *why = reason;
            return false;
        }
        connect(made.get(), &LabNetwork::died, this, [this](const QString &reason) {
            m_capture.stop();
            m_networkFailure = reason;
            Q_EMIT networkChanged();
        });
        m_network = std::move(made);
        m_wire = std::make_unique<WireFilter>(m_network.get());
        connect(m_wire.get(), &WireFilter::segmentRuled, this, &LiveSession::takeHit);
        connect(m_wire.get(), &WireFilter::ruleSpent, this, &LiveSession::wireRulesChanged);
        m_delay = std::make_unique<WireDelay>(m_network.get());
    }
    // Rules live in the private network alone: leaving it (or starting it over) takes them away.
    const bool hadRules = !activeWireRules().isEmpty();
    m_userRules.clear();
    m_scenarioRules.clear();
    m_pendingHits.clear();
    if (m_wire && hadRules)
        m_wire->clear();
    if (m_delay)
        m_delay->setDelay(0);
    m_capture.stop();
    m_lab.abortAll();
    m_lab.reset();
    m_causes.clear();
    m_flows.clear();
    m_lab.setNetwork(network == Network::Private ? m_network.get() : nullptr);
    Q_EMIT networkChanged();
    if (hadRules)
        Q_EMIT wireRulesChanged();
    return true;
}

QString LiveSession::whyNoWire() const
{
    if (!m_lab.network())
        return QStringLiteral("wire rules act on the lab's private network only, and the lab is on this machine's "
                              "loopback, whose firewall sockscope never touches");
    if (!m_networkFailure.isEmpty())
        return QStringLiteral("the lab's private network stopped: %1").arg(m_networkFailure);
    return m_wire->whyUnavailable();
}

quint16 LiveSession::wirePort() const
{
    if (!m_scenarioRules.isEmpty() && m_scenarioWirePort != 0)
        return m_scenarioWirePort;
    if (m_runner.status() != ScenarioRunner::Status::Idle && m_runner.port() != 0)
        return m_runner.port();
    const QList<LabSocket> sockets = m_lab.sockets();
    for (qsizetype i = sockets.size() - 1; i >= 0; --i) {
        if (sockets[i].open && sockets[i].role == LabSocket::Role::Listener && sockets[i].local.port != 0)
            return sockets[i].local.port;
    }
    return m_runner.stepCount() > 0 ? m_runner.port() : 0;
}

bool LiveSession::setWireRules(const QList<WireRule> &rules, QString *why)
{
    if (rules.isEmpty() && m_userRules.isEmpty())
        return true;
    if (!wire()) {
        if (why)
            *why = whyNoWire();
        return false;
    }
    const QList<WireRule> before = m_userRules;
    m_userRules = rules;
    if (!applyWire(why)) {
        m_userRules = before;
        return false;
    }
    return true;
}

bool LiveSession::applyWire(QString *why)
{
    const QList<WireRule> rules = activeWireRules();
    QString error;
    const bool ok = rules.isEmpty() ? m_wire->clear(&error) : m_wire->apply(rules, wirePort(), &error);
    if (!ok) {
        if (why)
            *why = error;
        return false;
    }
    Q_EMIT wireRulesChanged();
    return true;
}

void LiveSession::takeHit(const WireRuleHit &hit)
{
    m_pendingHits.append(hit);
    if (m_readingHits)
        return; // takeSegment() is reading the log for the segment it holds
    // The segment was captured as it left, before the input hook took it: read it first.
    readWire();
    settleHits();
}

QString LiveSession::hitText(const WireRuleHit &hit, const WireSegment *captured) const
{
    const QList<WireRule> rules = activeWireRules();
    const QString rule = hit.rule >= 1 && hit.rule <= rules.size() ? rules[hit.rule - 1].text() : QString();
    const QString verb = hit.action == WireRule::Action::Reject ? QStringLiteral("refused (answered with RST)")
                                                                : QStringLiteral("dropped");
    const QString who = captured ? QStringLiteral("%1 -> %2").arg(captured->sender, captured->receiver)
                                 : QStringLiteral("%1 -> %2").arg(whoIs(hit.segment.source, hit.segment.destination),
                                                                  whoIs(hit.segment.destination, hit.segment.source));
    const QString segment = captured ? SegmentText::line(captured->segment, captured->bases)
                                     : SegmentText::line(hit.segment, SequenceBases());
    return QStringLiteral("rule %1 (%2) %3 %4  %5").arg(hit.rule).arg(rule, verb, who, segment);
}

// Hits whose segment was captured before (or not at all: capture off): marked in the session
// where it has it, and reported.
void LiveSession::settleHits()
{
    const QList<WireRuleHit> hits = std::exchange(m_pendingHits, {});
    const QList<WireRule> rules = activeWireRules();
    for (const WireRuleHit &hit : hits) {
        const QString ruleText = hit.rule >= 1 && hit.rule <= rules.size() ? rules[hit.rule - 1].text() : QString();
        const std::optional<WireSegment> stopped = m_capture.isCapturing()
            ? m_session.stopWireSegment(hit.segment, hit.rule, ruleText, hit.action == WireRule::Action::Reject)
            : std::nullopt;
        if (stopped) {
            const Segment &s = stopped->segment;
            const auto tuple =
                s.source < s.destination ? std::pair(s.source, s.destination) : std::pair(s.destination, s.source);
            if (auto flow = m_flows.find(tuple); flow != m_flows.end()) {
                for (qsizetype i = flow->segments.size() - 1; i >= 0; --i) {
                    if (flow->segments[i] == s) {
                        flow->stopped[i] = true;
                        break;
                    }
                }
            }
            Q_EMIT segmentStopped(*stopped);
            m_runner.observeSegment(*stopped);
        }
        Q_EMIT wireRuleActed(hit, hitText(hit, stopped ? &*stopped : nullptr));
    }
}

std::unique_ptr<SocketSource> LiveSession::createSource(QStringView name, QString *error) const
{
    if (m_lab.network())
        return SocketSource::createWithHost(name, m_lab.network(), error);
    return SocketSource::create(name, error);
}

bool LiveSession::setCapturing(bool on, QString *why)
{
    if (!on) {
        readWire();
        m_capture.stop();
        Q_EMIT networkChanged();
        return true;
    }
    if (m_capture.isCapturing())
        return true;
    if (!m_lab.network()) {
        if (why)
            *why = QStringLiteral("the wire is captured in the lab's private network only");
        return false;
    }
    if (!m_capture.start(*m_lab.network(), why))
        return false;
    Q_EMIT networkChanged();
    return true;
}

void LiveSession::readWire()
{
    if (m_capture.isCapturing())
        m_capture.readPending();
}

QString LiveSession::whoIs(const Endpoint &at, const Endpoint &peer) const
{
    const QList<LabSocket> sockets = m_lab.sockets();
    // The newest socket on the 4-tuple: an old one may have used it before.
    for (qsizetype i = sockets.size() - 1; i >= 0; --i) {
        const LabSocket &s = sockets[i];
        if (s.network == Network::Private && s.local.unmapped() == at && s.remote.unmapped() == peer)
            return s.label();
    }
    // Before accept(), the server's end of a connection is the listener's.
    for (qsizetype i = sockets.size() - 1; i >= 0; --i) {
        const LabSocket &s = sockets[i];
        if (s.network == Network::Private && s.role == LabSocket::Role::Listener && s.local.port == at.port)
            return s.label();
    }
    return at.toString();
}

void LiveSession::noteCause(const LabCall &call)
{
    // Only calls that put a segment on the wire themselves: the SYN,ACK and the ACKs are the
    // kernels' answers, not any call's.
    const bool sends = call.kind == LabCall::Kind::Connect || call.kind == LabCall::Kind::Send
        || call.kind == LabCall::Kind::Shutdown || call.kind == LabCall::Kind::Close;
    if (!m_capture.isCapturing() || !sends || call.notCalled || (call.failed() && call.error != EINPROGRESS))
        return;
    // The next segment this socket sends answers for the call (the notifier reads it after this).
    m_causes.insert(call.socketLabel,
                    QStringLiteral("%1: %2(%3)").arg(call.socketLabel, call.name(), call.argumentsText()));
}

void LiveSession::takeSegment(const SegmentCapture::Captured &captured)
{
    WireSegment w;
    w.segment = captured.segment;
    w.bases = captured.bases;
    w.frame = captured.frame;
    w.repeat = captured.repeat;
    // The kernel stamps frames on CLOCK_REALTIME; polls and calls are on the steady clock.
    timespec real;
    ::clock_gettime(CLOCK_REALTIME, &real);
    const qint64 realNs = qint64(real.tv_sec) * 1000000000 + real.tv_nsec;
    w.steadyNs = steadyNowNs() - (realNs - captured.segment.timestampNs);
    w.sender = whoIs(captured.segment.source, captured.segment.destination);
    w.receiver = whoIs(captured.segment.destination, captured.segment.source);
    w.cause = m_causes.take(w.sender);
    // A RST a reject rule sent in the receiver's name answers the segment it refused, the
    // other way along the same 4-tuple, at once.
    if (w.segment.has(SegmentFlag::Rst) && m_lastRefusal
        && m_lastRefusal->segment.source == w.segment.destination
        && m_lastRefusal->segment.destination == w.segment.source
        && w.steadyNs - m_lastRefusal->steadyNs < 100'000'000) {
        w.cause = QStringLiteral("the wire: rule %1 (%2), in %3's name")
                      .arg(m_lastRefusal->stoppedBy)
                      .arg(m_lastRefusal->stoppingRule, w.sender);
        m_lastRefusal.reset();
    }
    // Whether a rule took it on the input hook: that happened right after it left (loopback
    // delivers as it sends), so its hit is already in the log unless no rule is on the wire.
    QList<WireRuleHit> acted;
    if (m_wire && wire() && !activeWireRules().isEmpty()) {
        m_readingHits = true;
        m_wire->readPending();
        m_readingHits = false;
        const QList<WireRule> rules = activeWireRules();
        for (qsizetype i = 0; i < m_pendingHits.size(); ++i) {
            const WireRuleHit &hit = m_pendingHits[i];
            const Segment &h = hit.segment;
            const Segment &s = w.segment;
            if (h.source != s.source || h.destination != s.destination || h.seq != s.seq || h.ack != s.ack
                || h.flags != s.flags || h.payloadLength != s.payloadLength)
                continue;
            w.stoppedBy = hit.rule;
            w.stoppingRule = hit.rule <= rules.size() ? rules[hit.rule - 1].text() : QString();
            w.answeredWithReset = hit.action == WireRule::Action::Reject;
            acted.append(m_pendingHits.takeAt(i));
            break;
        }
    }
    if (w.answeredWithReset)
        m_lastRefusal = w;
    m_session.addWireSegment(w);
    Q_EMIT segmentCaptured(w);
    m_runner.observeSegment(w);
    provePacketStates(w);
    for (const WireRuleHit &hit : std::as_const(acted))
        Q_EMIT wireRuleActed(hit, hitText(hit, &w));
    // Hits read here for segments captured before this one: once this batch of the capture
    // is read (a later segment of it may be theirs).
    if (!m_pendingHits.isEmpty() && !m_settleQueued) {
        m_settleQueued = true;
        QTimer::singleShot(0, this, [this] {
            m_settleQueued = false;
            readWire();
            settleHits();
        });
    }
}

void LiveSession::provePacketStates(const WireSegment &w)
{
    const Segment &s = w.segment;
    const bool opening = s.has(SegmentFlag::Syn) && !s.has(SegmentFlag::Ack);
    const auto tuple = s.source < s.destination ? std::pair(s.source, s.destination) : std::pair(s.destination, s.source);
    auto it = m_flows.find(tuple);
    if (opening && (it == m_flows.end() || it->client != s.source || it->segments.first().seq != s.seq)) {
        it = m_flows.insert(tuple, Flow()); // a new connection on this 4-tuple (or the first)
        it->client = s.source;
    }
    if (it == m_flows.end())
        return; // its handshake was not captured: nothing to prove from
    Flow &flow = *it;
    // A long transfer's data segments move no state: past a few hundred, only those that may
    // are kept (the flags that move states, and ACKs while an end waits for one).
    constexpr qsizetype keptWhole = 512;
    const bool mayMove = s.flags & (SegmentFlag::Syn | SegmentFlag::Fin | SegmentFlag::Rst);
    if (flow.segments.size() >= keptWhole && !mayMove && !flow.awaitingAck)
        return;
    flow.segments.append(s);
    flow.texts.append(SegmentText::line(s, w.bases));
    flow.steadyNs.append(w.steadyNs);
    flow.stopped.append(w.wasStopped());

    flow.awaitingAck = false;
    int ended = 0; // ends that reached CLOSE or TIME_WAIT: no segment moves them on
    QList<std::pair<int, PacketStateChange>> changes; // by the index of the segment that proves each
    // A socket connected to itself is both ends at once: one walk.
    const int sides = tuple.first == tuple.second ? 1 : 2;
    for (int side = 0; side < sides; ++side) {
        const bool client = side == 0;
        const Endpoint end = client ? flow.client : (tuple.first == flow.client ? tuple.second : tuple.first);
        const QList<PacketTransition> proven =
            PacketStates::of(flow.segments, end, client ? TcpState::Close : TcpState::Listen, flow.stopped);
        if (!proven.isEmpty()) {
            const TcpState now = proven.last().to;
            flow.awaitingAck = flow.awaitingAck || now == TcpState::SynSent || now == TcpState::SynRecv
                || now == TcpState::FinWait1 || now == TcpState::Closing || now == TcpState::LastAck;
            ended += now == TcpState::Close || now == TcpState::TimeWait ? 1 : 0;
        }
        QList<PacketTransition> &reported = flow.reported[side];
        for (const PacketTransition &t : proven) {
            // Once said, a change stands: later segments may time it by another copy (a SYN,ACK
            // sent again while the first was still on its way), which the session's own walk
            // shows; the stream does not say it twice. An end passes each change once.
            const bool said = std::any_of(reported.cbegin(), reported.cend(), [&t](const PacketTransition &r) {
                return r.from == t.from && r.to == t.to;
            });
            if (said)
                continue;
            reported.append(t);
            PacketStateChange change;
            const Endpoint peer = end == tuple.first ? tuple.second : tuple.first;
            change.who = whoIs(end, peer);
            // Before accept() the server's end is the listener's child, not the listener.
            if (!client && change.who.startsWith(QLatin1String("listener")))
                change.who = QStringLiteral("server end (%1)").arg(whoIs(peer, end));
            change.key.family = s.family;
            change.key.local = end;
            change.key.remote = peer;
            change.key.network = Network::Private;
            change.transition = t;
            const Segment &cause = flow.segments[t.segment];
            change.segment = flow.texts[t.segment];
            change.steadyNs = flow.steadyNs[t.segment];
            change.sender = whoIs(cause.source, cause.destination);
            changes.append({int(t.segment), change});
        }
    }
    // In the order the segments went: a SYN,ACK proves the server end's SYN_RECV (from the SYN
    // before it) as well as the client's ESTABLISHED.
    // Of one segment, the sender's change comes first.
    std::stable_sort(changes.begin(), changes.end(), [](const auto &a, const auto &b) {
        return std::pair(a.first, !a.second.transition.sent) < std::pair(b.first, !b.second.transition.sent);
    });
    if (ended == sides)
        m_flows.erase(it); // the connection is over; a new SYN on its 4-tuple starts another
    for (const auto &[index, change] : std::as_const(changes))
        Q_EMIT packetStateChanged(change);
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
        key.network = s.network;
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
    const QList<quint16> ports = labPorts();
    if (m_lab.network()) {
        // The lab's ports are in its own network, read whole; the host's table is read for the
        // ports the user watches, and not at all while they watch the lab alone.
        filter.hostTable = !m_watched->isEmpty();
        if (!filter.hostTable && ports.isEmpty())
            return std::nullopt;
        return filter;
    }
    for (quint16 port : ports) {
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
                && next->tcpInfoFor == m_filter->tcpInfoFor && next->boundInactive == m_filter->boundInactive
                && next->hostTable == m_filter->hostTable));
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
    readWire(); // the segments that led to what the poll saw come before it
    if (changes.ok()) {
        m_session.apply(changes.delta);
        m_runner.observe(changes.delta, m_session.connections());
    }
    Q_EMIT polled(changes);
}

} // namespace sockscope
