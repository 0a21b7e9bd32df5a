// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

#include <functional>

namespace sockscope {

// How the timeline maps steady-clock time to horizontal pixels, and the axis that goes with
// it. A plain value: the view keeps one, the tests build their own.
class TimelineScale
{
public:
    static constexpr double minPixelsPerSecond = 1e-3;  // a day fits in ~90 px
    static constexpr double maxPixelsPerSecond = 1e9;   // one pixel per nanosecond

    TimelineScale() = default;
    // `leftPx` is where `viewStartNs` is drawn (the lane labels sit to its left).
    TimelineScale(qint64 viewStartNs, double pixelsPerSecond, double leftPx = 0);

    qint64 viewStartNs() const { return m_viewStartNs; }
    double pixelsPerSecond() const { return m_pixelsPerSecond; }
    double leftPx() const { return m_leftPx; }

    double xForNs(qint64 ns) const;
    qint64 nsForX(double x) const;
    double widthForNs(qint64 durationNs) const;

    // The scale zoomed by `factor` (clamped) so that the time under `anchorX` stays put.
    TimelineScale zoomedAround(double anchorX, double factor) const;
    TimelineScale withViewStart(qint64 viewStartNs) const;

    static double clampPixelsPerSecond(double pixelsPerSecond);

    // The smallest 1-2-5 step, in ns, whose ticks lie at least `minSpacingPx` apart.
    static qint64 tickStepNs(double pixelsPerSecond, double minSpacingPx);
    // Like tickStepNs(), but also wide enough for the labels `textWidth` measures: a finer
    // step needs more decimals, so its labels are wider.
    static qint64 tickStepForLabels(double pixelsPerSecond, qint64 largestOffsetNs,
                                    const std::function<double(const QString &)> &textWidth,
                                    double gapPx = 16);

    // "12 s", "0.25 s", "1.0005 s": seconds since the origin with as many decimals as the
    // step needs, so neighbouring labels always differ.
    static QString tickLabel(qint64 offsetNs, qint64 stepNs);

    struct Tick
    {
        qint64 ns = 0; // absolute steady-clock time
        QString label;
    };
    // The ticks in [fromNs, toNs], on multiples of `stepNs` counted from `originNs`.
    static QList<Tick> ticks(qint64 originNs, qint64 fromNs, qint64 toNs, qint64 stepNs);

    // "420 µs", "12.3 ms", "12.3 s", "2 min 05 s", "1 h 02 min".
    static QString formatDuration(qint64 ns);

    friend bool operator==(const TimelineScale &a, const TimelineScale &b)
    {
        return a.m_viewStartNs == b.m_viewStartNs && a.m_pixelsPerSecond == b.m_pixelsPerSecond
            && a.m_leftPx == b.m_leftPx;
    }

private:
    qint64 m_viewStartNs = 0;
    double m_pixelsPerSecond = 100;
    double m_leftPx = 0;
};

} // namespace sockscope
