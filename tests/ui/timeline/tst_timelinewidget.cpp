// SPDX-License-Identifier: GPL-3.0-or-later
// The timeline widget: zoom and scroll survive newer histories of the same connection, a new
// connection is fitted, the live edge moves, and it draws cleanly on light and dark palettes,
// with the segments captured on the wire where there are any and implied ones where not.
#include "ui/timeline/timelinelegend.h"
#include "ui/timeline/timelinetheme.h"
#include "ui/timeline/timelineview.h"
#include "ui/timeline/timelinewidget.h"

#include "timelinefixtures.h"
#include "wirefixtures.h"

#include "../../common/palettes.h"

#include <QApplication>
#include <QDir>
#include <QFontMetricsF>
#include <QHelpEvent>
#include <QImage>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>
#include <QToolTip>

using namespace sockscope;
using namespace sockscope::test;

namespace {

// Pairs of texts the view placed on top of each other, as "a / b".
QStringList overlappingTexts(const TimelineLayout &layout)
{
    const QList<QRectF> rects = layout.textRects();
    QStringList out;
    for (int i = 0; i < rects.size(); ++i) {
        for (int j = i + 1; j < rects.size(); ++j) {
            if (rects[i].intersects(rects[j]))
                out.append(QStringLiteral("%1,%2 %3x%4 / %5,%6 %7x%8")
                               .arg(rects[i].x()).arg(rects[i].y()).arg(rects[i].width()).arg(rects[i].height())
                               .arg(rects[j].x()).arg(rects[j].y()).arg(rects[j].width()).arg(rects[j].height()));
        }
    }
    return out;
}

// Into the build's screenshots folder, or where SOCKSCOPE_SCREENSHOT_DIR says.
QString saveScreenshot(QWidget &widget, const QString &name)
{
    const QByteArray env = qgetenv("SOCKSCOPE_SCREENSHOT_DIR");
    const QString dir = env.isEmpty() ? QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR) : QString::fromLocal8Bit(env);
    QDir().mkpath(dir);
    const QString file = dir + QLatin1Char('/') + name;
    return widget.grab().save(file) ? file : QString();
}

// The size the timeline gets below the table in a 1366x768 window.
const QSize mainWindowSize(900, 260);

} // namespace

class TestTimelineWidget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldKeepZoomAndScrollForNewerHistoriesOfTheSameConnection();
    void shouldFitANewConnection();
    void shouldExtendTheLiveSpanWhenTimeMovesOn();
    void shouldZoomInAndOutAndSayItDid();
    void shouldZoomWithCtrlWheelAndKeys();
    void shouldStopFollowingTheLiveEdgeWhenTheUserScrollsBack();
    void shouldShowWhatItDraws();
    void shouldRenderReadablyInLightAndDarkPalettes_data();
    void shouldRenderReadablyInLightAndDarkPalettes();
    void shouldShowCapturedSegmentsInsteadOfImpliedOnes();
    void shouldListInTheLegendOnlyWhatIsOnScreen();
    void shouldShowTheCapturedSegmentInATooltip();
    void shouldRenderCapturedSegmentsReadably_data();
    void shouldRenderCapturedSegmentsReadably();
    void shouldDrawASegmentLostOnTheWireAsACross_data();
    void shouldDrawASegmentLostOnTheWireAsACross();
};

void TestTimelineWidget::shouldKeepZoomAndScrollForNewerHistoriesOfTheSameConnection()
{
    TimelineWidget w;
    w.resize(1000, 300);
    w.show();
    w.setNow(ms(16000));
    w.setLanes(closedConnection());
    w.zoomIn();
    w.zoomIn();
    w.setFollowLive(false);
    const double zoomed = w.pixelsPerSecond();
    QScrollBar *bar = w.view()->horizontalScrollBar();
    bar->setValue(bar->maximum() / 3);
    const qint64 start = w.view()->scale().viewStartNs();

    // the same ids, one poll later: the client's TIME_WAIT has vanished
    QList<TimelineLane> newer = closedConnection(64810);
    w.setLanes(newer);
    QCOMPARE(w.pixelsPerSecond(), zoomed);
    QCOMPARE(w.view()->scale().viewStartNs(), start);
    QCOMPARE(w.laneStates(0).size(), 3);
}

