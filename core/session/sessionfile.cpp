// SPDX-License-Identifier: GPL-3.0-or-later
#include "sessionfile.h"

#include "core/capture/packetstates.h"
#include "core/capture/segmentcapture.h"
#include "core/capture/segmentdecoder.h"
#include "core/capture/segmenttext.h"
#include "core/format/atomicfile.h"
#include "core/format/jsonscanner.h"
#include "core/format/socketjson.h"
#include "core/format/untrustedfile.h"
#include "core/tcp/statewalk.h"

#include <QDateTime>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>

#include <linux/if_packet.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace sockscope {

namespace {

// Counts and numbers kept in an int: 2^31 itself would wrap to a negative number.
constexpr qint64 maxInt = 0x7fffffff;

// The file's clock is whole microseconds since the session started.
double us(qint64 ns)
{
    return double(ns / 1000);
}

QJsonObject spanToJson(const StateSpan &span, qint64 endNs)
{
    QJsonObject o;
    o.insert(QStringLiteral("state"), kernelName(span.state));
    o.insert(QStringLiteral("first_seen_us"), us(span.firstSeenNs));
    o.insert(QStringLiteral("last_seen_us"), us(span.lastSeenNs));
    o.insert(QStringLiteral("polls"), span.polls);
    // Time in the state as the polls saw it: until the next state (or the end) was first seen.
    o.insert(QStringLiteral("duration_us"), us(endNs - span.firstSeenNs));
    return o;
}

QJsonObject connectionToJson(const RecordedConnection &c)
{
    const ConnectionHistory &h = c.history;
    QJsonObject o;
    o.insert(QStringLiteral("id"), double(h.id));
    if (h.key.network != Network::Host)
        o.insert(QStringLiteral("network"), networkName(h.key.network));
    o.insert(QStringLiteral("family"), familyName(h.key.family));
    o.insert(QStringLiteral("local_address"), h.key.local.address.toString());
    o.insert(QStringLiteral("local_port"), h.key.local.port);
    o.insert(QStringLiteral("remote_address"), h.key.remote.address.toString());
    o.insert(QStringLiteral("remote_port"), h.key.remote.port);
    if (!h.key.local.scope.isEmpty())
        o.insert(QStringLiteral("local_scope"), h.key.local.scope);
    if (!h.key.remote.scope.isEmpty())
        o.insert(QStringLiteral("remote_scope"), h.key.remote.scope);
    o.insert(QStringLiteral("label"), c.label);
    o.insert(QStringLiteral("client_side"), c.clientSide);
    o.insert(QStringLiteral("lab_socket"), c.labSocket);
    o.insert(QStringLiteral("peer"), double(c.peer));
    o.insert(QStringLiteral("alive"), h.alive);
    if (!h.alive)
        o.insert(QStringLiteral("vanished_us"), us(h.vanishedNs));
    QJsonArray inodes;
    for (quint64 inode : h.inodes)
        inodes.append(double(inode));
    o.insert(QStringLiteral("inodes"), inodes);
    QJsonArray spans;
    for (qsizetype i = 0; i < h.spans.size(); ++i) {
        const qint64 end = i + 1 < h.spans.size() ? h.spans[i + 1].firstSeenNs
                                                  : (h.alive ? h.spans[i].lastSeenNs : h.vanishedNs);
        spans.append(spanToJson(h.spans[i], end));
    }
    o.insert(QStringLiteral("spans"), spans);
    if (h.droppedSpans > 0)
        o.insert(QStringLiteral("spans_dropped"), h.droppedSpans);
    QJsonArray samples;
    for (const RecordSample &s : h.samples) {
        QJsonObject sample;
        sample.insert(QStringLiteral("at_us"), us(s.steadyNs));
        sample.insert(QStringLiteral("record"), SocketJson::toJson(s.record));
        samples.append(sample);
    }
    o.insert(QStringLiteral("samples"), samples);
    o.insert(QStringLiteral("latest"), SocketJson::toJson(h.latest));
    return o;
}

const QString &shutdownHowName(LabCall::How how)
{
    static const QString names[] = {QStringLiteral("SHUT_RD"), QStringLiteral("SHUT_WR"), QStringLiteral("SHUT_RDWR")};
    return names[int(how)];
}

std::optional<LabCall::How> shutdownHowNamed(QStringView name)
{
    for (LabCall::How how : {LabCall::How::Read, LabCall::How::Write, LabCall::How::Both}) {
        if (name == shutdownHowName(how))
            return how;
    }
    return std::nullopt;
}

// A call's arguments as data (`args`), by the kind of call.
QJsonObject callArgumentsToJson(const LabCall &c)
{
    QJsonObject a;
    switch (c.kind) {
    case LabCall::Kind::Socket: a.insert(QStringLiteral("family"), familyName(c.family)); break;
    case LabCall::Kind::SetOption:
        a.insert(QStringLiteral("option"), labOptionName(c.option));
        a.insert(QStringLiteral("value"), double(c.value));
        break;
    case LabCall::Kind::Bind:
    case LabCall::Kind::Connect:
        a.insert(QStringLiteral("address"), c.endpoint.address.toString());
        a.insert(QStringLiteral("port"), c.endpoint.port);
        if (!c.endpoint.scope.isEmpty())
            a.insert(QStringLiteral("scope"), c.endpoint.scope);
        break;
    case LabCall::Kind::Listen: a.insert(QStringLiteral("backlog"), double(c.value)); break;
    case LabCall::Kind::Send:
    case LabCall::Kind::Receive:
        if (c.repeated)
            a.insert(QStringLiteral("repeat"), true);
        else
            a.insert(c.kind == LabCall::Kind::Send ? QStringLiteral("bytes") : QStringLiteral("max_bytes"), double(c.value));
        break;
    case LabCall::Kind::Shutdown: a.insert(QStringLiteral("how"), shutdownHowName(c.how)); break;
    case LabCall::Kind::EpollCtl:
        a.insert(QStringLiteral("epoll"), c.epollId);
        a.insert(QStringLiteral("epoll_label"), c.epollLabel);
        a.insert(QStringLiteral("op"), epollOpName(c.epollOp));
        a.insert(QStringLiteral("events"), QJsonArray::fromStringList(LabCall::epollEventNames(c.events)));
        break;
    case LabCall::Kind::EpollWait:
        a.insert(QStringLiteral("max_events"), double(c.value));
        a.insert(QStringLiteral("timeout_ms"), c.timeoutMs);
        break;
    case LabCall::Kind::Accept:
    case LabCall::Kind::Close:
    case LabCall::Kind::EpollCreate: break;
    }
    return a;
}

QJsonObject callToJson(const LabCall &c)
{
    QJsonObject o;
    o.insert(QStringLiteral("at_us"), us(c.steadyNs));
    o.insert(QStringLiteral("socket"), c.socketId);
    o.insert(QStringLiteral("socket_label"), c.socketLabel);
    o.insert(QStringLiteral("call"), c.name());
    o.insert(QStringLiteral("args"), callArgumentsToJson(c));
    // The arguments as text, for readers and for sockscope before `args` (which read this).
    o.insert(QStringLiteral("arguments"), c.notCalled ? QString() : c.argumentsText());
    o.insert(QStringLiteral("result"), double(c.result));
    o.insert(QStringLiteral("errno"), c.error);
    if (c.error != 0)
        o.insert(QStringLiteral("errno_name"), c.errorName()); // for readers; not read back
    o.insert(QStringLiteral("asynchronous"), c.asynchronous);
    o.insert(QStringLiteral("not_called"), c.notCalled);
    o.insert(QStringLiteral("created_socket"), c.createdSocketId);
    if (c.kind == LabCall::Kind::EpollWait) {
        o.insert(QStringLiteral("waiting"), c.waiting);
        QJsonArray ready;
        for (const LabCall::Ready &r : c.ready) {
            ready.append(QJsonObject{{QStringLiteral("socket"), r.socketId},
                                     {QStringLiteral("socket_label"), r.socketLabel},
                                     {QStringLiteral("events"), QJsonArray::fromStringList(LabCall::epollEventNames(r.events))}});
        }
        o.insert(QStringLiteral("ready"), ready);
    }
    o.insert(QStringLiteral("detail"), c.detail);
    o.insert(QStringLiteral("text"), c.toString()); // for readers; not read back
    return o;
}

// Files written before calls were kept as data hold a call's name and its arguments as text,
// the way the lab wrote them then; these are the only words ever read back into a call.
namespace legacy {

// The names of commands the lab logged when it refused them, before it logged the call it
// would have made: each stands for that call.
std::optional<LabCall> refusedCommand(QStringView name)
{
    LabCall c;
    if (name == QLatin1String("fill")) {
        c.kind = LabCall::Kind::Send;
        c.repeated = true;
    } else if (name == QLatin1String("drain")) {
        c.kind = LabCall::Kind::Receive;
        c.repeated = true;
    } else if (name == QLatin1String("echo")) {
        c.kind = LabCall::Kind::Receive;
        c.value = 16384;
    } else if (name == QLatin1String("abort")) {
        c.kind = LabCall::Kind::Close;
    } else {
        return std::nullopt;
    }
    return c;
}

std::optional<qint64> number(QStringView text, qint64 min, qint64 max)
{
    bool ok = false;
    const qint64 n = text.toLongLong(&ok);
    if (!ok || n < min || n > max)
        return std::nullopt;
    return n;
}

// "127.0.0.1:8000", "[::1]:8000", "[fe80::1%eth0]:22"; "*" for port 0 as connect() wrote it.
std::optional<Endpoint> endpoint(QStringView text)
{
    QStringView host;
    QStringView port;
    const bool bracketed = text.startsWith(QLatin1Char('['));
    if (bracketed) {
        const qsizetype close = text.indexOf(QStringLiteral("]:"));
        if (close < 0)
            return std::nullopt;
        host = text.mid(1, close - 1);
        port = text.mid(close + 2);
    } else {
        const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
        if (colon < 0)
            return std::nullopt;
        host = text.left(colon);
        port = text.mid(colon + 1);
    }
    Endpoint e;
    const qsizetype percent = host.indexOf(QLatin1Char('%'));
    if (percent >= 0) {
        e.scope = host.mid(percent + 1).toString();
        host = host.left(percent);
    }
    const std::optional<IpAddress> address = IpAddress::fromString(host);
    const std::optional<qint64> p = port == QLatin1String("*") ? std::optional<qint64>(0) : number(port, 0, 65535);
    if (!address || !p || address->isIPv6() != bracketed)
        return std::nullopt;
    e.address = *address;
    e.port = quint16(*p);
    return e;
}

// Reads `text` into c's arguments by c's kind; false when it is not what the lab wrote.
bool arguments(LabCall &c, QStringView text)
{
    constexpr qint64 maxInt = 0x7fffffff;
    switch (c.kind) {
    case LabCall::Kind::Socket: {
        if (text == QLatin1String("AF_INET, SOCK_STREAM | SOCK_NONBLOCK"))
            c.family = AddressFamily::IPv4;
        else if (text == QLatin1String("AF_INET6, SOCK_STREAM | SOCK_NONBLOCK"))
            c.family = AddressFamily::IPv6;
        else
            return false;
        return true;
    }
    case LabCall::Kind::SetOption: {
        const qsizetype comma = text.indexOf(QStringLiteral(", "));
        const std::optional<LabOption> option = comma < 0 ? std::nullopt : labOptionNamed(text.left(comma));
        if (!option)
            return false;
        QStringView value = text.mid(comma + 2);
        if (*option == LabOption::Linger) {
            if (!value.startsWith(QLatin1String("{on, ")) || !value.endsWith(QLatin1String(" s}")))
                return false;
            value = value.mid(5, value.size() - 8);
        }
        const std::optional<qint64> n = number(value, 0, maxInt);
        if (!n)
            return false;
        c.option = *option;
        c.value = *n;
        return true;
    }
    case LabCall::Kind::Bind:
    case LabCall::Kind::Connect: {
        const std::optional<Endpoint> e = endpoint(text);
        if (!e)
            return false;
        c.endpoint = *e;
        return true;
    }
    case LabCall::Kind::Listen: {
        const std::optional<qint64> n = number(text, -maxInt - 1, maxInt);
        if (!n)
            return false;
        c.value = *n;
        return true;
    }
    case LabCall::Kind::Send:
    case LabCall::Kind::Receive: {
        const bool send = c.kind == LabCall::Kind::Send;
        if (text == (send ? QLatin1String("until the kernel takes no more") : QLatin1String("until nothing is left"))) {
            c.repeated = true;
            return true;
        }
        const QLatin1String prefix = send ? QLatin1String("") : QLatin1String("up to ");
        const QLatin1String suffix(" bytes");
        if (!text.startsWith(prefix) || !text.endsWith(suffix))
            return false;
        const std::optional<qint64> n = number(text.mid(prefix.size(), text.size() - prefix.size() - suffix.size()), 0, 1LL << 53);
        if (!n)
            return false;
        c.value = *n;
        return true;
    }
    case LabCall::Kind::Shutdown: {
        const std::optional<LabCall::How> how = shutdownHowNamed(text);
        if (!how)
            return false;
        c.how = *how;
        return true;
    }
    case LabCall::Kind::Accept:
    case LabCall::Kind::Close:
        return text.isEmpty();
    case LabCall::Kind::EpollCreate: // the lab made no epoll calls before `args`
    case LabCall::Kind::EpollCtl:
    case LabCall::Kind::EpollWait:
        return false;
    }
    return false;
}

} // namespace legacy

QJsonObject runToJson(const ScenarioRunRecord &run)
{
    QJsonObject o;
    o.insert(QStringLiteral("name"), run.name);
    o.insert(QStringLiteral("title"), run.title);
    o.insert(QStringLiteral("started_us"), us(run.startedNs));
    o.insert(QStringLiteral("status"), run.status);
    o.insert(QStringLiteral("failure"), run.failure);
    QJsonArray outcomes;
    for (const ScenarioRunRecord::Outcome &out : run.outcomes) {
        QJsonObject e;
        e.insert(QStringLiteral("expectation"), out.text);
        e.insert(QStringLiteral("met"), out.met);
        e.insert(QStringLiteral("at_ms"), double(out.atMs));
        outcomes.append(e);
    }
    o.insert(QStringLiteral("outcomes"), outcomes);
    return o;
}

QJsonObject wireToJson(const WireSegment &w)
{
    QJsonObject o;
    o.insert(QStringLiteral("at_us"), us(w.steadyNs));
    // Nanoseconds since 1970 take 61 bits, more than a JSON number (a double) holds exactly.
    o.insert(QStringLiteral("captured_ns"), QString::number(w.segment.timestampNs));
    o.insert(QStringLiteral("sender"), w.sender);
    o.insert(QStringLiteral("receiver"), w.receiver);
    if (!w.cause.isEmpty())
        o.insert(QStringLiteral("cause"), w.cause);
    if (w.wasStopped()) {
        o.insert(QStringLiteral("stopped_by_rule"), w.stoppedBy);
        o.insert(QStringLiteral("stopping_rule"), w.stoppingRule);
        if (w.answeredWithReset)
            o.insert(QStringLiteral("answered_with_reset"), true);
    }
    o.insert(QStringLiteral("frame"), QString::fromLatin1(w.frame.toBase64()));
    return o;
}

// Reading: every helper leaves its result default-made once the reader has failed.
class DocumentReader
{
public:
    explicit DocumentReader(JsonReader &r) : m_r(r) { }

