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

QString ProcSource::readFile(const QString &path, QByteArray &into)
{
    const QByteArray nativePath = QFile::encodeName(path);
    const int fd = ::open(nativePath.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return QStringLiteral("open(%1): %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));

    // /proc hands the table out in page-sized pieces; ask for more to save system calls.
    constexpr qsizetype chunk = 64 * 1024;
    QString error;
    for (;;) {
        const qsizetype used = into.size();
        into.resize(used + chunk);
        const ssize_t n = ::read(fd, into.data() + used, size_t(chunk));
        if (n < 0) {
            if (errno == EINTR) {
                into.resize(used);
                continue;
            }
            error = QStringLiteral("read(%1): %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
            into.resize(used);
            break;
        }
        into.resize(used + n);
        if (n == 0)
            break;
    }
    ::close(fd);
    return error;
}

Snapshot ProcSource::take(const SocketFilter &filter)
{
    Snapshot snapshot;
    snapshot.source = name();
    snapshot.stampNow();

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
        m_buffer.clear();
        const QString error = readFile(path, m_buffer);
        if (!error.isEmpty()) {
            if (f.required || QFile::exists(path)) {
                snapshot.error = error;
                snapshot.records.clear();
                return snapshot;
            }
            continue;
        }
        parser.parseInto(m_buffer, path, snapshot.records, snapshot.issues);
    }

    if (!filter.isEmpty()) {
        snapshot.records.removeIf([&filter](const SocketRecord &r) { return !filter.matches(r); });
    }
    return snapshot;
}

} // namespace sockscope