void TestTimelineWidget::shouldFitANewConnection()
{
    TimelineWidget w;
    w.resize(1000, 300);
    w.show();
    w.setLanes(closedConnection());
    const double fitted = w.pixelsPerSecond();
    w.zoomIn();
    QVERIFY(w.pixelsPerSecond() > fitted);

    // another connection, a tenth as long: fitted again, so zoomed in further
    QList<TimelineLane> other = closedConnection(6400, 7);
    w.setLanes(other);
    const double otherFit = w.pixelsPerSecond();
    QVERIFY2(otherFit > fitted * 5, qPrintable(QString::number(otherFit)));
    // it fills the time area: the last thing drawn ends near the right edge
    const TimelineLayout &layout = w.view()->currentLayout();
    double right = 0;
    for (const TimelineLayout::Bar &b : layout.bars())
        right = std::max(right, b.rect.right());
    QVERIFY2(right > w.view()->viewport()->width() - 30 && right <= w.view()->viewport()->width(),
             qPrintable(QString::number(right)));
    QCOMPARE(w.view()->scale().viewStartNs(), w.view()->plan().originNs());
}

void TestTimelineWidget::shouldExtendTheLiveSpanWhenTimeMovesOn()
{
    TimelineWidget w;
    w.resize(1000, 300);
    w.show();
    w.setNow(ms(16000));
    w.setLanes(closedConnection(-1));
    QVERIFY(w.isLive());
    const auto liveBar = [&w] {
        for (const TimelineLayout::Bar &b : w.view()->currentLayout().bars()) {
            if (b.live)
                return b;
        }
        return TimelineLayout::Bar();
    };
    QVERIFY(liveBar().live);
    QCOMPARE(w.view()->plan().lanes()[0].intervals.last().endNs, ms(16000));
    const double before = liveBar().rect.width();

    w.setNow(ms(17000));
    QCOMPARE(w.view()->plan().lanes()[0].intervals.last().endNs, ms(17000));
    QVERIFY2(liveBar().rect.width() > before, qPrintable(QString::number(liveBar().rect.width())));
    // the live edge is drawn where the open span ends
    QVERIFY(w.view()->currentLayout().hasLiveEdge());
    QCOMPARE(w.view()->currentLayout().liveEdgeX(), liveBar().rect.right());
    // the vanished server end does not grow
    QCOMPARE(w.view()->plan().lanes()[1].intervals.last().endNs, ms(4310));
}

void TestTimelineWidget::shouldZoomInAndOutAndSayItDid()
{
    TimelineWidget w;
    w.resize(1000, 300);
    w.show();
    w.setLanes(closedConnection());
    QSignalSpy zoomed(&w, &TimelineWidget::zoomChanged);
    const double fitted = w.pixelsPerSecond();

    w.zoomIn();
    QCOMPARE(zoomed.size(), 1);
    QCOMPARE(zoomed.last().first().toDouble(), w.pixelsPerSecond());
    QVERIFY(qFuzzyCompare(w.pixelsPerSecond(), fitted * TimelineView::zoomStep));

    w.zoomOut();
    w.zoomOut();
    QCOMPARE(zoomed.size(), 3);
    QVERIFY(qFuzzyCompare(w.pixelsPerSecond(), fitted / TimelineView::zoomStep));

    w.zoomToFit();
    QCOMPARE(zoomed.size(), 4);
    QVERIFY(qFuzzyCompare(w.pixelsPerSecond(), fitted));

    // the buttons do the same
    auto *in = w.findChild<QToolButton *>(QStringLiteral("timelineZoomIn"));
    QVERIFY(in);
    in->click();
    QCOMPARE(zoomed.size(), 5);
    QVERIFY(qFuzzyCompare(w.pixelsPerSecond(), fitted * TimelineView::zoomStep));
}

