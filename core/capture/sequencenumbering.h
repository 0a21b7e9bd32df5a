// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "segment.h"

#include <QHash>

#include <array>

namespace sockscope {

// What to subtract from a segment's numbers to show them relative, as Wireshark and tcpdump
// do by default. Zero for both shows them absolute.
struct SequenceBases
{
    quint32 seq = 0; // the sender's initial sequence number: subtracted from seq
    quint32 ack = 0; // the receiver's: subtracted from ack and from SACK edges

    quint32 relativeSeq(const Segment &s) const { return s.seq - seq; }
    quint32 relativeAck(const Segment &s) const { return s.ack - ack; }

    friend bool operator==(const SequenceBases &a, const SequenceBases &b) { return a.seq == b.seq && a.ack == b.ack; }
    friend bool operator!=(const SequenceBases &a, const SequenceBases &b) { return !(a == b); }
};

// Learns each connection's initial sequence numbers from the segments it is shown, in capture
// order, and gives the bases to show each with: SYN seq=0; SYN,ACK seq=0 ack=1; ACK seq=1
// ack=1; data and FIN counted from there. A connection is its 4-tuple, both directions.
//
// Where the handshake was not captured it does what Wireshark does, so that the numbers read
// the same in both: a direction's first segment without SYN shows seq=1, and the first ACK
// that names a direction not yet seen shows ack=1. A SYN that opens the same 4-tuple again
// with another sequence number is a new connection and starts over.
//
// Both copies of a segment on lo give the same bases, so a caller may pass either or both.
class SequenceNumbering
{
public:
    SequenceBases take(const Segment &segment);

    qsizetype connectionCount() const { return m_connections.size(); }
    void clear() { m_connections.clear(); }

private:
    struct Direction
    {
        quint32 base = 0;
        bool known = false;
        bool fromSyn = false;
    };
    // directions[0]: from the lower endpoint to the higher. A self-connected socket (both ends
    // the same) sends its SYN and its SYN,ACK with one initial sequence number; the SYN,ACK
    // puts it in both.
    struct Connection
    {
        std::array<Direction, 2> directions;
    };

    QHash<ConnectionKey, Connection> m_connections;
};

} // namespace sockscope
