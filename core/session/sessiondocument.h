// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/capture/wiresegment.h"
#include "core/lab/labcall.h"
#include "core/lab/scenariorun.h"
#include "core/tracking/connectionhistory.h"

#include <QList>
#include <QString>

namespace sockscope {

// The machine a session was recorded on.
struct HostFacts
{
    QString hostname;
    QString kernel;  // uname -r
    QString machine; // uname -m
    QString os;      // PRETTY_NAME from /etc/os-release

    static HostFacts current();
    friend bool operator==(const HostFacts &a, const HostFacts &b)
    {
        return a.hostname == b.hostname && a.kernel == b.kernel && a.machine == b.machine && a.os == b.os;
    }
};

// One connection as a session file keeps it: its whole history, and what it was to the lab.
struct RecordedConnection
{
    ConnectionHistory history;
    QString label;          // "client #1", empty for sockets the lab did not make
    bool clientSide = true;
    int labSocket = 0;      // the lab socket (LabCall::socketId), 0 if none
    quint64 peer = 0;       // the other end's id, 0 if not recorded

    friend bool operator==(const RecordedConnection &a, const RecordedConnection &b);
};

// Everything a session file holds. Times inside (histories, samples, calls, runs) are on the
// document's own clock: nanoseconds since the session started, which is `startedWallMs` on
// the wall clock. Files store them as microseconds.
struct SessionDocument
{
    // The format written; files from oldestFormatVersion on are read (format 1 has no wire).
    static constexpr int formatVersion = 2;
    static constexpr int oldestFormatVersion = 1;

    QString programVersion;
    HostFacts host;
    QString source;          // "proc", "ss", or a file the table was read from
    int intervalMs = 0;      // the poll interval
    QList<quint16> ports;    // the watched ports; empty: every socket
    qint64 startedWallMs = 0;
    qint64 durationNs = 0;
    // Connections that had left the table and were forgotten (oldest first) before the file
    // was written, beyond what a session keeps: `connections` holds the rest.
    qint64 forgottenConnections = 0;
    QList<RecordedConnection> connections;
    QList<LabCall> calls;
    QList<ScenarioRunRecord> scenarioRuns;
    QList<SocketRecord> table; // the table as it was when the session was saved
    // The lab's private wire: the segments captured, in capture order (steadyNs on the
    // document's clock), and how many older ones the session no longer kept.
    QList<WireSegment> wire;
    qint64 wireDropped = 0;

    qint64 wallTimeMsAt(qint64 ns) const { return startedWallMs + ns / 1000000; }

    friend bool operator==(const SessionDocument &a, const SessionDocument &b);
};

} // namespace sockscope
