// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "segment.h"

#include <QHash>
#include <QList>
#include <QString>

namespace sockscope {

// What a captured segment says again that its sender said before: sequence space sent again
// (a retransmission: the first try was lost, or its ACK was), or a pure ACK that repeats the
// one before it (a duplicate ACK: the receiver got something out of order, or a FIN again).
// Judged from the capture alone, as Wireshark's TCP analysis does, never from a timer.
struct SegmentRepeat
{
    int retransmission = 0;     // 0: sent for the first time; n: the n-th time it is sent again
    qint64 sincePreviousNs = 0; // a retransmission: since the sending before it
    int duplicateAck = 0;       // 0: not; n: the n-th pure ACK in a row that repeats the one before

    bool isRepeat() const { return retransmission > 0 || duplicateAck > 0; }
    // "retransmission, 1.00 s after the last", "retransmission 3, 2.00 s after the last",
    // "duplicate ACK 2"; empty for none.
    QString text() const;
    // The same in a few words for an arrow: "retransmission +1.00 s", "dup ACK 2".
    QString shortText() const;

    friend bool operator==(const SegmentRepeat &a, const SegmentRepeat &b)
    {
        return a.retransmission == b.retransmission && a.sincePreviousNs == b.sincePreviousNs
            && a.duplicateAck == b.duplicateAck;
    }
};

// Follows each direction of each connection on the wire, in capture order. Bounded: it keeps
// the newest maxFlows directions and, in each, the sequence numbers of the newest maxSent
// segments that carried sequence space.
class SegmentRepeats
{
public:
    static constexpr qsizetype maxFlows = 4096;
    static constexpr qsizetype maxSent = 1024;

    // The next captured segment and when it was sent (any one clock, the same for all).
    SegmentRepeat take(const Segment &segment, qint64 atNs);
    void clear();

private:
    struct Direction
    {
        Endpoint from;
        Endpoint to;
        friend bool operator==(const Direction &a, const Direction &b) { return a.from == b.from && a.to == b.to; }
        friend size_t qHash(const Direction &d, size_t seed = 0) noexcept { return qHashMulti(seed, d.from, d.to); }
    };
    struct Sent
    {
        int times = 0;
        qint64 lastNs = 0;
    };
    struct Flow
    {
        quint32 isn = 0;
        bool started = false; // a SYN was seen: isn holds
        quint32 sentUpTo = 0; // the highest seq + length sent so far
        bool sentAny = false;
        qint64 lastSentNs = 0;
        QHash<quint32, Sent> sent; // seq -> how often and when last
        bool acked = false;
        quint32 lastAck = 0;
        quint16 lastWindow = 0;
        int duplicateAcks = 0;
    };

    QHash<Direction, Flow> m_flows;
    QList<Direction> m_order; // oldest first
};

} // namespace sockscope
