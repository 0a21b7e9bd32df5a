// SPDX-License-Identifier: GPL-3.0-or-later
#include "packetstates.h"

#include <QHash>

#include <algorithm>
#include <array>
#include <map>

namespace sockscope {

namespace {

// Sequence numbers wrap at 2^32 (RFC 9293 section 3.4): a is at or after b when the distance
// from b to a, read as signed, is not negative.
bool atOrAfter(quint32 a, quint32 b)
{
    return qint32(a - b) >= 0;
}

// Frames carry no interface name, so a kernel row's scope ("%lo") must not keep it apart.
bool sameEndpoint(const Endpoint &a, const Endpoint &b)
{
    return a.port == b.port && a.address == b.address;
}

enum class Role : quint8 {
    Other,    // another connection's
    Sent,     // from the end to its peer
    Received, // from the peer to the end
    Both,     // a self-connected socket's: from the end to itself
};

QList<Role> rolesOf(const QList<Segment> &segments, const Endpoint &end)
{
    QList<Role> roles(segments.size(), Role::Other);
    std::optional<Endpoint> peer;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const Segment &s = segments[i];
        const bool from = sameEndpoint(s.source, end);
        const bool to = sameEndpoint(s.destination, end);
        if (!from && !to)
            continue;
        const Endpoint &other = from ? s.destination : s.source;
        if (!peer)
            peer = other;
        else if (!sameEndpoint(other, *peer))
            continue;
        roles[i] = from && to ? Role::Both : from ? Role::Sent : Role::Received;
    }
    return roles;
}

// Whether each segment reached its receiver and was taken there, as far as later segments
// tell (the header lists the rules). On lo the capture sees a segment as it leaves,
// before netfilter's input hook, so a dropped one is still in the list. A self-connected
// socket's segments are all taken: with one sender and receiver the rules cannot tell.
QList<bool> takenOf(const QList<Segment> &segments, const QList<Role> &roles)
{
    QList<bool> taken(segments.size(), true);
    struct Direction
    {
        QHash<quint64, qsizetype> latestCopy; // by end of sequence and SYN, FIN, ACK bits
        std::optional<quint32> highestAck;
        QList<qsizetype> acks; // segments with ACK no retransmission has contradicted, in order
    };
    std::array<Direction, 2> directions; // [0] sent by the end, [1] by its peer
    const SegmentFlags copyBits = SegmentFlag::Syn | SegmentFlag::Fin | SegmentFlag::Ack;

    for (qsizetype i = 0; i < segments.size(); ++i) {
        if (roles[i] != Role::Sent && roles[i] != Role::Received)
            continue;
        const Segment &s = segments[i];
        const bool sent = roles[i] == Role::Sent;
        Direction &own = directions[sent ? 0 : 1];
        Direction &other = directions[sent ? 1 : 0];
        if (const quint32 length = s.sequenceLength(); length > 0) {
            const quint32 end = s.seq + length;
            const quint64 key = quint64(end) << 8 | quint64((s.flags & copyBits).toInt());
            const auto copy = own.latestCopy.find(key);
            if (copy == own.latestCopy.end()) {
                own.latestCopy.insert(key, i);
            } else {
                // Sent again: the earlier copy was lost unless the receiver had acked it
                // (then its ack was lost instead, or came late).
                if (!other.highestAck || !atOrAfter(*other.highestAck, end))
                    taken[*copy] = false;
                // And whatever the receiver acked it with did not reach the sender. Acks only
                // grow, so those covering it are the latest ones.
                while (!other.acks.isEmpty() && atOrAfter(segments[other.acks.last()].ack, end))
                    taken[other.acks.takeLast()] = false;
                *copy = i;
            }
        }
        if (s.has(SegmentFlag::Ack)) {
            if (!own.highestAck || atOrAfter(s.ack, *own.highestAck))
                own.highestAck = s.ack;
            own.acks.append(i);
        }
    }

    // A RST the end answers by going on (a challenge ACK, RFC 5961) did not end it; a SYN or
    // SYN,ACK it answers with a RST found no socket to take it (or a SYN,ACK acking the wrong
    // number, which SYN_SENT ignores).
    bool resetNext = false;        // the end's next segment is a RST
    bool goesOnAfterReset = false; // its next segment that is not a RST is not a SYN either
    for (qsizetype i = segments.size() - 1; i >= 0; --i) {
        const Segment &s = segments[i];
        if (roles[i] == Role::Sent) {
            resetNext = s.has(SegmentFlag::Rst);
            if (!resetNext)
                goesOnAfterReset = !s.has(SegmentFlag::Syn);
        } else if (roles[i] == Role::Received) {
            if ((s.has(SegmentFlag::Rst) && goesOnAfterReset) || (s.has(SegmentFlag::Syn) && resetNext))
                taken[i] = false;
        }
    }
    return taken;
}

// The end's state, moved segment by segment.
class Walk
{
public:
    Walk(const QList<Segment> &segments, const QList<Role> &roles, TcpState start)
        : m_segments(segments)
        , m_state(start)
    {
        for (qsizetype i = 0; i < segments.size(); ++i) {
            const Segment &s = segments[i];
            if (roles[i] == Role::Sent && s.has(SegmentFlag::Syn) && s.has(SegmentFlag::Ack))
                m_synAckByAck.insert(s.ack, i);
        }
    }

