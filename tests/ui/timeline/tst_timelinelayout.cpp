// SPDX-License-Identifier: GPL-3.0-or-later
// Where the timeline puts things, without a widget: bars between their polls, labels only
// where they fit and never on top of each other, implied segments inside their time window,
// captured ones at their moment from the sender's lane to the receiver's.
#include "ui/timeline/timelinelayout.h"

#include "timelinefixtures.h"
#include "wirefixtures.h"

#include "core/capture/segmenttext.h"

#include <QTest>

using namespace sockscope;
using namespace sockscope::test;

namespace {

// A fake font: 7 px per character, 15 px lines; the small one 6 px and 13 px.
TimelineLayout::Metrics fakeMetrics()
{
    TimelineLayout::Metrics m;
    m.textWidth = [](const QString &text) { return 7.0 * text.size(); };
    m.smallTextWidth = [](const QString &text) { return 6.0 * text.size(); };
    m.lineHeight = 15;
    m.smallLineHeight = 13;
    return m;
}

const QSizeF viewSize(1000, 260);

TimelineScale scaleFor(const TimelinePlan &plan, double pixelsPerSecond, qint64 viewStartNs)
{
    const double left = TimelineLayout::gutterWidth(plan, fakeMetrics()) + TimelineLayout::sidePadding;
    return TimelineScale(viewStartNs, pixelsPerSecond, left);
}

TimelineLayout layoutAt(const TimelinePlan &plan, double pixelsPerSecond, qint64 viewStartNs)
{
    return TimelineLayout::compute(plan, scaleFor(plan, pixelsPerSecond, viewStartNs), viewSize, fakeMetrics(), ms(70000));
}

} // namespace

class TestTimelineLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldDrawEachIntervalBetweenItsPolls();
    void shouldLabelABarOnlyWithWhatFits();
    void shouldNeverPlaceTwoTextsOnTopOfEachOther_data();
    void shouldNeverPlaceTwoTextsOnTopOfEachOther();
    void shouldShareAMarkerBetweenCallsOnTheSamePixel();
    void shouldMarkFailedCallsButNotAConnectInProgress();
    void shouldKeepSegmentsInsideTheirWindow();
    void shouldLabelSegmentsBesideAWindowTooNarrowForThem();
    void shouldDescribeAnImpliedSegmentAsNotCaptured();
    void shouldLeaveTheLadderOutWithOneLane();
    void shouldDrawCapturedSegmentsFromSenderToReceiverInTimeOrder_data();
    void shouldDrawCapturedSegmentsFromSenderToReceiverInTimeOrder();
    void shouldStepABurstOfCapturedSegmentsApart();
    void shouldLabelEachCapturedSegmentWhereNoOtherArrowCrossesIt_data();
    void shouldLabelEachCapturedSegmentWhereNoOtherArrowCrossesIt();
    void shouldDescribeACapturedSegmentInFull();
    void shouldDrawAndDescribeWhatIsTimedByPacket();
};

void TestTimelineLayout::shouldDrawEachIntervalBetweenItsPolls()
{
    const TimelinePlan plan = TimelinePlan::build(closedConnection(), ms(70000));
    const TimelineScale scale = scaleFor(plan, 100, ms(0));
    const TimelineLayout l = TimelineLayout::compute(plan, scale, viewSize, fakeMetrics(), ms(70000));
    const TimelineLayout::Bar &finWait2 = l.bars()[1];
    QCOMPARE(finWait2.lane, 0);
    QCOMPARE(finWait2.rect.left(), scale.xForNs(ms(2810)));
    QCOMPARE(finWait2.rect.right(), scale.xForNs(ms(4310)));
    // the change into it happened after the last ESTABLISHED poll
    QCOMPARE(finWait2.uncertain.left(), scale.xForNs(ms(2310)));
    QCOMPARE(finWait2.uncertain.right(), finWait2.rect.left());
    // the second lane lies below the first, the ladder between them
    QVERIFY(l.lanes()[0].bar.bottom() <= l.ladderRect().top());
    QVERIFY(l.ladderRect().bottom() <= l.lanes()[1].bar.top());
    QVERIFY(l.lanes()[1].strip.bottom() <= viewSize.height());
}

