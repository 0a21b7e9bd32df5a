// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace sockscope {

// One captured frame as a pcapng file keeps it.
struct PcapngPacket
{
    qint64 timestampNs = 0; // since the epoch (CLOCK_REALTIME)
    QByteArray frame;       // from the Ethernet header on, as lo carries it
    QString comment;        // what caused it, or empty
};

// Writes what Wireshark and tshark open: one section (named by `application`), one Ethernet
// interface "lo" with nanosecond timestamps, and an Enhanced Packet Block per frame carrying
// its comment (opt_comment). Little-endian, as written on this machine; readers take either.
class Pcapng
{
public:
    static QByteArray write(const QList<PcapngPacket> &packets, const QString &application);
};

} // namespace sockscope
