// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "segment.h"

#include "core/model/endpoint.h"
#include "core/tcp/tcpstate.h"
#include "core/tcp/tcpstatemachine.h"

#include <QHashFunctions>
#include <QList>

#include <optional>

namespace sockscope {

// One state change of one end of a connection, proven by a captured segment and timed by it.
struct PacketTransition
{
    TcpState from = TcpState::Close;
    TcpState to = TcpState::Close;
    qint64 atNs = 0;       // the causing segment's timestampNs
    qsizetype segment = 0; // its index in the list given to PacketStates::of()
    bool sent = false;     // this end sent that segment; otherwise it arrived there
    bool byReset = false;  // the segment is a RST (sent or received)

    friend bool operator==(const PacketTransition &a, const PacketTransition &b)
    {
        return a.from == b.from && a.to == b.to && a.atNs == b.atNs && a.segment == b.segment
            && a.sent == b.sent && a.byReset == b.byReset;
    }
    friend bool operator!=(const PacketTransition &a, const PacketTransition &b) { return !(a == b); }
    friend size_t qHash(const PacketTransition &t, size_t seed = 0) noexcept
    {
        return qHashMulti(seed, static_cast<int>(t.from), static_cast<int>(t.to), t.atNs, t.segment, t.sent,
                          t.byReset);
    }
};

// The state changes of one end of a connection that its captured segments prove, each timed
// by the segment that caused it: the short states no poll catches on loopback (SYN_RECV of a
// listener's request socket, FIN_WAIT1, LAST_ACK, CLOSING) and the exact moment of the others.
// A pure function of the segments, as Linux on lo treats them; a segment's timestamp there is
// both when it left and when it arrived.
//
// What the segments cannot show is not produced:
// - TIME_WAIT -> CLOSE is a timer, never a segment.
// - From CLOSE only the end's own SYN starts anything, and from LISTEN only a SYN that the end
//   answers with a SYN,ACK acking it (a RST answer means nothing listened; no answer, a full
//   queue). So a capture that missed the handshake yields nothing, unless the caller knows the
//   state from elsewhere (a poll) and passes it as `start`, with the segments after that point.
// - A close() or shutdown() whose FIN waits behind unsent data changed the state before any
//   segment shows it: the FIN times FIN_WAIT1 when it leaves, and a peer's FIN arriving in
//   between reads as CLOSE_WAIT. A caller that saw FIN_WAIT1 in a poll starts from there.
// - Where a rule needs this end's initial sequence number or FIN and the list starts after
//   them, an ACK of them is taken on trust (SYN_SENT, SYN_RECV) or the FIN is learnt from its
//   retransmission; FIN_WAIT1 receiving a FIN without knowing whether its own was acked stops
//   the walk, since CLOSING and TIME_WAIT are both possible.
//
// Every captured segment is taken to have arrived unless later segments show it did not (lab
// rules can drop segments on lo's input, after the capture saw them):
// - its sender sent it again (same end of sequence, same SYN, FIN and ACK bits) before the
//   receiver acknowledged it: the earlier copy was lost;
// - its receiver later sent again something this segment had acknowledged: it was not taken
//   (lost, or a bare ACK a TCP_DEFER_ACCEPT listener ignores);
// - a RST after which the receiver goes on sending (not RST, not a new SYN) was not accepted;
// - a SYN or SYN,ACK its receiver answers with a RST found no socket (or, in SYN_SENT, acked
//   the wrong number).
// A copy sent again although the first arrived (its ACK only late) would move the time to the
// later copy; on lo the ACK is not that late (in the captures here a FIN's delayed ACK came
// after 40-50 ms, and nothing was sent again).
// A listener with TCP_DEFER_ACCEPT ignores the bare ACK ending the handshake: that shows only
// when it sends its SYN,ACK again; when the client's data comes first, ESTABLISHED is timed by
// the bare ACK.
// A FIN arriving after a gap in the peer's data takes effect when the gap is filled, timed by
// the segment that fills it (or by this end's first ACK past it, when the capture missed that).
//
// A RST ends every state but LISTEN and CLOSE. In SYN_SENT only a RST acking the SYN (refused)
// ends it; the end's own RST there (Linux's answer to a SYN,ACK with a wrong ack) does not.
// A RST in SYN_RECV goes to CLOSE, not back to LISTEN as RFC 9293 allows: Linux drops the
// request socket, and the listener never left LISTEN. A RST in TIME_WAIT ends it (Linux's
// default, net.ipv4.tcp_rfc1337=0). After CLOSE, later segments (the 4-tuple opened again) are
// another socket's and produce nothing; split the list where SequenceNumbering starts over.
//
// A self-connected socket (source == destination == end) both sends and receives each of its
// segments, sending first: its SYN takes CLOSE -> SYN_SENT (sent) and SYN_SENT -> SYN_RECV
// (received, a simultaneous open with itself), its SYN,ACK SYN_RECV -> ESTABLISHED; its FIN,
// which does not ack itself, ESTABLISHED -> FIN_WAIT1 -> CLOSING, the ACK of it TIME_WAIT.
class PacketStates
{
public:
    // `segments`: one connection's, both directions, in capture order (one copy of each).
    // `end`: that end's local endpoint; segments neither from nor to it are skipped, and so are
    // those with another peer than the first one seen (other children of a listener's port).
    // An IPv4-mapped `end` (a dual-stack socket's row) matches the IPv4 frames. `start`: the
    // end's state before the first segment: CLOSE for a connecting client, LISTEN for the
    // listener's end of an accepted connection. `stopped`, index for index (may be shorter):
    // segments known never to have arrived (a lab wire rule dropped them on lo's input hook);
    // they move their sender alone, whatever later segments show.
    static QList<PacketTransition> of(const QList<Segment> &segments, const Endpoint &end, TcpState start,
                                      const QList<bool> &stopped = {});

    // The arrow of RFC 9293's diagram the transition follows ("rcv SYN / snd SYN,ACK"); none
    // for the RSTs, which the diagram does not draw.
    static std::optional<TcpTransition> arrowOf(const PacketTransition &transition);
};

} // namespace sockscope