void TestTimelineWidget::shouldZoomWithCtrlWheelAndKeys()
{
    TimelineWidget w;
    w.resize(1000, 300);
    w.show();
    w.setLanes(closedConnection());
    TimelineView *view = w.view();
    const double fitted = w.pixelsPerSecond();

    // Ctrl+wheel zooms around the pointer: the time under it stays put
    const QPointF at(400, 100);
    const qint64 under = view->scale().nsForX(at.x());
    QWheelEvent wheel(at, view->viewport()->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::ControlModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(view->viewport(), &wheel);
    QVERIFY(qFuzzyCompare(w.pixelsPerSecond(), fitted * TimelineView::zoomStep));
    QVERIFY(qAbs(view->scale().nsForX(at.x()) - under) < ms(1));

    QTest::keyClick(view, Qt::Key_Minus);
    QVERIFY(qFuzzyCompare(w.pixelsPerSecond(), fitted));
    QTest::keyClick(view, Qt::Key_Plus);
    QTest::keyClick(view, Qt::Key_Plus);
    QVERIFY(w.pixelsPerSecond() > fitted * 2);
    QTest::keyClick(view, Qt::Key_0);
    QVERIFY(qFuzzyCompare(w.pixelsPerSecond(), fitted));
}

void TestTimelineWidget::shouldStopFollowingTheLiveEdgeWhenTheUserScrollsBack()
{
    TimelineWidget w;
    w.resize(1000, 300);
    w.show();
    w.setNow(ms(16000));
    w.setLanes(closedConnection(-1));
    QSignalSpy following(&w, &TimelineWidget::followLiveChanged);
    for (int i = 0; i < 4; ++i)
        w.zoomIn();
    QVERIFY(w.followsLive());
    QScrollBar *bar = w.view()->horizontalScrollBar();
    QVERIFY(bar->maximum() > 0);
    QCOMPARE(bar->value(), bar->maximum());
    QVERIFY(w.view()->currentLayout().hasLiveEdge());

    // time moves on: the view moves with it
    w.setNow(ms(20000));
    QCOMPARE(bar->value(), bar->maximum());
    QVERIFY(w.view()->currentLayout().hasLiveEdge());

    // the user looks back: following stops, and time moving on does not drag the view away
    bar->setValue(0);
    QCOMPARE(following.size(), 1);
    QCOMPARE(following.last().first().toBool(), false);
    QVERIFY(!w.followsLive());
    const qint64 start = w.view()->scale().viewStartNs();
    w.setNow(ms(21000));
    QCOMPARE(w.view()->scale().viewStartNs(), start);

    auto *follow = w.findChild<QToolButton *>(QStringLiteral("timelineFollowLive"));
    QVERIFY(follow && !follow->isChecked());
    follow->click();
    QVERIFY(w.followsLive());
    QCOMPARE(bar->value(), bar->maximum());
}

void TestTimelineWidget::shouldShowWhatItDraws()
{
    TimelineWidget w;
    QCOMPARE(w.objectName(), QStringLiteral("timeline"));
    QCOMPARE(w.laneCount(), 0);
    w.resize(1000, 300);
    w.show();
    w.setLanes(closedConnection());
    QCOMPARE(w.laneCount(), 2);
    QCOMPARE(w.laneStates(0), (QList<TcpState>{TcpState::Established, TcpState::FinWait2, TcpState::TimeWait}));
    QCOMPARE(w.laneStates(1), (QList<TcpState>{TcpState::Established, TcpState::CloseWait}));
    QCOMPARE(w.callMarkerCount(0), 5);
    QCOMPARE(w.callMarkerCount(1), 5);
    QCOMPARE(w.impliedSegments(), (QStringList{
                                      QStringLiteral("client #1 -> accepted #1: SYN"),
                                      QStringLiteral("accepted #1 -> client #1: SYN,ACK"),
                                      QStringLiteral("client #1 -> accepted #1: ACK"),
                                      QStringLiteral("client #1 -> accepted #1: FIN"),
                                      QStringLiteral("accepted #1 -> client #1: ACK"),
                                      QStringLiteral("accepted #1 -> client #1: FIN"),
                                      QStringLiteral("client #1 -> accepted #1: ACK"),
                                  }));
    QVERIFY(!w.isLive());

    w.clear();
    QCOMPARE(w.laneCount(), 0);
    QVERIFY(w.impliedSegments().isEmpty());
}

void TestTimelineWidget::shouldRenderReadablyInLightAndDarkPalettes_data()
{
    QTest::addColumn<QPalette>("palette");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("live");
    QTest::addColumn<double>("fromMs"); // the time range shown; fit when both are 0
    QTest::addColumn<double>("toMs");
    QTest::addColumn<int>("arrows"); // segments in view
    QTest::newRow("light, fit") << lightPalette() << QStringLiteral("light-fit") << false << 0.0 << 0.0 << 7;
    QTest::newRow("dark, fit") << darkPalette() << QStringLiteral("dark-fit") << false << 0.0 << 0.0 << 7;
    QTest::newRow("light, handshake") << lightPalette() << QStringLiteral("light-handshake") << false << -30.0 << 420.0 << 3;
    QTest::newRow("dark, close") << darkPalette() << QStringLiteral("dark-close") << false << 2000.0 << 4700.0 << 4;
    QTest::newRow("light, live") << lightPalette() << QStringLiteral("light-live") << true << 0.0 << 0.0 << 7;
    QTest::newRow("dark, live") << darkPalette() << QStringLiteral("dark-live") << true << 0.0 << 0.0 << 7;
    QTest::newRow("light, narrow") << lightPalette() << QStringLiteral("light-narrow") << false << 0.0 << 0.0 << 7;
}

void TestTimelineWidget::shouldRenderReadablyInLightAndDarkPalettes()
{
    QFETCH(QPalette, palette);
    QFETCH(QString, name);
    QFETCH(bool, live);
    QFETCH(double, fromMs);
    QFETCH(double, toMs);
    QFETCH(int, arrows);

    TimelineWidget w;
    w.setPalette(palette);
    w.resize(name.endsWith(QLatin1String("narrow")) ? 520 : 1000, 300);
    w.show();
    w.setNow(ms(16000));
    w.setLanes(closedConnection(live ? -1 : 64310));
    TimelineView *view = w.view();
    if (fromMs != toMs)
        view->showRange(ms(fromMs), ms(toMs));

    saveScreenshot(w, QStringLiteral("timeline-%1.png").arg(name));
    const QStringList overlaps = overlappingTexts(view->currentLayout());
    QVERIFY2(overlaps.isEmpty(), qPrintable(overlaps.join(QLatin1Char('\n'))));
    QCOMPARE(view->currentLayout().arrows().size(), arrows);
    for (const TimelineLayout::Arrow &a : view->currentLayout().arrows())
        QVERIFY2(!a.textRect.isEmpty(), qPrintable(a.text));
    // labels as big as the application's text: smaller ones read badly
    QCOMPARE(view->metrics().smallLineHeight, QFontMetricsF(QApplication::font()).height());
    QCOMPARE(view->metrics().smallTextWidth(QStringLiteral("SYN,ACK")),
             QFontMetricsF(QApplication::font()).horizontalAdvance(QStringLiteral("SYN,ACK")));
    // the picture follows the palette rather than fixed colours
    const QImage image = w.grab().toImage();
    const QPoint corner = view->viewport()->mapTo(&w, QPoint(view->viewport()->width() - 2, view->viewport()->height() - 2));
    QCOMPARE(image.pixelColor(corner * w.devicePixelRatioF()).rgb(), palette.color(QPalette::Base).rgb());
}

void TestTimelineWidget::shouldShowCapturedSegmentsInsteadOfImpliedOnes()
{
    TimelineWidget w;
    w.resize(mainWindowSize);
    w.show();
    w.setNow(ms(400));
    w.setLanes(transferLanes(), transferWire());
    QCOMPARE(w.capturedSegments().size(), 11);
    QCOMPARE(w.capturedSegments().first(), QStringLiteral("client #1 -> accepted #1: SYN seq=0"));
    QCOMPARE(w.capturedSegments()[1], QStringLiteral("accepted #1 -> client #1: SYN,ACK seq=0 ack=1"));
    QVERIFY(w.impliedSegments().isEmpty());
    for (const TimelineLayout::Arrow &a : w.view()->currentLayout().arrows())
        QVERIFY(a.captured);

    // a newer poll of the same connection keeps its wire only if it is given again
    const double zoomed = w.pixelsPerSecond();
    w.setLanes(transferLanes());
    QCOMPARE(w.pixelsPerSecond(), zoomed);
    QVERIFY(w.capturedSegments().isEmpty());
    QCOMPARE(w.impliedSegments().size(), 7);

    w.setLanes(transferLanes(), transferWire());
    w.clear();
    QVERIFY(w.capturedSegments().isEmpty());
    QVERIFY(w.view()->currentLayout().arrows().isEmpty());
}

void TestTimelineWidget::shouldListInTheLegendOnlyWhatIsOnScreen()
{
    TimelineWidget w;
    w.resize(1200, 300);
    w.show();
    w.setNow(ms(400));
    TimelineLegend *legend = w.legend();
    QCOMPARE(legend->objectName(), QStringLiteral("timelineLegend"));
    QVERIFY(legend->symbols().isEmpty()); // nothing selected, nothing to explain

    using Symbol = TimelineLegend::Symbol;
    w.setLanes(transferLanes(), transferWire());
    QCOMPARE(legend->symbols(),
             (QList<Symbol>{Symbol::Captured, Symbol::Uncertain, Symbol::TimedByPacket, Symbol::Call, Symbol::LiveEdge}));
    QCOMPARE(legend->texts().first(), QStringLiteral("captured segment"));

    // without a capture: the implied ones, and that they are implied
    w.setLanes(transferLanes());
    QCOMPARE(legend->symbols(), (QList<Symbol>{Symbol::Implied, Symbol::Uncertain, Symbol::Call, Symbol::LiveEdge}));
    QCOMPARE(legend->texts().first(), QStringLiteral("implied segment (from observed states, not captured)"));

    // a capture that began late: both kinds on screen
    w.setLanes(transferLanes(), transferWire().mid(3));
    QCOMPARE(legend->symbols().mid(0, 2), (QList<Symbol>{Symbol::Captured, Symbol::Implied}));

    // scrolled to where only the data went: no implied segment there, and no live edge
    w.setLanes(transferLanes(), transferWire());
    w.view()->showRange(ms(60), ms(70));
    QVERIFY(!legend->symbols().contains(Symbol::Implied));
    QVERIFY(!legend->symbols().contains(Symbol::LiveEdge));
    QVERIFY(legend->symbols().contains(Symbol::Captured));

    // a failed call is named only when one is on screen
    QList<TimelineLane> lanes = transferLanes();
    lanes[1].calls.append(call(130, 3, LabCall::Kind::Receive, 0, EAGAIN));
    w.setLanes(lanes, transferWire());
    w.zoomToFit();
    QVERIFY(legend->symbols().contains(Symbol::FailedCall));
}

void TestTimelineWidget::shouldShowTheCapturedSegmentInATooltip()
{
    TimelineWidget w;
    w.resize(mainWindowSize);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.setNow(ms(400));
    w.setLanes(transferLanes(), transferWire());
    TimelineView *view = w.view();
    const TimelineLayout::Arrow *data = nullptr;
    for (const TimelineLayout::Arrow &a : view->currentLayout().arrows()) {
        if (a.captured && view->plan().captured()[a.segment].wire.segment.payloadLength == 300)
            data = &a;
    }
    QVERIFY(data);
    const QPoint at = data->line.pointAt(0.5).toPoint();
    QHelpEvent help(QEvent::ToolTip, at, view->viewport()->mapToGlobal(at));
    QCoreApplication::sendEvent(view->viewport(), &help);
    QTRY_VERIFY(QToolTip::isVisible());
    const QString tip = QToolTip::text();
    QVERIFY2(tip.contains(QStringLiteral("PSH,ACK from client #1 to accepted #1 — captured on the wire at +53")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("PSH,ACK seq=1 ack=1 win=64 len=300 <nop,nop,TS val ")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("caused by client #1: send(300 bytes)")), qPrintable(tip));
    QToolTip::hideText();
}

void TestTimelineWidget::shouldRenderCapturedSegmentsReadably_data()
{
    QTest::addColumn<QPalette>("palette");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("live");
    QTest::addColumn<double>("fromMs"); // the time range shown; fit when both are 0
    QTest::addColumn<double>("toMs");
    QTest::addColumn<int>("arrows");    // segments in view
    QTest::addColumn<QSize>("size");
    QTest::newRow("light") << lightPalette() << QStringLiteral("light") << false << 0.0 << 0.0 << 11 << mainWindowSize;
    QTest::newRow("dark") << darkPalette() << QStringLiteral("dark") << false << 0.0 << 0.0 << 11 << mainWindowSize;
    QTest::newRow("light, live") << lightPalette() << QStringLiteral("light-live") << true << 0.0 << 0.0 << 11 << mainWindowSize;
    // the handshake's 30 µs across the view
    QTest::newRow("dark, handshake") << darkPalette() << QStringLiteral("dark-handshake") << false << 9.995 << 10.045 << 3
                                     << mainWindowSize;
    // half of a 1366 px window: labels shorten or leave their row empty, never overlap
    QTest::newRow("light, narrow") << lightPalette() << QStringLiteral("light-narrow") << false << 0.0 << 0.0 << 11
                                   << QSize(680, 230);
}

void TestTimelineWidget::shouldRenderCapturedSegmentsReadably()
{
    QFETCH(QPalette, palette);
    QFETCH(QString, name);
    QFETCH(bool, live);
    QFETCH(double, fromMs);
    QFETCH(double, toMs);
    QFETCH(int, arrows);
    QFETCH(QSize, size);
    const bool narrow = size != mainWindowSize;

    // A real handshake, transfer and close, as big as the timeline is in a 1366x768 window.
    TimelineWidget w;
    w.setPalette(palette);
    w.resize(size);
    w.show();
    w.setNow(ms(live ? 300 : 400));
    w.setLanes(transferLanes(live ? -1 : 320), transferWire());
    TimelineView *view = w.view();
    if (fromMs != toMs)
        view->showRange(ms(fromMs), ms(toMs));
    const QString file = saveScreenshot(w, QStringLiteral("timeline-captured-%1.png").arg(name));
    QVERIFY(!file.isEmpty());
    qInfo("screenshot: %s", qPrintable(file));

    const TimelineLayout &layout = view->currentLayout();
    const QStringList overlaps = overlappingTexts(layout);
    QVERIFY2(overlaps.isEmpty(), qPrintable(overlaps.join(QLatin1Char('\n'))));
    QCOMPARE(layout.arrows().size(), arrows);
    for (const TimelineLayout::Arrow &a : layout.arrows()) {
        QVERIFY(a.captured);
        const TimelinePlan::Captured &c = view->plan().captured()[a.segment];
        // Every segment says what it was, whole or shortened to fit: fitted to the finished
        // connection there is room for all. A live one's fit leaves room for what is to come,
        // which leaves the latest burst room for its whole labels and the rest their tooltips.
        const bool latest = a.segment >= 8;
        if ((!live && !narrow) || latest)
            QVERIFY2(!a.textRect.isEmpty(), qPrintable(view->plan().capturedTexts()[a.segment]));
        if (a.textRect.isEmpty())
            continue;
        const QString mark = c.fromLane == 0 ? QStringLiteral(" ↓") : QStringLiteral(" ↑");
        QStringList forms;
        for (const QString &form : TimelinePlan::capturedLabels(c.wire))
            forms.append(form + mark);
        QVERIFY2(forms.contains(a.text), qPrintable(a.text));
        if ((live && latest) || arrows == 3) // room for the whole label
            QCOMPARE(a.text, forms.first());
        // no other arrow runs through a label
        for (const TimelineLayout::Arrow &other : layout.arrows()) {
            if (&other != &a)
                QVERIFY2(!crosses(other.line, a.textRect), qPrintable(a.text));
        }
    }
    // shortened, the data still says how much it carried
    if (arrows == 11 && !live && !narrow) {
        QVERIFY2(layout.arrows()[3].text.contains(QStringLiteral("len=300")), qPrintable(layout.arrows()[3].text));
        QVERIFY2(layout.arrows()[5].text.contains(QStringLiteral("len=200")), qPrintable(layout.arrows()[5].text));
    }
    const QImage image = w.grab().toImage();
    const QPoint corner = view->viewport()->mapTo(&w, QPoint(view->viewport()->width() - 2, view->viewport()->height() - 2));
    QCOMPARE(image.pixelColor(corner * w.devicePixelRatioF()).rgb(), palette.color(QPalette::Base).rgb());
}

void TestTimelineWidget::shouldDrawASegmentLostOnTheWireAsACross_data()
{
    QTest::addColumn<QPalette>("palette");
    QTest::addColumn<QString>("name");
    QTest::newRow("light") << lightPalette() << QStringLiteral("light");
    QTest::newRow("dark") << darkPalette() << QStringLiteral("dark");
}

void TestTimelineWidget::shouldDrawASegmentLostOnTheWireAsACross()
{
    QFETCH(QPalette, palette);
    QFETCH(QString, name);
    // The handshake's SYN,ACK, as a rule "drop synack" would have marked it.
    QList<WireSegment> wire = transferWire();
    wire[1].stoppedBy = 1;
    wire[1].stoppingRule = QStringLiteral("drop synack");
    TimelineWidget w;
    w.setPalette(palette);
    w.resize(mainWindowSize);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.setNow(ms(400));
    w.setLanes(transferLanes(320), wire);
    TimelineView *view = w.view();
    view->showRange(ms(9.995), ms(10.045));
    const TimelineLayout &layout = view->currentLayout();
    QCOMPARE(layout.arrows().size(), 3);
    const TimelineLayout::Arrow &synAck = layout.arrows()[1];
    const TimelineLayout::Arrow &syn = layout.arrows()[0];
    QVERIFY(synAck.lost);
    QVERIFY(!syn.lost && !layout.arrows()[2].lost);
    // Part of the way from the server's lane toward the client's, not to it.
    QVERIFY(synAck.line.y2() > syn.line.y1() + 4);
    QVERIFY(std::abs(synAck.line.length() - syn.line.length() * TimelineLayout::lostReach) < 1);
    QVERIFY2(synAck.text.contains(QStringLiteral("DROPPED")), qPrintable(synAck.text));
    // Whole where there is room, shortened where the next arrow comes close: always saying so.
    QVERIFY(TimelineLayout::capturedLabels(wire[1]).contains(synAck.text.chopped(2)));
    QCOMPARE(TimelineLayout::capturedLabels(wire[1]).first(), QStringLiteral("SYN,ACK seq=0 ack=1 DROPPED by rule 1"));
    QVERIFY2(overlappingTexts(layout).isEmpty(), qPrintable(overlappingTexts(layout).join(QLatin1Char('\n'))));
    QVERIFY(w.legend()->texts().contains(QStringLiteral("stopped by a wire rule: never arrived")));
    const QString tip = layout.toolTipAt(synAck.line.pointAt(0.5), view->plan());
    QVERIFY2(tip.contains(QStringLiteral("DROPPED by rule 1 (drop synack)")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("client #1 never had it")), qPrintable(tip));

    // The cross in the error colour where the line ends.
    const QImage image = view->viewport()->grab().toImage();
    const QColor want = TimelineTheme::fromPalette(palette).failedCall();
    bool red = false;
    const QPoint end = synAck.line.p2().toPoint();
    for (int dx = -3; dx <= 3 && !red; ++dx) {
        for (int dy = -3; dy <= 3 && !red; ++dy) {
            const QColor c = image.pixelColor((end + QPoint(dx, dy)) * view->devicePixelRatioF());
            red = std::abs(c.red() - want.red()) < 40 && std::abs(c.green() - want.green()) < 40
                && std::abs(c.blue() - want.blue()) < 40;
        }
    }
    QVERIFY(red);
    const QString file = saveScreenshot(w, QStringLiteral("timeline-dropped-synack-%1.png").arg(name));
    QVERIFY(!file.isEmpty());
    qInfo("screenshot: %s", qPrintable(file));
}

QTEST_MAIN(TestTimelineWidget)
#include "tst_timelinewidget.moc"
