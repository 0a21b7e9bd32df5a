// SPDX-License-Identifier: GPL-3.0-or-later
#include "segmentrepeats.h"

namespace sockscope {

namespace {

// Sequence numbers wrap: a is before b when the distance from a to b is less than half the space.
bool before(quint32 a, quint32 b)
{
    return qint32(a - b) < 0;
}

QString secondsText(qint64 ns)
{
    if (ns < 1'000'000)
        return QString::number(double(ns) / 1000, 'f', 0) + QStringLiteral(" µs");
    if (ns < 1'000'000'000)
        return QString::number(double(ns) / 1e6, 'f', 1) + QStringLiteral(" ms");
    return QString::number(double(ns) / 1e9, 'f', 2) + QStringLiteral(" s");
}

} // namespace

QString SegmentRepeat::text() const
{
    if (retransmission > 0) {
        return (retransmission == 1 ? QStringLiteral("retransmission") : QStringLiteral("retransmission %1").arg(retransmission))
            + QStringLiteral(", %1 after the last").arg(secondsText(sincePreviousNs));
    }
    if (duplicateAck > 0)
        return QStringLiteral("duplicate ACK %1").arg(duplicateAck);
    return QString();
}

QString SegmentRepeat::shortText() const
{
    if (retransmission > 0) {
        return (retransmission == 1 ? QStringLiteral("retransmission") : QStringLiteral("retransmission %1").arg(retransmission))
            + QStringLiteral(" +") + secondsText(sincePreviousNs);
    }
    if (duplicateAck > 0)
        return QStringLiteral("dup ACK %1").arg(duplicateAck);
    return QString();
}

void SegmentRepeats::clear()
{
    m_flows.clear();
    m_order.clear();
}

SegmentRepeat SegmentRepeats::take(const Segment &s, qint64 atNs)
{
    SegmentRepeat repeat;
    const Direction key{s.source.unmapped(), s.destination.unmapped()};
    auto it = m_flows.find(key);
    const bool syn = s.has(SegmentFlag::Syn);
    // A SYN with another initial sequence number is a new connection on the same 4-tuple.
    if (it != m_flows.end() && syn && it->started && it->isn != s.seq) {
        *it = Flow();
    }
    if (it == m_flows.end()) {
        if (m_flows.size() >= maxFlows) {
            m_flows.remove(m_order.first());
            m_order.removeFirst();
        }
        it = m_flows.insert(key, Flow());
        m_order.append(key);
    }
    Flow &flow = *it;
    if (syn && !flow.started) {
        flow.started = true;
        flow.isn = s.seq;
    }
    if (s.has(SegmentFlag::Rst))
        return repeat; // a reset is an answer, not a repeat

    const quint32 length = s.sequenceLength();
    if (length > 0) {
        auto sent = flow.sent.find(s.seq);
        if (sent != flow.sent.end()) {
            repeat.retransmission = ++sent->times;
            repeat.sincePreviousNs = atNs - sent->lastNs;
            sent->lastNs = atNs;
        } else if (flow.sentAny && before(s.seq, flow.sentUpTo)) {
            // Part of what was sent, from another start (a retransmission that was repacketized).
            repeat.retransmission = 1;
            repeat.sincePreviousNs = atNs - flow.lastSentNs;
            flow.sent.insert(s.seq, {1, atNs});
        } else {
            if (flow.sent.size() >= maxSent)
                flow.sent.clear();
            flow.sent.insert(s.seq, {0, atNs});
        }
        const quint32 end = s.seq + length;
        if (!flow.sentAny || before(flow.sentUpTo, end))
            flow.sentUpTo = end;
        flow.sentAny = true;
        flow.lastSentNs = atNs;
    }

    if (s.has(SegmentFlag::Ack)) {
        const bool pure = length == 0;
        if (pure && flow.acked && s.ack == flow.lastAck && s.window == flow.lastWindow)
            repeat.duplicateAck = ++flow.duplicateAcks;
        else if (!flow.acked || s.ack != flow.lastAck)
            flow.duplicateAcks = 0;
        flow.acked = true;
        flow.lastAck = s.ack;
        flow.lastWindow = s.window;
    }
    return repeat;
}

} // namespace sockscope
