// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "socketsource.h"

#include <QString>
#include <QStringList>

namespace sockscope {

// Runs iproute2's `ss` (no shell, an argument list) and parses what it prints:
// `ss -t -a -n -o -i -e -H [filter]` gives state, queues, timers, uid, inode and tcp_info.
class SsSource final : public SocketSource
{
public:
    explicit SsSource(const QString &program = QStringLiteral("ss"), int timeoutMs = 5000);

    // Runs ss through this command, which ends where ss's name goes: `nsenter -t PID -U -n
    // --preserve-credentials` lists the lab's private network (LabNetwork::ssLauncher()).
    void setLauncher(const QStringList &launcher) { m_launcher = launcher; }

    QString name() const override { return QStringLiteral("ss"); }
    Snapshot take(const SocketFilter &filter) override;

    QStringList arguments(const SocketFilter &filter) const;

    // Runs the program; on success the output is in `output` and the result is empty,
    // otherwise it says what went wrong in words a user can act on.
    QString run(const QStringList &arguments, QByteArray &output) const;

private:
    QString m_program;
    QStringList m_launcher;
    int m_timeoutMs;
};

} // namespace sockscope
