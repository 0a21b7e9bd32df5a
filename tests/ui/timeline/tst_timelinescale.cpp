// SPDX-License-Identifier: GPL-3.0-or-later
// The timeline's time axis: time maps to pixels and back, zoom keeps the anchor, ticks are
// 1-2-5 steps with labels that never collide, durations read naturally.
#include "ui/timeline/timelinescale.h"

#include "timelinefixtures.h"

#include <QTest>

using namespace sockscope;
using namespace sockscope::test;

namespace {

// A fake font: every character 7 px wide.
double fakeWidth(const QString &text)
{
    return 7.0 * text.size();
}

// The 1-2-5 step below `step`.
qint64 previousStep(qint64 step)
{
    qint64 magnitude = 1;
    while (magnitude * 10 <= step)
        magnitude *= 10;
    const qint64 mantissa = step / magnitude;
    return mantissa == 1 ? magnitude / 2 : mantissa == 2 ? magnitude : 2 * magnitude;
}

} // namespace

class TestTimelineScale : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldMapTimeToPixelsAndBack();
    void shouldKeepTheTimeUnderTheAnchorWhenZooming();
    void shouldClampTheZoom();
    void shouldChooseTheSmallestStepThatKeepsTicksApart_data();
    void shouldChooseTheSmallestStepThatKeepsTicksApart();
    void shouldWidenTheStepUntilLabelsFit_data();
    void shouldWidenTheStepUntilLabelsFit();
    void shouldLabelTicksWithTheDecimalsTheStepNeeds_data();
    void shouldLabelTicksWithTheDecimalsTheStepNeeds();
    void shouldPlaceTicksOnMultiplesOfTheStepFromTheOrigin();
    void shouldFormatDurations_data();
    void shouldFormatDurations();
};

void TestTimelineScale::shouldMapTimeToPixelsAndBack()
{
    const TimelineScale scale(ms(1000), 100, 120); // 100 px per second, time area from x = 120
    QCOMPARE(scale.xForNs(ms(1000)), 120.0);
    QCOMPARE(scale.xForNs(ms(1500)), 170.0);
    QCOMPARE(scale.xForNs(ms(500)), 70.0);
    QCOMPARE(scale.widthForNs(ms(2000)), 200.0);
    QCOMPARE(scale.nsForX(170), ms(1500));
    QCOMPARE(scale.nsForX(scale.xForNs(ms(1234.567))), ms(1234.567));
}

void TestTimelineScale::shouldKeepTheTimeUnderTheAnchorWhenZooming()
{
    const TimelineScale scale(ms(0), 100, 100);
    const qint64 under = scale.nsForX(400);
    const TimelineScale in = scale.zoomedAround(400, 4);
    QCOMPARE(in.pixelsPerSecond(), 400.0);
    QCOMPARE(in.nsForX(400), under);
    QCOMPARE(in.leftPx(), 100.0);
    const TimelineScale out = in.zoomedAround(250, 0.5);
    QCOMPARE(out.pixelsPerSecond(), 200.0);
    QCOMPARE(out.nsForX(250), in.nsForX(250));
}

void TestTimelineScale::shouldClampTheZoom()
{
    QCOMPARE(TimelineScale(0, 1e12).pixelsPerSecond(), TimelineScale::maxPixelsPerSecond);
    QCOMPARE(TimelineScale(0, 0).pixelsPerSecond(), TimelineScale::minPixelsPerSecond);
    QCOMPARE(TimelineScale(0, 1e8).zoomedAround(0, 1000).pixelsPerSecond(), TimelineScale::maxPixelsPerSecond);
}

void TestTimelineScale::shouldChooseTheSmallestStepThatKeepsTicksApart_data()
{
    QTest::addColumn<double>("pixelsPerSecond");
    QTest::addColumn<qint64>("step");
    // at least 80 px between ticks
    QTest::newRow("a day in 900 px") << 0.01 << qint64(1e13);      // 10,000 s: 100 px
    QTest::newRow("a minute in 900 px") << 15.0 << qint64(1e10);   // 10 s: 150 px
    QTest::newRow("seconds") << 100.0 << qint64(1e9);              // 1 s: 100 px
    QTest::newRow("poll intervals") << 1000.0 << qint64(1e8);      // 100 ms: 100 px
    QTest::newRow("a loopback handshake") << 1e6 << qint64(1e5);   // 100 µs: 100 px
    QTest::newRow("nanoseconds") << 1e9 << qint64(100);            // 100 ns: 100 px
    QTest::newRow("between two and five") << 30.0 << qint64(5e9);  // 5 s: 150 px; 2 s would be 60
}

void TestTimelineScale::shouldChooseTheSmallestStepThatKeepsTicksApart()
{
    QFETCH(double, pixelsPerSecond);
    QFETCH(qint64, step);
    QCOMPARE(TimelineScale::tickStepNs(pixelsPerSecond, 80), step);
}