void TestTimelineLayout::shouldLabelABarOnlyWithWhatFits()
{
    const TimelinePlan plan = TimelinePlan::build(closedConnection(), ms(70000));
    const auto textOf = [](const TimelineLayout &l, int lane, int interval) {
        for (const TimelineLayout::Bar &b : l.bars()) {
            if (b.lane == lane && b.interval == interval)
                return b.text;
        }
        return QStringLiteral("(not drawn)");
    };
    const TimelineLayout wide = layoutAt(plan, 100, ms(0));
    QCOMPARE(textOf(wide, 0, 0), QStringLiteral("ESTABLISHED 2.50 s")); // 250 px
    QCOMPARE(textOf(wide, 0, 2), QStringLiteral("TIME_WAIT 1 min 00 s"));
    const TimelineLayout narrow = layoutAt(plan, 40, ms(0));
    QCOMPARE(textOf(narrow, 0, 0), QStringLiteral("ESTABLISHED")); // 100 px: no room for the duration
    const TimelineLayout tiny = layoutAt(plan, 10, ms(0));
    QCOMPARE(textOf(tiny, 0, 0), QString()); // 25 px: the tooltip tells
    // a bar scrolled half out of view still says what it is, on its visible part
    const TimelineLayout scrolled = layoutAt(plan, 100, ms(30000));
    QCOMPARE(textOf(scrolled, 0, 2), QStringLiteral("TIME_WAIT 1 min 00 s"));
    for (const TimelineLayout::Bar &b : scrolled.bars()) {
        if (!b.text.isEmpty())
            QVERIFY(b.textRect.left() >= scrolled.axisRect().left());
    }
}

void TestTimelineLayout::shouldNeverPlaceTwoTextsOnTopOfEachOther_data()
{
    QTest::addColumn<double>("pixelsPerSecond");
    QTest::addColumn<qint64>("viewStartNs");
    QTest::addColumn<bool>("live");
    for (double pps : {10.0, 14.0, 30.0, 100.0, 400.0, 1000.0, 5000.0, 1e5, 1e7}) {
        for (qint64 start : {ms(0), ms(250), ms(2200), ms(3700)}) {
            for (bool live : {false, true}) {
                QTest::addRow("%g px/s from %lld ms%s", pps, start / 1000000, live ? ", live" : "")
                    << pps << start << live;
            }
        }
    }
}

void TestTimelineLayout::shouldNeverPlaceTwoTextsOnTopOfEachOther()
{
    QFETCH(double, pixelsPerSecond);
    QFETCH(qint64, viewStartNs);
    QFETCH(bool, live);
    const TimelinePlan plan = TimelinePlan::build(closedConnection(live ? -1 : 64310), ms(16000));
    const TimelineLayout l = layoutAt(plan, pixelsPerSecond, viewStartNs);
    const QList<QRectF> rects = l.textRects();
    QVERIFY(!rects.isEmpty());
    for (int i = 0; i < rects.size(); ++i) {
        for (int j = i + 1; j < rects.size(); ++j)
            QVERIFY2(!rects[i].intersects(rects[j]), qPrintable(QStringLiteral("text %1 and %2").arg(i).arg(j)));
    }
    // and every text stays inside the view
    for (const QRectF &r : rects)
        QVERIFY(r.left() >= 0 && r.right() <= viewSize.width() && r.top() >= 0 && r.bottom() <= viewSize.height());
}

void TestTimelineLayout::shouldShareAMarkerBetweenCallsOnTheSamePixel()
{
    const TimelinePlan plan = TimelinePlan::build(closedConnection(), ms(70000));
    // socket(), connect() and its completion lie within 0.4 ms
    const TimelineLayout fit = layoutAt(plan, 14, ms(0));
    QCOMPARE(fit.markers().first().calls, (QList<int>{0, 1, 2}));
    QCOMPARE(fit.markers().first().text, QStringLiteral("socket, connect, connected"));
    QVERIFY(fit.markers().first().pointsDown);
    const TimelineLayout close = layoutAt(plan, 1e5, ms(0)); // 10 µs per pixel
    QCOMPARE(close.markers()[0].calls, QList<int>{0});
    QCOMPARE(close.markers()[1].calls, QList<int>{1});
    QCOMPARE(close.markers()[0].text, QStringLiteral("socket"));
    // the second lane's markers point up from below its bar
    for (const TimelineLayout::Marker &m : fit.markers()) {
        if (m.lane == 1)
            QVERIFY(!m.pointsDown && m.tip.y() >= fit.lanes()[1].bar.top());
    }
}

