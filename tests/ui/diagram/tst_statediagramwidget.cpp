// SPDX-License-Identifier: GPL-3.0-or-later
// The diagram widget with hand-made histories: what it draws for one connection, how the
// tokens travel to a newer state, and that the whole picture stays visible and themed.
#include "ui/diagram/diagramlayout.h"
#include "ui/diagram/diagramtheme.h"
#include "ui/diagram/diagramview.h"
#include "ui/diagram/legenditem.h"
#include "ui/diagram/statediagramwidget.h"
#include "ui/diagram/stateitem.h"
#include "ui/diagram/transitionitem.h"
#include "ui/diagram/transitionlabelitem.h"

#include "core/tcp/stateexplainer.h"
#include "core/tcp/tcpstatemachine.h"
#include "ui/theme/theme.h"

#include "historybuilder.h"

#include <QApplication>
#include <QDir>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QSignalSpy>
#include <QTest>

#include "../../common/palettes.h"
#include <QTextBrowser>

using namespace sockscope;
using namespace sockscope::test;
using S = TcpState;
using Kind = DiagramMark::Kind;

namespace {

// The client closed first and waits in TIME_WAIT; the server end has not closed yet.
QList<StateDiagramWidget::End> closingConnection()
{
    StateDiagramWidget::End client{historyOf(1, {S::Established, S::FinWait2, S::TimeWait}),
                                   QStringLiteral("client #1"), true, {}};
    client.history.latest.timer = TimerKind::TimeWait;
    client.history.latest.timerRemainingMs = 41234;
    StateDiagramWidget::End server{historyOf(2, {S::Established, S::CloseWait}), QStringLiteral("accepted #1"), false, {}};
    std::swap(server.history.latest.local, server.history.latest.remote);
    return {client, server};
}

// Saves what the widget looks like when SOCKSCOPE_SCREENSHOT_DIR names a directory.
void saveScreenshot(QWidget &widget, const QString &name)
{
    const QString dir = qEnvironmentVariable("SOCKSCOPE_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    QVERIFY(widget.grab().save(dir + u'/' + name));
}

QList<Kind> kindsOf(const QList<DiagramMark> &marks)
{
    QList<Kind> out;
    for (const DiagramMark &m : marks)
        out << m.kind;
    return out;
}

} // namespace

class TestStateDiagramWidget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldDrawEveryStateAndEveryTransition();
    void shouldPutTheExplanationBesideTheDiagram();
    void shouldHighlightEachEndsCurrentStateInItsColour();
    void shouldDrawPassedStatesDifferentlyFromObservedOnes();
    void shouldExplainEachEndWithTheFactsOfItsRow();
    void shouldAnimateATokenToANewerState();
    void shouldMoveTheTokenToClosedWhenTheConnectionVanishes();
    void shouldSwitchToAnotherConnectionWithoutAnimation();
    void shouldStayStillWhenTheStateDidNotChange();
    void shouldForgetTheConnectionWhenCleared();
    void shouldKeepTheWholeDiagramVisibleWhenResized();
    void shouldFollowThePaletteFromLightToDark();
};

void TestStateDiagramWidget::shouldDrawEveryStateAndEveryTransition()
{
    StateDiagramWidget w;
    QCOMPARE(w.objectName(), QStringLiteral("stateDiagram"));
    QSet<QString> stateNames;
    QStringList labels;
    int dashed = 0;
    int legends = 0;
    int closedBoxes = 0;
    for (QGraphicsItem *item : w.scene()->items()) {
        if (item->type() == StateItem::Type) {
            stateNames.insert(item->data(StateItem::StateNameKey).toString());
            closedBoxes += item->data(StateItem::StateNameKey).toString() == QLatin1String("CLOSE") ? 1 : 0;
        } else if (item->type() == TransitionItem::Type) {
            auto *t = static_cast<TransitionItem *>(item);
            labels << t->label();
            dashed += t->isInFigure() ? 0 : 1;
        } else if (item->type() == LegendItem::Type) {
            ++legends;
            QVERIFY(static_cast<LegendItem *>(item)->texts().contains(QStringLiteral("passed, not observed")));
        }
    }
    QCOMPARE(stateNames.size(), tcpStateCount);
    QVERIFY(stateNames.contains(QStringLiteral("ESTABLISHED")));
    QCOMPARE(closedBoxes, 2); // like the RFC: one on top, one where the closing paths end
    QCOMPARE(labels.size(), TcpStateMachine::transitions().size());
    for (const TcpTransition &t : TcpStateMachine::transitions())
        QVERIFY2(labels.contains(t.label()), qPrintable(t.label()));
    QVERIFY(labels.contains(QStringLiteral("rcv SYN / snd SYN,ACK")));
    QCOMPARE(dashed, 1);
    QCOMPARE(legends, 1);
    QCOMPARE(w.stateItem(S::Established)->name(), QStringLiteral("ESTABLISHED"));
}

