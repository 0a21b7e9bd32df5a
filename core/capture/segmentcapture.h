// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "segment.h"
#include "segmentrepeats.h"
#include "sequencenumbering.h"

#include <QList>
#include <QObject>

#include <deque>

class QSocketNotifier;

namespace sockscope {

class LabNetwork;

// Every TCP segment on the loopback of the lab's private network, as it is sent: an AF_PACKET
// socket made there (no root: the helper is root of its own namespace) sees each segment on
// lo twice, going out and coming in, and only the outgoing copy is kept. Timestamps are the
// kernel's (SO_TIMESTAMPNS, CLOCK_REALTIME), to the nanosecond.
//
// The last maxKept segments are kept, with their relative sequence numbers; older ones are
// counted as dropped. Frames that are not TCP segments are counted and skipped. Nothing is
// read, and nothing costs, while capture is off.
class SegmentCapture : public QObject
{
    Q_OBJECT

public:
    struct Captured
    {
        Segment segment;
        SequenceBases bases; // what makes its numbers relative, as Wireshark shows them
        QByteArray frame;    // as it was on the wire, for a pcapng file
        QString comment;     // the call that caused it (annotateLast()), or empty
        SegmentRepeat repeat; // what it sends again of what its sender sent before
    };

    // The longest frame read whole: lo's 64 KiB MTU and the Ethernet header, with room to
    // spare. A session file holds no longer one.
    static constexpr qsizetype maxFrameBytes = 65536 + 128;

    explicit SegmentCapture(QObject *parent = nullptr);
    ~SegmentCapture() override;

    // Starts reading the network's lo; false with a reason (the network is not running, or
    // its kernel refuses packet sockets).
    bool start(LabNetwork &network, QString *error = nullptr);
    void stop();
    bool isCapturing() const { return m_fd >= 0; }

    const std::deque<Captured> &kept() const { return m_kept; }
    qint64 capturedCount() const { return m_captured; } // segments, one copy each
    qint64 droppedCount() const { return m_dropped; }   // the oldest, past maxKept
    qint64 skippedFrames() const { return m_skipped; }  // not TCP, or unreadable
    // 0 keeps none: for a caller that keeps what segmentCaptured() reports itself.
    void setMaxKept(qsizetype max) { m_maxKept = qMax<qsizetype>(0, max); }
    void clear();
    // Says what caused the segment segmentCaptured() just reported (a lab call).
    void annotateLast(const QString &comment);
    // The kept segments as a pcapng file (Wireshark, tshark), with their comments.
    QByteArray pcapng(const QString &application) const;

    // Reads what the kernel has queued now (the notifier does this as frames arrive; a caller
    // that wants every segment before it goes on, a scenario step, calls it too).
    void readPending();

Q_SIGNALS:
    void segmentCaptured(const sockscope::SegmentCapture::Captured &captured);

private:
    int m_fd = -1;
    QSocketNotifier *m_notifier = nullptr;
    SequenceNumbering m_numbering;
    SegmentRepeats m_repeats;
    std::deque<Captured> m_kept;
    qsizetype m_maxKept = 100000;
    qint64 m_captured = 0;
    qint64 m_dropped = 0;
    qint64 m_skipped = 0;
};

} // namespace sockscope
