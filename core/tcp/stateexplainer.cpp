// SPDX-License-Identifier: GPL-3.0-or-later
#include "stateexplainer.h"

#include "core/model/socketrecord.h"

#include <QStringList>

namespace sockscope {

namespace {

QString bytes(quint32 n)
{
    return n == 1 ? QStringLiteral("1 byte") : QStringLiteral("%1 bytes").arg(n);
}

QString connections(quint32 n)
{
    return n == 1 ? QStringLiteral("1 connection") : QStringLiteral("%1 connections").arg(n);
}

QString retransmissions(quint32 n)
{
    return n == 1 ? QStringLiteral("1 retransmission") : QStringLiteral("%1 retransmissions").arg(n);
}

// The facts of the timer column, for the states in which each timer kind means something.
QString timerFact(const SocketRecord &r)
{
    const QString left = StateExplainer::formatDuration(r.timerRemainingMs);
    switch (r.timer) {
    case TimerKind::None:
        return QString();
    case TimerKind::Retransmit: {
        QString what;
        if (r.state == TcpState::SynSent)
            what = QStringLiteral("The SYN is sent again if no answer comes: next try in %1").arg(left);
        else if (r.state == TcpState::SynRecv)
            what = QStringLiteral("The SYN,ACK is sent again if no ACK comes: next try in %1").arg(left);
        else
            what = QStringLiteral("Unacknowledged data is retransmitted in %1").arg(left);
        if (r.retransmits > 0)
            what += QStringLiteral(" (%1 unanswered so far)").arg(retransmissions(r.retransmits));
        return what + u'.';
    }
    case TimerKind::Keepalive:
        return QStringLiteral("Keepalive is on: the next probe of an idle peer is due in %1.").arg(left);
    case TimerKind::TimeWait:
        if (r.state == TcpState::TimeWait)
            return QString(); // the state's own sentence cites it
        if (r.state == TcpState::FinWait2)
            return QStringLiteral("The kernel waits at most %1 more for it (tcp_fin_timeout), then drops the connection.")
                .arg(left);
        return QStringLiteral("A timewait timer runs: %1 left.").arg(left);
    case TimerKind::ZeroWindowProbe: {
        QString what = QStringLiteral("The peer's receive window is zero, so nothing more may be sent; "
                                      "the kernel sends zero-window probes (next in %1)")
                           .arg(left);
        if (r.probes > 0)
            what += QStringLiteral(", %1 unanswered").arg(r.probes);
        return what + u'.';
    }
    }
    return QString();
}

// A connection without a file: either not yet accept()ed or already close()d (see KERNEL.md).
bool hasNoFile(const SocketRecord &r)
{
    return r.inode && *r.inode == 0;
}

// Pass txQueue 0 where the state's own sentence already cites the send queue.
QString queueFacts(quint32 rxQueue, quint32 txQueue)
{
    QStringList facts;
    if (rxQueue > 0)
        facts << QStringLiteral("%1 received and not yet read by the application").arg(bytes(rxQueue));
    if (txQueue > 0)
        facts << QStringLiteral("%1 in the send queue, not yet acknowledged by the peer").arg(bytes(txQueue));
    if (facts.isEmpty())
        return QString();
    QString s = facts.join(QStringLiteral("; "));
    s[0] = s[0].toUpper();
    return s + u'.';
}

QString stateSentence(const SocketRecord &r)
{
    const QString left = StateExplainer::formatDuration(r.timerRemainingMs);
    switch (r.state) {
    case TcpState::Listen: {
        QString s = QStringLiteral("LISTEN: a passive open. The kernel answers SYNs on this port and completes "
                                   "the handshake by itself; accept() only takes finished connections off the queue. ");
        if (r.rxQueue == 0)
            s += QStringLiteral("The accept queue is empty: no completed connection waits for accept()");
        else
            s += QStringLiteral("The accept queue holds %1 the kernel has completed, waiting for accept()")
                     .arg(connections(r.rxQueue));
        if (r.listenBacklog)
            s += QStringLiteral(" (backlog %1)").arg(*r.listenBacklog);
        return s + u'.';
    }
    case TcpState::SynSent:
        return QStringLiteral("SYN_SENT: connect() sent a SYN. The kernel waits for the peer's SYN,ACK.");
    case TcpState::SynRecv:
        return QStringLiteral("SYN_RECV: a SYN arrived and the kernel answered with SYN,ACK. "
                              "It waits for the ACK that completes the handshake.");
    case TcpState::Established:
        if (hasNoFile(r))
            return QStringLiteral("ESTABLISHED: the handshake is complete, but no process holds this end yet: "
                                  "it waits in the listener's accept queue until accept() takes it.");
        return QStringLiteral("ESTABLISHED: the handshake is complete and data can flow both ways.");
    case TcpState::FinWait1: {
        QString s = QStringLiteral("FIN_WAIT1: this end closed or shut down writing. The kernel waits for the "
                                   "peer to acknowledge its FIN");
        if (r.txQueue > 1)
            s += QStringLiteral(", which is queued behind data: %1 to send, the FIN counting as one")
                     .arg(bytes(r.txQueue));
        return s + u'.';
    }
    case TcpState::FinWait2:
        if (hasNoFile(r))
            return QStringLiteral("FIN_WAIT2: the peer acknowledged this end's FIN and the application has "
                                  "closed the socket. The kernel waits for the peer's FIN.");
        return QStringLiteral("FIN_WAIT2: the peer acknowledged this end's FIN. The kernel waits for the peer's "
                              "FIN; this end can still receive, for as long as the peer keeps its side open.");
    case TcpState::TimeWait:
        return QStringLiteral("TIME_WAIT: this end closed first. The kernel keeps the connection for 2MSL so "
                              "late segments cannot be mistaken for a new connection: %1 left.")
            .arg(left);
    case TcpState::Close:
        return QStringLiteral("CLOSE: no connection. The socket is created or bound but neither listens nor "
                              "connects.");
    case TcpState::CloseWait:
        return QStringLiteral("CLOSE_WAIT: the peer closed its side (its FIN arrived). The kernel waits for "
                              "this end's application to call close(); until then the socket stays.");
    case TcpState::LastAck: {
        QString s = QStringLiteral("LAST_ACK: the peer closed first, then this end closed too. The kernel waits "
                                   "for the ACK of its FIN");
        if (r.txQueue > 1)
            s += QStringLiteral(", which is queued behind data: %1 to send, the FIN counting as one")
                     .arg(bytes(r.txQueue));
        s += u'.';
        if (hasNoFile(r))
            s += QStringLiteral(" The application has already let go of the socket.");
        return s;
    }
    case TcpState::Closing: {
        QString s = QStringLiteral("CLOSING: both ends sent a FIN; the peer's arrived before the ACK of this "
                                   "end's own. The kernel waits for that ACK");
        if (r.txQueue > 1)
            s += QStringLiteral(", and its FIN is still queued behind data: %1 to send, the FIN counting as one")
                     .arg(bytes(r.txQueue));
        return s + u'.';
    }
    }
    return QString();
}

} // namespace

QString StateExplainer::formatDuration(qint64 ms)
{
    if (ms < 0)
        ms = 0;
    if (ms >= 100000)
        return QStringLiteral("%1 s").arg((ms + 500) / 1000);
    return QStringLiteral("%1 s").arg(QString::number(double(ms) / 1000.0, 'f', 1));
}

QString StateExplainer::formatPreciseDuration(qint64 ns)
{
    ns = qMax<qint64>(0, ns);
    if (ns < 1000000)
        return QStringLiteral("%1 µs").arg((ns + 500) / 1000);
    if (ns < 1000000000)
        return QStringLiteral("%1 ms").arg(QString::number(double(ns) / 1e6, 'f', ns < 10000000 ? 2 : 1));
    return QStringLiteral("%1 s").arg(QString::number(double(ns) / 1e9, 'f', 2));
}

QString StateExplainer::meaning(TcpState state)
{
    switch (state) {
    case TcpState::Close:
        return QStringLiteral("No connection: the start and the end of every connection.");
    case TcpState::Listen:
        return QStringLiteral("Waiting for connection requests from any peer.");
    case TcpState::SynSent:
        return QStringLiteral("Sent a SYN (connect()); waiting for the peer's SYN,ACK.");
    case TcpState::SynRecv:
        return QStringLiteral("Received a SYN and answered SYN,ACK; waiting for the final ACK.");
    case TcpState::Established:
        return QStringLiteral("The handshake is complete: data flows both ways.");
    case TcpState::FinWait1:
        return QStringLiteral("This end closed first and sent a FIN; waiting for its ACK.");
    case TcpState::FinWait2:
        return QStringLiteral("This end's FIN is acknowledged; waiting for the peer's FIN.");
    case TcpState::CloseWait:
        return QStringLiteral("The peer closed; waiting for this end's application to close().");
    case TcpState::Closing:
        return QStringLiteral("Both ends closed at once; waiting for the ACK of this end's FIN.");
    case TcpState::LastAck:
        return QStringLiteral("Closed after the peer; waiting for the ACK of this end's FIN.");
    case TcpState::TimeWait:
        return QStringLiteral("Closed first; waiting 2MSL so late segments die out.");
    }
    return QString();
}

QString StateExplainer::explain(const SocketRecord &record)
{
    QStringList parts{stateSentence(record)};
    if (record.state != TcpState::Listen) {
        // FIN_WAIT1, LAST_ACK and CLOSING cite a send queue with the FIN behind it already.
        const bool sendQueueCited = record.txQueue > 1
            && (record.state == TcpState::FinWait1 || record.state == TcpState::LastAck
                || record.state == TcpState::Closing);
        const QString queues = queueFacts(record.rxQueue, sendQueueCited ? 0 : record.txQueue);
        if (!queues.isEmpty())
            parts << queues;
    }
    const QString timer = timerFact(record);
    if (!timer.isEmpty())
        parts << timer;
    return parts.join(u' ');
}

} // namespace sockscope
