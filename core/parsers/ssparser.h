// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/parseissue.h"
#include "core/model/socketrecord.h"
#include "skippedlines.h"
#include "sswildcard.h"

#include <QByteArrayView>
#include <QList>
#include <QStringView>

#include <optional>

namespace sockscope {

// Parses the output of iproute2's `ss` for TCP sockets: `ss -tan` with or without its header,
// and the detailed `ss -tanoie[H]` form whose tcp_info continues on tab-indented lines. Rows of
// other protocols (`ss -tuan` prints a Netid column) are skipped. Addresses must be numeric (-n).
// A local address "*" is read as [::], as the ss of today means it; its rows and what the text
// shows about the ss that printed it are reported so that a saved file can be read as the
// older ss meant it (SsWildcard).
class SsParser
{
public:
    struct Result
    {
        QList<SocketRecord> records;
        QList<ParseIssue> issues;
        int skippedOtherProtocols = 0;
        SkippedLines skipped; // other protocols too, and what people paste around a table
        QList<qsizetype> wildcardRows; // indices into `records` of rows whose local address was "*"
        SsWildcard::Evidence wildcardEvidence;
    };

    Result parse(QByteArrayView text, const QString &origin = QString()) const;

    // ss prints timer durations as "5.668ms" (5 s 668 ms), "59sec", "1min5sec", "119min",
    // "200ms", or nothing for an expired timer. Returns milliseconds.
    static std::optional<qint64> parseDuration(QStringView text);

    // "127.0.0.1:8000", "[::1]:8000", "[::ffff:127.0.0.1]:8000", "*:8000", "0.0.0.0:*",
    // "127.0.0.1%lo:8000", "[fe80::1]%eth0:22".
    static std::optional<Endpoint> parseEndpoint(QStringView text);
};

} // namespace sockscope
