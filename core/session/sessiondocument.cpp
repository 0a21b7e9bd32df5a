// SPDX-License-Identifier: GPL-3.0-or-later
#include "sessiondocument.h"

#include <QFile>
#include <QSysInfo>

namespace sockscope {

HostFacts HostFacts::current()
{
    HostFacts h;
    h.hostname = QSysInfo::machineHostName();
    h.kernel = QSysInfo::kernelVersion();
    h.machine = QSysInfo::currentCpuArchitecture();
    h.os = QSysInfo::prettyProductName();
    return h;
}

bool operator==(const RecordedConnection &a, const RecordedConnection &b)
{
    const ConnectionHistory &x = a.history;
    const ConnectionHistory &y = b.history;
    return a.label == b.label && a.clientSide == b.clientSide && a.labSocket == b.labSocket && a.peer == b.peer
        && x.id == y.id && x.key == y.key && x.latest == y.latest && x.spans == y.spans && x.inodes == y.inodes
        && x.samples == y.samples && x.droppedSpans == y.droppedSpans && x.alive == y.alive && x.vanishedNs == y.vanishedNs
        && x.vanishedWallMs == y.vanishedWallMs;
}

bool operator==(const SessionDocument &a, const SessionDocument &b)
{
    const auto sameCalls = [](const QList<LabCall> &x, const QList<LabCall> &y) {
        if (x.size() != y.size())
            return false;
        for (qsizetype i = 0; i < x.size(); ++i) {
            const LabCall &p = x[i];
            const LabCall &q = y[i];
            // The sequence numbers are the lab's own; a file does not keep them.
            if (p.steadyNs != q.steadyNs || p.wallTimeMs != q.wallTimeMs || !p.sameCall(q))
                return false;
        }
        return true;
    };
    return a.programVersion == b.programVersion && a.host == b.host && a.source == b.source
        && a.intervalMs == b.intervalMs && a.ports == b.ports && a.startedWallMs == b.startedWallMs
        && a.durationNs == b.durationNs && a.forgottenConnections == b.forgottenConnections && a.connections == b.connections && sameCalls(a.calls, b.calls)
        && a.scenarioRuns == b.scenarioRuns && a.table == b.table && a.wire == b.wire && a.wireDropped == b.wireDropped;
}

} // namespace sockscope
