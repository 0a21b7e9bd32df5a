// SPDX-License-Identifier: GPL-3.0-or-later
#include "segmentdecoder.h"

#include <linux/if_ether.h>
#include <netinet/in.h>

#include <algorithm>

namespace sockscope {

namespace {

using Problem = SegmentDecoder::Problem;
using Result = SegmentDecoder::Result;

constexpr qsizetype ipv4HeaderLength = 20;
constexpr qsizetype ipv6HeaderLength = 40;
constexpr qsizetype tcpHeaderLength = 20;
constexpr quint16 moreFragments = 0x2000;
constexpr quint16 fragmentOffsetMask = 0x1fff;

quint16 be16(const uchar *p)
{
    return quint16(p[0] << 8 | p[1]);
}

quint32 be32(const uchar *p)
{
    return quint32(p[0]) << 24 | quint32(p[1]) << 16 | quint32(p[2]) << 8 | quint32(p[3]);
}

Result rejected(Problem problem, qsizetype offset, const QString &reason)
{
    Result result;
    result.problem = problem;
    result.offset = offset;
    result.reason = reason;
    return result;
}

QString optionName(quint8 kind)
{
    switch (kind) {
    case TcpOptions::MaxSegmentSize:
        return QStringLiteral("MSS");
    case TcpOptions::WindowScale:
        return QStringLiteral("window scale");
    case TcpOptions::SackPermitted:
        return QStringLiteral("SACK permitted");
    case TcpOptions::Sack:
        return QStringLiteral("SACK");
    case TcpOptions::Timestamps:
        return QStringLiteral("timestamps");
    default:
        return QStringLiteral("kind %1").arg(kind);
    }
}

// The length a known option must have; SACK's is 2 plus 8 per block, 1 to 4 blocks.
bool fitsItsKind(quint8 kind, quint8 length)
{
    switch (kind) {
    case TcpOptions::MaxSegmentSize:
        return length == 4;
    case TcpOptions::WindowScale:
        return length == 3;
    case TcpOptions::SackPermitted:
        return length == 2;
    case TcpOptions::Sack:
        return length >= 10 && (length - 2) % 8 == 0;
    case TcpOptions::Timestamps:
        return length == 10;
    default:
        return length >= 2;
    }
}

// The options between the fixed TCP header and the data: `p` at the first option byte,
// `length` bytes of them, `at` the frame offset of `p` for the problem's offset.
std::optional<Result> readOptions(const uchar *p, qsizetype length, qsizetype at, TcpOptions &options)
{
    qsizetype pos = 0;
    while (pos < length) {
        const quint8 kind = p[pos];
        if (kind == TcpOptions::EndOfList || kind == TcpOptions::NoOperation) {
            options.entries[options.count++] = {kind, 1};
            if (kind == TcpOptions::EndOfList)
                break; // the rest is padding
            ++pos;
            continue;
        }
        if (pos + 1 >= length) {
            return rejected(Problem::OptionPastHeader, at + pos,
                            QStringLiteral("option %1 has no length byte before the TCP header ends")
                                .arg(optionName(kind)));
        }
        const quint8 optionLength = p[pos + 1];
        if (!fitsItsKind(kind, optionLength)) {
            return rejected(Problem::BadOption, at + pos,
                            QStringLiteral("option %1 of length %2").arg(optionName(kind)).arg(optionLength));
        }
        if (pos + optionLength > length) {
            return rejected(Problem::OptionPastHeader, at + pos,
                            QStringLiteral("option %1 of length %2 runs past the TCP header (%3 bytes left)")
                                .arg(optionName(kind))
                                .arg(optionLength)
                                .arg(length - pos));
        }
        const uchar *value = p + pos + 2;
        switch (kind) {
        case TcpOptions::MaxSegmentSize:
            options.mss = be16(value);
            break;
        case TcpOptions::WindowScale:
            options.windowScale = value[0];
            break;
        case TcpOptions::SackPermitted:
            options.sackPermitted = true;
            break;
        case TcpOptions::Sack:
            options.sackBlockCount = quint8((optionLength - 2) / 8);
            for (int i = 0; i < options.sackBlockCount; ++i)
                options.sackBlocks[size_t(i)] = {be32(value + 8 * i), be32(value + 8 * i + 4)};
            break;
        case TcpOptions::Timestamps:
            options.timestamps = TcpTimestamps{be32(value), be32(value + 4)};
            break;
        default:
            ++options.unknownCount;
            break;
        }
        options.entries[options.count++] = {kind, optionLength};
        pos += optionLength;
    }
    return std::nullopt;
}

QString extensionHeaderName(quint8 nextHeader)
{
    switch (nextHeader) {
    case IPPROTO_HOPOPTS:
        return QStringLiteral("hop-by-hop options");
    case IPPROTO_ROUTING:
        return QStringLiteral("routing");
    case IPPROTO_DSTOPTS:
        return QStringLiteral("destination options");
    default:
        return QStringLiteral("authentication");
    }
}

Result truncated(Problem problem, qsizetype offset, const QString &what, qsizetype have, qsizetype need)
{
    return rejected(problem, offset, QStringLiteral("truncated %1 (%2 of %3 bytes)").arg(what).arg(have).arg(need));
}

// Where the IP layer puts the TCP header, and where it says the packet ends (maybe past the
// frame, when a capture cut it short).
struct IpPacket
{
    qsizetype tcpAt = 0;
    qsizetype end = 0;
    quint16 length = 0; // the length field, for the words of a problem

