// SPDX-License-Identifier: GPL-3.0-or-later
#include "sequencenumbering.h"

namespace sockscope {

SequenceBases SequenceNumbering::take(const Segment &segment)
{
    const bool forward = !(segment.destination < segment.source);
    ConnectionKey key;
    key.family = segment.family;
    key.local = forward ? segment.source : segment.destination;
    key.remote = forward ? segment.destination : segment.source;
    Connection &connection = m_connections[key];
    Direction &own = connection.directions[forward ? 0 : 1];
    Direction &peer = connection.directions[forward ? 1 : 0];

    const bool syn = segment.has(SegmentFlag::Syn);
    const bool ack = segment.has(SegmentFlag::Ack);
    if (syn && !ack) {
        if (own.fromSyn && own.base != segment.seq) {
            // The 4-tuple is opened again (a client port reused after TIME_WAIT).
            connection = Connection();
        }
        if (!own.fromSyn)
            own = {segment.seq, true, true};
    } else if (syn) {
        // A SYN,ACK names both initial sequence numbers: its own, and the SYN's it acks.
        own = {segment.seq, true, true};
        peer = {segment.ack - 1, true, true};
    } else if (!own.known) {
        own = {segment.seq - 1, true, false};
    }
    if (ack && !peer.known)
        peer = {segment.ack - 1, true, false};

    return {own.base, peer.known ? peer.base : 0};
}

} // namespace sockscope
