// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/endpoint.h"
#include "core/model/socketrecord.h"
#include "core/tcp/tcpstatemachine.h"

#include <QFlags>
#include <QString>

#include <array>
#include <optional>

namespace sockscope {

// The eight control bits of a TCP header, valued as in its 14th byte. TcpFlag (the state
// diagram's) names only the four that move a connection between states; stateFlags() below
// maps one to the other.
enum class SegmentFlag : quint8 {
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
    Urg = 0x20,
    Ece = 0x40,
    Cwr = 0x80,
};
Q_DECLARE_FLAGS(SegmentFlags, SegmentFlag)
Q_DECLARE_OPERATORS_FOR_FLAGS(SegmentFlags)

// "SYN", "SYN,ACK", "FIN,PSH,ACK", "SYN,ECE,CWR": Wireshark's order (the bits from low to
// high); "none" for a segment without flags.
QString segmentFlagsText(SegmentFlags flags);

// Which way a frame went past the capture socket, from sll_pkttype. On lo the kernel hands an
// AF_PACKET socket every segment twice: as it leaves (PACKET_OUTGOING) and as it arrives
// (PACKET_HOST).
enum class LinkDirection : quint8 {
    Incoming, // PACKET_HOST (0)
    Outgoing, // PACKET_OUTGOING (4)
    Other,    // broadcast, multicast, another host's: never TCP to a socket here
};

struct SackBlock
{
    quint32 left = 0;  // the first sequence number the receiver holds
    quint32 right = 0; // one past the last

    friend bool operator==(const SackBlock &a, const SackBlock &b) { return a.left == b.left && a.right == b.right; }
    friend bool operator!=(const SackBlock &a, const SackBlock &b) { return !(a == b); }
};

struct TcpTimestamps
{
    quint32 value = 0;     // TSval: the sender's clock
    quint32 echoReply = 0; // TSecr: the last TSval it received

    friend bool operator==(const TcpTimestamps &a, const TcpTimestamps &b)
    {
        return a.value == b.value && a.echoReply == b.echoReply;
    }
    friend bool operator!=(const TcpTimestamps &a, const TcpTimestamps &b) { return !(a == b); }
};

// The options of one segment: what the known ones say, and every option's kind and length in
// the order they came (NOP and EOL included), which the long text form prints as tcpdump
// does. Fixed arrays, no heap: a busy loopback delivers tens of thousands of segments a second.
struct TcpOptions
{
    enum Kind : quint8 {
        EndOfList = 0,
        NoOperation = 1,
        MaxSegmentSize = 2,
        WindowScale = 3,
        SackPermitted = 4,
        Sack = 5,
        Timestamps = 8,
    };
    static constexpr int maxSackBlocks = 4; // 2 + 4 * 8 bytes: all that fits in 40
    static constexpr int maxCount = 40;     // the whole option space in one-byte NOPs

    struct Entry
    {
        quint8 kind = 0;
        quint8 length = 1; // NOP and EOL have no length byte: 1

        friend bool operator==(const Entry &a, const Entry &b) { return a.kind == b.kind && a.length == b.length; }
    };

    std::optional<quint16> mss;
    std::optional<quint8> windowScale; // the shift count as sent (the kernel uses at most 14)
    bool sackPermitted = false;
    std::optional<TcpTimestamps> timestamps;
    std::array<SackBlock, maxSackBlocks> sackBlocks{};
    quint8 sackBlockCount = 0;
    std::array<Entry, maxCount> entries{};
    quint8 count = 0;
    quint8 unknownCount = 0; // kinds sockscope does not read (MD5, TCP-AO, MPTCP, TFO, ...)

    bool isEmpty() const { return count == 0; }

    friend bool operator==(const TcpOptions &a, const TcpOptions &b);
    friend bool operator!=(const TcpOptions &a, const TcpOptions &b) { return !(a == b); }
};

// One TCP segment as captured on an AF_PACKET socket. Numbers are as on the wire (absolute
// sequence numbers, the unscaled window); SequenceNumbering gives the relative ones and
// SegmentText the words.
struct Segment
{
    qint64 timestampNs = 0; // when the capture socket received it, from the caller
    quint8 packetType = 0;  // sll_pkttype as received
    AddressFamily family = AddressFamily::IPv4;
    Endpoint source;
    Endpoint destination;
    quint32 seq = 0;
    quint32 ack = 0; // meaningful only with ACK
    SegmentFlags flags;
    quint16 window = 0;
    quint16 urgentPointer = 0; // meaningful only with URG
    // The data the IP header says the segment carries; the frame holds capturedPayloadLength of
    // it (less only when the capture cut the frame short).
    quint32 payloadLength = 0;
    quint32 capturedPayloadLength = 0;
    quint16 ipHeaderLength = 0; // IPv4 with its options, IPv6 with its extension headers
    quint8 tcpHeaderLength = 0; // with the options
    TcpOptions options;

    LinkDirection direction() const;
    bool isOutgoing() const { return direction() == LinkDirection::Outgoing; }
    bool has(SegmentFlag flag) const { return flags.testFlag(flag); }
    QString flagsText() const { return segmentFlagsText(flags); }

    // SYN, ACK, FIN and RST as the state diagram speaks of them.
    TcpFlags stateFlags() const;

    // How much sequence space the segment takes: its data, plus one each for SYN and FIN. The
    // peer's ack for all of it is seq + sequenceLength().
    quint32 sequenceLength() const;

    // The kernel's row for the socket that sent the segment (local = source), and for the one
    // it is addressed to (local = destination). On lo both are ours. A dual-stack socket's row
    // shows an IPv4 peer as ::ffff:a.b.c.d where the frame carries IPv4: compare unmapped().
    ConnectionKey senderKey() const;
    ConnectionKey receiverKey() const;

    friend bool operator==(const Segment &a, const Segment &b);
    friend bool operator!=(const Segment &a, const Segment &b) { return !(a == b); }
};

} // namespace sockscope
