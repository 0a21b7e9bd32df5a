// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "socketsource.h"

#include <QByteArray>
#include <QString>

namespace sockscope {

// Reads /proc/net/tcp and /proc/net/tcp6. A missing tcp6 (IPv6 disabled) is not an error; a
// tcp6 that is there but cannot be read is a note (Snapshot::notes), and the IPv4 rows stay.
class ProcSource final : public SocketSource
{
public:
    explicit ProcSource(const QString &procNetDirectory = QStringLiteral("/proc/net"));

    QString name() const override { return QStringLiteral("proc"); }
    Snapshot take(const SocketFilter &filter) override;

private:
    QString m_directory;
    QByteArray m_buffer; // reused between polls to avoid regrowing it each time
    qsizetype m_lastRows = 0; // the last poll's row count: the next poll reserves for as many
};

} // namespace sockscope
