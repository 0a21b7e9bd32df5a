// SPDX-License-Identifier: GPL-3.0-or-later
#include "processlookup.h"

#include <QDir>
#include <QFile>

#include <climits>
#include <unistd.h>

namespace sockscope {

ProcessLookup::ProcessLookup(const QString &procDirectory) : m_proc(procDirectory) { }

QList<ProcessLookup::Owner> ProcessLookup::ownersOf(quint64 inode) const
{
    QList<Owner> owners;
    if (inode == 0)
        return owners;
    const QByteArray wanted = "socket:[" + QByteArray::number(inode) + ']';
    const QStringList pids = QDir(m_proc).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &pidText : pids) {
        bool isPid = false;
        const int pid = pidText.toInt(&isPid);
        if (!isPid)
            continue;
        const QString fdDir = m_proc + QLatin1Char('/') + pidText + QStringLiteral("/fd");
        // Unreadable for other users' processes unless we are root: those stay unknown.
        const QStringList fds = QDir(fdDir).entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot);
        for (const QString &fdText : fds) {
            const QByteArray link = QFile::encodeName(fdDir + QLatin1Char('/') + fdText);
            char target[PATH_MAX];
            const ssize_t n = ::readlink(link.constData(), target, sizeof target - 1);
            if (n <= 0 || QByteArray(target, int(n)) != wanted)
                continue;
            QFile comm(m_proc + QLatin1Char('/') + pidText + QStringLiteral("/comm"));
            Owner owner;
            owner.pid = pid;
            owner.fd = fdText.toInt();
            if (comm.open(QIODevice::ReadOnly))
                owner.name = QString::fromLocal8Bit(comm.readAll()).trimmed();
            owners.append(owner);
        }
    }
    return owners;
}

QString ProcessLookup::describe(const QList<Owner> &owners)
{
    if (owners.isEmpty())
        return QString();
    QStringList pids;
    for (const Owner &o : owners) {
        if (!pids.contains(QString::number(o.pid)))
            pids << QString::number(o.pid);
    }
    const QString name = owners.first().name.isEmpty() ? QStringLiteral("a process") : owners.first().name;
    return QStringLiteral("%1 (pid %2)").arg(name, pids.join(QStringLiteral(", ")));
}

} // namespace sockscope
