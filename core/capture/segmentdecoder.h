// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "segment.h"

#include <QByteArrayView>
#include <QString>

#include <optional>

namespace sockscope {

// Reads one frame from an AF_PACKET SOCK_RAW socket on lo (a 14-byte Ethernet header with
// zero addresses, then IPv4 or IPv6) as a TCP segment, or says why it cannot. Reading the
// socket is the caller's job; this only takes bytes, so it can be tested and fuzzed on its
// own. Every length is checked before it is used, and nothing past the frame is read.
//
// Checksums are not checked: on lo the kernel offloads them and the frame carries only the
// pseudo-header's partial sum in the TCP checksum field.
class SegmentDecoder
{
public:
    // What kind of frame could not be read; reason says it in words, with the numbers.
    enum class Problem : quint8 {
        None,
        TruncatedLinkHeader,      // fewer than 14 bytes
        NotIp,                    // an ethertype other than IPv4 and IPv6
        TruncatedIpHeader,        // the fixed IPv4/IPv6 header, or IPv4's options, cut short
        WrongIpVersion,           // the version field disagrees with the ethertype
        BadIpHeaderLength,        // IPv4 IHL below 5
        BadIpLength,              // the IP length leaves no room for the headers it carries
        Fragment,                 // an IPv4 fragment or an IPv6 fragment header
        TruncatedExtensionHeader, // an IPv6 extension header runs past the frame
        NotTcp,                   // another protocol (UDP, ICMP, ...)
        TruncatedTcpHeader,       // the TCP header, options included, runs past the frame
        BadDataOffset,            // TCP data offset below 5
        BadOption,                // an option's length does not fit its kind
        OptionPastHeader,         // an option runs past the TCP header
    };

    struct Result
    {
        std::optional<Segment> segment;
        Problem problem = Problem::None;
        QString reason;       // e.g. "truncated IPv4 header (12 of 20 bytes)"; empty with a segment
        qsizetype offset = 0; // where in the frame the problem starts

        bool ok() const { return segment.has_value(); }
    };

    static constexpr qsizetype linkHeaderLength = 14;

    static Result decode(QByteArrayView frame, quint8 packetType, qint64 timestampNs);
    // The same for a bare IP packet, without the link header (what the kernel's packet log,
    // NFLOG, hands over). A problem's offset counts from the IP header.
    static Result decodeIpPacket(QByteArrayView packet, quint8 packetType, qint64 timestampNs);
};

} // namespace sockscope