void TestStateDiagramWidget::shouldPutTheExplanationBesideTheDiagram()
{
    // Room for the whole diagram at a readable size and the panel beside it.
    StateDiagramWidget w;
    w.resize(1600, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto *explanation = w.findChild<QTextBrowser *>(QStringLiteral("stateExplanation"));
    auto *view = w.findChild<QGraphicsView *>();
    QVERIFY(explanation && view);
    const QRect e(explanation->mapTo(&w, QPoint()), explanation->size());
    const QRect v(view->mapTo(&w, QPoint()), view->size());
    QVERIFY(!e.intersects(v));
    QVERIFY(e.left() >= v.right());
    QVERIFY(v.width() > e.width());

    // A narrow dock: the diagram takes its whole width, the explanation goes below.
    w.resize(560, 700);
    QTRY_COMPARE(w.width(), 560);
    QCoreApplication::processEvents();
    const QRect below(explanation->mapTo(&w, QPoint()), explanation->size());
    const QRect above(view->mapTo(&w, QPoint()), view->size());
    QVERIFY(below.top() >= above.bottom());
    QVERIFY(above.width() >= 540);
    QVERIFY(above.height() > below.height());
}

void TestStateDiagramWidget::shouldHighlightEachEndsCurrentStateInItsColour()
{
    StateDiagramWidget w;
    QCOMPARE(w.highlightedState(0), std::nullopt);
    w.showConnection(closingConnection());
    QVERIFY(!w.isAnimating());
    QCOMPARE(w.endCount(), 2);
    QCOMPARE(w.highlightedState(0), S::TimeWait);
    QCOMPARE(w.highlightedState(1), S::CloseWait);
    QCOMPARE(w.highlightedState(2), std::nullopt);

    const QList<DiagramMark> tw = w.stateItem(S::TimeWait)->marks();
    QCOMPARE(tw.size(), 1);
    QCOMPARE(tw.first().kind, Kind::Current);
    const QList<DiagramMark> cw = w.stateItem(S::CloseWait)->marks();
    QCOMPARE(cw.size(), 1);
    QCOMPARE(cw.first().kind, Kind::Current);
    QVERIFY(tw.first().colour != cw.first().colour); // two ends, two colours

    // both ends passed ESTABLISHED: the box carries both colours
    const QList<DiagramMark> est = w.stateItem(S::Established)->marks();
    QCOMPARE(kindsOf(est), (QList<Kind>{Kind::Observed, Kind::Observed}));
    QCOMPARE(est[0].colour, tw.first().colour);
    QCOMPARE(est[1].colour, cw.first().colour);

    // each token rests on its own corner of its box
    QCOMPARE(w.tokenPosition(0), DiagramLayout::tokenPoint(DiagramLayout::boxOf(S::TimeWait), true));
    QCOMPARE(w.tokenPosition(1), DiagramLayout::tokenPoint(DiagramLayout::boxOf(S::CloseWait), false));
}

void TestStateDiagramWidget::shouldDrawPassedStatesDifferentlyFromObservedOnes()
{
    StateDiagramWidget w;
    w.showConnection({closingConnection().first()});
    QCOMPARE(w.observedStates(0), (QList<S>{S::Established, S::FinWait2, S::TimeWait}));
    QCOMPARE(w.passedNotObservedStates(0), (QList<S>{S::Close, S::SynSent, S::FinWait1}));

    QCOMPARE(kindsOf(w.stateItem(S::SynSent)->marks()), QList<Kind>{Kind::Implied});
    QCOMPARE(kindsOf(w.stateItem(S::FinWait1)->marks()), QList<Kind>{Kind::Implied});
    QCOMPARE(kindsOf(w.stateItem(S::Close)->marks()), QList<Kind>{Kind::Implied});
    QCOMPARE(kindsOf(w.stateItem(S::FinWait2)->marks()), QList<Kind>{Kind::Observed});
    QVERIFY(w.stateItem(S::Listen)->marks().isEmpty());

    // the arrow between two observed states is observed; the guessed ones are implied
    QCOMPARE(kindsOf(w.transitionItem(edgeOf(S::FinWait2, S::TimeWait))->marks()), QList<Kind>{Kind::Observed});
    QCOMPARE(kindsOf(w.transitionItem(edgeOf(S::Established, S::FinWait1))->marks()), QList<Kind>{Kind::Implied});
    QCOMPARE(kindsOf(w.transitionItem(edgeOf(S::FinWait1, S::FinWait2))->marks()), QList<Kind>{Kind::Implied});
    QCOMPARE(kindsOf(w.transitionItem(edgeOf(S::Close, S::SynSent))->marks()), QList<Kind>{Kind::Implied});
    QVERIFY(w.transitionItem(edgeOf(S::Established, S::CloseWait))->marks().isEmpty());
}

void TestStateDiagramWidget::shouldExplainEachEndWithTheFactsOfItsRow()
{
    StateDiagramWidget w;
    const QList<StateDiagramWidget::End> ends = closingConnection();
    w.showConnection(ends);
    const QString text = w.explanationText();
    QVERIFY2(text.contains(QStringLiteral("client #1")) && text.contains(QStringLiteral("accepted #1")), qPrintable(text));
    QVERIFY2(text.contains(StateExplainer::explain(ends[0].history.latest)), qPrintable(text));
    QVERIFY2(text.contains(StateExplainer::explain(ends[1].history.latest)), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("41.2 s left")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("Passed, not observed: CLOSE, SYN_SENT, FIN_WAIT1")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("127.0.0.1:41001 → 127.0.0.1:8000")), qPrintable(text));
}