    qint64 time(const QJsonObject &o, const QString &key, const QString &path)
    {
        return m_r.integer(o, key, path, 0, SessionFile::maxTimeUs) * 1000;
    }

    StateSpan span(const QJsonValue &v, const QString &path, qint64 startedWallMs)
    {
        StateSpan s;
        const QJsonObject o = m_r.object(v, path);
        const QString name = m_r.string(o, QStringLiteral("state"), path, 16);
        if (!m_r.ok())
            return s;
        const std::optional<TcpState> state = SocketJson::stateFromKernelName(name);
        if (!state) {
            m_r.fail(JsonReader::at(path, QStringLiteral("state")), QStringLiteral("'%1' is not a kernel state name").arg(name));
            return s;
        }
        s.state = *state;
        s.firstSeenNs = time(o, QStringLiteral("first_seen_us"), path);
        s.lastSeenNs = time(o, QStringLiteral("last_seen_us"), path);
        s.polls = int(m_r.integer(o, QStringLiteral("polls"), path, 1, maxInt));
        if (m_r.ok() && s.lastSeenNs < s.firstSeenNs)
            m_r.fail(path, QStringLiteral("last seen before first seen"));
        s.firstSeenWallMs = startedWallMs + s.firstSeenNs / 1000000;
        s.lastSeenWallMs = startedWallMs + s.lastSeenNs / 1000000;
        return s;
    }

