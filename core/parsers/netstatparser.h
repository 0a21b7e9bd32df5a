// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/parseissue.h"
#include "core/model/socketrecord.h"
#include "skippedlines.h"

#include <QByteArrayView>
#include <QList>
#include <QStringView>

#include <optional>

namespace sockscope {

// Parses what net-tools' netstat prints for TCP: `netstat -tan` and its -p (PID/Program
// name), -e (User, Inode) and -o (Timer) columns in any combination, with or without its
// banner and header. Addresses must be numeric (-n).
//
// netstat reads /proc/net/tcp and tcp6 and prints them with its own spellings: IPv6 without
// brackets (":::22", "::1:631"), an IPv4-mapped address of a tcp6 row as plain IPv4
// ("127.0.0.1:8000" for ::ffff:127.0.0.1), the kernel's state names, a listener's Send-Q as
// /proc's tx_queue (0, not the backlog), and timers as "KIND (SECONDS/RETRANSMITS/PROBES)".
// Rows of other protocols (netstat -tuan, -a) are skipped and counted, and so are the lines
// people paste around a table (SkippedLines).
class NetstatParser
{
public:
    // What netstat's banner said it listed.
    enum class Listing : quint8 { Unknown, All, ServersOnly, WithoutServers };

    struct Result
    {
        QList<SocketRecord> records;
        QList<ParseIssue> issues;
        SkippedLines skipped;
        QList<int> unknownStateLines; // rows in netstat's state UNKNOWN: no state to show
        // IPv6 rows whose address and port fill netstat's 23 columns exactly: without --wide,
        // netstat cuts a longer address to fit, so the address may not be the socket's.
        QList<int> possiblyCutLines;
        Listing listing = Listing::Unknown;
    };

    // `firstLine` numbers the first line of `text`. The parser keeps what earlier text said
    // (the header's columns; netstat's message that it could not see every process), so a
    // file read in pieces of whole lines is parsed by one parser, piece after piece.
    Result parse(QByteArrayView text, const QString &origin = QString(), int firstLine = 1);

    // "127.0.0.1:22", "0.0.0.0:*", ":::22", "::1:631"; a tcp6 row's "127.0.0.1:8000" is the
    // IPv4-mapped ::ffff:127.0.0.1. Nothing for a name ("localhost:http") or another family.
    static std::optional<Endpoint> parseEndpoint(QStringView text, AddressFamily family);

    // -o's "on (0.20/0/0)", "keepalive (7194.50/0/0)", "timewait (59.83/0/0)", "probe
    // (0.31/0/1)" (older netstat: "unkn-4"), "off (0.00/0/0)" into the record's timer,
    // retransmits and probes; false, with the record untouched, when it is none of those.
    static bool applyTimer(QStringView kind, QStringView values, SocketRecord &record);

private:
    struct Columns
    {
        bool known = false; // a header said which columns follow State
        bool user = false;  // -e: User, Inode
        bool program = false;
        bool context = false; // -Z: Security Context
        bool timer = false;
    };

    QString parseRow(const QList<QStringView> &tokens, SocketRecord &record) const;
    QString parseTail(QList<QStringView> tail, SocketRecord &record) const;
    void applyProgram(QStringView text, SocketRecord &record) const;

    Columns m_columns;
    bool m_processesHidden = false; // netstat said it could not see every process (not root)
};

} // namespace sockscope
