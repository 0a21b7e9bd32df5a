// SPDX-License-Identifier: GPL-3.0-or-later
#include "segment.h"

#include <linux/if_packet.h>

#include <algorithm>

namespace sockscope {

QString segmentFlagsText(SegmentFlags flags)
{
    static const char *const names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    QString text;
    for (int bit = 0; bit < 8; ++bit) {
        if (!(flags.toInt() & (1 << bit)))
            continue;
        if (!text.isEmpty())
            text += QLatin1Char(',');
        text += QLatin1String(names[bit]);
    }
    return text.isEmpty() ? QStringLiteral("none") : text;
}

bool operator==(const TcpOptions &a, const TcpOptions &b)
{
    return a.mss == b.mss && a.windowScale == b.windowScale && a.sackPermitted == b.sackPermitted
        && a.timestamps == b.timestamps && a.sackBlockCount == b.sackBlockCount
        && std::equal(a.sackBlocks.begin(), a.sackBlocks.begin() + a.sackBlockCount, b.sackBlocks.begin())
        && a.count == b.count && std::equal(a.entries.begin(), a.entries.begin() + a.count, b.entries.begin())
        && a.unknownCount == b.unknownCount;
}

LinkDirection Segment::direction() const
{
    switch (packetType) {
    case PACKET_HOST:
        return LinkDirection::Incoming;
    case PACKET_OUTGOING:
        return LinkDirection::Outgoing;
    default:
        return LinkDirection::Other;
    }
}

TcpFlags Segment::stateFlags() const
{
    TcpFlags state;
    if (has(SegmentFlag::Syn))
        state |= TcpFlag::Syn;
    if (has(SegmentFlag::Ack))
        state |= TcpFlag::Ack;
    if (has(SegmentFlag::Fin))
        state |= TcpFlag::Fin;
    if (has(SegmentFlag::Rst))
        state |= TcpFlag::Rst;
    return state;
}

quint32 Segment::sequenceLength() const
{
    return payloadLength + (has(SegmentFlag::Syn) ? 1 : 0) + (has(SegmentFlag::Fin) ? 1 : 0);
}

ConnectionKey Segment::senderKey() const
{
    ConnectionKey key;
    key.family = family;
    key.local = source;
    key.remote = destination;
    return key;
}

ConnectionKey Segment::receiverKey() const
{
    ConnectionKey key;
    key.family = family;
    key.local = destination;
    key.remote = source;
    return key;
}

bool operator==(const Segment &a, const Segment &b)
{
    return a.timestampNs == b.timestampNs && a.packetType == b.packetType && a.family == b.family
        && a.source == b.source && a.destination == b.destination && a.seq == b.seq && a.ack == b.ack
        && a.flags == b.flags && a.window == b.window && a.urgentPointer == b.urgentPointer
        && a.payloadLength == b.payloadLength && a.capturedPayloadLength == b.capturedPayloadLength
        && a.ipHeaderLength == b.ipHeaderLength && a.tcpHeaderLength == b.tcpHeaderLength
        && a.options == b.options;
}

} // namespace sockscope
