// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/timeline/timelineplan.h"
#include "timelinescale.h"

#include <QLineF>
#include <QList>
#include <QRectF>
#include <QSizeF>
#include <QString>

#include <functional>

namespace sockscope {

// Where everything of a plan goes on screen at one scale and size: all the geometry and
// every text placement, so that painting only draws and tests can check the arithmetic
// (that no two texts overlap, for one) without a widget.
class TimelineLayout
{
public:
    // How wide a text is in the fonts the view uses; a function so tests can fake a font.
    struct Metrics
    {
        std::function<double(const QString &)> textWidth;      // lane names, states
        // Axis, call and segment labels. The view uses the application's font for these too,
        // but the layout does not count on it.
        std::function<double(const QString &)> smallTextWidth;
        double lineHeight = 15;
        double smallLineHeight = 13;
    };

    struct Tick
    {
        double x = 0;
        QString label;
        QRectF labelRect; // empty when the label would not fit
    };

    struct LaneBox
    {
        QRectF bar;      // where the state intervals go
        QRectF strip;    // where the lab calls go (above the first lane, below the second)
        QRectF gutter;   // the lane's label, left of the time area
        QRectF labelRect;
        QRectF endpointRect;
    };

    struct Bar
    {
        int lane = 0;
        int interval = 0;
        QRectF rect;
        QRectF uncertain; // before the bar: when the state began unseen; may be empty
        QString text;     // "TIME_WAIT 12.3 s", "TIME_WAIT" or empty when neither fits
        QRectF textRect;
        bool live = false;
    };

    // A state no poll saw, timed by the captured segments (TimelinePlan::PacketSpan): drawn in
    // its lane at its true moment, at least a sliver wide.
    struct PacketBar
    {
        int lane = 0;
        int span = 0; // index into the plan lane's packetSpans
        QRectF rect;
        QString text; // "SYN_RECV 30 µs", "SYN_RECV" or empty when neither fits
        QRectF textRect;
    };

    struct Marker
    {
        int lane = 0;
        QList<int> calls; // indices into the plan lane's calls that share this spot
        QPointF tip;      // where it touches the lane's bar
        bool pointsDown = true;
        bool failed = false; // any of its calls failed
        QString text;        // "connect", "socket +2"; empty when there was no room
        QRectF textRect;
    };

    struct Arrow
    {
        // Index into the plan's captured() for a captured segment, into its segments() for
        // an implied one.
        int segment = 0;
        bool captured = false;
        QLineF line; // from the sender's lane to the receiver's; to the cross for a lost one
        // Implied: "SYN", or "SYN ↓" when it stands in a row beside a narrow window.
        // Captured: "SYN seq=0 ↓" (or a shorter form) in the column beside its moment;
        // "SYN,ACK seq=0 ack=1 DROPPED by rule 1 ↑" for a lost one.
        QString text;
        QRectF textRect;  // empty when there was no room
        // A captured segment a wire rule stopped (WireSegment::wasStopped()): sent, never
        // arrived. Its line stops part of the way to the receiver's lane, in a cross.
        bool lost = false;
    };

    struct Window
    {
        int exchange = 0;
        QRectF band;     // the exchange's time window across the ladder
        double fanLeft = 0;  // the arrows' extent: the window, at least a few pixels wide
        double fanRight = 0;
        QLineF leader; // from a narrow window to its row of labels; null when roomy
    };

    static constexpr double minGutterWidth = 96;
    // How far a captured arrow slants: on lo a segment arrives the instant it is sent, and a
    // burst of them (a handshake within 30 µs) steps right by this much per segment.
    static constexpr double capturedPitch = 10;
    static constexpr double sidePadding = 12; // time area margin left and right of the content
    static constexpr double lostReach = 0.6; // how far a lost segment's line goes toward its receiver
    static constexpr double crossSize = 4;   // half a lost segment's cross

    // A captured segment's labels, longest first (TimelinePlan::capturedLabels()), with what
    // stopped it for a lost one: "SYN,ACK seq=0 ack=1 DROPPED by rule 1", ..., "DROPPED".
    static QStringList capturedLabels(const WireSegment &wire);

    TimelineLayout() = default;

    // The width of the lane-label column left of the time area.
    static double gutterWidth(const TimelinePlan &plan, const Metrics &metrics);

    static TimelineLayout compute(const TimelinePlan &plan, const TimelineScale &scale, const QSizeF &size,
                                  const Metrics &metrics, qint64 nowNs);

    QRectF axisRect() const { return m_axisRect; }
    QRectF timeArea() const { return m_timeArea; } // right of the gutter, below the axis
    QRectF ladderRect() const { return m_ladderRect; } // empty with one lane
    const QList<Tick> &ticks() const { return m_ticks; }
    const QList<LaneBox> &lanes() const { return m_lanes; }
    const QList<Bar> &bars() const { return m_bars; }
    const QList<PacketBar> &packetBars() const { return m_packetBars; }
    const QList<Marker> &markers() const { return m_markers; }
    const QList<Arrow> &arrows() const { return m_arrows; } // implied ones, then captured ones
    const QList<Window> &windows() const { return m_windows; }
    bool hasLiveEdge() const { return m_hasLiveEdge; }
    double liveEdgeX() const { return m_liveEdgeX; }

    // Every text this layout places, for overlap checks.
    QList<QRectF> textRects() const;

    // What is at `pos`, described for a tooltip; empty when nothing is.
    QString toolTipAt(const QPointF &pos, const TimelinePlan &plan) const;

private:
    // The captured segments' arrows and their labels, after the implied ones (whose labels
    // are in `placed` already).
    void placeCaptured(const TimelinePlan &plan, const TimelineScale &scale, const Metrics &metrics, QList<QRectF> &placed);

    QRectF m_axisRect;
    QRectF m_timeArea;
    QRectF m_ladderRect;
    QList<Tick> m_ticks;
    QList<LaneBox> m_lanes;
    QList<Bar> m_bars;
    QList<PacketBar> m_packetBars;
    QList<Marker> m_markers;
    QList<Arrow> m_arrows;
    QList<Window> m_windows;
    bool m_hasLiveEdge = false;
    double m_liveEdgeX = 0;
};

} // namespace sockscope
