// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "segment.h"
#include "sequencenumbering.h"

#include <QString>

namespace sockscope {

// A segment in one line, the way tcpdump and Wireshark users read them: flags, seq, ack (with
// ACK), window as on the wire, data length (when there is data), options in angle brackets.
class SegmentText
{
public:
    enum class Form {
        // Option names, with the values that describe the connection (mss, wscale) and
        // without those that change on every segment (TS values, SACK edges) or fill space
        // (nop, eol): "SYN seq=0 win=65495 <mss 65495,sackOK,TS,wscale 7>".
        Short,
        // Every option in wire order with every value, as tcpdump -v prints them, SACK edges
        // relative like ack: "SYN seq=0 win=65495 <mss 65495,sackOK,TS val 123 ecr 0,nop,wscale 7>".
        Long,
    };

    // Relative to `bases` (from SequenceNumbering); absolute with the default.
    static QString line(const Segment &segment, const SequenceBases &bases = {}, Form form = Form::Short);
    static QString options(const TcpOptions &options, quint32 ackBase = 0, Form form = Form::Short);
    // A label for an arrow in a figure: flags, seq where the segment takes sequence space (or
    // is a RST, whose seq the receiver checks), ack with ACK, and the data's length:
    // "SYN seq=0", "ACK ack=1", "PSH,ACK seq=1 ack=1 len=300", "FIN,ACK seq=301 ack=201".
    static QString label(const Segment &segment, const SequenceBases &bases);
};

} // namespace sockscope
