// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/capture/wiresegment.h"
#include "core/lab/labcall.h"
#include "core/tcp/tcpstatemachine.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace sockscope {

// A connection as the socket API's classic sequence diagram draws it, in rows and columns and
// nothing else: a lifeline (column) per lab socket that matters, time running down one row per
// event, the calls as boxes on their lifeline, the segments as arrows between lifelines, and the
// TCP state of each end as a band beside its lifeline. A pure function of what the lab and the
// capture recorded; a view turns rows into pixels, SequenceText into a figure for a bug report.
//
// Order. Rows follow the steady clock, with ties and the lab's stamping broken causally:
// - A call is stamped when it returns, after the segment it put on the wire. A captured segment
//   whose cause names a call (WireSegment::cause) comes right after that call, and so does every
//   segment captured after it up to the call's stamp: a connect() comes before its SYN, and the
//   SYN,ACK and ACK that followed within microseconds come after both.
// - An implied segment went somewhere in its window; it is placed at the window's start, or
//   after a call of its sender that sends (connect, send, shutdown, close) within the window,
//   and never before an implied segment given before it (the caller gives them in causal order).
//   An implied SYN goes after its sender's connect(): a poll that overlaps the call can open its
//   window before the call's stamp. The poll that closed an implied segment's window comes
//   after it.
// - A segment is one row: on the lab's loopback it leaves and arrives at the same moment, so
//   its sender's state changes and its receiver's are both on it (the sender's first, as
//   PacketStates walks them). Arrow keeps a row for each end for captures where they differ.
// - A state change tied to a segment changes on that segment's row; one that is not (a poll
//   saw it, or it was passed, not observed) is a row of its own at its time, after the calls
//   and segments of the same nanosecond, since a poll sees what they did.
//
// Lifelines and the server's end. Segments name their ends as the live session did when it
// captured them (WireSegment::sender, ::receiver): the server's end of a connection is
// "listener" until accept() returns it and "accepted #n" after. The figure follows the same
// rule, because until accept() the listener is the only socket the program holds for that
// port: a segment of the server's end attaches to the listener's lifeline until the row of the
// accept() that returned the accepted socket, and to the accepted socket's lifeline from then
// on, whichever name it carries (a name given a moment late or early moves with the rule; a
// "listener" segment after the accept() moves when a segment named for the accepted socket has
// shown its 4-tuple). The states of that end before accept() are its own, not the listener's,
// which stays in LISTEN: they go on the accepted socket's lifeline, which begins where the first
// of them does and is the kernel's only until accept() (Lifeline::acceptedRow). So a late
// accept() shows the handshake completing on the listener's lifeline, the new end reaching
// ESTABLISHED beside it, and only then accept() returning it. A lifeline holding both sockets
// (one "server" column, as textbooks draw it) has no such split.
class SequenceLayout
{
public:
    // How a state is known; drawn differently everywhere (DESIGN.md, "Honest pictures").
    enum class Known : quint8 {
        SeenByPoll,        // a source reported it
        TimedByPacket,     // a captured segment proves it and gives its moment
        PassedNotObserved, // on the RFC path between two observed states, nothing times it
    };

    // One column to draw, in order from left to right.
    struct LifelineSpec
    {
        QString label;         // "client #1", "listener", "accepted #1"
        QList<int> socketIds;  // the lab sockets (and epoll instances) whose calls go on it
        // Other names its ends have in WireSegment::sender and ::receiver; the label and the
        // socket labels of its calls are known without being listed.
        QStringList names;
        // A server end no accept() has returned yet (it waits in the accept queue): the
        // kernel's only on every row.
        bool queued = false;
    };

    // One segment to draw: captured, or implied by the states the polls saw where nothing was
    // captured (only its flags, ends and the window it went in are known).
    struct SegmentSpec
    {
        bool captured = true;
        WireSegment wire;        // captured
        TcpFlags flags;          // implied: what the sender's step sends
        QString sender;          // implied: its ends in the lab's words ("client #1")
        QString receiver;
        qint64 windowStartNs = 0; // implied: it went in (windowStartNs, windowEndNs], steady clock
        qint64 windowEndNs = 0;

        static SegmentSpec of(const WireSegment &wire);
        static SegmentSpec implied(TcpFlags flags, const QString &sender, const QString &receiver,
                                   qint64 windowStartNs, qint64 windowEndNs);
        const QString &senderName() const { return captured ? wire.sender : sender; }
        const QString &receiverName() const { return captured ? wire.receiver : receiver; }
    };

    // One change of one end's state.
    struct StateChange
    {
        int lifeline = 0;
        TcpState from = TcpState::Close;
        TcpState to = TcpState::Close;
        qint64 atNs = 0; // steady clock: when it happened, or when the poll saw it
        Known how = Known::SeenByPoll;
        // The segment (index into the segments given to of()) that caused it, -1 for none: the
        // change is on that segment's row. PacketTransition::segment, where the list is the same.
        qsizetype segment = -1;
    };

    // One row: one event, in order.
    struct Row
    {
        enum class Kind : quint8 { Call, Segment, State };
        Kind kind = Kind::Call;
        qsizetype index = 0; // into the calls, segments or state changes given to of()
        qint64 atNs = 0;     // the event's time (a call's stamp, a segment's, an implied one's window start)
    };