    // Where the peer's sequence space starts, from the first segment that shows it (lost or
    // not): the peer's own seq, or the ack the end sends.
    void notice(qsizetype i, bool sent)
    {
        const Segment &s = m_segments[i];
        if (m_rcvNxt)
            return;
        if (!sent)
            m_rcvNxt = s.seq;
        else if (s.has(SegmentFlag::Ack))
            m_rcvNxt = s.ack;
    }

    bool isDone() const { return m_stuck || (m_state == TcpState::Close && !m_transitions.isEmpty()); }
    const QList<PacketTransition> &transitions() const { return m_transitions; }

    void send(qsizetype i)
    {
        const Segment &s = m_segments[i];
        if (s.has(SegmentFlag::Rst)) {
            // In SYN_SENT Linux sends a RST only to answer a SYN,ACK that acks the wrong
            // number, and stays; a close() there sends nothing.
            if (m_state != TcpState::Listen && m_state != TcpState::Close && m_state != TcpState::SynSent)
                move(i, TcpState::Close, true, true);
            return;
        }
        if (s.has(SegmentFlag::Ack))
            catchUp(i, s.ack);
        if (s.has(SegmentFlag::Syn)) {
            if (!s.has(SegmentFlag::Ack) && m_state == TcpState::Close) {
                m_iss = s.seq;
                move(i, TcpState::SynSent, true);
            } else if (s.has(SegmentFlag::Ack) && !m_iss) {
                m_iss = s.seq;
            }
            return;
        }
        if (!s.has(SegmentFlag::Fin))
            return;
        if (!m_finEnd)
            m_finEnd = s.seq + s.sequenceLength();
        switch (m_state) {
        case TcpState::Established:
        case TcpState::SynRecv:
            move(i, TcpState::FinWait1, true);
            break;
        case TcpState::CloseWait:
            move(i, TcpState::LastAck, true);
            break;
        default:
            break; // a retransmission
        }
    }

    void receive(qsizetype i)
    {
        const Segment &s = m_segments[i];
        if (s.has(SegmentFlag::Rst)) {
            receiveReset(i, s);
            return;
        }
        if (s.has(SegmentFlag::Syn)) {
            receiveSyn(i, s);
            return;
        }
        if (m_state == TcpState::Close || m_state == TcpState::Listen || m_state == TcpState::SynSent)
            return; // not synchronized: data, ACKs and FINs mean nothing yet
        const bool finNow = deliver(s);
        if (s.has(SegmentFlag::Ack))
            receiveAck(i, s.ack, finNow);
        if (finNow)
            peerFin(i, false, s.has(SegmentFlag::Ack) && acksFin(s.ack));
    }

private:
    void move(qsizetype i, TcpState to, bool sent, bool reset = false)
    {
        m_transitions.append({m_state, to, m_segments[i].timestampNs, i, sent, reset});
        m_state = to;
    }

