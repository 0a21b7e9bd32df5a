// SPDX-License-Identifier: GPL-3.0-or-later
#include "socketowners.h"

#include <QFile>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace sockscope {

namespace {

// "socket:[12345]" -> 12345; 0 for any other link.
quint64 socketInode(const char *link, ssize_t length)
{
    static constexpr char prefix[] = "socket:[";
    constexpr ssize_t prefixLength = sizeof prefix - 1;
    if (length <= prefixLength + 1 || std::memcmp(link, prefix, prefixLength) != 0 || link[length - 1] != ']')
        return 0;
    quint64 inode = 0;
    for (ssize_t i = prefixLength; i < length - 1; ++i) {
        if (link[i] < '0' || link[i] > '9')
            return 0;
        inode = inode * 10 + quint64(link[i] - '0');
    }
    return inode;
}

// A directory that closes itself.
struct Directory
{
    explicit Directory(const QByteArray &path) : dir(::opendir(path.constData())) { }
    ~Directory()
    {
        if (dir)
            ::closedir(dir);
    }
    Directory(const Directory &) = delete;
    Directory &operator=(const Directory &) = delete;
    DIR *dir;
};

} // namespace

SocketOwners::SocketOwners(const QString &procDirectory, qint32 selfPid)
    : m_proc(procDirectory), m_self(selfPid >= 0 ? selfPid : qint32(::getpid())), m_root(::geteuid() == 0),
      m_uid(::geteuid())
{
}

void SocketOwners::attribute(SocketRecord &record)
{
    QList<SocketRecord> one{record};
    attribute(one);
    record = std::move(one.first());
}

void SocketOwners::attribute(QList<SocketRecord> &records)
{
    QSet<quint64> unknown;
    for (const SocketRecord &r : records) {
        const quint64 inode = r.inode.value_or(0);
        if (inode == 0 || m_owners.contains(inode) || m_unresolved.contains(inode))
            continue;
        // Another user's socket: only root could look into the process that holds it.
        if (!m_root && r.uid && *r.uid != m_uid)
            continue;
        unknown.insert(inode);
    }
    if (!unknown.isEmpty())
        resolve(unknown);
    for (SocketRecord &r : records)
        apply(r);

    // Inodes given up on belong to sockets that close sooner or later: keep only current ones.
    if (m_pending.size() > 2 * records.size())
        m_pending.clear(); // closed long before the rescan came
    if (m_unresolved.size() > 1024 && m_unresolved.size() > 2 * records.size()) {
        QSet<quint64> current;
        for (const SocketRecord &r : records)
            current.insert(r.inode.value_or(0));
        m_unresolved.intersect(current);
    }
}

void SocketOwners::apply(SocketRecord &record) const
{
    if (!record.inode)
        return; // the source did not say: nothing to look up
    record.owners.clear();
    if (*record.inode == 0) {
        record.ownerStatus = OwnerStatus::KernelOnly;
        return;
    }
    const auto it = m_owners.constFind(*record.inode);
    if (it != m_owners.constEnd() && !it->isEmpty()) {
        record.ownerStatus = OwnerStatus::Process;
        record.owners = *it;
        return;
    }
    if (m_pending.contains(*record.inode)) {
        record.ownerStatus = OwnerStatus::NotLooked; // the next full rescan will say
        return;
    }
    // Not found: certain only if every process could be looked into.
    const bool othersSocket = record.uid && *record.uid != m_uid;
    record.ownerStatus = !m_root && (othersSocket || m_hiddenProcesses > 0) ? OwnerStatus::Hidden : OwnerStatus::NotFound;
}