    RecordedConnection connection(const QJsonValue &v, const QString &path, qint64 startedWallMs)
    {
        RecordedConnection c;
        ConnectionHistory &h = c.history;
        const QJsonObject o = m_r.object(v, path);
        h.id = quint64(m_r.integer(o, QStringLiteral("id"), path, 1, 1LL << 53));
        // The key is the record format's family and endpoints.
        h.key = SocketJson::keyFromJson(o, path, m_r);
        c.label = m_r.string(o, QStringLiteral("label"), path, 256);
        c.clientSide = m_r.boolean(o, QStringLiteral("client_side"), path);
        c.labSocket = int(m_r.integer(o, QStringLiteral("lab_socket"), path, 0, maxInt));
        c.peer = quint64(m_r.integer(o, QStringLiteral("peer"), path, 0, 1LL << 53));
        h.alive = m_r.boolean(o, QStringLiteral("alive"), path);
        if (!h.alive)
            h.vanishedNs = time(o, QStringLiteral("vanished_us"), path);
        h.vanishedWallMs = h.alive ? 0 : startedWallMs + h.vanishedNs / 1000000;

        const QString inodesPath = JsonReader::at(path, QStringLiteral("inodes"));
        const QJsonArray inodes = m_r.array(o.value(QStringLiteral("inodes")), inodesPath, 1024);
        for (qsizetype i = 0; m_r.ok() && i < inodes.size(); ++i) {
            const QJsonObject wrapper{{QStringLiteral("inode"), inodes[i]}};
            h.inodes.append(quint64(m_r.integer(wrapper, QStringLiteral("inode"), JsonReader::at(inodesPath, i), 1, 1LL << 53)));
        }

        const QString spansPath = JsonReader::at(path, QStringLiteral("spans"));
        const QJsonArray spans = m_r.array(o.value(QStringLiteral("spans")), spansPath, SessionFile::maxSpans);
        if (m_r.ok() && spans.isEmpty())
            m_r.fail(spansPath, QStringLiteral("a connection has at least one state"));
        for (qsizetype i = 0; m_r.ok() && i < spans.size(); ++i) {
            const StateSpan s = span(spans[i], JsonReader::at(spansPath, i), startedWallMs);
            if (m_r.ok() && !h.spans.isEmpty() && s.firstSeenNs < h.spans.last().lastSeenNs)
                m_r.fail(JsonReader::at(spansPath, i), QStringLiteral("starts before the previous state ends"));
            h.spans.append(s);
        }
        h.droppedSpans = int(m_r.optionalInteger(o, QStringLiteral("spans_dropped"), path, 0, maxInt).value_or(0));
        if (m_r.ok() && !h.alive && h.vanishedNs < h.spans.last().lastSeenNs)
            m_r.fail(JsonReader::at(path, QStringLiteral("vanished_us")), QStringLiteral("before the last state was seen"));

        const QString samplesPath = JsonReader::at(path, QStringLiteral("samples"));
        const QJsonArray samples = m_r.array(o.value(QStringLiteral("samples")), samplesPath, ConnectionHistory::maxSamples);
        for (qsizetype i = 0; m_r.ok() && i < samples.size(); ++i) {
            const QString p = JsonReader::at(samplesPath, i);
            const QJsonObject so = m_r.object(samples[i], p);
            RecordSample sample;
            sample.steadyNs = time(so, QStringLiteral("at_us"), p);
            sample.wallTimeMs = startedWallMs + sample.steadyNs / 1000000;
            sample.record = SocketJson::recordFromJson(so.value(QStringLiteral("record")), JsonReader::at(p, QStringLiteral("record")), m_r);
            h.samples.append(sample);
        }
        h.latest = SocketJson::recordFromJson(o.value(QStringLiteral("latest")), JsonReader::at(path, QStringLiteral("latest")), m_r);
        // Sockets without a peer are told apart by their inode, as the tracker does.
        if (h.key.remote.port == 0)
            h.key.unconnectedInode = h.latest.inode.value_or(0);
        return c;
    }

