// SPDX-License-Identifier: GPL-3.0-or-later
#include "socketjson.h"

#include <QDateTime>
#include <QHash>

namespace sockscope {

namespace {

template<typename T>
QJsonValue optionalValue(const std::optional<T> &value)
{
    return value ? QJsonValue(double(*value)) : QJsonValue(QJsonValue::Null);
}

} // namespace

QJsonObject SocketJson::toJson(const SocketRecord &r)
{
    QJsonObject o;
    if (r.network != Network::Host)
        o.insert(QStringLiteral("network"), networkName(r.network));
    o.insert(QStringLiteral("family"), familyName(r.family));
    if (r.familyInferred)
        o.insert(QStringLiteral("family_inferred"), true);
    o.insert(QStringLiteral("local_address"), r.local.address.toString());
    o.insert(QStringLiteral("local_port"), r.local.port);
    o.insert(QStringLiteral("remote_address"), r.remote.address.toString());
    o.insert(QStringLiteral("remote_port"), r.remote.port);
    if (!r.local.scope.isEmpty())
        o.insert(QStringLiteral("local_scope"), r.local.scope);
    if (!r.remote.scope.isEmpty())
        o.insert(QStringLiteral("remote_scope"), r.remote.scope);
    o.insert(QStringLiteral("state"), kernelName(r.state));
    o.insert(QStringLiteral("state_number"), kernelNumber(r.state));
    o.insert(QStringLiteral("tx_queue"), double(r.txQueue));
    o.insert(QStringLiteral("rx_queue"), double(r.rxQueue));
    if (r.listenBacklog)
        o.insert(QStringLiteral("listen_backlog"), double(*r.listenBacklog));

    QJsonObject timer;
    timer.insert(QStringLiteral("kind"), timerName(r.timer));
    timer.insert(QStringLiteral("remaining_ms"), double(r.timerRemainingMs));
    o.insert(QStringLiteral("timer"), timer);
    o.insert(QStringLiteral("retransmits"), double(r.retransmits));
    o.insert(QStringLiteral("probes"), double(r.probes));
    o.insert(QStringLiteral("uid"), optionalValue(r.uid));
    o.insert(QStringLiteral("inode"), optionalValue(r.inode));
    if (r.cookie)
        o.insert(QStringLiteral("cookie"), QString::number(*r.cookie, 16));
    if (r.ownerStatus != OwnerStatus::NotLooked) {
        o.insert(QStringLiteral("owner_status"), ownerStatusName(r.ownerStatus));
        QJsonArray owners;
        for (const SocketOwner &owner : r.owners)
            owners.append(QJsonObject{{QStringLiteral("pid"), owner.pid}, {QStringLiteral("program"), owner.program}});
        o.insert(QStringLiteral("owners"), owners);
    }
    if (r.rtoMs)
        o.insert(QStringLiteral("rto_ms"), double(*r.rtoMs));
    if (r.atoMs)
        o.insert(QStringLiteral("ato_ms"), double(*r.atoMs));
    if (r.cwnd)
        o.insert(QStringLiteral("cwnd"), double(*r.cwnd));
    if (r.ssthresh)
        o.insert(QStringLiteral("ssthresh"), double(*r.ssthresh));
    if (r.rttUs)
        o.insert(QStringLiteral("rtt_us"), double(*r.rttUs));
    if (r.rttVarUs)
        o.insert(QStringLiteral("rtt_var_us"), double(*r.rttVarUs));
    if (!r.details.isEmpty()) {
        QJsonObject details;
        for (auto it = r.details.cbegin(); it != r.details.cend(); ++it)
            details.insert(it.key(), it.value());
        o.insert(QStringLiteral("details"), details);
    }
    return o;
}

QJsonArray SocketJson::toJson(const QList<SocketRecord> &records)
{
    QJsonArray array;
    for (const SocketRecord &r : records)
        array.append(toJson(r));
    return array;
}

QJsonObject SocketJson::toJson(const ParseIssue &issue)
{
    QJsonObject o;
    o.insert(QStringLiteral("origin"), issue.origin);
    o.insert(QStringLiteral("line"), issue.line);
    o.insert(QStringLiteral("reason"), issue.reason);
    o.insert(QStringLiteral("text"), QString::fromUtf8(issue.text));
    return o;
}

QJsonObject SocketJson::toJson(const Snapshot &snapshot)
{
    QJsonObject o;
    o.insert(QStringLiteral("source"), snapshot.source);
    o.insert(QStringLiteral("taken_at"),
             QDateTime::fromMSecsSinceEpoch(snapshot.wallTimeMs, Qt::UTC).toString(Qt::ISODateWithMs));
    o.insert(QStringLiteral("taken_at_ms"), double(snapshot.wallTimeMs));
    o.insert(QStringLiteral("sockets"), toJson(snapshot.records));
    QJsonArray errors;
    for (const ParseIssue &issue : snapshot.issues)
        errors.append(toJson(issue));
    o.insert(QStringLiteral("errors"), errors);
    o.insert(QStringLiteral("notes"), QJsonArray::fromStringList(snapshot.notes));
    if (!snapshot.ok())
        o.insert(QStringLiteral("error"), snapshot.error);
    return o;
}

} // namespace sockscope