    // A call's box. A call that waits (a non-blocking connect() that answered EINPROGRESS, an
    // epoll_wait() that found nothing ready) spans from its row to the row of its completion,
    // the asynchronous call of the same kind on the same socket or epoll instance, which has no
    // box of its own. A box is on its call's socket's lifeline; an epoll_wait() that reported
    // sockets with lifelines is on the first of those, one that reported none on the lifeline
    // holding its epoll instance (LifelineSpec::socketIds).
    struct CallBox
    {
        int lifeline = 0;
        int row = 0;
        int endRow = 0;        // == row unless it waits; the last row when it never finished
        qsizetype call = 0;    // index into the calls given to of()
        qsizetype endCall = -1; // the completion's index, -1 for none
        QString text;          // "connect(127.0.0.1:8000) = -1 EINPROGRESS", "epoll_wait(1000 ms) waits"
        QString endText;       // "connect() finished: connected", "epoll_wait() = 1: listener EPOLLIN"; empty unless it waits
        bool failed = false;   // the call, or its completion, failed (EINPROGRESS and EAGAIN are not failing)

        bool waits() const { return endCall >= 0 || endRow > row; }
    };

    // A segment's arrow. An end with no lifeline in the figure is -1 (drawn to the margin),
    // with its name kept.
    struct Arrow
    {
        int fromLifeline = 0;
        int fromRow = 0;
        int toLifeline = 0;
        int toRow = 0;
        QString label; // "SYN seq=0", "SYN,ACK seq=0 ack=1", "ACK ack=1", "FIN,ACK seq=101 ack=1"
        bool captured = true;
        qsizetype segment = 0; // index into the segments given to of()
        QString sender;        // the ends' names as given
        QString receiver;
        // A wire rule stopped it on its way (WireSegment::wasStopped()): sent, and lost before
        // its receiver had it. Its words: "DROPPED by rule 1 (drop synack)", "REFUSED by rule 2
        // (reject syn), answered with RST" (WireSegment::stopText()).
        bool lost = false;
        QString stopText;
    };

    // One state of one end from the row it entered it to the row it left it: consecutive bands
    // of a lifeline share that row. The first band starts at the lifeline's first row (it is
    // left out when nothing is on the lifeline before its first change); the last one reaches
    // the figure's last row unless it is CLOSE.
    struct Band
    {
        int lifeline = 0;
        int firstRow = 0;
        int lastRow = 0;
        TcpState state = TcpState::Close;
        Known how = Known::SeenByPoll; // the first band: as the change that ends it
    };

    struct Lifeline
    {
        QString label;
        int firstRow = -1;    // -1: nothing on it
        int lastRow = -1;
        // The row of the accept() that returned its socket, where that call is on another
        // lifeline: before it the end was the kernel's only. Past the last row for an end still
        // in the accept queue (LifelineSpec::queued); -1 otherwise.
        int acceptedRow = -1;

        bool isEmpty() const { return firstRow < 0; }
        bool kernelOnlyAt(int row) const { return acceptedRow >= 0 && row < acceptedRow; }
    };

    SequenceLayout() = default;

    static SequenceLayout of(const QList<LifelineSpec> &lifelines, const QList<LabCall> &calls,
                             const QList<SegmentSpec> &segments, const QList<StateChange> &changes);

    const QList<Lifeline> &lifelines() const { return m_lifelines; }
    const QList<Row> &rows() const { return m_rows; }
    const QList<CallBox> &calls() const { return m_calls; }
    const QList<Arrow> &arrows() const { return m_arrows; }
    const QList<Band> &bands() const { return m_bands; } // by lifeline, then in order
    int rowCount() const { return int(m_rows.size()); }
    bool isEmpty() const { return m_rows.isEmpty(); }

    // The row of an input event, -1 when it is not in the figure.
    int rowOfCall(qsizetype call) const;
    int rowOfSegment(qsizetype segment) const;
    // The band of a lifeline that holds a row (the later one on a shared row), nullptr for none.
    const Band *bandAt(int lifeline, int row) const;

    // A call in the figure's words: "connect(127.0.0.1:8000) = -1 EINPROGRESS", "accept() = 8",
    // "recv(up to 100 bytes) = 0 (EOF)", "connect() finished: ECONNREFUSED",
    // "epoll_ctl(ADD, accepted #1, EPOLLIN|EPOLLRDHUP) = 0", "epoll_wait() = 1: listener EPOLLIN",
    // "epoll_wait(1000 ms) waits", "epoll_wait() = 0: timed out" (a wait that ran out).
    static QString callText(const LabCall &call);
    // A segment in the few words its arrow carries: flags, the numbers relative (seq left out
    // of a pure ACK, as tcpdump does), the data length: "ACK ack=1", "PSH,ACK seq=1 ack=1 len=100";
    // an implied one's flags only.
    static QString arrowLabel(const SegmentSpec &segment);

private:
    QList<Lifeline> m_lifelines;
    QList<Row> m_rows;
    QList<CallBox> m_calls;
    QList<Arrow> m_arrows;
    QList<Band> m_bands;
    QList<int> m_callRows;    // by input index, -1 for none
    QList<int> m_segmentRows;
};

} // namespace sockscope