void SocketOwners::resolve(const QSet<quint64> &unknown)
{
    // The cheap places first: this process (the lab's sockets), then processes new since the
    // last look. Processes that ended take their sockets with them.
    QSet<qint32> scanned;
    rescan(m_self);
    scanned.insert(m_self);
    const QList<qint32> pids = listProcesses();
    const QSet<qint32> alive(pids.cbegin(), pids.cend());
    for (const qint32 pid : m_processes.keys()) {
        if (!alive.contains(pid))
            forget(pid);
    }
    for (const qint32 pid : pids) {
        if (!m_processes.contains(pid) && !scanned.contains(pid)) {
            rescan(pid);
            scanned.insert(pid);
        }
    }

    QSet<quint64> missing;
    for (const quint64 inode : unknown) {
        if (!m_owners.contains(inode))
            missing.insert(inode);
    }
    if (missing.isEmpty())
        return;
    // A full rescan reads every descriptor of every process: with tens of thousands of
    // sockets it costs more than the poll. It waits at least 200 times as long as the last one
    // took (at most 0.5 % of a core); meanwhile these rows say their owner is not looked up yet.
    const qint64 interval = qMax<qint64>(m_fullRescanIntervalMs, 200 * m_lastFullRescanMs);
    if (m_sinceFullRescan.isValid() && m_sinceFullRescan.elapsed() < interval) {
        m_pending.unite(missing);
        return; // the next poll asks again
    }
    QElapsedTimer took;
    took.start();
    // An old process opened it since we last looked: look at every process again.
    for (const qint32 pid : pids) {
        if (!scanned.contains(pid))
            rescan(pid);
    }
    ++m_stats.fullRescans;
    m_lastFullRescanMs = took.elapsed();
    m_sinceFullRescan.start();
    m_pending.clear();
    for (const quint64 inode : std::as_const(missing)) {
        if (!m_owners.contains(inode))
            m_unresolved.insert(inode);
    }
}

QList<qint32> SocketOwners::listProcesses()
{
    ++m_stats.listings;
    QList<qint32> pids;
    Directory proc(QFile::encodeName(m_proc));
    if (!proc.dir)
        return pids;
    while (const dirent *entry = ::readdir(proc.dir)) {
        qint32 pid = 0;
        const char *c = entry->d_name;
        for (; *c >= '0' && *c <= '9' && pid < INT_MAX / 10; ++c)
            pid = pid * 10 + (*c - '0');
        if (*c == '\0' && pid > 0)
            pids.append(pid);
    }
    return pids;
}

void SocketOwners::forget(qint32 pid)
{
    const auto it = m_processes.constFind(pid);
    if (it == m_processes.constEnd())
        return;
    for (const quint64 inode : it->inodes) {
        auto owners = m_owners.find(inode);
        if (owners == m_owners.end())
            continue;
        owners->removeIf([pid](const SocketOwner &o) { return o.pid == pid; });
        if (owners->isEmpty())
            m_owners.erase(owners);
    }
    if (it->hidden)
        --m_hiddenProcesses;
    m_processes.remove(pid);
}

void SocketOwners::rescan(qint32 pid)
{
    forget(pid);
    ++m_stats.processScans;
    const QByteArray base = QFile::encodeName(m_proc) + '/' + QByteArray::number(pid);
    Directory fds(base + "/fd");
    if (!fds.dir) {
        if (errno == EACCES || errno == EPERM) {
            // Alive, but its descriptors are not ours to read.
            Process hidden;
            hidden.hidden = true;
            m_processes.insert(pid, hidden);
            ++m_hiddenProcesses;
        }
        return; // otherwise it has just ended
    }
    Process process;
    QFile comm(QFile::decodeName(base + "/comm"));
    if (comm.open(QIODevice::ReadOnly))
        process.program = QString::fromLocal8Bit(comm.readAll()).trimmed();
    const int dirFd = ::dirfd(fds.dir);
    char link[64]; // "socket:[" + 20 digits + "]" fits; anything longer is no socket
    QSet<quint64> seen; // dup() gives one socket several descriptors
    while (const dirent *entry = ::readdir(fds.dir)) {
        if (entry->d_name[0] == '.')
            continue;
        const ssize_t n = ::readlinkat(dirFd, entry->d_name, link, sizeof link);
        if (n <= 0 || n == ssize_t(sizeof link))
            continue;
        const quint64 inode = socketInode(link, n);
        if (inode == 0 || seen.contains(inode))
            continue;
        seen.insert(inode);
        process.inodes.append(inode);
        QList<SocketOwner> &owners = m_owners[inode];
        const auto at = std::lower_bound(owners.begin(), owners.end(), pid,
                                         [](const SocketOwner &o, qint32 p) { return o.pid < p; });
        owners.insert(at, SocketOwner{pid, process.program});
    }
    m_processes.insert(pid, std::move(process));
}

} // namespace sockscope
