// SPDX-License-Identifier: GPL-3.0-or-later
#include "session.h"

#include "sessionfile.h"
#include "core/tcp/statewalk.h"

#include <QDateTime>
#include <QSet>

#include <limits>

namespace sockscope {

Session::Session(Lab *lab, QObject *parent) : QObject(parent), m_lab(lab)
{
    m_startNs = steadyNowNs();
    m_startWallMs = QDateTime::currentMSecsSinceEpoch();
}

void Session::apply(const Snapshot &snapshot)
{
    if (!snapshot.ok())
        return;
    if (!m_differ)
        m_differ = std::make_unique<ConnectionDiffer>();
    apply(m_differ->update(snapshot));
}

void Session::apply(const TrackerDelta &delta)
{
    noteListeners(delta);
    forgetPeers(m_store.apply(delta));
    findPeers(delta);
    Q_EMIT updated(delta);
}

void Session::noteListeners(const TrackerDelta &delta)
{
    const auto forget = [this](quint64 id) {
        const auto it = m_listeners.constFind(id);
        if (it == m_listeners.constEnd())
            return;
        const Endpoint local = *it;
        m_listeners.erase(it);
        if (local.address.isAny()) {
            if (--m_wildcardListeningPorts[local.port] <= 0)
                m_wildcardListeningPorts.remove(local.port);
        } else if (--m_listening[local] <= 0) {
            m_listening.remove(local);
        }
    };
    for (const ConnectionEvent &e : delta.events) {
        if (e.from == TcpState::Listen)
            forget(e.id);
        if (e.to != TcpState::Listen || m_listeners.contains(e.id))
            continue;
        m_listeners.insert(e.id, e.key.local);
        if (e.key.local.address.isAny())
            ++m_wildcardListeningPorts[e.key.local.port];
        else
            ++m_listening[e.key.local];
    }
}

QList<quint64> Session::listeningIds() const
{
    QList<quint64> ids = m_listeners.keys();
    std::sort(ids.begin(), ids.end());
    return ids;
}

void Session::setRecording(std::shared_ptr<const Replay> replay)
{
    m_replay = std::move(replay);
    // A recording is bounded already: everything in it stays.
    m_store.setVanishedRetention(m_replay ? std::numeric_limits<int>::max() : HistoryLimits::vanishedRetention);
}

void Session::apply(const Replay::Step &step)
{
    if (!m_replay)
        return;
    m_replayNs = step.toNs;
    m_store.remove(step.removed);
    forgetPeers(step.removed);
    // Histories are kept as the steps give them (no poll is counted here): historyNow() has
    // the exact times of the moment shown.
    forgetPeers(m_store.apply(step.histories, step.delta.steadyNs,
                              m_replay->document().wallTimeMsAt(step.delta.steadyNs), 0));
    findPeers(step.delta);
    if (step.toNs < step.fromNs) {
        QList<quint64> ids;
        for (const ConnectionHistory &h : step.histories)
            ids.append(h.id);
        findPeers(ids); // alive again: an end that left within one forward step was never paired
        Q_EMIT rewound(ids + step.removed);
        return;
    }
    Q_EMIT updated(step.delta);
}

std::optional<ConnectionHistory> Session::historyNow(quint64 id) const
{
    if (m_replay)
        return m_replay->historyAt(id, m_replayNs);
    if (const ConnectionHistory *h = m_store.history(id))
        return *h;
    return std::nullopt;
}

qint64 Session::forgottenConnections() const
{
    return m_replay ? m_replay->document().forgottenConnections : m_store.forgottenCount();
}

// What a session keeps of the wire, its file must open again.
static_assert(Session::maxWireSegments <= SessionFile::maxWireSegments);

void Session::addWireSegment(const WireSegment &segment)
{
    m_wire.append(segment);
    if (m_wire.size() > maxWireSegments) {
        m_wire.removeFirst();
        ++m_wireDropped;
    }
}

std::optional<WireSegment> Session::stopWireSegment(const Segment &segment, int rule, const QString &ruleText,
                                                    bool answeredWithReset, qsizetype lookBack)
{
    const qsizetype oldest = qMax<qsizetype>(0, m_wire.size() - lookBack);
    for (qsizetype i = m_wire.size() - 1; i >= oldest; --i) {
        WireSegment &w = m_wire[i];
        const Segment &s = w.segment;
        if (w.wasStopped() || s.source != segment.source || s.destination != segment.destination
            || s.seq != segment.seq || s.ack != segment.ack || s.flags != segment.flags
            || s.payloadLength != segment.payloadLength)
            continue;
        w.stoppedBy = rule;
        w.stoppingRule = ruleText;
        w.answeredWithReset = answeredWithReset;
        return w;
    }
    return std::nullopt;
}

QList<WireSegment> Session::wireSegments() const
{
    if (!m_replay)
        return m_wire;
    QList<WireSegment> shown;
    for (const WireSegment &w : m_replay->document().wire) {
        if (w.steadyNs > m_replayNs)
            break;
        shown.append(w);
    }
    return shown;
}

qint64 Session::wireSegmentsDropped() const
{
    return m_replay ? m_replay->document().wireDropped : m_wireDropped;
}

QList<WireSegment> Session::wireSegmentsOf(quint64 id) const
{
    const std::optional<ConnectionHistory> h = historyNow(id);
    if (!h || h->key.network != Network::Private)
        return {};
    const qint64 at = h->spans.isEmpty() ? 0 : h->spans.first().firstSeenNs;
    return segmentsOfConnection(m_replay ? wireSegments() : m_wire, h->key, at);
}

QList<PacketTransition> Session::packetTransitionsOf(quint64 id) const
{
    const QList<WireSegment> wire = wireSegmentsOf(id);
    if (wire.isEmpty())
        return {};
    const std::optional<ConnectionHistory> h = historyNow(id);
    QList<Segment> segments;
    segments.reserve(wire.size());
    for (const WireSegment &w : wire) {
        segments.append(w.segment);
        segments.last().timestampNs = w.steadyNs; // the clock the histories are on
    }
    return PacketStates::of(segments, h->key.local, StateWalk::impliedStart(isClientSide(id)), stoppedOf(wire));
}

void Session::clear()
{
    m_store.clear();
    m_wire.clear();
    m_wireDropped = 0;
    m_replayNs = -1;
    m_differ.reset();
    m_listeners.clear();
    m_wildcardListeningPorts.clear();
    m_startNs = steadyNowNs();
    m_startWallMs = QDateTime::currentMSecsSinceEpoch();
    m_peers.clear();
    m_listening.clear();
}

void Session::findPeers(const TrackerDelta &delta)
{
    QList<quint64> appeared;
    for (const ConnectionEvent &e : delta.events) {
        if (e.kind == ConnectionEvent::Kind::Appeared)
            appeared.append(e.id);
    }
    findPeers(appeared);
}

void Session::findPeers(const QList<quint64> &ids)
{
    for (quint64 id : ids) {
        const ConnectionHistory *h = m_store.history(id);
        if (!h || !h->alive || h->key.remote.port == 0 || m_peers.contains(id))
            continue;
        const ConnectionKey &key = h->key;
        ConnectionKey reversed = key;
        std::swap(reversed.local, reversed.remote);
        const ConnectionHistory *peer = m_store.findLive(reversed);
        if (!peer) {
            // A dual-stack server end (::ffff:a.b.c.d) pairs with an IPv4 client.
            const auto mapped = [](Endpoint ep) {
                std::array<quint8, 16> bytes{};
                bytes[10] = bytes[11] = 0xff;
                const quint32 v4 = ep.address.toIPv4();
                bytes[12] = quint8(v4 >> 24);
                bytes[13] = quint8(v4 >> 16);
                bytes[14] = quint8(v4 >> 8);
                bytes[15] = quint8(v4);
                ep.address = IpAddress::fromIPv6(bytes);
                return ep;
            };
            if (key.family == AddressFamily::IPv6) {
                reversed.family = AddressFamily::IPv4;
                reversed.local = reversed.local.unmapped();
                reversed.remote = reversed.remote.unmapped();
            } else {
                reversed.family = AddressFamily::IPv6;
                reversed.local = mapped(reversed.local);
                reversed.remote = mapped(reversed.remote);
            }
            peer = m_store.findLive(reversed);
        }
        if (peer && peer->id != id) {
            m_peers.insert(id, peer->id);
            m_peers.insert(peer->id, id);
        }
    }
}

void Session::forgetPeers(const QList<quint64> &ids)
{
    for (quint64 id : ids) {
        const quint64 peer = m_peers.take(id);
        if (peer != 0 && m_peers.value(peer) == id)
            m_peers.remove(peer);
    }
}

quint64 Session::peerOf(quint64 id) const
{
    return m_peers.value(id, 0);
}

const RecordedConnection *Session::recordedFor(quint64 id) const
{
    return m_replay ? m_replay->connection(id) : nullptr;
}

RowRole Session::roleOf(quint64 id) const
{
    const ConnectionHistory *h = m_store.history(id);
    if (!h || !m_lab)
        return RowRole();
    return m_lab->identify(h->latest);
}

QString Session::labelOf(quint64 id) const
{
    if (const RecordedConnection *r = recordedFor(id))
        return r->label;
    return roleOf(id).label();
}

bool Session::isClientSide(quint64 id) const
{
    if (const RecordedConnection *r = recordedFor(id))
        return r->clientSide;
    const RowRole role = roleOf(id);
    switch (role.kind) {
    case RowRole::Kind::Client:
        return true;
    case RowRole::Kind::Listener:
    case RowRole::Kind::Accepted:
    case RowRole::Kind::Queued:
    case RowRole::Kind::Handshaking:
        return false;
    case RowRole::Kind::Foreign:
        break;
    }
    const ConnectionHistory *h = m_store.history(id);
    if (!h || h->latest.state == TcpState::Listen)
        return false;
    // The server end shares its local endpoint (or port, for a wildcard listener) with a listener.
    const Endpoint &local = h->latest.local;
    return !m_wildcardListeningPorts.contains(local.port) && !m_listening.contains(local)
        && !m_listening.contains(local.unmapped());
}

QList<LabCall> Session::callsOf(quint64 id) const
{
    QList<LabCall> calls;
    if (const RecordedConnection *r = recordedFor(id)) {
        if (r->labSocket == 0)
            return calls;
        for (const LabCall &c : m_replay->document().calls) {
            if (c.socketId == r->labSocket || c.createdSocketId == r->labSocket)
                calls.append(c);
        }
        return calls;
    }
    const RowRole role = roleOf(id);
    if (!m_lab || role.socketId == 0)
        return calls;
    for (const LabCall &c : m_lab->calls()) {
        if (c.socketId == role.socketId || c.createdSocketId == role.socketId)
            calls.append(c);
    }
    return calls;
}

int Session::labSocketOf(quint64 id) const
{
    if (const RecordedConnection *r = recordedFor(id))
        return r->labSocket;
    return roleOf(id).socketId;
}

QList<LabCall> Session::labCalls() const
{
    if (m_replay)
        return m_replay->document().calls;
    return m_lab ? m_lab->calls() : QList<LabCall>();
}

QList<quint64> Session::endsOf(quint64 id) const
{
    if (!m_store.history(id))
        return {};
    const quint64 peer = peerOf(id);
    if (peer == 0 || !m_store.history(peer))
        return {id};
    if (isClientSide(peer) && !isClientSide(id))
        return {peer, id};
    return {id, peer};
}

} // namespace sockscope

