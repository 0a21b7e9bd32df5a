// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/socketrecord.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>

namespace sockscope {

// Which process holds each socket, found the way the kernel lets anyone look: the links in
// /proc/<pid>/fd that read "socket:[inode]". Looking into every process on every poll would
// cost more than the poll itself, so the answers are cached and refreshed incrementally:
//
//  - rows whose inode the cache knows cost a hash lookup;
//  - an unknown inode first rescans this process (the lab's sockets are here) and any process
//    that appeared since the last look;
//  - only if that does not find it is every process rescanned, at most once per
//    fullRescanIntervalMs (longer when a rescan takes long: at most 0.5 % of the time), and
//    never again for the same inode. Until then its owner is NotLooked, not "unknown".
//
// A process's descriptors are unreadable to other users (except root): what they hold is
// reported as Hidden ("unknown"), never guessed. Not thread-safe: one instance per thread.
class SocketOwners
{
public:
    explicit SocketOwners(const QString &procDirectory = QStringLiteral("/proc"), qint32 selfPid = -1);

    // Sets ownerStatus and owners on every record that has an inode.
    void attribute(QList<SocketRecord> &records);
    void attribute(SocketRecord &record);

    void setFullRescanIntervalMs(int ms) { m_fullRescanIntervalMs = ms; }

    // What the cache did so far: for tests and benchmarks.
    struct Stats
    {
        int processScans = 0; // one process's descriptors read
        int fullRescans = 0;  // every process's descriptors read
        int listings = 0;     // the process list read
    };
    Stats stats() const { return m_stats; }

private:
    struct Process
    {
        QString program;
        QList<quint64> inodes; // the sockets it held when last scanned
        bool hidden = false;   // its descriptors could not be read
    };

    void resolve(const QSet<quint64> &unknown);
    void rescan(qint32 pid);
    void forget(qint32 pid);
    QList<qint32> listProcesses();
    void apply(SocketRecord &record) const;

    QString m_proc;
    qint32 m_self = 0;
    bool m_root = false;
    quint32 m_uid = 0;
    QHash<qint32, Process> m_processes;
    QHash<quint64, QList<SocketOwner>> m_owners; // inode -> processes holding it
    QSet<quint64> m_unresolved; // a full rescan did not find these: do not rescan for them again
    QSet<quint64> m_pending;    // waiting for the next full rescan
    qint64 m_lastFullRescanMs = 0;
    int m_hiddenProcesses = 0;
    int m_fullRescanIntervalMs = 2000;
    QElapsedTimer m_sinceFullRescan;
    Stats m_stats;
};

} // namespace sockscope
