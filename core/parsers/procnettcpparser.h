// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/parseissue.h"
#include "core/model/socketrecord.h"
#include "skippedlines.h"

#include <QByteArrayView>
#include <QList>
#include <QSysInfo>

namespace sockscope {

// Parses the text of /proc/net/tcp and /proc/net/tcp6 exactly as the kernel writes it
// (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c): a header line, then one line per socket.
//
// The ten leading columns (sl, local_address, rem_address, st, tx_queue:rx_queue, tr:tm->when,
// retrnsmt, uid, timeout, inode) are required and parsed by position; trailing columns (refcount,
// pointer, rto, ato, quick/pingpong, cwnd, ssthresh) are used when present and may be missing or
// followed by more. Header lines (first word "sl") may appear anywhere, so a tcp and a tcp6
// dump concatenated still parse. The family of each line follows from its address width.
class ProcNetTcpParser
{
public:
    struct Result
    {
        QList<SocketRecord> records;
        QList<ParseIssue> issues;
    };

    // The kernel prints each 32-bit address word in the byte order of the machine that wrote
    // the file; pass the writer's order when parsing a dump from a big-endian machine.
    explicit ProcNetTcpParser(QSysInfo::Endian wordOrder = QSysInfo::ByteOrder)
        : m_wordOrder(wordOrder)
    {
    }

    Result parse(QByteArrayView text, const QString &origin = QString()) const;

    // Appends to existing lists, so several files can share one result without copies. A file
    // read in pieces is parsed piece by piece: each piece whole lines, `firstLine` the number of
    // its first line. Returns the number the next line would have. With `skipped`, blank lines
    // and what people paste around a table (a shell prompt, a separator) go there instead of
    // being ignored or reported.
    int parseInto(QByteArrayView text, const QString &origin, QList<SocketRecord> &records,
                  QList<ParseIssue> &issues, int firstLine = 1, SkippedLines *skipped = nullptr) const;

private:
    QSysInfo::Endian m_wordOrder;
};

} // namespace sockscope
