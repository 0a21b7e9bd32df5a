// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "socketsource.h"

#include <QByteArray>
#include <QString>

namespace sockscope {

// Reads /proc/net/tcp and /proc/net/tcp6. A missing tcp6 (IPv6 disabled) is not an error.
class ProcSource final : public SocketSource
{
public:
    explicit ProcSource(const QString &procNetDirectory = QStringLiteral("/proc/net"));

    QString name() const override { return QStringLiteral("proc"); }
    Snapshot take(const SocketFilter &filter) override;

    // The raw read alone, for benchmarks and for saving a dump: appends the file's bytes.
    // Returns an empty string or "open(/proc/net/tcp): No such file or directory".
    static QString readFile(const QString &path, QByteArray &into);

private:
    QString m_directory;
    QByteArray m_buffer; // reused between polls to avoid regrowing it each time
};

} // namespace sockscope