    LabCall call(const QJsonValue &v, const QString &path, qint64 startedWallMs)
    {
        LabCall c;
        const QJsonObject o = m_r.object(v, path);
        c.steadyNs = time(o, QStringLiteral("at_us"), path);
        c.wallTimeMs = startedWallMs + c.steadyNs / 1000000;
        c.socketId = int(m_r.integer(o, QStringLiteral("socket"), path, 0, maxInt));
        c.socketLabel = m_r.string(o, QStringLiteral("socket_label"), path, 256);
        const QString name = m_r.string(o, QStringLiteral("call"), path, 64);
        // For readers only once `args` is there; older files have nothing else.
        const QString arguments = m_r.string(o, QStringLiteral("arguments"), path, 1024);
        c.result = m_r.integer(o, QStringLiteral("result"), path, -(1LL << 53), 1LL << 53);
        c.error = int(m_r.integer(o, QStringLiteral("errno"), path, 0, 4095));
        c.asynchronous = m_r.boolean(o, QStringLiteral("asynchronous"), path);
        c.notCalled = m_r.boolean(o, QStringLiteral("not_called"), path);
        c.createdSocketId = int(m_r.integer(o, QStringLiteral("created_socket"), path, 0, maxInt));
        c.detail = m_r.string(o, QStringLiteral("detail"), path, 4096);
        if (!m_r.ok())
            return c;

        const QString namePath = JsonReader::at(path, QStringLiteral("call"));
        const bool typed = o.contains(QStringLiteral("args"));
        const std::optional<LabCall::Kind> kind = LabCall::kindNamed(name);
        const std::optional<LabCall> refused =
            !kind && !typed && c.notCalled ? legacy::refusedCommand(name) : std::nullopt;
        if (kind) {
            c.kind = *kind;
        } else if (refused) {
            c.kind = refused->kind;
            c.value = refused->value;
            c.repeated = refused->repeated;
        } else {
            m_r.fail(namePath, QStringLiteral("'%1' is not a call the lab makes").arg(name));
            return c;
        }
        if (typed) {
            callArguments(c, o.value(QStringLiteral("args")), JsonReader::at(path, QStringLiteral("args")));
            if (LabCall::isEpoll(c.kind))
                epollResults(c, o, path);
        } else if (!(c.notCalled && arguments.isEmpty()) && !legacy::arguments(c, arguments)) {
            // A call the lab refused was logged without its arguments.
            m_r.fail(JsonReader::at(path, QStringLiteral("arguments")),
                     QStringLiteral("'%1' is not what the lab writes for %2()").arg(arguments, name));
        }
        return c;
    }