void TestStateDiagramWidget::shouldAnimateATokenToANewerState()
{
    StateDiagramWidget w;
    w.setTokenSpeed(4000); // the route takes the shortest time allowed
    StateDiagramWidget::End client{historyOf(7, {S::SynSent, S::Established}), QStringLiteral("client #1"), true, {}};
    w.showConnection({client});
    QCOMPARE(w.highlightedState(0), S::Established);
    const QPointF start = w.tokenPosition(0);

    QSignalSpy finished(&w, &StateDiagramWidget::animationFinished);
    client.history = historyOf(7, {S::SynSent, S::Established, S::FinWait2});
    w.showConnection({client});
    QVERIFY(w.isAnimating());
    QCOMPARE(w.highlightedState(0), S::FinWait2);
    // while it travels no box is its current one
    QVERIFY(!kindsOf(w.stateItem(S::FinWait2)->marks()).contains(Kind::Current));
    QTRY_VERIFY(w.tokenPosition(0) != start);
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY(!w.isAnimating());
    QCOMPARE(w.highlightedState(0), S::FinWait2);
    QCOMPARE(kindsOf(w.stateItem(S::FinWait2)->marks()), QList<Kind>{Kind::Current});
    QCOMPARE(w.tokenPosition(0), DiagramLayout::tokenPoint(DiagramLayout::boxOf(S::FinWait2), true));
    // it went through FIN_WAIT1, which no poll saw
    QCOMPARE(w.passedNotObservedStates(0), (QList<S>{S::Close, S::FinWait1}));
    QCOMPARE(w.walkedEdges(0).mid(2), (QList<int>{edgeOf(S::Established, S::FinWait1), edgeOf(S::FinWait1, S::FinWait2)}));
}

void TestStateDiagramWidget::shouldMoveTheTokenToClosedWhenTheConnectionVanishes()
{
    StateDiagramWidget w;
    w.setTokenSpeed(4000);
    StateDiagramWidget::End client{historyOf(3, {S::Established, S::TimeWait}), QStringLiteral("client #1"), true, {}};
    w.showConnection({client});
    QSignalSpy finished(&w, &StateDiagramWidget::animationFinished);
    client.history.alive = false;
    w.showConnection({client});
    QVERIFY(w.isAnimating());
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(w.highlightedState(0), S::Close);
    // the normal end of a connection: the lower CLOSED box, as in the RFC
    QCOMPARE(w.currentItem(0)->box(), int(DiagramLayout::finalClosedBox));
    QCOMPARE(kindsOf(w.currentItem(0)->marks()), QList<Kind>{Kind::Current});
    QCOMPARE(kindsOf(w.transitionItem(edgeOf(S::TimeWait, S::Close))->marks()), QList<Kind>{Kind::Implied});
    QVERIFY(w.explanationText().contains(QStringLiteral("gone from the kernel's table")));
}

void TestStateDiagramWidget::shouldSwitchToAnotherConnectionWithoutAnimation()
{
    StateDiagramWidget w;
    w.showConnection(closingConnection());
    QSignalSpy finished(&w, &StateDiagramWidget::animationFinished);
    w.showConnection({{historyOf(9, {S::SynSent}), QStringLiteral("client #2"), true, {}}});
    QVERIFY(!w.isAnimating());
    QCOMPARE(w.endCount(), 1);
    QCOMPARE(w.highlightedState(0), S::SynSent);
    QVERIFY(w.stateItem(S::TimeWait)->marks().isEmpty());
    QVERIFY(w.stateItem(S::CloseWait)->marks().isEmpty());
    QCOMPARE(finished.size(), 0);
}