    bool acksFin(quint32 ack) const { return m_finEnd && atOrAfter(ack, *m_finEnd); }

    void receiveReset(qsizetype i, const Segment &s)
    {
        switch (m_state) {
        case TcpState::Listen:
        case TcpState::Close:
            return;
        case TcpState::SynSent:
            // Refused: only a RST that acks the SYN is accepted (RFC 9293 3.10.7.3).
            if (s.has(SegmentFlag::Ack) && (!m_iss || s.ack == *m_iss + 1))
                move(i, TcpState::Close, false, true);
            return;
        default:
            move(i, TcpState::Close, false, true);
        }
    }

    void receiveSyn(qsizetype i, const Segment &s)
    {
        if (s.has(SegmentFlag::Ack)) {
            if (m_state == TcpState::SynSent && (!m_iss || s.ack == *m_iss + 1)) {
                m_iss = s.ack - 1;
                startPeer(s.seq + 1);
                move(i, TcpState::Established, false);
            } else if (m_state == TcpState::SynRecv && (!m_iss || atOrAfter(s.ack, *m_iss + 1))) {
                // A simultaneous open: the peer's SYN,ACK acks our SYN.
                move(i, TcpState::Established, false);
            }
            return;
        }
        if (m_state == TcpState::Listen) {
            // A request socket exists only if the listener answered this SYN with a SYN,ACK.
            const auto answer = m_synAckByAck.constFind(s.seq + 1);
            if (answer == m_synAckByAck.cend() || *answer < i)
                return;
            m_iss = m_segments[*answer].seq;
            startPeer(s.seq + 1);
            move(i, TcpState::SynRecv, false);
        } else if (m_state == TcpState::SynSent) {
            startPeer(s.seq + 1);
            move(i, TcpState::SynRecv, false);
        }
    }

    void receiveAck(qsizetype i, quint32 ack, bool finNow)
    {
        switch (m_state) {
        case TcpState::SynRecv:
            if (!m_iss || atOrAfter(ack, *m_iss + 1))
                move(i, TcpState::Established, false);
            break;
        case TcpState::FinWait1:
            // With the peer's FIN in the same segment it is TIME_WAIT at once (peerFin()).
            if (acksFin(ack) && !finNow)
                move(i, TcpState::FinWait2, false);
            break;
        case TcpState::Closing:
            if (acksFin(ack))
                move(i, TcpState::TimeWait, false);
            break;
        case TcpState::LastAck:
            if (acksFin(ack))
                move(i, TcpState::Close, false);
            break;
        default:
            break;
        }
    }

    // The peer's FIN takes effect: it arrived in order (received), or this end's own ACK shows
    // it had (sent).
    void peerFin(qsizetype i, bool sent, bool finAckedToo)
    {
        switch (m_state) {
        case TcpState::Established:
            move(i, TcpState::CloseWait, sent);
            break;
        case TcpState::FinWait1:
            if (!m_finEnd)
                m_stuck = true; // CLOSING or TIME_WAIT: which, only the unseen FIN would tell
            else
                move(i, finAckedToo ? TcpState::TimeWait : TcpState::Closing, sent);
            break;
        case TcpState::FinWait2:
            move(i, TcpState::TimeWait, sent);
            break;
        default:
            break;
        }
    }

    // The peer's sequence space, unwrapped to 64 bits around what the end has in order.
    qint64 unwrap(quint32 seq) const { return *m_rcvNxt + qint32(seq - quint32(*m_rcvNxt)); }

    void startPeer(quint32 next)
    {
        m_rcvNxt = next;
        m_outOfOrder.clear();
        m_peerFinEnd.reset();
        m_peerFinTaken = false;
    }

