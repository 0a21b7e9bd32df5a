// SPDX-License-Identifier: GPL-3.0-or-later
#include "wiresegment.h"

#include "pcapng.h"
#include "segmenttext.h"

namespace sockscope {

QString WireSegment::stopText() const
{
    if (!wasStopped())
        return {};
    const QString rule = stoppingRule.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(stoppingRule);
    return answeredWithReset ? QStringLiteral("REFUSED by rule %1%2, answered with RST").arg(stoppedBy).arg(rule)
                             : QStringLiteral("DROPPED by rule %1%2").arg(stoppedBy).arg(rule);
}

QString WireSegment::line() const
{
    QString text = SegmentText::line(segment, bases);
    if (repeat.isRepeat())
        text += QStringLiteral("  (") + repeat.text() + QLatin1Char(')');
    if (wasStopped())
        text += QStringLiteral("  ") + stopText();
    return text;
}

QList<bool> stoppedOf(const QList<WireSegment> &segments)
{
    QList<bool> stopped;
    stopped.reserve(segments.size());
    for (const WireSegment &w : segments)
        stopped.append(w.wasStopped());
    return stopped;
}

ConnectionKey WireSegment::senderKey() const
{
    ConnectionKey key = segment.senderKey();
    key.network = Network::Private;
    return key;
}

ConnectionKey WireSegment::receiverKey() const
{
    ConnectionKey key = segment.receiverKey();
    key.network = Network::Private;
    return key;
}

QList<WireSegment> segmentsOfConnection(const QList<WireSegment> &all, const ConnectionKey &key, qint64 atSteadyNs)
{
    QList<WireSegment> segments;
    if (key.network != Network::Private)
        return segments; // nothing is captured on this machine's own network
    // A dual-stack socket's row names an IPv4 peer ::ffff:a.b.c.d; its frames carry IPv4.
    const Endpoint a = key.local.unmapped();
    const Endpoint b = key.remote.unmapped();
    const auto opening = [](const Segment &s) { return s.has(SegmentFlag::Syn) && !s.has(SegmentFlag::Ack); };
    // Incarnations begin at a SYN without ACK (a retransmitted one repeats its sequence number):
    // the one alive at atSteadyNs began at the last such SYN at or before it.
    const WireSegment *openedBy = nullptr;
    for (const WireSegment &w : all) {
        const Segment &s = w.segment;
        if (!((s.source == a && s.destination == b) || (s.source == b && s.destination == a)))
            continue;
        if (opening(s) && !(openedBy && openedBy->segment.source == s.source && openedBy->segment.seq == s.seq)) {
            if (!segments.isEmpty() && w.steadyNs > atSteadyNs)
                break; // a later connection on the same 4-tuple
            segments.clear();
            openedBy = &w;
        }
        segments.append(w);
    }
    return segments;
}

QByteArray pcapngOf(const QList<WireSegment> &segments, const QString &application)
{
    QList<PcapngPacket> packets;
    packets.reserve(segments.size());
    for (const WireSegment &w : segments)
        packets.append({w.segment.timestampNs, w.frame, w.cause});
    return Pcapng::write(packets, application);
}

} // namespace sockscope
