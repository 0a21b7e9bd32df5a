// SPDX-License-Identifier: GPL-3.0-or-later
#include "untrustedfile.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sockscope {

namespace {

constexpr qsizetype piece = 64 * 1024;

// What a file that is not a regular one is, for "it is a FIFO, not a regular file".
QString kindOfFile(mode_t mode)
{
    if (S_ISFIFO(mode))
        return QStringLiteral("a FIFO");
    if (S_ISCHR(mode))
        return QStringLiteral("a character device");
    if (S_ISBLK(mode))
        return QStringLiteral("a block device");
    if (S_ISSOCK(mode))
        return QStringLiteral("a socket");
    if (S_ISDIR(mode))
        return QStringLiteral("a directory");
    return QStringLiteral("a special file");
}

} // namespace

UntrustedFile::UntrustedFile(const QString &path, qint64 maxBytes, const QString &kind)
    : m_name(path), m_maxBytes(maxBytes), m_kind(kind)
{
    const QByteArray native = QFile::encodeName(path);
    // Look before opening: opening some devices acts (a watchdog arms, a tape rewinds).
    struct stat before;
    if (::stat(native.constData(), &before) != 0) {
        fail("stat");
        return;
    }
    if (!S_ISREG(before.st_mode)) {
        m_error = QStringLiteral("cannot read %1: it is %2, not a regular file").arg(path, kindOfFile(before.st_mode));
        return;
    }
    // O_NONBLOCK: should a FIFO take the file's place after the look, open() still returns at
    // once, and fstat() below refuses it.
    m_fd = ::open(native.constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (m_fd < 0) {
        fail("open");
        return;
    }
    m_owned = true;
    struct stat st;
    if (::fstat(m_fd, &st) != 0) {
        fail("fstat");
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        m_error = QStringLiteral("cannot read %1: it is %2, not a regular file").arg(path, kindOfFile(st.st_mode));
        return;
    }
    m_claimedSize = qint64(st.st_size);
    if (m_claimedSize > m_maxBytes)
        tooBig();
}

UntrustedFile::UntrustedFile(int borrowedFd, const QString &name, qint64 maxBytes, const QString &kind)
    : m_fd(borrowedFd), m_name(name), m_maxBytes(maxBytes), m_kind(kind)
{
    struct stat st;
    if (::fstat(m_fd, &st) != 0) {
        fail("fstat");
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        m_error = QStringLiteral("cannot read %1: it is a directory").arg(name);
        return;
    }
    if (S_ISREG(st.st_mode)) {
        m_claimedSize = qint64(st.st_size);
        if (m_claimedSize > m_maxBytes)
            tooBig();
    }
}

UntrustedFile::~UntrustedFile()
{
    if (m_owned && m_fd >= 0)
        ::close(m_fd);
}

void UntrustedFile::fail(const char *call)
{
    m_errno = errno;
    m_error = QStringLiteral("cannot read %1: %2: %3")
                  .arg(m_name, QLatin1String(call), QString::fromLocal8Bit(std::strerror(m_errno)));
}

void UntrustedFile::tooBig()
{
    const QString limit = sizeText(m_maxBytes);
    m_error = QStringLiteral("cannot read %1: more than %2; %3 is at most %2").arg(m_name, limit, m_kind);
}

QString UntrustedFile::sizeText(qint64 bytes)
{
    constexpr qint64 kib = 1024;
    constexpr qint64 mib = 1024 * kib;
    if (bytes >= mib && bytes % mib == 0)
        return QStringLiteral("%1 MiB").arg(bytes / mib);
    if (bytes >= kib && bytes % kib == 0)
        return QStringLiteral("%1 KiB").arg(bytes / kib);
    return QStringLiteral("%1 bytes").arg(bytes);
}

bool UntrustedFile::readSome(char *into, qsizetype room, qsizetype &got)
{
    for (;;) {
        const ssize_t n = ::read(m_fd, into, size_t(room));
        if (n >= 0) {
            got = qsizetype(n);
            return true;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            // A borrowed descriptor someone made non-blocking (a pipe on standard input):
            // wait for the writer instead of taking "no data yet" for a failure.
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, -1) >= 0 || errno == EINTR)
                continue;
            fail("poll");
            return false;
        }
        fail("read");
        return false;
    }
}

QByteArray UntrustedFile::readAll()
{
    if (!ok() || m_fd < 0)
        return QByteArray();
    // One byte more than allowed tells a file over the limit from one exactly at it, so this
    // never holds more than the limit and a byte, whatever the file says of its size.
    const qint64 most = m_maxBytes + 1;
    qsizetype capacity = qsizetype(qMin(most, m_claimedSize > 0 ? m_claimedSize + 1 : qint64(piece)));
    QByteArray bytes(capacity, Qt::Uninitialized);
    qsizetype filled = 0;
    for (;;) {
        if (filled == capacity) {
            if (capacity >= most) {
                tooBig();
                return QByteArray();
            }
            capacity = qsizetype(qMin(most, qint64(capacity) * 2));
            bytes.resize(capacity);
        }
        qsizetype got = 0;
        if (!readSome(bytes.data() + filled, capacity - filled, got))
            return QByteArray();
        if (got == 0)
            break;
        filled += got;
        m_read += got;
        if (m_read > m_maxBytes) {
            tooBig();
            return QByteArray();
        }
    }
    bytes.resize(filled);
    return bytes;
}

bool UntrustedFile::readLines(QByteArray &buffer, const std::function<void(QByteArrayView lines)> &lines)
{
    if (!ok() || m_fd < 0)
        return false;
    qsizetype kept = 0; // the start of a line the last read cut off
    bool whole = true;
    for (;;) {
        if (buffer.size() < kept + piece)
            buffer.resize(kept + piece);
        qsizetype got = 0;
        if (!readSome(buffer.data() + kept, piece, got)) {
            whole = false;
            break;
        }
        if (got == 0) {
            if (kept > 0)
                lines(QByteArrayView(buffer.constData(), kept));
            break;
        }
        m_read += got;
        if (m_read > m_maxBytes) {
            tooBig();
            whole = false;
            break;
        }
        const qsizetype filled = kept + got;
        // Only the new bytes can hold a newline: what was kept had none.
        const auto *lastNewline = static_cast<const char *>(::memrchr(buffer.constData() + kept, '\n', size_t(got)));
        const qsizetype complete = lastNewline ? lastNewline - buffer.constData() + 1 : 0;
        if (complete > 0)
            lines(QByteArrayView(buffer.constData(), complete));
        kept = filled - complete;
        if (kept > 0 && complete > 0)
            std::memmove(buffer.data(), buffer.constData() + complete, size_t(kept));
    }
    buffer.resize(0);
    return whole;
}

} // namespace sockscope