void TestTimelineScale::shouldWidenTheStepUntilLabelsFit_data()
{
    QTest::addColumn<double>("pixelsPerSecond");
    QTest::addColumn<qint64>("largestOffsetNs");
    QTest::newRow("fit of a minute") << 14.0 << ms(64000);
    QTest::newRow("seconds") << 350.0 << ms(64000);
    QTest::newRow("milliseconds deep into a long run") << 2e5 << ms(3600000);
    QTest::newRow("nanoseconds") << 1e9 << ms(5000);
}

void TestTimelineScale::shouldWidenTheStepUntilLabelsFit()
{
    QFETCH(double, pixelsPerSecond);
    QFETCH(qint64, largestOffsetNs);
    const qint64 step = TimelineScale::tickStepForLabels(pixelsPerSecond, largestOffsetNs, fakeWidth, 16);
    const double spacing = double(step) * pixelsPerSecond / 1e9;
    const QString widest = TimelineScale::tickLabel(largestOffsetNs, step);
    QVERIFY2(spacing >= fakeWidth(widest) + 16, qPrintable(QStringLiteral("%1 px for %2").arg(spacing).arg(widest)));
    // and not wider than it has to be: the next smaller 1-2-5 step would be too dense
    const qint64 smaller = previousStep(step);
    const double smallerSpacing = double(smaller) * pixelsPerSecond / 1e9;
    QVERIFY(smallerSpacing < std::max(32.0, fakeWidth(TimelineScale::tickLabel(largestOffsetNs, smaller)) + 16));
}

void TestTimelineScale::shouldLabelTicksWithTheDecimalsTheStepNeeds_data()
{
    QTest::addColumn<qint64>("offsetNs");
    QTest::addColumn<qint64>("stepNs");
    QTest::addColumn<QString>("label");
    QTest::newRow("whole seconds") << ms(12000) << ms(1000) << QStringLiteral("12 s");
    QTest::newRow("tens of seconds") << ms(60000) << ms(20000) << QStringLiteral("60 s");
    QTest::newRow("half seconds") << ms(1500) << ms(500) << QStringLiteral("1.5 s");
    QTest::newRow("a whole second at a fine step") << ms(2000) << ms(200) << QStringLiteral("2.0 s");
    QTest::newRow("milliseconds") << ms(2005) << ms(5) << QStringLiteral("2.005 s");
    QTest::newRow("microseconds deep into a run") << ms(3600000.002) << qint64(2000)
                                                  << QStringLiteral("3600.000002 s");
    QTest::newRow("nanoseconds") << qint64(1000000001) << qint64(1) << QStringLiteral("1.000000001 s");
    QTest::newRow("zero") << qint64(0) << ms(100) << QStringLiteral("0.0 s");
}

void TestTimelineScale::shouldLabelTicksWithTheDecimalsTheStepNeeds()
{
    QFETCH(qint64, offsetNs);
    QFETCH(qint64, stepNs);
    QFETCH(QString, label);
    QCOMPARE(TimelineScale::tickLabel(offsetNs, stepNs), label);
}

void TestTimelineScale::shouldPlaceTicksOnMultiplesOfTheStepFromTheOrigin()
{
    const qint64 origin = ms(10000.3); // not a round number on the steady clock
    const QList<TimelineScale::Tick> ticks = TimelineScale::ticks(origin, origin + ms(150), origin + ms(1000), ms(250));
    QCOMPARE(ticks.size(), 4);
    QCOMPARE(ticks[0].ns, origin + ms(250));
    QCOMPARE(ticks[0].label, QStringLiteral("0.25 s"));
    QCOMPARE(ticks[3].ns, origin + ms(1000));
    QCOMPARE(ticks[3].label, QStringLiteral("1.00 s"));
    QVERIFY(TimelineScale::ticks(origin, origin + ms(10), origin, ms(250)).isEmpty());
}

void TestTimelineScale::shouldFormatDurations_data()
{
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<QString>("text");
    QTest::newRow("ns") << qint64(420) << QStringLiteral("420 ns");
    QTest::newRow("µs") << qint64(12300) << QStringLiteral("12.3 µs");
    QTest::newRow("ms") << ms(2.5) << QStringLiteral("2.50 ms");
    QTest::newRow("hundreds of ms") << ms(499) << QStringLiteral("499 ms");
    QTest::newRow("seconds") << ms(12340) << QStringLiteral("12.3 s");
    QTest::newRow("TIME_WAIT") << ms(60000) << QStringLiteral("1 min 00 s");
    QTest::newRow("minutes") << ms(125000) << QStringLiteral("2 min 05 s");
    QTest::newRow("hours") << ms(3725000) << QStringLiteral("1 h 02 min");
    QTest::newRow("negative is nothing") << qint64(-5) << QStringLiteral("0 ns");
}

void TestTimelineScale::shouldFormatDurations()
{
    QFETCH(qint64, ns);
    QFETCH(QString, text);
    QCOMPARE(TimelineScale::formatDuration(ns), text);
}

QTEST_GUILESS_MAIN(TestTimelineScale)
#include "tst_timelinescale.moc"