    QString lengthText(AddressFamily family) const
    {
        return (family == AddressFamily::IPv4 ? QStringLiteral("IPv4 total length %1")
                                              : QStringLiteral("IPv6 payload length %1"))
            .arg(length);
    }
};

std::optional<Result> readIPv4(const uchar *p, qsizetype size, Segment &s, IpPacket &packet)
{
    constexpr qsizetype ipAt = SegmentDecoder::linkHeaderLength;
    const uchar *ip = p + ipAt;
    const qsizetype have = size - ipAt;
    s.family = AddressFamily::IPv4;
    if (have < ipv4HeaderLength)
        return truncated(Problem::TruncatedIpHeader, ipAt, QStringLiteral("IPv4 header"), have, ipv4HeaderLength);
    if (ip[0] >> 4 != 4)
        return rejected(Problem::WrongIpVersion, ipAt, QStringLiteral("IP version %1 under the IPv4 ethertype").arg(ip[0] >> 4));
    const int ihl = ip[0] & 0x0f;
    if (ihl < 5)
        return rejected(Problem::BadIpHeaderLength, ipAt, QStringLiteral("IPv4 header length %1 is below 5").arg(ihl));
    const qsizetype headerLength = qsizetype(ihl) * 4;
    if (have < headerLength)
        return truncated(Problem::TruncatedIpHeader, ipAt, QStringLiteral("IPv4 header"), have, headerLength);
    const quint16 totalLength = be16(ip + 2);
    if (totalLength < headerLength) {
        return rejected(Problem::BadIpLength, ipAt + 2,
                        QStringLiteral("IPv4 total length %1 is below its header length %2").arg(totalLength).arg(headerLength));
    }
    if (ip[9] != IPPROTO_TCP)
        return rejected(Problem::NotTcp, ipAt + 9, QStringLiteral("not TCP (protocol %1)").arg(ip[9]));
    const quint16 fragment = be16(ip + 6);
    if (fragment & (moreFragments | fragmentOffsetMask)) {
        return rejected(Problem::Fragment, ipAt + 6,
                        QStringLiteral("IPv4 fragment (offset %1%2)")
                            .arg((fragment & fragmentOffsetMask) * 8)
                            .arg(fragment & moreFragments ? QStringLiteral(", more fragments") : QString()));
    }
    s.source.address = IpAddress::fromIPv4(be32(ip + 12));
    s.destination.address = IpAddress::fromIPv4(be32(ip + 16));
    packet = {ipAt + headerLength, ipAt + totalLength, totalLength};
    return std::nullopt;
}

std::optional<Result> readIPv6(const uchar *p, qsizetype size, Segment &s, IpPacket &packet)
{
    constexpr qsizetype ipAt = SegmentDecoder::linkHeaderLength;
    const uchar *ip = p + ipAt;
    s.family = AddressFamily::IPv6;
    if (size - ipAt < ipv6HeaderLength)
        return truncated(Problem::TruncatedIpHeader, ipAt, QStringLiteral("IPv6 header"), size - ipAt, ipv6HeaderLength);
    if (ip[0] >> 4 != 6)
        return rejected(Problem::WrongIpVersion, ipAt, QStringLiteral("IP version %1 under the IPv6 ethertype").arg(ip[0] >> 4));
    const quint16 payloadLength = be16(ip + 4);
    if (payloadLength == 0) {
        // A jumbogram, or a BIG TCP packet over 64 KiB (lo sends those only when its
        // gso_max_size is raised): the header does not say how long it is.
        return rejected(Problem::BadIpLength, ipAt + 4, QStringLiteral("IPv6 payload length 0 (a jumbogram)"));
    }
    packet.end = ipAt + ipv6HeaderLength + payloadLength;
    packet.length = payloadLength;
    std::array<quint8, 16> address;
    std::copy(ip + 8, ip + 24, address.begin());
    s.source.address = IpAddress::fromIPv6(address);
    std::copy(ip + 24, ip + 40, address.begin());
    s.destination.address = IpAddress::fromIPv6(address);

    // Each extension header is at least 8 bytes, so the walk ends within the frame.
    quint8 next = ip[6];
    qsizetype at = ipAt + ipv6HeaderLength;
    while (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS || next == IPPROTO_AH) {
        const QString what = QStringLiteral("IPv6 %1 header");
        const qsizetype have = size - at;
        if (have < 2)
            return truncated(Problem::TruncatedExtensionHeader, at, what.arg(extensionHeaderName(next)), have, 8);
        // AH counts its length in 4-byte units less 2, the others in 8-byte units less 1.
        const qsizetype length = next == IPPROTO_AH ? (qsizetype(p[at + 1]) + 2) * 4 : (qsizetype(p[at + 1]) + 1) * 8;
        if (have < length)
            return truncated(Problem::TruncatedExtensionHeader, at, what.arg(extensionHeaderName(next)), have, length);
        if (at + length > packet.end) {
            return rejected(Problem::BadIpLength, at,
                            QStringLiteral("%1 ends inside the %2 header")
                                .arg(packet.lengthText(s.family), extensionHeaderName(next)));
        }
        next = p[at];
        at += length;
    }
    if (next == IPPROTO_FRAGMENT)
        return rejected(Problem::Fragment, at, QStringLiteral("IPv6 fragment"));
    if (next != IPPROTO_TCP)
        return rejected(Problem::NotTcp, at, QStringLiteral("not TCP (protocol %1)").arg(next));
    packet.tcpAt = at;
    return std::nullopt;
}

// The TCP header's length must fit both in the frame and in what the IP length leaves it.
std::optional<Result> checkTcpHeaderLength(qsizetype need, qsizetype have, const IpPacket &packet, AddressFamily family)
{
    const qsizetype room = packet.end - packet.tcpAt;
    if (room < need) {
        return rejected(Problem::BadIpLength, packet.tcpAt,
                        QStringLiteral("%1 leaves %2 bytes for a TCP header of %3")
                            .arg(packet.lengthText(family))
                            .arg(room)
                            .arg(need));
    }
    if (have < need)
        return truncated(Problem::TruncatedTcpHeader, packet.tcpAt, QStringLiteral("TCP header"), have, need);
    return std::nullopt;
}

} // namespace

SegmentDecoder::Result SegmentDecoder::decode(QByteArrayView frame, quint8 packetType, qint64 timestampNs)
{
    const auto *p = reinterpret_cast<const uchar *>(frame.data());
    const qsizetype size = frame.size();
    if (size < linkHeaderLength)
        return truncated(Problem::TruncatedLinkHeader, 0, QStringLiteral("Ethernet header"), size, linkHeaderLength);
    const quint16 etherType = be16(p + 12);
    if (etherType != ETH_P_IP && etherType != ETH_P_IPV6)
        return rejected(Problem::NotIp, 12, QStringLiteral("not IP (ethertype 0x%1)").arg(etherType, 4, 16, QLatin1Char('0')));

    Segment s;
    s.timestampNs = timestampNs;
    s.packetType = packetType;
    IpPacket packet;
    if (std::optional<Result> problem = etherType == ETH_P_IP ? readIPv4(p, size, s, packet) : readIPv6(p, size, s, packet))
        return *problem;
    s.ipHeaderLength = quint16(packet.tcpAt - linkHeaderLength);

    // The IP length bounds the segment; the frame may end earlier (a capture that cut it) or
    // later (padding).
    const qsizetype have = size - packet.tcpAt;
    if (std::optional<Result> problem = checkTcpHeaderLength(tcpHeaderLength, have, packet, s.family))
        return *problem;
    const uchar *tcp = p + packet.tcpAt;
    const int dataOffset = tcp[12] >> 4;
    if (dataOffset < 5)
        return rejected(Problem::BadDataOffset, packet.tcpAt + 12, QStringLiteral("TCP data offset %1 is below 5").arg(dataOffset));
    const qsizetype headerLength = qsizetype(dataOffset) * 4;
    if (std::optional<Result> problem = checkTcpHeaderLength(headerLength, have, packet, s.family))
        return *problem;
    s.source.port = be16(tcp);
    s.destination.port = be16(tcp + 2);
    s.seq = be32(tcp + 4);
    s.ack = be32(tcp + 8);
    s.flags = SegmentFlags::fromInt(tcp[13]);
    s.window = be16(tcp + 14);
    s.urgentPointer = be16(tcp + 18);
    s.tcpHeaderLength = quint8(headerLength);
    if (std::optional<Result> problem = readOptions(tcp + tcpHeaderLength, headerLength - tcpHeaderLength,
                                                    packet.tcpAt + tcpHeaderLength, s.options)) {
        return *problem;
    }
    const qsizetype room = packet.end - packet.tcpAt;
    s.payloadLength = quint32(room - headerLength);
    s.capturedPayloadLength = quint32(std::min(room, have) - headerLength);

    Result result;
    result.segment = s;
    return result;
}

SegmentDecoder::Result SegmentDecoder::decodeIpPacket(QByteArrayView packet, quint8 packetType, qint64 timestampNs)
{
    if (packet.isEmpty())
        return truncated(Problem::TruncatedIpHeader, 0, QStringLiteral("IP header"), 0, ipv4HeaderLength);
    const int version = uchar(packet[0]) >> 4;
    if (version != 4 && version != 6)
        return rejected(Problem::NotIp, 0, QStringLiteral("not IP (version %1)").arg(version));
    // Hits are few: a copy behind a made-up link header keeps one decoder for both.
    QByteArray frame(linkHeaderLength, '\0');
    const quint16 etherType = version == 4 ? ETH_P_IP : ETH_P_IPV6;
    frame[12] = char(etherType >> 8);
    frame[13] = char(etherType & 0xff);
    frame.append(packet.data(), packet.size());
    Result result = decode(frame, packetType, timestampNs);
    if (!result.ok())
        result.offset = std::max<qsizetype>(0, result.offset - linkHeaderLength);
    return result;
}

} // namespace sockscope
