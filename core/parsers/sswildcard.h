// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/socketrecord.h"

#include <QList>
#include <QString>

namespace sockscope {

// The "*" ss printed as a local address. iproute2 before 4.14 printed the IPv4 wildcard
// 0.0.0.0 that way ("LISTEN 0 128 *:443 *:*"); from 4.14 on, "*" is an IPv6 socket bound to
// [::] that also takes IPv4 (dual-stack), and 0.0.0.0 prints as itself. A saved table does not
// say which ss wrote it, so the reading is decided from the file's own evidence and the rows
// are marked SocketRecord::familyInferred.
class SsWildcard
{
public:
    // What a text shows about the ss that printed it: the first line of each kind.
    struct Evidence
    {
        enum class Older : quint8 {
            None,
            IPv4PeerStar, // an IPv4 socket whose peer is "*:*"; later ss prints "0.0.0.0:*"
            Unbracketed,  // an IPv6 address without brackets (":::22", "::1:631")
        };

        int newerLine = 0; // 0.0.0.0, [::] or v6only:, which only ss 4.14 and later print
        QString newerText;
        int olderLine = 0;
        Older older = Older::None;
        QString olderText;

        // `other` was numbered from 1 within a piece that follows `lineOffset` lines.
        void merge(const Evidence &other, int lineOffset);
    };

    enum class Reading : quint8 { DualStackIPv6, IPv4 };

    struct Decision
    {
        Reading reading = Reading::DualStackIPv6;
        QString because; // "line 3 shows 0.0.0.0:2024, which only ss 4.14 and later print"
    };

    // Newer evidence decides for the dual-stack reading, then older evidence, or an IPv4
    // connection on a "*" listener's port (later ss shows it as [::ffff:a.b.c.d]), for IPv4;
    // with no evidence either way, the reading of the ss people run today.
    static Decision decide(const QList<SocketRecord> &records, const QList<qsizetype> &wildcardRows,
                           const Evidence &evidence);

    // Gives the rows (read as [::] by SsParser) the reading's address and family and marks them.
    static void apply(QList<SocketRecord> &records, const QList<qsizetype> &wildcardRows, Reading reading);

    // The note that says which reading was chosen and why, for `rows` rows.
    static QString note(const Decision &decision, qsizetype rows);
};

} // namespace sockscope