void TestTimelineLayout::shouldMarkFailedCallsButNotAConnectInProgress()
{
    const TimelinePlan plan = TimelinePlan::build(closedConnection(), ms(70000));
    const TimelineLayout l = layoutAt(plan, 1e5, ms(0));
    QVERIFY(!l.markers()[1].failed); // connect() = -1 EINPROGRESS is how a non-blocking connect starts
    const TimelineLayout wide = layoutAt(plan, 400, ms(0));
    bool sawFailedRecv = false;
    for (const TimelineLayout::Marker &m : wide.markers()) {
        if (m.lane == 1 && m.calls == QList<int>{2}) {
            QVERIFY(m.failed); // recv() = -1 EAGAIN
            QCOMPARE(m.text, QStringLiteral("recv EAGAIN"));
            sawFailedRecv = true;
        }
    }
    QVERIFY(sawFailedRecv);
}

void TestTimelineLayout::shouldKeepSegmentsInsideTheirWindow()
{
    const TimelinePlan plan = TimelinePlan::build(closedConnection(), ms(70000));
    for (double pps : {14.0, 400.0, 5000.0}) {
        const TimelineLayout l = layoutAt(plan, pps, ms(0));
        for (const TimelineLayout::Window &w : l.windows()) {
            const TimelinePlan::Exchange &ex = plan.exchanges()[w.exchange];
            const double w0 = l.windows().isEmpty() ? 0 : w.band.left();
            for (const TimelineLayout::Arrow &a : l.arrows()) {
                if (plan.segments()[a.segment].exchange != w.exchange)
                    continue;
                QVERIFY(std::min(a.line.x1(), a.line.x2()) >= w0 - 0.01);
                // at most a few pixels wider than the window, to tell the arrows apart
                QVERIFY(std::max(a.line.x1(), a.line.x2()) <= std::max(w.band.right(), w0 + 3.0 * ex.segmentCount) + 0.01);
            }
        }
        // arrows go from the sender's lane to the receiver's
        for (const TimelineLayout::Arrow &a : l.arrows()) {
            const bool fromFirst = plan.segments()[a.segment].fromLane == 0;
            QCOMPARE(a.line.y1() < a.line.y2(), fromFirst);
        }
    }
}

void TestTimelineLayout::shouldLabelSegmentsBesideAWindowTooNarrowForThem()
{
    const TimelinePlan plan = TimelinePlan::build(closedConnection(), ms(70000));
    // the whole minute in 900 px: every window is a few pixels wide
    const TimelineLayout fit = layoutAt(plan, 14, ms(0));
    QCOMPARE(fit.arrows().size(), 7);
    QCOMPARE(fit.arrows()[0].text, QStringLiteral("SYN ↓"));
    QCOMPARE(fit.arrows()[1].text, QStringLiteral("SYN,ACK ↑"));
    // one row per exchange, left to right, starting beside its window
    QCOMPARE(fit.arrows()[0].textRect.top(), fit.arrows()[1].textRect.top());
    QVERIFY(fit.arrows()[0].textRect.right() < fit.arrows()[1].textRect.left());
    QVERIFY(fit.arrows()[0].textRect.left() > fit.windows()[0].fanRight);
    QVERIFY(!fit.windows()[0].leader.isNull());
    // close up, each arrow carries its own label at its middle
    const TimelineLayout close = layoutAt(plan, 2000, ms(0)); // the 310 ms window is 620 px
    QCOMPARE(close.arrows()[0].text, QStringLiteral("SYN"));
    QCOMPARE(close.arrows()[0].textRect.center(), close.arrows()[0].line.center());
    QVERIFY(close.windows()[0].leader.isNull());
}

