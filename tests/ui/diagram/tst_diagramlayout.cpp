// SPDX-License-Identifier: GPL-3.0-or-later
// The diagram's geometry on its own, without a scene: the arrangement of RFC 9293 figure 5,
// arrows that start and end on their boxes, labels that overlap nothing.
#include "ui/diagram/diagramlayout.h"
#include "ui/diagram/diagramtheme.h"
#include "ui/diagram/legenditem.h"
#include "ui/diagram/transitionlabelitem.h"

#include "core/tcp/tcpstatemachine.h"

#include <QApplication>
#include <QTest>

using namespace sockscope;
using S = TcpState;
using L = DiagramLayout;

namespace {

QPointF centre(S state)
{
    return L::boxRect(L::boxOf(state)).center();
}

// How far a point is from a rectangle's outline.
qreal distanceToOutline(const QRectF &r, const QPointF &p)
{
    const qreal dx = qMax(qMax(r.left() - p.x(), 0.0), p.x() - r.right());
    const qreal dy = qMax(qMax(r.top() - p.y(), 0.0), p.y() - r.bottom());
    if (dx > 0 || dy > 0)
        return std::hypot(dx, dy);
    return qMin(qMin(p.x() - r.left(), r.right() - p.x()), qMin(p.y() - r.top(), r.bottom() - p.y()));
}

QString edgeName(int edge)
{
    const TcpTransition &t = TcpStateMachine::transitions().at(edge);
    return kernelName(t.from) + QStringLiteral("->") + kernelName(t.to);
}

QList<QRectF> labelRects(const QFont &font)
{
    QList<QRectF> rects;
    for (int edge = 0; edge < L::edgeCount(); ++edge)
        rects << L::labelRect(edge, TransitionLabelItem::sizeFor(edge, font));
    return rects;
}

} // namespace

class TestDiagramLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldGiveEveryStateItsOwnBox();
    void shouldArrangeTheStatesLikeTheRfcFigure();
    void shouldStartAndEndEveryArrowOnItsBoxes();
    void shouldEndTheNormalClosingPathsInTheLowerClosedBox();
    void shouldKeepArrowsOutOfOtherBoxes();
    void shouldPointArrowHeadsAtTheTargetBox();
    void shouldPlaceLabelsWithoutOverlaps();
    void shouldPlaceEachLabelAtItsArrow();
    void shouldRouteATokenFromCornerToCornerAlongTheArrows();
};

void TestDiagramLayout::shouldGiveEveryStateItsOwnBox()
{
    QCOMPARE(L::boxCount, tcpStateCount + 1);
    for (int a = 0; a < L::boxCount; ++a) {
        QVERIFY(!L::boxRect(a).isEmpty());
        for (int b = a + 1; b < L::boxCount; ++b) {
            QVERIFY(L::boxRect(a).center() != L::boxRect(b).center());
            QVERIFY2(!L::boxRect(a).intersects(L::boxRect(b).adjusted(-20, -20, 20, 20)),
                     qPrintable(QStringLiteral("boxes %1 and %2 touch").arg(a).arg(b)));
        }
    }
    for (TcpState s : allTcpStates())
        QCOMPARE(L::stateOfBox(L::boxOf(s)), s);
    QCOMPARE(L::stateOfBox(L::finalClosedBox), S::Close);
}