namespace sockscope {

namespace {

constexpr qint64 maxU32 = 0xffffffffLL;

std::optional<quint32> optionalU32(JsonReader &r, const QJsonObject &o, const QString &key, const QString &path)
{
    const std::optional<qint64> v = r.optionalInteger(o, key, path, 0, maxU32);
    return v ? std::optional<quint32>(quint32(*v)) : std::nullopt;
}

// The three field names of one end, made once: a big file reads them millions of times.
struct EndpointKeys
{
    QString address;
    QString port;
    QString scope;
};

const EndpointKeys &localKeys()
{
    static const EndpointKeys keys{QStringLiteral("local_address"), QStringLiteral("local_port"), QStringLiteral("local_scope")};
    return keys;
}

const EndpointKeys &remoteKeys()
{
    static const EndpointKeys keys{QStringLiteral("remote_address"), QStringLiteral("remote_port"),
                                   QStringLiteral("remote_scope")};
    return keys;
}

Endpoint endpointFromJson(JsonReader &r, const QJsonObject &o, const QString &path, const EndpointKeys &keys,
                          AddressFamily family)
{
    Endpoint e;
    const QString text = r.string(o, keys.address, path, 64);
    e.port = quint16(r.integer(o, keys.port, path, 0, 65535));
    e.scope = r.optionalString(o, keys.scope, path, 64).value_or(QString());
    if (!r.ok())
        return e;
    const std::optional<IpAddress> address = IpAddress::fromString(text);
    if (!address) {
        r.fail(JsonReader::at(path, keys.address), QStringLiteral("'%1' is not an IP address").arg(text));
        return e;
    }
    if (address->family() != family) {
        r.fail(JsonReader::at(path, keys.address), QStringLiteral("'%1' is not an %2 address").arg(text, familyName(family)));
        return e;
    }
    e.address = *address;
    return e;
}

std::optional<AddressFamily> familyFromJson(JsonReader &r, const QJsonObject &o, const QString &path)
{
    const QString family = r.string(o, QStringLiteral("family"), path, 8);
    if (!r.ok())
        return std::nullopt;
    if (family == QLatin1String("ipv4"))
        return AddressFamily::IPv4;
    if (family == QLatin1String("ipv6"))
        return AddressFamily::IPv6;
    r.fail(JsonReader::at(path, QStringLiteral("family")), QStringLiteral("expected ipv4 or ipv6"));
    return std::nullopt;
}

} // namespace

SocketRecord SocketJson::recordFromJson(const QJsonValue &value, const QString &path, JsonReader &r)
{
    SocketRecord rec;
    const QJsonObject o = r.object(value, path);
    if (!r.ok())
        return rec;

    const ConnectionKey key = keyFromJson(o, path, r);
    if (!r.ok())
        return rec;
    rec.network = key.network;
    rec.family = key.family;
    rec.local = key.local;
    rec.remote = key.remote;
    // Written only when true: absent in files from before it, and wherever the source said.
    if (o.contains(QStringLiteral("family_inferred"))) {
        rec.familyInferred = r.boolean(o, QStringLiteral("family_inferred"), path);
        if (!r.ok())
            return rec;
    }

    const QString state = r.string(o, QStringLiteral("state"), path, 16);
    if (!r.ok())
        return rec;
    const std::optional<TcpState> s = stateFromKernelName(state);
    if (!s) {
        r.fail(JsonReader::at(path, QStringLiteral("state")), QStringLiteral("'%1' is not a kernel state name").arg(state));
        return rec;
    }
    rec.state = *s;

    rec.txQueue = quint32(r.integer(o, QStringLiteral("tx_queue"), path, 0, maxU32));
    rec.rxQueue = quint32(r.integer(o, QStringLiteral("rx_queue"), path, 0, maxU32));
    rec.listenBacklog = optionalU32(r, o, QStringLiteral("listen_backlog"), path);

    const QString timerPath = JsonReader::at(path, QStringLiteral("timer"));
    const QJsonObject timer = r.object(o.value(QStringLiteral("timer")), timerPath);
    const QString kind = r.string(timer, QStringLiteral("kind"), timerPath, 16);
    if (!r.ok())
        return rec;
    const std::optional<TimerKind> k = parseTimerName(kind);
    if (!k || timerName(*k) != kind) {
        r.fail(JsonReader::at(timerPath, QStringLiteral("kind")), QStringLiteral("'%1' is not a timer kind").arg(kind));
        return rec;
    }
    rec.timer = *k;
    rec.timerRemainingMs = r.integer(timer, QStringLiteral("remaining_ms"), timerPath, 0, qint64(1) << 40);

    rec.retransmits = quint32(r.integer(o, QStringLiteral("retransmits"), path, 0, maxU32));
    rec.probes = quint32(r.integer(o, QStringLiteral("probes"), path, 0, maxU32));
    rec.uid = optionalU32(r, o, QStringLiteral("uid"), path);
    if (const auto inode = r.optionalInteger(o, QStringLiteral("inode"), path, 0, qint64(1) << 53))
        rec.inode = quint64(*inode);
    if (const auto cookie = r.optionalString(o, QStringLiteral("cookie"), path, 16)) {
        bool ok = false;
        const quint64 v = cookie->toULongLong(&ok, 16);
        if (!ok) {
            r.fail(JsonReader::at(path, QStringLiteral("cookie")), QStringLiteral("expected hexadecimal digits"));
            return rec;
        }
        rec.cookie = v;
    }
    if (const auto status = r.optionalString(o, QStringLiteral("owner_status"), path, 16)) {
        const std::optional<OwnerStatus> s = parseOwnerStatus(*status);
        if (!s || *s == OwnerStatus::NotLooked) {
            r.fail(JsonReader::at(path, QStringLiteral("owner_status")),
                   QStringLiteral("'%1' is not one of process, carried, unknown, none, kernel").arg(*status));
            return rec;
        }
        rec.ownerStatus = *s;
        const QString ownersPath = JsonReader::at(path, QStringLiteral("owners"));
        const QJsonArray owners = r.array(o.value(QStringLiteral("owners")), ownersPath, 4096);
        for (qsizetype i = 0; r.ok() && i < owners.size(); ++i) {
            const QString ownerPath = JsonReader::at(ownersPath, i);
            const QJsonObject owner = r.object(owners.at(i), ownerPath);
            if (!r.ok())
                break;
            SocketOwner entry;
            entry.pid = qint32(r.integer(owner, QStringLiteral("pid"), ownerPath, 1, 0x7fffffff));
            entry.program = r.string(owner, QStringLiteral("program"), ownerPath, 256);
            rec.owners.append(entry);
        }
        if (!r.ok())
            return rec;
        const bool named = rec.ownerStatus == OwnerStatus::Process || rec.ownerStatus == OwnerStatus::Carried;
        if (named == rec.owners.isEmpty()) {
            r.fail(ownersPath, named ? QStringLiteral("owner_status '%1' needs at least one owner").arg(*status)
                                     : QStringLiteral("owner_status '%1' has no owners").arg(*status));
            return rec;
        }
    } else if (o.contains(QStringLiteral("owners"))) {
        r.fail(JsonReader::at(path, QStringLiteral("owners")), QStringLiteral("owners without owner_status"));
        return rec;
    }
    rec.rtoMs = optionalU32(r, o, QStringLiteral("rto_ms"), path);
    rec.atoMs = optionalU32(r, o, QStringLiteral("ato_ms"), path);
    rec.cwnd = optionalU32(r, o, QStringLiteral("cwnd"), path);
    if (const auto ss = r.optionalInteger(o, QStringLiteral("ssthresh"), path, -1, 0x7fffffff))
        rec.ssthresh = qint32(*ss);
    rec.rttUs = optionalU32(r, o, QStringLiteral("rtt_us"), path);
    rec.rttVarUs = optionalU32(r, o, QStringLiteral("rtt_var_us"), path);

    const QJsonValue details = o.value(QStringLiteral("details"));
    if (!details.isUndefined()) {
        const QString detailsPath = JsonReader::at(path, QStringLiteral("details"));
        const QJsonObject d = r.object(details, detailsPath);
        if (d.size() > 256)
            r.fail(detailsPath, QStringLiteral("more than 256 entries"));
        for (auto it = d.constBegin(); r.ok() && it != d.constEnd(); ++it) {
            if (it.key().size() > 256)
                r.fail(detailsPath, QStringLiteral("a name longer than 256 characters"));
            else
                rec.details.insert(it.key(), r.string(d, it.key(), detailsPath, 4096));
        }
    }
    return rec;
}

ConnectionKey SocketJson::keyFromJson(const QJsonObject &o, const QString &path, JsonReader &r)
{
    ConnectionKey key;
    const std::optional<AddressFamily> f = familyFromJson(r, o, path);
    if (!f)
        return key;
    key.family = *f;
    // Written only for the lab's private network: absent in files from before it, and for
    // this machine's rows.
    if (o.contains(QStringLiteral("network"))) {
        const QString name = r.string(o, QStringLiteral("network"), path, 16);
        const std::optional<Network> network = parseNetworkName(name);
        if (!r.ok())
            return key;
        if (!network) {
            r.fail(JsonReader::at(path, QStringLiteral("network")),
                   QStringLiteral("\"%1\" is not a network (host or private)").arg(name));
            return key;
        }
        key.network = *network;
    }
    key.local = endpointFromJson(r, o, path, localKeys(), key.family);
    key.remote = endpointFromJson(r, o, path, remoteKeys(), key.family);
    return key;
}

std::optional<TcpState> SocketJson::stateFromKernelName(QStringView name)
{
    static const QHash<QString, TcpState> byName = [] {
        QHash<QString, TcpState> names;
        for (TcpState state : allTcpStates())
            names.insert(kernelName(state), state);
        return names;
    }();
    const auto it = byName.constFind(name.toString());
    return it == byName.constEnd() ? std::nullopt : std::optional<TcpState>(*it);
}

} // namespace sockscope
