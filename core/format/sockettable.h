// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/socketrecord.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace sockscope {

// Plain-text tables of socket rows, for terminals and the "as ss would print it" view.
class SocketTable
{
public:
    enum class Style {
        Detailed, // State, Recv-Q, Send-Q, Local, Peer, Timer, Retrans, Inode, UID (kernel names)
        SsTan,    // what `ss -tan` prints: ss state names, a listener's backlog as its Send-Q
    };

    static QString format(const QList<SocketRecord> &records, Style style);

    // Comma-separated values with a header row, one row per socket, columns named as in the
    // JSON form (family, local_address, ..., uid); quoted where a value needs it.
    static QString csv(const QList<SocketRecord> &records);

    // Rows in a stable, readable order: local port, local address, remote address and port.
    static QList<SocketRecord> sorted(QList<SocketRecord> records);

    // The local address and port, and "(inferred from *)" after a saved ss table's "*" whose
    // family the file had to tell (SocketRecord::familyInferred).
    static QString localText(const SocketRecord &record);

    // "timewait 59.93s", "retransmit 0.20s", "" when no timer runs.
    static QString timerText(const SocketRecord &record);

    // Left-aligned columns, right-aligned where `rightAligned[i]`, two spaces apart.
    static QString alignColumns(const QList<QStringList> &rows, const QList<bool> &rightAligned);
};

} // namespace sockscope