    // `args`: the arguments as data, by the kind of call.
    void callArguments(LabCall &c, const QJsonValue &v, const QString &path)
    {
        const QJsonObject a = m_r.object(v, path);
        if (!m_r.ok())
            return;
        switch (c.kind) {
        case LabCall::Kind::Socket: {
            const QString family = m_r.string(a, QStringLiteral("family"), path, 8);
            if (family == familyName(AddressFamily::IPv4))
                c.family = AddressFamily::IPv4;
            else if (family == familyName(AddressFamily::IPv6))
                c.family = AddressFamily::IPv6;
            else if (m_r.ok())
                m_r.fail(JsonReader::at(path, QStringLiteral("family")), QStringLiteral("expected ipv4 or ipv6"));
            break;
        }
        case LabCall::Kind::SetOption: {
            const QString option = m_r.string(a, QStringLiteral("option"), path, 32);
            c.value = m_r.integer(a, QStringLiteral("value"), path, 0, maxInt);
            if (!m_r.ok())
                break;
            if (const std::optional<LabOption> known = labOptionNamed(option))
                c.option = *known;
            else
                m_r.fail(JsonReader::at(path, QStringLiteral("option")), QStringLiteral("'%1' is not an option the lab sets").arg(option));
            break;
        }
        case LabCall::Kind::Bind:
        case LabCall::Kind::Connect: {
            const QString address = m_r.string(a, QStringLiteral("address"), path, 64);
            c.endpoint.port = quint16(m_r.integer(a, QStringLiteral("port"), path, 0, 65535));
            c.endpoint.scope = m_r.optionalString(a, QStringLiteral("scope"), path, 64).value_or(QString());
            if (!m_r.ok())
                break;
            if (const std::optional<IpAddress> ip = IpAddress::fromString(address))
                c.endpoint.address = *ip;
            else
                m_r.fail(JsonReader::at(path, QStringLiteral("address")), QStringLiteral("'%1' is not an IP address").arg(address));
            break;
        }
        case LabCall::Kind::Listen:
            c.value = m_r.integer(a, QStringLiteral("backlog"), path, -maxInt - 1, maxInt);
            break;
        case LabCall::Kind::Send:
        case LabCall::Kind::Receive:
            c.repeated = a.contains(QStringLiteral("repeat")) && m_r.boolean(a, QStringLiteral("repeat"), path);
            if (!c.repeated) {
                c.value = m_r.integer(a, c.kind == LabCall::Kind::Send ? QStringLiteral("bytes") : QStringLiteral("max_bytes"),
                                      path, 0, 1LL << 53);
            }
            break;
        case LabCall::Kind::Shutdown: {
            const QString how = m_r.string(a, QStringLiteral("how"), path, 16);
            if (const std::optional<LabCall::How> known = shutdownHowNamed(how))
                c.how = *known;
            else if (m_r.ok())
                m_r.fail(JsonReader::at(path, QStringLiteral("how")), QStringLiteral("'%1' is not SHUT_RD, SHUT_WR or SHUT_RDWR").arg(how));
            break;
        }
        case LabCall::Kind::EpollCtl: {
            c.epollId = int(m_r.integer(a, QStringLiteral("epoll"), path, 0, maxInt));
            c.epollLabel = m_r.string(a, QStringLiteral("epoll_label"), path, 256);
            const QString op = m_r.string(a, QStringLiteral("op"), path, 8);
            if (!m_r.ok())
                break;
            if (const std::optional<EpollOp> known = epollOpNamed(op))
                c.epollOp = *known;
            else
                m_r.fail(JsonReader::at(path, QStringLiteral("op")), QStringLiteral("'%1' is not ADD, MOD or DEL").arg(op));
            c.events = epollEvents(a.value(QStringLiteral("events")), JsonReader::at(path, QStringLiteral("events")));
            break;
        }
        case LabCall::Kind::EpollWait:
            c.value = m_r.integer(a, QStringLiteral("max_events"), path, 1, maxInt);
            c.timeoutMs = int(m_r.integer(a, QStringLiteral("timeout_ms"), path, -1, maxInt));
            break;
        case LabCall::Kind::Accept:
        case LabCall::Kind::Close:
        case LabCall::Kind::EpollCreate:
            break;
        }
    }

    // Epoll event names ("EPOLLIN") as the kernel's bits.
    quint32 epollEvents(const QJsonValue &v, const QString &path)
    {
        const QJsonArray names = m_r.array(v, path, 32);
        quint32 events = 0;
        for (qsizetype i = 0; m_r.ok() && i < names.size(); ++i) {
            const QString at = JsonReader::at(path, i);
            if (!names[i].isString()) {
                m_r.fail(at, QStringLiteral("expected an event name"));
                break;
            }
            const QString name = names[i].toString();
            if (const std::optional<quint32> bit = LabCall::epollEventNamed(name))
                events |= *bit;
            else
                m_r.fail(at, QStringLiteral("'%1' is not an epoll event").arg(name.left(64)));
        }
        return events;
    }

    // An epoll call's own fields: which instance, and for epoll_wait() what it reported.
    void epollResults(LabCall &c, const QJsonObject &o, const QString &path)
    {
        if (c.kind != LabCall::Kind::EpollCtl) {
            // epoll_create1() and epoll_wait() are on the instance itself.
            c.epollId = c.socketId;
            c.epollLabel = c.socketLabel;
        }
        if (c.kind != LabCall::Kind::EpollWait || !m_r.ok())
            return;
        c.waiting = m_r.boolean(o, QStringLiteral("waiting"), path);
        const QString readyPath = JsonReader::at(path, QStringLiteral("ready"));
        const QJsonArray ready = m_r.array(o.value(QStringLiteral("ready")), readyPath, 1024);
        for (qsizetype i = 0; m_r.ok() && i < ready.size(); ++i) {
            const QString p = JsonReader::at(readyPath, i);
            const QJsonObject r = m_r.object(ready[i], p);
            LabCall::Ready entry;
            entry.socketId = int(m_r.integer(r, QStringLiteral("socket"), p, 0, maxInt));
            entry.socketLabel = m_r.string(r, QStringLiteral("socket_label"), p, 256);
            entry.events = epollEvents(r.value(QStringLiteral("events")), JsonReader::at(p, QStringLiteral("events")));
            c.ready.append(entry);
        }
        if (m_r.ok() && c.result >= 0 && !c.failed() && !c.notCalled && c.ready.size() != c.result)
            m_r.fail(readyPath, QStringLiteral("%1 entries, but epoll_wait() returned %2").arg(ready.size()).arg(c.result));
    }

    ScenarioRunRecord run(const QJsonValue &v, const QString &path)
    {
        ScenarioRunRecord run;
        const QJsonObject o = m_r.object(v, path);
        run.name = m_r.string(o, QStringLiteral("name"), path, 128);
        run.title = m_r.string(o, QStringLiteral("title"), path, 512);
        run.startedNs = time(o, QStringLiteral("started_us"), path);
        run.status = m_r.string(o, QStringLiteral("status"), path, 32);
        run.failure = m_r.string(o, QStringLiteral("failure"), path, 4096);
        const QString outcomesPath = JsonReader::at(path, QStringLiteral("outcomes"));
        const QJsonArray outcomes = m_r.array(o.value(QStringLiteral("outcomes")), outcomesPath, 1000);
        for (qsizetype i = 0; m_r.ok() && i < outcomes.size(); ++i) {
            const QString p = JsonReader::at(outcomesPath, i);
            const QJsonObject e = m_r.object(outcomes[i], p);
            ScenarioRunRecord::Outcome out;
            out.text = m_r.string(e, QStringLiteral("expectation"), p, 512);
            out.met = m_r.boolean(e, QStringLiteral("met"), p);
            out.atMs = m_r.integer(e, QStringLiteral("at_ms"), p, -1, SessionFile::maxTimeUs / 1000);
            run.outcomes.append(out);
        }
        return run;
    }

