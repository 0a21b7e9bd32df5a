// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <functional>

namespace sockscope {

// A file someone else wrote, read as untrusted input: a session, a saved /proc or ss dump, the
// kernel's own /proc tables. Only a regular file is opened (a FIFO would block, a device or
// /dev/zero never ends), and its size is checked while it is read, because the size a file
// claims can be wrong (/proc files say 0, a file can grow), so no more than its limit is ever
// held in memory.
//
// Every failure names the file and what went wrong:
//   "cannot read /tmp/x: open: No such file or directory"
//   "cannot read /tmp/x: it is a FIFO, not a regular file"
//   "cannot read /tmp/x: more than 256 MiB; a session file is at most 256 MiB"
class UntrustedFile
{
public:
    // Opens `path`, refusing at once anything that is not a regular file, and a regular file
    // that already says it is bigger than `maxBytes`. `kind` names what the file should hold,
    // for the message on a file too big ("a session file").
    UntrustedFile(const QString &path, qint64 maxBytes, const QString &kind);
    // Reads a descriptor that is already open, and stays open afterwards: standard input, where
    // a pipe is the point and only the size limit applies. `name` stands for it in messages.
    UntrustedFile(int borrowedFd, const QString &name, qint64 maxBytes, const QString &kind);
    ~UntrustedFile();

    UntrustedFile(const UntrustedFile &) = delete;
    UntrustedFile &operator=(const UntrustedFile &) = delete;

    bool ok() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }
    // errno of the system call that failed, 0 when the file was read or refused for its kind
    // or size.
    int systemError() const { return m_errno; }
    QString name() const { return m_name; }
    // The size a regular file claimed when it was opened, never more than the limit; -1 for
    // anything else. A hint for reserving, not a promise: the file may have grown or shrunk.
    qint64 sizeHint() const { return m_claimedSize; }

    // The whole content; on failure an empty array and error() says why. Reads once.
    QByteArray readAll();

    // Reads in 64 KiB pieces and hands each piece's whole lines to `lines` (and at the end
    // whatever follows the last newline), so a parser sees the text while it is in cache and
    // a big table never sits in memory as text. `buffer` is scratch space the caller may keep
    // to reuse. Returns false, with error() set, when the file could not be read whole; the
    // pieces handed out until then were read. Reads once.
    bool readLines(QByteArray &buffer, const std::function<void(QByteArrayView lines)> &lines);

    // "256 MiB", "64 KiB", "1000 bytes": how the limits are written in messages.
    static QString sizeText(qint64 bytes);

private:
    bool readSome(char *into, qsizetype room, qsizetype &got);
    void fail(const char *call);
    void tooBig();

    int m_fd = -1;
    bool m_owned = false;
    QString m_name;
    qint64 m_maxBytes = 0;
    qint64 m_claimedSize = -1; // what fstat() said of a regular file, a hint only
    qint64 m_read = 0;
    QString m_kind;
    QString m_error;
    int m_errno = 0;
};

} // namespace sockscope
