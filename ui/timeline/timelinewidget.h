// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/timeline/timelinelane.h"

#include "core/capture/wiresegment.h"
#include "core/tcp/tcpstate.h"

#include <QList>
#include <QStringList>
#include <QWidget>

class QToolButton;

namespace sockscope {

class TimelineLegend;
class TimelineView;

// The timeline of one connection: a lane per end with its observed states and lab calls, and
// between two lanes the segments that went between them, drawn as a ladder: solid as they were
// captured on the wire, or where nothing was captured dashed and marked as implied by the
// observed transitions. Zoom with Ctrl+wheel, +/−, 0 (fit) or the buttons; the wheel scrolls
// in time.
class TimelineWidget : public QWidget
{
    Q_OBJECT

public:
    explicit TimelineWidget(QWidget *parent = nullptr);

    // Replaces the lanes (one or two) and the connection's captured segments
    // (Session::wireSegmentsOf(); empty where nothing was captured). Called again with newer
    // histories of the same ids, it keeps the user's zoom and scroll; with other ids it fits
    // the new connection.
    void setLanes(const QList<TimelineLane> &lanes, const QList<WireSegment> &wire = {});
    void clear();
    // The live edge: open spans (the current state of a live end) extend to `steadyNs`.
    // The owner calls this on every poll and from a timer while anything is live.
    void setNow(qint64 steadyNs);
    void setFollowLive(bool follow); // keep the live edge in view (default true)
    bool followsLive() const;
    // True while some end of the shown connection still exists: the owner's timer can stop
    // calling setNow() when this is false.
    bool isLive() const;

    void zoomIn();
    void zoomOut();
    void zoomToFit();
    double pixelsPerSecond() const;

    // For tests: what is drawn.
    int laneCount() const;
    QList<TcpState> laneStates(int lane) const; // the state intervals drawn, in order
    int callMarkerCount(int lane) const;        // calls marked on the lane (close ones share a marker)
    QStringList impliedSegments() const;        // ladder arrows, "client #1 -> accepted #1: SYN"
    QStringList capturedSegments() const;       // "client #1 -> accepted #1: SYN seq=0"
    TimelineLegend *legend() const { return m_legend; }
    TimelineView *view() const { return m_view; }

Q_SIGNALS:
    void zoomChanged(double pixelsPerSecond);
    void followLiveChanged(bool follow);

private:
    TimelineView *m_view = nullptr;
    TimelineLegend *m_legend = nullptr;
    QToolButton *m_followButton = nullptr;
};

} // namespace sockscope
