// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/snapshot.h"
#include "jsonreader.h"

#include <QJsonArray>
#include <QJsonObject>

namespace sockscope {

// The JSON form of sockscope's data, shared by the command line and the export files.
// Key names are stable: scripts depend on them.
class SocketJson
{
public:
    // family (and family_inferred, only when true), local_address, local_port, remote_address,
    // remote_port, state (kernel name),
    // state_number, tx_queue, rx_queue, timer {kind, remaining_ms}, retransmits, probes,
    // uid, inode (null when the source does not report them), and the optional extras.
    static QJsonObject toJson(const SocketRecord &record);
    static QJsonArray toJson(const QList<SocketRecord> &records);
    static QJsonObject toJson(const ParseIssue &issue);

    // {"source", "taken_at" (ISO 8601 UTC), "taken_at_ms", "sockets": [...], "errors": [...],
    // "notes": [...]}
    static QJsonObject toJson(const Snapshot &snapshot);

    // The record toJson() wrote, checked field by field; problems go to `reader` with `path`.
    static SocketRecord recordFromJson(const QJsonValue &value, const QString &path, JsonReader &reader);
    // A record's family and endpoints alone (what a ConnectionKey holds but the inode), from
    // an object with a record's field names.
    static ConnectionKey keyFromJson(const QJsonObject &object, const QString &path, JsonReader &reader);
    // The state for its kernel name exactly as files spell it ("FIN_WAIT1"); no other spelling.
    static std::optional<TcpState> stateFromKernelName(QStringView name);
};

} // namespace sockscope