    // Takes a received segment's data and FIN; true when the peer's FIN now takes effect,
    // everything before it having arrived.
    bool deliver(const Segment &s)
    {
        const quint32 length = s.payloadLength + (s.has(SegmentFlag::Fin) ? 1 : 0);
        if (length == 0)
            return false;
        const qint64 begin = unwrap(s.seq);
        const qint64 end = begin + length;
        if (s.has(SegmentFlag::Fin) && !m_peerFinEnd)
            m_peerFinEnd = end;
        if (begin <= *m_rcvNxt) {
            advanceTo(end);
        } else {
            // After a gap: kept until the gap is filled, as the kernel's out-of-order queue does.
            auto [range, inserted] = m_outOfOrder.try_emplace(begin, end);
            if (!inserted)
                range->second = std::max(range->second, end);
        }
        return takePeerFin();
    }

    void advanceTo(qint64 next)
    {
        if (next > *m_rcvNxt)
            m_rcvNxt = next;
        while (!m_outOfOrder.empty() && m_outOfOrder.begin()->first <= *m_rcvNxt) {
            m_rcvNxt = std::max(*m_rcvNxt, m_outOfOrder.begin()->second);
            m_outOfOrder.erase(m_outOfOrder.begin());
        }
    }

    bool takePeerFin()
    {
        if (!m_peerFinEnd || m_peerFinTaken || *m_rcvNxt < *m_peerFinEnd)
            return false;
        m_peerFinTaken = true;
        return true;
    }

    // The end's own ack is what it has in order: past our count, the capture missed a segment.
    void catchUp(qsizetype i, quint32 ack)
    {
        advanceTo(unwrap(ack));
        if (takePeerFin())
            peerFin(i, true, false);
    }

    const QList<Segment> &m_segments;
    TcpState m_state;
    bool m_stuck = false;
    std::optional<quint32> m_iss;    // this end's initial sequence number
    std::optional<quint32> m_finEnd; // one past this end's FIN: the ack that covers it
    QHash<quint32, qsizetype> m_synAckByAck; // this end's latest SYN,ACK for each ack it carries
    // The peer's data as the end has it: all before m_rcvNxt, and ranges after a gap.
    std::optional<qint64> m_rcvNxt;
    std::map<qint64, qint64> m_outOfOrder;
    std::optional<qint64> m_peerFinEnd;
    bool m_peerFinTaken = false;
    QList<PacketTransition> m_transitions;
};

} // namespace

QList<PacketTransition> PacketStates::of(const QList<Segment> &segments, const Endpoint &end, TcpState start,
                                        const QList<bool> &stopped)
{
    const QList<Role> roles = rolesOf(segments, end.unmapped());
    QList<bool> taken = takenOf(segments, roles);
    for (qsizetype i = 0; i < qMin(stopped.size(), taken.size()); ++i) {
        if (stopped[i] && roles[i] == Role::Received)
            taken[i] = false;
    }
    Walk walk(segments, roles, start);
    for (qsizetype i = 0; i < segments.size() && !walk.isDone(); ++i) {
        if (roles[i] == Role::Other)
            continue;
        walk.notice(i, roles[i] == Role::Sent);
        switch (roles[i]) {
        case Role::Other:
            break;
        case Role::Sent:
            walk.send(i);
            break;
        case Role::Received:
            if (taken[i])
                walk.receive(i);
            break;
        case Role::Both:
            // Out, then straight back in: loopback delivers while sending.
            walk.send(i);
            if (!walk.isDone())
                walk.receive(i);
            break;
        }
    }
    return walk.transitions();
}

std::optional<TcpTransition> PacketStates::arrowOf(const PacketTransition &transition)
{
    if (transition.byReset)
        return std::nullopt;
    for (const TcpTransition &arrow : TcpStateMachine::transitions()) {
        if (arrow.from == transition.from && arrow.to == transition.to)
            return arrow;
    }
    return std::nullopt;
}

} // namespace sockscope
