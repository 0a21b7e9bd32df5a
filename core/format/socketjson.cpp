// SPDX-License-Identifier: GPL-3.0-or-later
#include "socketjson.h"

#include <QDateTime>

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
    o.insert(QStringLiteral("family"), familyName(r.family));
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
    if (!snapshot.ok())
        o.insert(QStringLiteral("error"), snapshot.error);
    return o;
}

} // namespace sockscope
