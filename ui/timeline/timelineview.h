// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/timeline/timelinelane.h"
#include "timelinelayout.h"
#include "core/timeline/timelineplan.h"
#include "timelinescale.h"

#include <QAbstractScrollArea>
#include <QList>

class QPainter;

namespace sockscope {

// The drawing surface of the timeline: time runs to the right and scrolls horizontally, the
// lane labels stay put on the left. It paints a TimelineLayout and turns wheel, keys and the
// scroll bar into changes of its TimelineScale.
//
// Painted by hand rather than with a QGraphicsScene: zooming changes every x position but no
// text size, so a scene would be rebuilt on every zoom step anyway.
class TimelineView : public QAbstractScrollArea
{
    Q_OBJECT

public:
    static constexpr double zoomStep = 1.5;

    explicit TimelineView(QWidget *parent = nullptr);

    // `wire`: the connection's captured segments, drawn instead of implied ones.
    void setLanes(const QList<TimelineLane> &lanes, const QList<WireSegment> &wire = {});
    void clear();
    void setNow(qint64 steadyNs);
    qint64 now() const { return m_nowNs; }

    void setFollowLive(bool follow);
    bool followsLive() const { return m_followLive; }

    void zoomIn();
    void zoomOut();
    void zoomToFit();
    // Zooms by `factor` keeping the time under `anchorX` (viewport coordinates) in place.
    void zoomAround(double anchorX, double factor);
    // Zooms and scrolls so that [fromNs, toNs] fills the time area (an event the user picked).
    void showRange(qint64 fromNs, qint64 toNs);
    double pixelsPerSecond() const { return m_scale.pixelsPerSecond(); }

    const TimelinePlan &plan() const { return m_plan; }
    const TimelineScale &scale() const { return m_scale; }
    const TimelineLayout &currentLayout() const { return m_layout; }
    TimelineLayout::Metrics metrics() const;

    // A lost segment's cross (TimelineLayout::Arrow::lost), as the view and its key draw it.
    static void drawCross(QPainter &painter, const QPointF &centre, const QColor &color);

Q_SIGNALS:
    void zoomChanged(double pixelsPerSecond);
    void followLiveChanged(bool follow);
    void layoutChanged(); // what is on screen changed (the legend follows it)

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    bool viewportEvent(QEvent *event) override;
    void changeEvent(QEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    void rebuildPlan();
    void setScale(const TimelineScale &scale);
    TimelineScale clamped(const TimelineScale &scale) const;
    void followEdge();
    void relayout();
    void syncScrollBar();
    void scrolledByUser(int value);
    double timeAreaLeft() const;     // viewport x of the left edge of the time area
    double visibleWidthPx() const;   // the time area minus padding on both sides
    qint64 contentEndNs() const;
    double zoomAnchorX() const;

    QList<TimelineLane> m_lanes;
    QList<WireSegment> m_wire;
    QList<quint64> m_ids;
    TimelinePlan m_plan;
    TimelineScale m_scale;
    TimelineLayout m_layout;
    qint64 m_nowNs = 0;
    bool m_followLive = true;
    bool m_fitted = false;      // no fit yet for these lanes (fit once the viewport has a size)
    bool m_syncingScrollBar = false;
    double m_scrollUnitPx = 1;  // pixels per scroll bar step; > 1 when int would overflow
};

} // namespace sockscope
