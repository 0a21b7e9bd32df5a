// SPDX-License-Identifier: GPL-3.0-or-later
#include "procsource.h"

#include "../parsers/procnettcpparser.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace sockscope {

ProcSource::ProcSource(const QString &procNetDirectory) : m_directory(procNetDirectory) { }

QString ProcSource::readLines(const QString &path, QByteArray &buffer,
                              const std::function<void(QByteArrayView lines)> &lines)
{
    const QByteArray nativePath = QFile::encodeName(path);
    const int fd = ::open(nativePath.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return QStringLiteral("open(%1): %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));

    // /proc hands the table out in page-sized pieces; ask for more to save system calls.
    constexpr qsizetype chunk = 64 * 1024;
    QString error;
    qsizetype kept = 0; // the start of a line the last read cut off
    for (;;) {
        buffer.resize(kept + chunk);
        const ssize_t n = ::read(fd, buffer.data() + kept, size_t(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            error = QStringLiteral("read(%1): %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
            break;
        }
        if (n == 0) {
            if (kept > 0)
                lines(QByteArrayView(buffer.constData(), kept));
            break;
        }
        const qsizetype filled = kept + n;
        const auto *lastNewline = static_cast<const char *>(::memrchr(buffer.constData(), '\n', size_t(filled)));
        const qsizetype whole = lastNewline ? lastNewline - buffer.constData() + 1 : 0;
        if (whole > 0)
            lines(QByteArrayView(buffer.constData(), whole));
        kept = filled - whole;
        if (kept > 0 && whole > 0)
            std::memmove(buffer.data(), buffer.constData() + whole, size_t(kept));
    }
    ::close(fd);
    buffer.resize(0);
    return error;
}

Snapshot ProcSource::take(const SocketFilter &filter)
{
    Snapshot snapshot;
    snapshot.source = name();
    snapshot.stampNow();

    // Tables change little between polls: one allocation instead of regrowing (and moving)
    // tens of thousands of records as the pieces come in.
    snapshot.records.reserve(m_lastRows + m_lastRows / 8 + 64);
    const ProcNetTcpParser parser;
    const struct
    {
        const char *file;
        AddressFamily family;
        bool required;
    } files[] = {{"tcp", AddressFamily::IPv4, true}, {"tcp6", AddressFamily::IPv6, false}};

    for (const auto &f : files) {
        if (filter.family && *filter.family != f.family)
            continue;
        const QString path = m_directory + QLatin1Char('/') + QLatin1String(f.file);
        int nextLine = 1;
        const QString error = readLines(path, m_buffer, [&](QByteArrayView lines) {
            nextLine = parser.parseInto(lines, path, snapshot.records, snapshot.issues, nextLine);
        });
        if (!error.isEmpty()) {
            if (f.required || QFile::exists(path)) {
                snapshot.error = error;
                snapshot.records.clear();
                return snapshot;
            }
            continue;
        }
    }

    m_lastRows = snapshot.records.size();
    if (!filter.isEmpty()) {
        snapshot.records.removeIf([&filter](const SocketRecord &r) { return !filter.matches(r); });
    }
    return snapshot;
}

} // namespace sockscope