void TestDiagramLayout::shouldArrangeTheStatesLikeTheRfcFigure()
{
    // top to bottom down the middle
    QVERIFY(centre(S::Close).y() < centre(S::Listen).y());
    QVERIFY(centre(S::Listen).y() < centre(S::Established).y());
    QVERIFY(centre(S::Established).y() < centre(S::Closing).y());
    QVERIFY(centre(S::Closing).y() < centre(S::TimeWait).y());
    QCOMPARE(centre(S::Close).x(), centre(S::Established).x());
    // the passive side left, the active side right, each pair on one row
    QVERIFY(centre(S::SynRecv).x() < centre(S::Listen).x() && centre(S::Listen).x() < centre(S::SynSent).x());
    QCOMPARE(centre(S::SynRecv).y(), centre(S::SynSent).y());
    QVERIFY(centre(S::FinWait1).x() < centre(S::Established).x() && centre(S::Established).x() < centre(S::CloseWait).x());
    QCOMPARE(centre(S::FinWait1).y(), centre(S::CloseWait).y());
    QCOMPARE(centre(S::FinWait2).y(), centre(S::LastAck).y());
    QCOMPARE(centre(S::FinWait2).x(), centre(S::FinWait1).x());
    QCOMPARE(centre(S::LastAck).x(), centre(S::CloseWait).x());
    // the second CLOSED bottom right, beside TIME_WAIT
    const QPointF last = L::boxRect(L::finalClosedBox).center();
    QCOMPARE(last.y(), centre(S::TimeWait).y());
    QCOMPARE(last.x(), centre(S::LastAck).x());
}

void TestDiagramLayout::shouldStartAndEndEveryArrowOnItsBoxes()
{
    QCOMPARE(L::edgeCount(), 21);
    for (int edge = 0; edge < L::edgeCount(); ++edge) {
        const QPainterPath path = L::edgePath(edge);
        const QRectF from = L::boxRect(L::fromBox(edge));
        const QRectF to = L::boxRect(L::toBox(edge));
        QVERIFY2(distanceToOutline(from, path.pointAtPercent(0)) < 0.5, qPrintable(edgeName(edge)));
        QVERIFY2(distanceToOutline(to, path.pointAtPercent(1)) < 0.5, qPrintable(edgeName(edge)));
        QVERIFY2(path.length() > 50, qPrintable(edgeName(edge)));
    }
}

void TestDiagramLayout::shouldEndTheNormalClosingPathsInTheLowerClosedBox()
{
    const QList<TcpTransition> &all = TcpStateMachine::transitions();
    for (int edge = 0; edge < all.size(); ++edge) {
        if (all[edge].to != S::Close)
            continue;
        const bool normalEnd = all[edge].from == S::TimeWait || all[edge].from == S::LastAck;
        QCOMPARE(L::toBox(edge), normalEnd ? int(L::finalClosedBox) : L::boxOf(S::Close));
    }
}

void TestDiagramLayout::shouldKeepArrowsOutOfOtherBoxes()
{
    for (int edge = 0; edge < L::edgeCount(); ++edge) {
        const QPainterPath path = L::edgePath(edge);
        for (int i = 0; i <= 200; ++i) {
            const QPointF p = path.pointAtPercent(i / 200.0);
            for (int box = 0; box < L::boxCount; ++box) {
                if (box == L::fromBox(edge) || box == L::toBox(edge))
                    continue;
                QVERIFY2(!L::boxRect(box).adjusted(-4, -4, 4, 4).contains(p),
                         qPrintable(QStringLiteral("%1 crosses box %2").arg(edgeName(edge)).arg(box)));
            }
        }
    }
}

void TestDiagramLayout::shouldPointArrowHeadsAtTheTargetBox()
{
    for (int edge = 0; edge < L::edgeCount(); ++edge) {
        const QPainterPath path = L::edgePath(edge);
        const QPolygonF head = L::arrowHead(path);
        QCOMPARE(head.first(), path.pointAtPercent(1));
        // the head lies outside its box, on the arrow's side of it
        const QRectF to = L::boxRect(L::toBox(edge)).adjusted(1, 1, -1, -1);
        for (const QPointF &p : head)
            QVERIFY2(!to.contains(p), qPrintable(edgeName(edge)));
        const QPointF base = head[2];
        QVERIFY2(QLineF(base, path.pointAtPercent(0.97)).length() < QLineF(path.pointAtPercent(1), path.pointAtPercent(0.97)).length() + 10,
                 qPrintable(edgeName(edge)));
    }
}