void TestStateDiagramWidget::shouldStayStillWhenTheStateDidNotChange()
{
    StateDiagramWidget w;
    QList<StateDiagramWidget::End> ends = closingConnection();
    w.showConnection(ends);
    ends[0].history.spans.last().lastSeenNs += 500000000;
    ends[0].history.spans.last().polls += 5;
    w.showConnection(ends);
    QVERIFY(!w.isAnimating());
    QCOMPARE(w.highlightedState(0), S::TimeWait);
    QVERIFY(w.explanationText().contains(QStringLiteral("seen by 8 polls over 0.7 s")));
}

void TestStateDiagramWidget::shouldForgetTheConnectionWhenCleared()
{
    StateDiagramWidget w;
    w.showConnection(closingConnection());
    const int itemsWithTokens = int(w.scene()->items().size());
    w.clear();
    QCOMPARE(w.endCount(), 0);
    QCOMPARE(w.highlightedState(0), std::nullopt);
    QCOMPARE(int(w.scene()->items().size()), itemsWithTokens - 2);
    for (int box = 0; box < DiagramLayout::boxCount; ++box)
        QVERIFY(w.stateItem(DiagramLayout::stateOfBox(box))->marks().isEmpty());
    QVERIFY(w.explanationText().contains(QStringLiteral("Select a connection")));
}

void TestStateDiagramWidget::shouldKeepTheWholeDiagramVisibleWhenResized()
{
    StateDiagramWidget w;
    w.showConnection(closingConnection());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto *view = w.findChild<DiagramView *>();
    const QRectF items = w.scene()->itemsBoundingRect();
    // The smallest text in the scene, in pixels on screen, is never below the application's
    // small font: the whole diagram shows where that leaves room, and the view scrolls where not.
    const int small = Theme::smallFontPixels(w.font());
    const int smallestInScene = DiagramTheme::fromPalette(w.palette(), w.font()).smallFont.pixelSize();
    for (const QSize size : {QSize(460, 420), QSize(600, 420), QSize(1000, 700), QSize(1900, 1000)}) {
        w.resize(size);
        QTRY_COMPARE(w.size(), size);
        QCoreApplication::processEvents();
        const QString at = QStringLiteral("%1x%2").arg(size.width()).arg(size.height());
        QVERIFY2(smallestInScene * view->scale() >= small - 0.01, qPrintable(at));
        const QRect onScreen = view->mapFromScene(items).boundingRect();
        const QRect viewport = view->viewport()->rect().adjusted(-1, -1, 1, 1);
        if (view->showsWholeScene()) {
            QVERIFY2(viewport.contains(onScreen), qPrintable(at));
            // and it uses the room: one dimension nearly fills the viewport
            QVERIFY(onScreen.width() > view->viewport()->width() * 0.85
                    || onScreen.height() > view->viewport()->height() * 0.85);
        } else {
            // It scrolls, keeping the ends' states in sight: TIME_WAIT and CLOSE_WAIT.
            for (S state : {S::TimeWait, S::CloseWait}) {
                const QRect box = view->mapFromScene(DiagramLayout::boxRect(DiagramLayout::boxOf(state))).boundingRect();
                QVERIFY2(viewport.intersects(box), qPrintable(at + QLatin1Char(' ') + kernelName(state)));
            }
        }
        saveScreenshot(w, QStringLiteral("state-diagram-%1.png").arg(at));
    }
    // The largest size shows all of it.
    QVERIFY(view->showsWholeScene());
}

void TestStateDiagramWidget::shouldFollowThePaletteFromLightToDark()
{
    StateDiagramWidget w;
    w.setPalette(lightPalette());
    w.resize(1600, 900);
    w.showConnection(closingConnection());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto *view = w.findChild<QGraphicsView *>();
    const auto backgroundLightness = [&] {
        // the view's top-right corner is empty diagram background
        const QImage image = view->grab().toImage();
        return image.pixelColor(image.width() - 3, 3).lightnessF();
    };
    QVERIFY(backgroundLightness() > 0.9);
    saveScreenshot(w, QStringLiteral("state-diagram-light.png"));

    w.setPalette(darkPalette());
    QTRY_VERIFY(backgroundLightness() < 0.2);
    saveScreenshot(w, QStringLiteral("state-diagram-dark.png"));
    const QColor dark = w.stateItem(S::Established)->marks().first().colour;
    w.setPalette(lightPalette());
    QVERIFY(w.stateItem(S::Established)->marks().first().colour != dark); // end colours follow too
}

QTEST_MAIN(TestStateDiagramWidget)
#include "tst_statediagramwidget.moc"
