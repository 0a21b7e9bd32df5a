// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "socketsource.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <functional>

namespace sockscope {

// Reads /proc/net/tcp and /proc/net/tcp6. A missing tcp6 (IPv6 disabled) is not an error.
class ProcSource final : public SocketSource
{
public:
    explicit ProcSource(const QString &procNetDirectory = QStringLiteral("/proc/net"));

    QString name() const override { return QStringLiteral("proc"); }
    Snapshot take(const SocketFilter &filter) override;

    // Reads `path` in 64 KiB pieces and hands each piece's whole lines to `lines` (and at the
    // end whatever follows the last newline), so the parser sees the text while it is still in
    // cache and a table of 60,000 sockets never sits in memory as text. `buffer` is scratch
    // space, kept by the caller to reuse. Returns an empty string or
    // "open(/proc/net/tcp): No such file or directory".
    static QString readLines(const QString &path, QByteArray &buffer,
                             const std::function<void(QByteArrayView lines)> &lines);

private:
    QString m_directory;
    QByteArray m_buffer; // reused between polls to avoid regrowing it each time
    qsizetype m_lastRows = 0; // the last poll's row count: the next poll reserves for as many
};

} // namespace sockscope
