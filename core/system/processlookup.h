// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

namespace sockscope {

// Which process holds a socket, found the way the kernel lets anyone look: the links in
// /proc/<pid>/fd that read "socket:[inode]". Processes of other users are only visible to root.
class ProcessLookup
{
public:
    struct Owner
    {
        int pid = 0;
        QString name; // /proc/<pid>/comm
        int fd = -1;
    };

    explicit ProcessLookup(const QString &procDirectory = QStringLiteral("/proc"));

    // Every process with a descriptor for this socket inode (a socket can be shared after fork).
    QList<Owner> ownersOf(quint64 inode) const;

    // "nginx (pid 812)", "python3 (pid 4, 5)", or empty when no visible process holds it.
    static QString describe(const QList<Owner> &owners);

private:
    QString m_proc;
};

} // namespace sockscope