void TestTimelineLayout::shouldDescribeAnImpliedSegmentAsNotCaptured()
{
    const TimelinePlan plan = TimelinePlan::build(closedConnection(), ms(70000));
    const TimelineLayout l = layoutAt(plan, 2000, ms(0));
    const QString tip = l.toolTipAt(l.arrows()[1].line.pointAt(0.25), plan);
    QVERIFY2(tip.startsWith(QStringLiteral("SYN,ACK from accepted #1 to client #1 — implied, not a captured packet.")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("LISTEN → ESTABLISHED")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("rcv SYN / snd SYN,ACK")), qPrintable(tip));
    // a bar tells its state, duration and polls
    const QString bar = l.toolTipAt(l.bars()[0].rect.center(), plan);
    QVERIFY2(bar.startsWith(QStringLiteral("client #1: ESTABLISHED for 2.50 s")), qPrintable(bar));
    QVERIFY2(bar.contains(QStringLiteral("seen by 5 polls")), qPrintable(bar));
    // a marker lists its calls as the lab logged them
    const TimelineLayout::Marker &m = l.markers().first();
    const QString calls = l.toolTipAt(m.tip + QPointF(0, -3), plan);
    QVERIFY2(calls.contains(QStringLiteral("socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK) = 5")), qPrintable(calls));
    QVERIFY2(calls.contains(QStringLiteral("connect(127.0.0.1:8000) = -1 EINPROGRESS")), qPrintable(calls));
}

void TestTimelineLayout::shouldLeaveTheLadderOutWithOneLane()
{
    const TimelinePlan plan = TimelinePlan::build({closedConnection().first()}, ms(70000));
    const TimelineLayout l = layoutAt(plan, 14, ms(0));
    QVERIFY(l.ladderRect().isEmpty());
    QVERIFY(l.arrows().isEmpty());
    QCOMPARE(l.lanes().size(), 1);
    QCOMPARE(l.bars().size(), 3);
}

namespace {

// The whole transfer (9.8 to 300 ms of the fixture's clock) in the 1000 px view.
constexpr double transferFitPps = 3000;

TimelineLayout transferLayout(double pixelsPerSecond, qint64 viewStartNs, const QSizeF &size = viewSize)
{
    const TimelinePlan plan = TimelinePlan::build(transferLanes(), ms(400), transferWire());
    return TimelineLayout::compute(plan, scaleFor(plan, pixelsPerSecond, viewStartNs), size, fakeMetrics(), ms(400));
}

QList<const TimelineLayout::Arrow *> capturedArrows(const TimelineLayout &l)
{
    QList<const TimelineLayout::Arrow *> out;
    for (const TimelineLayout::Arrow &a : l.arrows()) {
        if (a.captured)
            out.append(&a);
    }
    return out;
}

} // namespace

void TestTimelineLayout::shouldDrawCapturedSegmentsFromSenderToReceiverInTimeOrder_data()
{
    QTest::addColumn<double>("pixelsPerSecond");
    QTest::addRow("fit") << transferFitPps;
    QTest::addRow("a second per 10 px") << 10.0;
    QTest::addRow("1 ms per 100 px") << 1e5;
}

void TestTimelineLayout::shouldDrawCapturedSegmentsFromSenderToReceiverInTimeOrder()
{
    QFETCH(double, pixelsPerSecond);
    const TimelinePlan plan = TimelinePlan::build(transferLanes(), ms(400), transferWire());
    const TimelineScale scale = scaleFor(plan, pixelsPerSecond, plan.originNs());
    const TimelineLayout l = TimelineLayout::compute(plan, scale, viewSize, fakeMetrics(), ms(400));
    const QList<const TimelineLayout::Arrow *> arrows = capturedArrows(l);
    QVERIFY(!arrows.isEmpty());
    // no implied arrow where the wire was captured
    QCOMPARE(arrows.size(), l.arrows().size());
    QVERIFY(l.windows().isEmpty());
    for (qsizetype k = 0; k < arrows.size(); ++k) {
        const TimelineLayout::Arrow &a = *arrows[k];
        const TimelinePlan::Captured &c = plan.captured()[a.segment];
        // in time order, each from where its sender's lane meets the ladder to the receiver's
        if (k > 0)
            QCOMPARE(a.segment, arrows[k - 1]->segment + 1);
        const double senderY = c.fromLane == 0 ? l.ladderRect().top() : l.ladderRect().bottom();
        const double receiverY = c.fromLane == 0 ? l.ladderRect().bottom() : l.ladderRect().top();
        QVERIFY(qAbs(a.line.y1() - senderY) <= 1.01);
        QVERIFY(qAbs(a.line.y2() - receiverY) <= 1.01);
        // never before the moment it was sent, and slanting on in time
        QVERIFY2(a.line.x1() >= scale.xForNs(c.steadyNs()) - 0.01, qPrintable(a.text));
        QCOMPARE(a.line.x2() - a.line.x1(), TimelineLayout::capturedPitch);
    }
}