    // One segment of the wire: its frame decoded again, as the capture decoded it (the kept
    // copy is the outgoing one). The bases are the caller's: they depend on the segments before.
    WireSegment wire(const QJsonValue &v, const QString &path)
    {
        WireSegment w;
        const QJsonObject o = m_r.object(v, path);
        w.steadyNs = time(o, QStringLiteral("at_us"), path);
        const QString captured = m_r.string(o, QStringLiteral("captured_ns"), path, 32);
        w.sender = m_r.string(o, QStringLiteral("sender"), path, 256);
        w.receiver = m_r.string(o, QStringLiteral("receiver"), path, 256);
        w.cause = m_r.optionalString(o, QStringLiteral("cause"), path, 4096).value_or(QString());
        if (o.contains(QStringLiteral("stopped_by_rule"))) {
            w.stoppedBy = int(m_r.integer(o, QStringLiteral("stopped_by_rule"), path, 1, 1000000));
            w.stoppingRule = m_r.optionalString(o, QStringLiteral("stopping_rule"), path, 256).value_or(QString());
            w.answeredWithReset = o.contains(QStringLiteral("answered_with_reset"))
                && m_r.boolean(o, QStringLiteral("answered_with_reset"), path);
        }
        const QString frameText = m_r.string(o, QStringLiteral("frame"), path, SessionFile::maxEntryBytes);
        if (!m_r.ok())
            return w;

        // Digits only: no sign, no exponent, no space, and within a qint64.
        bool digits = !captured.isEmpty();
        for (QChar c : captured)
            digits = digits && c >= QLatin1Char('0') && c <= QLatin1Char('9');
        bool inRange = false;
        const qint64 timestampNs = digits ? captured.toLongLong(&inRange) : 0;
        if (!inRange) {
            m_r.fail(JsonReader::at(path, QStringLiteral("captured_ns")),
                     QStringLiteral("'%1' is not nanoseconds since 1970 (a whole number from 0 to %2, as text)")
                         .arg(captured)
                         .arg(std::numeric_limits<qint64>::max()));
            return w;
        }

        const QString framePath = JsonReader::at(path, QStringLiteral("frame"));
        QByteArray::FromBase64Result frame =
            QByteArray::fromBase64Encoding(frameText.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!frame) {
            m_r.fail(framePath, QStringLiteral("not base64"));
            return w;
        }
        if (frame.decoded.size() > SegmentCapture::maxFrameBytes) {
            m_r.fail(framePath, QStringLiteral("%1 bytes, more than the %2 a captured frame may have")
                                    .arg(frame.decoded.size())
                                    .arg(SegmentCapture::maxFrameBytes));
            return w;
        }
        const SegmentDecoder::Result decoded = SegmentDecoder::decode(frame.decoded, PACKET_OUTGOING, timestampNs);
        if (!decoded.ok()) {
            m_r.fail(framePath, QStringLiteral("cannot decode: %1, at byte %2").arg(decoded.reason).arg(decoded.offset));
            return w;
        }
        w.segment = *decoded.segment;
        w.frame = std::move(frame.decoded);
        return w;
    }

private:
    JsonReader &m_r;
};

} // namespace

QJsonObject SessionFile::toJson(const SessionDocument &d)
{
    QJsonObject root;
    root.insert(QStringLiteral("format"), QLatin1String(formatName));
    root.insert(QStringLiteral("format_version"), SessionDocument::formatVersion);
    root.insert(QStringLiteral("program"), QJsonObject{{QStringLiteral("name"), QStringLiteral("sockscope")},
                                                       {QStringLiteral("version"), d.programVersion}});
    root.insert(QStringLiteral("host"), QJsonObject{{QStringLiteral("hostname"), d.host.hostname},
                                                    {QStringLiteral("kernel"), d.host.kernel},
                                                    {QStringLiteral("machine"), d.host.machine},
                                                    {QStringLiteral("os"), d.host.os}});
    QJsonArray ports;
    for (quint16 p : d.ports)
        ports.append(p);
    root.insert(QStringLiteral("capture"),
                QJsonObject{{QStringLiteral("source"), d.source},
                            {QStringLiteral("interval_ms"), d.intervalMs},
                            {QStringLiteral("ports"), ports},
                            {QStringLiteral("started_at"),
                             QDateTime::fromMSecsSinceEpoch(d.startedWallMs, Qt::UTC).toString(Qt::ISODateWithMs)},
                            {QStringLiteral("started_at_ms"), double(d.startedWallMs)},
                            {QStringLiteral("duration_us"), us(d.durationNs)},
                            {QStringLiteral("forgotten_connections"), double(d.forgottenConnections)}});
    // The wire by 4-tuple (either way round), for what it proves of each connection's ends.
    QHash<std::pair<Endpoint, Endpoint>, QList<WireSegment>> flows;
    for (const WireSegment &w : d.wire) {
        const Endpoint &a = w.segment.source;
        const Endpoint &b = w.segment.destination;
        flows[a < b ? std::pair(a, b) : std::pair(b, a)].append(w);
    }
    QJsonArray connections;
    for (const RecordedConnection &c : d.connections) {
        QJsonObject o = connectionToJson(c);
        const ConnectionKey &key = c.history.key;
        const Endpoint a = key.local.unmapped();
        const Endpoint b = key.remote.unmapped();
        const auto flow = key.network == Network::Private ? flows.constFind(a < b ? std::pair(a, b) : std::pair(b, a))
                                                          : flows.constEnd();
        if (flow != flows.constEnd() && !c.history.spans.isEmpty()) {
            // What the wire proves of this end, timed by packet: derived from "wire" for readers
            // of the file (a replay derives it again, the same way).
            const QList<WireSegment> wire = segmentsOfConnection(*flow, key, c.history.spans.first().firstSeenNs);
            QList<Segment> segments;
            for (const WireSegment &w : wire) {
                segments.append(w.segment);
                segments.last().timestampNs = w.steadyNs;
            }
            QJsonArray proven;
            for (const PacketTransition &t :
                 PacketStates::of(segments, key.local, StateWalk::impliedStart(c.clientSide), stoppedOf(wire))) {
                proven.append(QJsonObject{{QStringLiteral("from"), kernelName(t.from)},
                                          {QStringLiteral("to"), kernelName(t.to)},
                                          {QStringLiteral("at_us"), us(t.atNs)},
                                          {QStringLiteral("by"), t.sent ? QStringLiteral("sent") : QStringLiteral("received")},
                                          {QStringLiteral("segment"), SegmentText::line(wire[t.segment].segment, wire[t.segment].bases)},
                                          {QStringLiteral("sender"), wire[t.segment].sender}});
            }
            if (!proven.isEmpty())
                o.insert(QStringLiteral("timed_by_packet"), proven);
        }
        connections.append(o);
    }
    root.insert(QStringLiteral("connections"), connections);
    QJsonArray calls;
    for (const LabCall &c : d.calls)
        calls.append(callToJson(c));
    root.insert(QStringLiteral("lab_calls"), calls);
    QJsonArray runs;
    for (const ScenarioRunRecord &r : d.scenarioRuns)
        runs.append(runToJson(r));
    root.insert(QStringLiteral("scenario_runs"), runs);
    root.insert(QStringLiteral("table"), SocketJson::toJson(d.table));
    QJsonArray wire;
    for (const WireSegment &w : d.wire)
        wire.append(wireToJson(w));
    root.insert(QStringLiteral("wire"), wire);
    root.insert(QStringLiteral("wire_dropped"), double(d.wireDropped));
    return root;
}