namespace sockscope {

namespace {

// The document keeps whole microseconds since the session started.
qint64 onDocumentClock(qint64 steadyNs, qint64 originNs)
{
    return qMax<qint64>(0, (steadyNs - originNs) / 1000) * 1000;
}

} // namespace

SessionDocument Session::toDocument(const QString &programVersion, const QString &source, int intervalMs,
                                    const QList<quint16> &ports, const QList<ScenarioRunRecord> &runs) const
{
    SessionDocument d;
    d.programVersion = programVersion;
    d.host = HostFacts::current();
    d.source = source;
    d.intervalMs = intervalMs;
    d.ports = ports;
    d.startedWallMs = m_startWallMs;
    d.durationNs = onDocumentClock(steadyNowNs(), m_startNs);
    d.forgottenConnections = forgottenConnections();
    for (ScenarioRunRecord run : runs) {
        run.startedNs = onDocumentClock(run.startedNs, m_startNs); // given on the steady clock
        d.scenarioRuns.append(run);
    }

    for (quint64 id : m_store.ids()) {
        const ConnectionHistory *h = m_store.history(id);
        RecordedConnection c;
        c.history = *h;
        ConnectionHistory &copy = c.history;
        for (StateSpan &span : copy.spans) {
            span.firstSeenNs = onDocumentClock(span.firstSeenNs, m_startNs);
            span.lastSeenNs = onDocumentClock(span.lastSeenNs, m_startNs);
            span.firstSeenWallMs = d.wallTimeMsAt(span.firstSeenNs);
            span.lastSeenWallMs = d.wallTimeMsAt(span.lastSeenNs);
        }
        for (RecordSample &sample : copy.samples) {
            sample.steadyNs = onDocumentClock(sample.steadyNs, m_startNs);
            sample.wallTimeMs = d.wallTimeMsAt(sample.steadyNs);
        }
        if (!copy.alive) {
            copy.vanishedNs = onDocumentClock(copy.vanishedNs, m_startNs);
            copy.vanishedWallMs = d.wallTimeMsAt(copy.vanishedNs);
        } else {
            copy.vanishedNs = 0;
            copy.vanishedWallMs = 0;
        }
        c.label = labelOf(id);
        c.clientSide = isClientSide(id);
        if (const RecordedConnection *r = recordedFor(id))
            c.labSocket = r->labSocket;
        else
            c.labSocket = roleOf(id).socketId;
        c.peer = peerOf(id);
        if (copy.alive)
            d.table.append(copy.latest);
        d.connections.append(c);
    }
    if (const Replay *replay = m_replay.get()) {
        d.calls = replay->document().calls;
        d.wire = replay->document().wire;
        d.wireDropped = replay->document().wireDropped;
    } else if (m_lab) {
        for (LabCall call : m_lab->calls()) {
            call.steadyNs = onDocumentClock(call.steadyNs, m_startNs);
            call.wallTimeMs = d.wallTimeMsAt(call.steadyNs);
            d.calls.append(call);
        }
        d.wire.reserve(m_wire.size());
        for (WireSegment w : m_wire) {
            w.steadyNs = onDocumentClock(w.steadyNs, m_startNs);
            d.wire.append(w);
        }
        d.wireDropped = m_wireDropped;
    }
    return d;
}

} // namespace sockscope