void TestTimelineLayout::shouldStepABurstOfCapturedSegmentsApart()
{
    // At the fit the handshake's 30 µs is a tenth of a pixel: its three arrows step right one
    // after the other, zig-zagging between the lanes.
    const TimelineLayout fit = transferLayout(transferFitPps, ms(9.8));
    const QList<const TimelineLayout::Arrow *> arrows = capturedArrows(fit);
    QCOMPARE(arrows.size(), 11);
    QCOMPARE(arrows[1]->line.x1(), arrows[0]->line.x1() + TimelineLayout::capturedPitch);
    QCOMPARE(arrows[2]->line.x1(), arrows[1]->line.x1() + TimelineLayout::capturedPitch);
    QCOMPARE(arrows[0]->line.p2(), arrows[1]->line.p1());
    QCOMPARE(arrows[1]->line.p2(), arrows[2]->line.p1());
    // the data 53 ms later is a burst of its own, at its own time
    const TimelinePlan plan = TimelinePlan::build(transferLanes(), ms(400), transferWire());
    QCOMPARE(arrows[3]->line.x1(), scaleFor(plan, transferFitPps, ms(9.8)).xForNs(plan.captured()[3].steadyNs()));
    // zoomed in far enough, every arrow stands at its own moment
    const TimelineLayout close = transferLayout(2e7, ms(9.999)); // 50 ns per pixel
    const QList<const TimelineLayout::Arrow *> handshake = capturedArrows(close);
    QVERIFY(handshake.size() >= 3);
    QVERIFY(handshake[1]->line.x1() - handshake[0]->line.x1() > 100); // 17.3 µs
}

void TestTimelineLayout::shouldLabelEachCapturedSegmentWhereNoOtherArrowCrossesIt_data()
{
    QTest::addColumn<double>("pixelsPerSecond");
    QTest::addColumn<double>("fromMs");
    QTest::addColumn<double>("height");
    QTest::addColumn<int>("unlabelled"); // arrows without room for a label
    QTest::addRow("fit") << transferFitPps << 9.8 << 260.0 << 0;
    QTest::addRow("fit, low") << transferFitPps << 9.8 << 200.0 << 0;
    QTest::addRow("the handshake close up") << 2e7 << 9.99 << 260.0 << 0;
    QTest::addRow("the close") << 2e4 << 160.0 << 260.0 << 0;
    // a minute in the view: everything in one burst, more than its column holds (six)
    QTest::addRow("zoomed out") << 14.0 << 0.0 << 260.0 << 5;
}

void TestTimelineLayout::shouldLabelEachCapturedSegmentWhereNoOtherArrowCrossesIt()
{
    QFETCH(double, pixelsPerSecond);
    QFETCH(double, fromMs);
    QFETCH(double, height);
    QFETCH(int, unlabelled);
    const TimelineLayout l = transferLayout(pixelsPerSecond, ms(fromMs), QSizeF(viewSize.width(), height));
    int without = 0;
    for (const TimelineLayout::Arrow *a : capturedArrows(l)) {
        if (a->textRect.isEmpty()) {
            ++without;
            continue;
        }
        QVERIFY(l.ladderRect().contains(a->textRect));
        for (const TimelineLayout::Arrow &other : l.arrows()) {
            if (&other != a)
                QVERIFY2(!crosses(other.line, a->textRect), qPrintable(a->text + QStringLiteral(" under ") + other.text));
        }
    }
    QCOMPARE(without, unlabelled);
    const QList<QRectF> rects = l.textRects();
    for (int i = 0; i < rects.size(); ++i) {
        for (int j = i + 1; j < rects.size(); ++j)
            QVERIFY2(!rects[i].intersects(rects[j]), qPrintable(QStringLiteral("text %1 and %2").arg(i).arg(j)));
    }
}