QByteArray SessionFile::toBytes(const SessionDocument &document)
{
    // Compact: a session of 20,000 connections with their histories stays well inside the
    // size a session file may have (indenting would add about half again).
    return QJsonDocument(toJson(document)).toJson(QJsonDocument::Compact);
}

SessionFile::Loaded SessionFile::fromBytes(const QByteArray &bytes, const QString &origin)
{
    Loaded loaded;
    const QString name = origin.isEmpty() ? QStringLiteral("session file") : origin;
    if (bytes.size() > maxFileBytes) {
        loaded.error = QStringLiteral("%1: %2 bytes, more than the %3 a session file may have")
                           .arg(name)
                           .arg(bytes.size())
                           .arg(maxFileBytes);
        return loaded;
    }
    // The file is checked as JSON first, without building it; then the small parts are parsed
    // whole and the long lists one entry at a time, so memory stays close to the file's size.
    JsonScanner scan(bytes);
    const auto notJson = [&] {
        loaded.error = QStringLiteral("%1 is not a sockscope session: not valid JSON at byte %2 (%3)")
                           .arg(name)
                           .arg(scan.errorOffset())
                           .arg(scan.errorString());
        return loaded;
    };
    qsizetype rootAt = 0;
    while (rootAt < bytes.size() && QByteArrayView(" \t\r\n").contains(bytes[rootAt]))
        ++rootAt;
    if (rootAt >= bytes.size() || bytes[rootAt] != '{') {
        // Some other JSON, or not JSON at all.
        if (!scan.document())
            return notJson();
        loaded.error = QStringLiteral("%1 is not a sockscope session: the JSON is not an object").arg(name);
        return loaded;
    }
    const QStringList listNames{QStringLiteral("connections"), QStringLiteral("lab_calls"),
                                QStringLiteral("scenario_runs"), QStringLiteral("table"), QStringLiteral("wire")};
    QJsonObject root;
    QHash<QString, JsonScanner::Span> lists;
    QString repeated;
    const bool members = scan.forEachRootMember([&](const QString &key, JsonScanner::Span value) {
        if (root.contains(key) || lists.contains(key)) {
            repeated = key;
            return false;
        }
        if (listNames.contains(key)) {
            lists.insert(key, value);
            return true;
        }
        const std::optional<QJsonValue> parsed = scan.parse(value);
        if (parsed)
            root.insert(key, *parsed);
        return parsed.has_value();
    });
    if (!repeated.isEmpty()) {
        loaded.error = QStringLiteral("%1 is damaged: \"%2\" appears twice").arg(name, repeated);
        return loaded;
    }
    if (!members)
        return notJson();
    if (root.value(QStringLiteral("format")).toString() != QLatin1String(formatName)) {
        loaded.error = QStringLiteral("%1 is not a sockscope session (no \"format\": \"%2\")").arg(name, QLatin1String(formatName));
        return loaded;
    }
    const QJsonValue version = root.value(QStringLiteral("format_version"));
    if (!version.isDouble() || version.toDouble() != std::floor(version.toDouble())) {
        loaded.error = QStringLiteral("%1: format_version is not a number").arg(name);
        return loaded;
    }
    const double fileVersion = version.toDouble();
    if (fileVersion < SessionDocument::oldestFormatVersion || fileVersion > SessionDocument::formatVersion) {
        const QString readable =
            QStringLiteral("formats %1 to %2").arg(SessionDocument::oldestFormatVersion).arg(SessionDocument::formatVersion);
        loaded.error = fileVersion > SessionDocument::formatVersion
            ? QStringLiteral("%1 was written by a newer sockscope (format %2); this one reads %3")
                  .arg(name)
                  .arg(fileVersion)
                  .arg(readable)
            : QStringLiteral("%1 has format %2, which this sockscope does not read (it reads %3)")
                  .arg(name)
                  .arg(fileVersion)
                  .arg(readable);
        return loaded;
    }
    // Format 1 has no wire: sockscope did not keep it then.
    const bool hasWire = fileVersion >= 2;

    JsonReader r;
    DocumentReader read(r);
    // One list of the file, entry by entry: refused by its length before any entry is read,
    // and each entry parsed alone, bounded in size.
    bool jsonFailed = false;
    const auto readList = [&](const QString &key, qsizetype maxEntries, qsizetype minEntryBytes,
                              const std::function<void(qsizetype count)> &reserve,
                              const std::function<void(const QJsonValue &, const QString &)> &entry) {
        if (!r.ok())
            return;
        const auto it = lists.constFind(key);
        if (it == lists.constEnd() || scan.first(*it) != '[') {
            r.fail(key, QStringLiteral("expected a list"));
            return;
        }
        qsizetype count = 0;
        scan.forEachElement(*it, [&count](JsonScanner::Span) {
            ++count;
            return true;
        });
        if (count > maxEntries) {
            r.fail(key, QStringLiteral("%1 entries, more than the %2 a session file may hold").arg(count).arg(maxEntries));
            return;
        }
        // One allocation, not a copy of the whole list at each doubling; but no more than the
        // list's bytes can hold, for a file of a million empty entries.
        reserve(qMin(count, it->size() / minEntryBytes));
        qsizetype index = 0;
        scan.forEachElement(*it, [&](JsonScanner::Span value) {
            const QString path = JsonReader::at(key, index++);
            if (value.size() > maxEntryBytes) {
                r.fail(path, QStringLiteral("%1 bytes, more than the %2 one entry may have").arg(value.size()).arg(maxEntryBytes));
                return false;
            }
            const std::optional<QJsonValue> parsed = scan.parse(value);
            if (!parsed) {
                jsonFailed = true;
                return false;
            }
            entry(*parsed, path);
            return r.ok();
        });
    };

    SessionDocument d;
    const QJsonObject program = r.object(root.value(QStringLiteral("program")), QStringLiteral("program"));
    d.programVersion = r.string(program, QStringLiteral("version"), QStringLiteral("program"), 64);
    const QJsonObject host = r.object(root.value(QStringLiteral("host")), QStringLiteral("host"));
    d.host.hostname = r.string(host, QStringLiteral("hostname"), QStringLiteral("host"), 256);
    d.host.kernel = r.string(host, QStringLiteral("kernel"), QStringLiteral("host"), 256);
    d.host.machine = r.string(host, QStringLiteral("machine"), QStringLiteral("host"), 64);
    d.host.os = r.string(host, QStringLiteral("os"), QStringLiteral("host"), 256);
    const QString capturePath = QStringLiteral("capture");
    const QJsonObject capture = r.object(root.value(capturePath), capturePath);
    d.source = r.string(capture, QStringLiteral("source"), capturePath, 4096);
    d.intervalMs = int(r.integer(capture, QStringLiteral("interval_ms"), capturePath, 0, 3600000));
    const QJsonArray ports = r.array(capture.value(QStringLiteral("ports")), JsonReader::at(capturePath, QStringLiteral("ports")), 65536);
    for (qsizetype i = 0; r.ok() && i < ports.size(); ++i) {
        const QJsonObject wrapper{{QStringLiteral("port"), ports[i]}};
        d.ports.append(quint16(r.integer(wrapper, QStringLiteral("port"), JsonReader::at(capturePath + QStringLiteral(".ports"), i), 1, 65535)));
    }
    d.startedWallMs = r.integer(capture, QStringLiteral("started_at_ms"), capturePath, 0, 1LL << 50);
    d.durationNs = read.time(capture, QStringLiteral("duration_us"), capturePath);
    // Files from before sessions forgot old connections do not say; none were.
    d.forgottenConnections =
        r.optionalInteger(capture, QStringLiteral("forgotten_connections"), capturePath, 0, 1LL << 53).value_or(0);

    readList(QStringLiteral("connections"), maxConnections, 400, [&](qsizetype n) { d.connections.reserve(n); },
             [&](const QJsonValue &v, const QString &path) {
        d.connections.append(read.connection(v, path, d.startedWallMs));
    });
    readList(QStringLiteral("lab_calls"), maxCalls, 150, [&](qsizetype n) { d.calls.reserve(n); },
             [&](const QJsonValue &v, const QString &path) {
        d.calls.append(read.call(v, path, d.startedWallMs));
    });
    readList(QStringLiteral("scenario_runs"), maxScenarioRuns, 60, [&](qsizetype n) { d.scenarioRuns.reserve(n); },
             [&](const QJsonValue &v, const QString &path) {
        d.scenarioRuns.append(read.run(v, path));
    });
    readList(QStringLiteral("table"), maxTableRows, 200, [&](qsizetype n) { d.table.reserve(n); },
             [&](const QJsonValue &v, const QString &path) {
        d.table.append(SocketJson::recordFromJson(v, path, r));
    });
    if (hasWire) {
        d.wireDropped = r.integer(root, QStringLiteral("wire_dropped"), QString(), 0, 1LL << 53);
        // The bases and the repeats are not stored: found again in capture order, as the
        // capture found them.
        SequenceNumbering numbering;
        SegmentRepeats repeats;
        readList(QStringLiteral("wire"), maxWireSegments, 100, [&](qsizetype n) { d.wire.reserve(n); },
                 [&](const QJsonValue &v, const QString &path) {
            WireSegment w = read.wire(v, path);
            w.bases = numbering.take(w.segment);
            w.repeat = repeats.take(w.segment, w.segment.timestampNs);
            d.wire.append(std::move(w));
        });
    }

    if (jsonFailed)
        return notJson();
    if (!r.ok()) {
        loaded.error = QStringLiteral("%1 is damaged: %2").arg(name, r.error());
        return loaded;
    }
    loaded.document = std::move(d);
    return loaded;
}

QString SessionFile::save(const SessionDocument &document, const QString &path, qint64 maxBytes)
{
    const QByteArray bytes = toBytes(document);
    // A file sockscope could not open again is no use to whoever it is meant for.
    if (bytes.size() > maxBytes) {
        return QStringLiteral("cannot write %1: the session takes %2 MiB, more than the %3 MiB a session file may "
                              "have, so it could not be opened again; watch fewer ports, or export the table")
            .arg(path)
            .arg((bytes.size() + 1024 * 1024 - 1) / (1024 * 1024))
            .arg(maxBytes / (1024 * 1024));
    }
    return writeFileAtomically(path, bytes);
}

SessionFile::Loaded SessionFile::load(const QString &path)
{
    Loaded loaded;
    // Only a regular file, and never more of it than a session may have, whatever it claims.
    UntrustedFile file(path, maxFileBytes, QStringLiteral("a session file"));
    const QByteArray bytes = file.readAll();
    if (!file.ok()) {
        loaded.error = file.error();
        return loaded;
    }
    return fromBytes(bytes, path);
}

} // namespace sockscope