void TestDiagramLayout::shouldPlaceLabelsWithoutOverlaps()
{
    const DiagramTheme theme = DiagramTheme::fromPalette(QApplication::palette());
    const QList<QRectF> labels = labelRects(theme.labelFont);
    const QRectF legend = LegendItem(theme).boundingRect().translated(L::legendOrigin());
    for (int box = 0; box < L::boxCount; ++box)
        QVERIFY(!legend.intersects(L::boxRect(box)));
    for (int a = 0; a < labels.size(); ++a) {
        QVERIFY(labels[a].width() > 20 && labels[a].height() > 10);
        for (int b = a + 1; b < labels.size(); ++b)
            QVERIFY2(!labels[a].intersects(labels[b]),
                     qPrintable(QStringLiteral("labels of %1 and %2 overlap").arg(edgeName(a), edgeName(b))));
        for (int box = 0; box < L::boxCount; ++box)
            QVERIFY2(!labels[a].intersects(L::boxRect(box)),
                     qPrintable(QStringLiteral("label of %1 covers box %2").arg(edgeName(a)).arg(box)));
        QVERIFY2(!labels[a].intersects(legend), qPrintable(QStringLiteral("label of %1 is under the legend").arg(edgeName(a))));
    }
}

void TestDiagramLayout::shouldPlaceEachLabelAtItsArrow()
{
    const DiagramTheme theme = DiagramTheme::fromPalette(QApplication::palette());
    const QList<QRectF> labels = labelRects(theme.labelFont);
    for (int edge = 0; edge < L::edgeCount(); ++edge) {
        const QPainterPath path = L::edgePath(edge);
        qreal nearest = 1e9;
        bool crosses = false;
        for (int i = 0; i <= 100; ++i) {
            const QPointF p = path.pointAtPercent(i / 100.0);
            crosses = crosses || labels[edge].contains(p);
            nearest = qMin(nearest, distanceToOutline(labels[edge], p));
        }
        // A label on its path sits across it; one beside it keeps a small gap.
        if (L::labelPlacement(edge) == L::LabelPlacement::OnPath)
            QVERIFY2(crosses, qPrintable(edgeName(edge)));
        else
            QVERIFY2(!crosses && nearest > 2 && nearest < 12, qPrintable(QStringLiteral("%1: %2").arg(edgeName(edge)).arg(nearest)));
    }
}

void TestDiagramLayout::shouldRouteATokenFromCornerToCornerAlongTheArrows()
{
    const QList<TcpTransition> path = TcpStateMachine::shortestPath(S::Established, S::Close);
    QList<int> edges;
    qreal along = 0;
    for (const TcpTransition &t : path) {
        edges << int(TcpStateMachine::transitions().indexOf(t));
        along += L::edgePath(edges.last()).length();
    }
    const QPainterPath route = L::tokenRoute(L::boxOf(S::Established), edges, false);
    QCOMPARE(route.pointAtPercent(0), L::tokenPoint(L::boxOf(S::Established), false));
    QCOMPARE(route.pointAtPercent(1), L::tokenPoint(L::toBox(edges.last()), false));
    QVERIFY(route.length() > along);
    // the client's and the server end's places on one box differ, both on its top edge
    const QRectF box = L::boxRect(L::boxOf(S::Established));
    QVERIFY(L::tokenPoint(L::boxOf(S::Established), true).x() < L::tokenPoint(L::boxOf(S::Established), false).x());
    QVERIFY(qAbs(L::tokenPoint(L::boxOf(S::Established), true).y() - box.top()) < 10);
    // no edges: the token stays
    QCOMPARE(L::tokenRoute(3, {}, true).pointAtPercent(1), L::tokenPoint(3, true));
}

QTEST_MAIN(TestDiagramLayout)
#include "tst_diagramlayout.moc"
