// SPDX-License-Identifier: GPL-3.0-or-later
#include "timelinescale.h"

#include <algorithm>
#include <cmath>

namespace sockscope {

namespace {

constexpr qint64 nsPerSecond = 1000000000;
constexpr qint64 largestStepNs = qint64(1e15); // ~11.5 days: far beyond any zoom level

// The next 1-2-5 value strictly above `step`.
qint64 nextStep(qint64 step)
{
    qint64 magnitude = 1;
    while (magnitude * 10 <= step)
        magnitude *= 10;
    const qint64 mantissa = step / magnitude;
    if (mantissa < 2)
        return 2 * magnitude;
    if (mantissa < 5)
        return 5 * magnitude;
    return 10 * magnitude;
}

QString withDecimals(double value, const QString &unit)
{
    const int decimals = value < 10 ? 2 : value < 100 ? 1 : 0;
    return QString::number(value, 'f', decimals) + QLatin1Char(' ') + unit;
}

} // namespace

TimelineScale::TimelineScale(qint64 viewStartNs, double pixelsPerSecond, double leftPx)
    : m_viewStartNs(viewStartNs)
    , m_pixelsPerSecond(clampPixelsPerSecond(pixelsPerSecond))
    , m_leftPx(leftPx)
{
}

double TimelineScale::xForNs(qint64 ns) const
{
    return m_leftPx + double(ns - m_viewStartNs) * m_pixelsPerSecond / double(nsPerSecond);
}

qint64 TimelineScale::nsForX(double x) const
{
    return m_viewStartNs + std::llround((x - m_leftPx) * double(nsPerSecond) / m_pixelsPerSecond);
}

double TimelineScale::widthForNs(qint64 durationNs) const
{
    return double(durationNs) * m_pixelsPerSecond / double(nsPerSecond);
}

TimelineScale TimelineScale::zoomedAround(double anchorX, double factor) const
{
    const qint64 anchorNs = nsForX(anchorX);
    const double pps = clampPixelsPerSecond(m_pixelsPerSecond * factor);
    const qint64 start = anchorNs - std::llround((anchorX - m_leftPx) * double(nsPerSecond) / pps);
    return TimelineScale(start, pps, m_leftPx);
}

TimelineScale TimelineScale::withViewStart(qint64 viewStartNs) const
{
    return TimelineScale(viewStartNs, m_pixelsPerSecond, m_leftPx);
}

double TimelineScale::clampPixelsPerSecond(double pixelsPerSecond)
{
    if (!std::isfinite(pixelsPerSecond))
        return maxPixelsPerSecond;
    return std::clamp(pixelsPerSecond, minPixelsPerSecond, maxPixelsPerSecond);
}

qint64 TimelineScale::tickStepNs(double pixelsPerSecond, double minSpacingPx)
{
    const double rawNs = minSpacingPx / clampPixelsPerSecond(pixelsPerSecond) * double(nsPerSecond);
    qint64 step = 1;
    while (double(step) < rawNs && step < largestStepNs)
        step = nextStep(step);
    return step;
}

qint64 TimelineScale::tickStepForLabels(double pixelsPerSecond, qint64 largestOffsetNs,
                                        const std::function<double(const QString &)> &textWidth,
                                        double gapPx)
{
    const double pps = clampPixelsPerSecond(pixelsPerSecond);
    qint64 step = tickStepNs(pps, gapPx * 2);
    while (step < largestStepNs) {
        // The widest label is the one furthest from the origin, at this step's precision.
        const double needed = textWidth(tickLabel(std::max<qint64>(largestOffsetNs, 0), step)) + gapPx;
        if (double(step) * pps / double(nsPerSecond) >= needed)
            break;
        step = std::max(nextStep(step), tickStepNs(pps, needed));
    }
    return step;
}

QString TimelineScale::tickLabel(qint64 offsetNs, qint64 stepNs)
{
    // Integer arithmetic: a double would print 1.0000000001 s for offsets of long runs.
    int decimals = 9;
    for (qint64 unit = 1; unit < nsPerSecond && stepNs % (unit * 10) == 0; unit *= 10)
        --decimals;
    const bool negative = offsetNs < 0;
    const qint64 magnitude = negative ? -offsetNs : offsetNs;
    QString text = QString::number(magnitude / nsPerSecond);
    if (decimals > 0) {
        qint64 fraction = magnitude % nsPerSecond;
        for (int i = decimals; i < 9; ++i)
            fraction /= 10;
        text += QLatin1Char('.') + QString::number(fraction).rightJustified(decimals, QLatin1Char('0'));
    }
    return (negative ? QStringLiteral("−") : QString()) + text + QStringLiteral(" s");
}

QList<TimelineScale::Tick> TimelineScale::ticks(qint64 originNs, qint64 fromNs, qint64 toNs, qint64 stepNs)
{
    QList<Tick> out;
    if (stepNs <= 0 || toNs < fromNs)
        return out;
    // First multiple of the step at or after `fromNs`, counted from the origin.
    const qint64 offset = fromNs - originNs;
    qint64 k = offset / stepNs;
    if (k * stepNs < offset)
        ++k;
    for (qint64 ns = originNs + k * stepNs; ns <= toNs; ns += stepNs)
        out.append({ns, tickLabel(ns - originNs, stepNs)});
    return out;
}

QString TimelineScale::formatDuration(qint64 ns)
{
    if (ns < 0)
        ns = 0;
    if (ns < 1000)
        return QString::number(ns) + QStringLiteral(" ns");
    if (ns < 1000000)
        return withDecimals(double(ns) / 1e3, QStringLiteral("µs"));
    if (ns < nsPerSecond)
        return withDecimals(double(ns) / 1e6, QStringLiteral("ms"));
    const qint64 seconds = ns / nsPerSecond;
    if (seconds < 60)
        return withDecimals(double(ns) / 1e9, QStringLiteral("s"));
    if (seconds < 3600)
        return QStringLiteral("%1 min %2 s").arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60, 2, 10, QLatin1Char('0'));
}

} // namespace sockscope
