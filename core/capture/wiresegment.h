// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "packetstates.h"
#include "segment.h"
#include "segmentrepeats.h"
#include "sequencenumbering.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

namespace sockscope {

// One segment captured on the lab's private wire, as a session keeps it: the segment, what
// makes its numbers relative, when it was sent on the clock the session's polls and calls
// use, who sent it to whom in the lab's words, and the lab call that put it on the wire.
struct WireSegment
{
    Segment segment;     // absolute numbers; timestampNs on the kernel's CLOCK_REALTIME
    SequenceBases bases; // from SequenceNumbering, in capture order
    qint64 steadyNs = 0; // the same moment on the steady clock (Snapshot::steadyNs, LabCall::steadyNs)
    QString sender;      // "client #1", "listener", or an endpoint
    QString receiver;
    QString cause;       // "client #1: connect(127.0.0.1:8000)"; empty for the kernel's own answers
    QByteArray frame;    // as captured, from the Ethernet header on: what a pcapng file holds
    SegmentRepeat repeat; // a retransmission or a duplicate ACK (SegmentRepeats, in capture order)
    // The lab's wire rule that stopped it on lo's input hook, after the capture saw it leave:
    // its number (from 1; 0 when the segment got through), the rule in its grammar ("drop
    // synack"), and whether the rule answered it with a RST in the receiver's name (reject).
    int stoppedBy = 0;
    QString stoppingRule;
    bool answeredWithReset = false;

    bool wasStopped() const { return stoppedBy > 0; }
    // "DROPPED by rule 1 (drop synack)", "REFUSED by rule 2 (reject syn), answered with RST";
    // empty when it got through.
    QString stopText() const;

    // The segment in the log's words (SegmentText::line), with what it repeats and what
    // stopped it: "SYN seq=0 win=65495 <mss 65495,...>  (retransmission, 1.00 s after the
    // last)", "SYN,ACK seq=0 ack=1 ...  DROPPED by rule 1 (drop synack)".
    QString line() const;

    // The rows of the sending and receiving end: Segment's keys in the private network.
    ConnectionKey senderKey() const;
    ConnectionKey receiverKey() const;

    friend bool operator==(const WireSegment &a, const WireSegment &b)
    {
        return a.segment == b.segment && a.bases == b.bases && a.steadyNs == b.steadyNs && a.sender == b.sender
            && a.receiver == b.receiver && a.cause == b.cause && a.frame == b.frame && a.repeat == b.repeat
            && a.stoppedBy == b.stoppedBy && a.stoppingRule == b.stoppingRule
            && a.answeredWithReset == b.answeredWithReset;
    }
    friend bool operator!=(const WireSegment &a, const WireSegment &b) { return !(a == b); }
};

// A state change of one end of a lab connection that a captured segment proves, as it happens.
struct PacketStateChange
{
    QString who;          // the end, in the lab's words: "client #1", "server end (client #1)"
    ConnectionKey key;    // the end's row, in the private network
    PacketTransition transition; // atNs on the kernel's CLOCK_REALTIME, like the segment's
    qint64 steadyNs = 0;         // the same moment on the steady clock (WireSegment::steadyNs)
    QString segment;      // the segment that caused it: "SYN,ACK seq=0 ack=1 ..."
    QString sender;       // who sent that segment
};

// The segments of one connection among `all` (in capture order): those of its 4-tuple, either
// way, from the SYN that opened the incarnation alive at `atSteadyNs` (a 4-tuple used again
// is another connection) up to the next one. `key` is either end's.
QList<WireSegment> segmentsOfConnection(const QList<WireSegment> &all, const ConnectionKey &key, qint64 atSteadyNs);

// Which of `segments` a wire rule stopped (WireSegment::wasStopped()), index for index: what
// PacketStates::of() takes as known never to have arrived.
QList<bool> stoppedOf(const QList<WireSegment> &segments);

// The segments as a pcapng file (Pcapng::write), each with its cause as the packet's comment.
QByteArray pcapngOf(const QList<WireSegment> &segments, const QString &application);

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::WireSegment)
Q_DECLARE_METATYPE(sockscope::PacketStateChange)
