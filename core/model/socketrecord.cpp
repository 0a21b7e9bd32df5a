// SPDX-License-Identifier: GPL-3.0-or-later
#include "socketrecord.h"

#include <QStringList>

namespace sockscope {

QString timerName(TimerKind kind)
{
    switch (kind) {
    case TimerKind::None:
        return QStringLiteral("off");
    case TimerKind::Retransmit:
        return QStringLiteral("retransmit");
    case TimerKind::Keepalive:
        return QStringLiteral("keepalive");
    case TimerKind::TimeWait:
        return QStringLiteral("timewait");
    case TimerKind::ZeroWindowProbe:
        return QStringLiteral("probe");
    }
    return QString();
}

std::optional<TimerKind> parseTimerName(QStringView text)
{
    if (text == QLatin1String("off"))
        return TimerKind::None;
    if (text == QLatin1String("retransmit") || text == QLatin1String("on"))
        return TimerKind::Retransmit;
    if (text == QLatin1String("keepalive"))
        return TimerKind::Keepalive;
    if (text == QLatin1String("timewait"))
        return TimerKind::TimeWait;
    if (text == QLatin1String("probe") || text == QLatin1String("persist"))
        return TimerKind::ZeroWindowProbe;
    return std::nullopt;
}

QString ownerStatusName(OwnerStatus status)
{
    switch (status) {
    case OwnerStatus::NotLooked:
        return QStringLiteral("not_looked");
    case OwnerStatus::Process:
        return QStringLiteral("process");
    case OwnerStatus::Carried:
        return QStringLiteral("carried");
    case OwnerStatus::Hidden:
        return QStringLiteral("unknown");
    case OwnerStatus::NotFound:
        return QStringLiteral("not_found");
    case OwnerStatus::KernelOnly:
        return QStringLiteral("kernel");
    }
    return QString();
}

std::optional<OwnerStatus> parseOwnerStatus(QStringView name)
{
    for (OwnerStatus s : {OwnerStatus::NotLooked, OwnerStatus::Process, OwnerStatus::Carried, OwnerStatus::Hidden,
                          OwnerStatus::NotFound, OwnerStatus::KernelOnly}) {
        if (name == ownerStatusName(s))
            return s;
    }
    return std::nullopt;
}

QString SocketRecord::ownerText() const
{
    switch (ownerStatus) {
    case OwnerStatus::NotLooked:
        return QString();
    case OwnerStatus::Hidden:
    case OwnerStatus::NotFound:
        return QStringLiteral("unknown");
    case OwnerStatus::KernelOnly:
        return QStringLiteral("kernel");
    case OwnerStatus::Process:
    case OwnerStatus::Carried:
        break;
    }
    if (owners.isEmpty())
        return QString();
    QStringList pids;
    for (const SocketOwner &o : owners)
        pids << QString::number(o.pid);
    const QString program = owners.first().program.isEmpty() ? QStringLiteral("?") : owners.first().program;
    const QString text = QStringLiteral("%1 (pid %2)").arg(program, pids.join(QStringLiteral(", ")));
    return ownerStatus == OwnerStatus::Carried ? QStringLiteral("was ") + text : text;
}

QString SocketRecord::ownerExplanation() const
{
    switch (ownerStatus) {
    case OwnerStatus::NotLooked:
        return QStringLiteral("Not looked up: a saved table, or a new socket waiting for the next look "
                              "through every process's descriptors (with many sockets, every few seconds).");
    case OwnerStatus::Process:
        return QStringLiteral("A descriptor of this process refers to the socket (/proc/<pid>/fd).");
    case OwnerStatus::Carried:
        return QStringLiteral("Inferred: the kernel no longer ties this connection to a file (inode 0, as in "
                              "TIME_WAIT or after close()); this is the process that held it last.");
    case OwnerStatus::Hidden:
        return QStringLiteral("Unknown: the process holding it belongs to another user, whose descriptors "
                              "only that user and root may read.");
    case OwnerStatus::NotFound:
        return QStringLiteral("Unknown: no process this system shows holds it (a process in another PID "
                              "namespace, a descriptor being passed, or one closed since the poll).");
    case OwnerStatus::KernelOnly:
        return QStringLiteral("No process: the kernel alone holds it (inode 0), in the accept queue until "
                              "accept(), as a half-open request, or in TIME_WAIT.");
    }
    return QString();
}

bool operator==(const SocketRecord &a, const SocketRecord &b)
{
    return a.network == b.network && a.family == b.family && a.familyInferred == b.familyInferred
        && a.local == b.local && a.remote == b.remote && a.state == b.state && a.txQueue == b.txQueue && a.rxQueue == b.rxQueue && a.listenBacklog == b.listenBacklog
        && a.timer == b.timer && a.timerRemainingMs == b.timerRemainingMs
        && a.retransmits == b.retransmits && a.probes == b.probes && a.uid == b.uid
        && a.inode == b.inode && a.cookie == b.cookie && a.rtoMs == b.rtoMs && a.atoMs == b.atoMs
        && a.cwnd == b.cwnd && a.ssthresh == b.ssthresh && a.rttUs == b.rttUs
        && a.rttVarUs == b.rttVarUs && a.ownerStatus == b.ownerStatus && a.owners == b.owners
        && a.details == b.details;
}

bool SocketRecord::differsVisiblyFrom(const SocketRecord &o) const
{
    return state != o.state || rxQueue != o.rxQueue || txQueue != o.txQueue || inode != o.inode
        || retransmits != o.retransmits || timer != o.timer || uid != o.uid || listenBacklog != o.listenBacklog
        || ownerStatus != o.ownerStatus || owners != o.owners;
}

ConnectionKey ConnectionKey::of(const SocketRecord &record)
{
    ConnectionKey key;
    key.network = record.network;
    key.family = record.family;
    key.local = record.local;
    key.remote = record.remote;
    if (record.remote.port == 0)
        key.unconnectedInode = record.inode.value_or(0);
    return key;
}

QString ConnectionKey::toString() const
{
    const QString text = familyName(family) + QLatin1Char(' ') + local.toString() + QLatin1Char(' ') + remote.toString();
    return network == Network::Private ? QStringLiteral("private ") + text : text;
}

QString networkName(Network network)
{
    return network == Network::Private ? QStringLiteral("private") : QStringLiteral("host");
}

std::optional<Network> parseNetworkName(QStringView name)
{
    if (name == QLatin1String("host"))
        return Network::Host;
    if (name == QLatin1String("private"))
        return Network::Private;
    return std::nullopt;
}

} // namespace sockscope
