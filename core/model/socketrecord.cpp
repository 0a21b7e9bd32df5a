// SPDX-License-Identifier: GPL-3.0-or-later
#include "socketrecord.h"

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

bool operator==(const SocketRecord &a, const SocketRecord &b)
{
    return a.family == b.family && a.local == b.local && a.remote == b.remote && a.state == b.state
        && a.txQueue == b.txQueue && a.rxQueue == b.rxQueue && a.listenBacklog == b.listenBacklog
        && a.timer == b.timer && a.timerRemainingMs == b.timerRemainingMs
        && a.retransmits == b.retransmits && a.probes == b.probes && a.uid == b.uid
        && a.inode == b.inode && a.cookie == b.cookie && a.rtoMs == b.rtoMs && a.atoMs == b.atoMs
        && a.cwnd == b.cwnd && a.ssthresh == b.ssthresh && a.rttUs == b.rttUs
        && a.rttVarUs == b.rttVarUs && a.details == b.details;
}

bool SocketRecord::differsVisiblyFrom(const SocketRecord &o) const
{
    return state != o.state || rxQueue != o.rxQueue || txQueue != o.txQueue || inode != o.inode
        || retransmits != o.retransmits || timer != o.timer || uid != o.uid || listenBacklog != o.listenBacklog;
}

ConnectionKey ConnectionKey::of(const SocketRecord &record)
{
    ConnectionKey key;
    key.family = record.family;
    key.local = record.local;
    key.remote = record.remote;
    if (record.remote.port == 0)
        key.unconnectedInode = record.inode.value_or(0);
    return key;
}

QString ConnectionKey::toString() const
{
    return familyName(family) + QLatin1Char(' ') + local.toString() + QLatin1Char(' ')
        + remote.toString();
}

} // namespace sockscope