void TestTimelineLayout::shouldDescribeACapturedSegmentInFull()
{
    const TimelinePlan plan = TimelinePlan::build(transferLanes(), ms(400), transferWire());
    const TimelineLayout l = TimelineLayout::compute(plan, scaleFor(plan, transferFitPps, ms(9.8)), viewSize, fakeMetrics(), ms(400));
    const QList<const TimelineLayout::Arrow *> arrows = capturedArrows(l);
    const WireSegment &syn = plan.captured()[0].wire;

    const QString tip = l.toolTipAt(arrows[0]->line.pointAt(0.3), plan);
    QVERIFY2(tip.startsWith(QStringLiteral("SYN from client #1 to accepted #1 — captured on the wire at +200.0 µs")), qPrintable(tip));
    // the long form: every option with its values, the window as sent
    const QString longForm = SegmentText::line(syn.segment, syn.bases, SegmentText::Form::Long);
    QVERIFY2(longForm.startsWith(QStringLiteral("SYN seq=0 win=65495 <mss 65495,sackOK,TS val ")), qPrintable(longForm));
    QVERIFY2(tip.contains(longForm), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("absolute seq=%1\n").arg(syn.segment.seq)), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("caused by client #1: connect(127.0.0.1:8001)")), qPrintable(tip));

    // the SYN,ACK is the kernel's own answer; the tooltip is the same over its label
    const TimelineLayout::Arrow &synAck = *arrows[1];
    QVERIFY(!synAck.textRect.isEmpty());
    const QString answer = l.toolTipAt(synAck.textRect.center(), plan);
    const Segment &s = plan.captured()[1].wire.segment;
    QVERIFY2(answer.startsWith(QStringLiteral("SYN,ACK from accepted #1 to client #1 — captured on the wire at +217.3 µs")),
             qPrintable(answer));
    QVERIFY2(answer.contains(QStringLiteral("SYN,ACK seq=0 ack=1 win=65483")), qPrintable(answer));
    QVERIFY2(answer.contains(QStringLiteral("absolute seq=%1 ack=%2").arg(s.seq).arg(s.ack)), qPrintable(answer));
    QVERIFY2(answer.contains(QStringLiteral("sent by the kernel on its own")), qPrintable(answer));
    QVERIFY2(!answer.contains(QStringLiteral("implied")), qPrintable(answer));
}

void TestTimelineLayout::shouldDrawAndDescribeWhatIsTimedByPacket()
{
    const TimelinePlan plan = TimelinePlan::build(transferLanes(), ms(400), transferWire());
    // zoomed in on the handshake: 50 µs across most of the view
    const TimelineLayout l = TimelineLayout::compute(plan, scaleFor(plan, 1.5e7, ms(10) - 5000), viewSize, fakeMetrics(), ms(400));
    const QList<TimelineLayout::PacketBar> &bars = l.packetBars();
    const auto synRecv = std::find_if(bars.cbegin(), bars.cend(), [&plan](const TimelineLayout::PacketBar &b) {
        return plan.lanes()[b.lane].packetSpans[b.span].state == TcpState::SynRecv;
    });
    QVERIFY(synRecv != bars.cend());
    QCOMPARE(synRecv->lane, 1);
    QVERIFY2(synRecv->text.startsWith(QStringLiteral("SYN_RECV ")) && synRecv->text.endsWith(QStringLiteral(" µs")),
             qPrintable(synRecv->text));
    // it lies in its lane, from the SYN to the ACK that ended the handshake
    QVERIFY(l.lanes()[1].bar.contains(synRecv->rect.center()));
    const QString tip = l.toolTipAt(synRecv->rect.center(), plan);
    QVERIFY2(tip.startsWith(QStringLiteral("accepted #1: SYN_RECV for ")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("timed by packet — no poll saw it")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral(": SYN seq=0 win=65495")) && tip.contains(QStringLiteral("from client #1")), qPrintable(tip));
    // labels never overlap other text
    const QList<QRectF> rects = l.textRects();
    for (int i = 0; i < rects.size(); ++i) {
        for (int j = i + 1; j < rects.size(); ++j)
            QVERIFY2(!rects[i].intersects(rects[j]), qPrintable(QStringLiteral("text %1 and %2").arg(i).arg(j)));
    }
}

QTEST_GUILESS_MAIN(TestTimelineLayout)
#include "tst_timelinelayout.moc"
