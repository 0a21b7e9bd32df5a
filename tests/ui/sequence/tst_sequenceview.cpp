// SPDX-License-Identifier: GPL-3.0-or-later
// The sequence view on the "transfer" connection of tests/data/capture/lo-ipv4.txt (real frames,
// the lab's calls written around them): where its parts go, what a click and a hover find, how
// it zooms, scrolls and follows, and the pictures it writes.
#include "ui/sequence/sequencewidget.h"

#include "../../common/palettes.h"
#include "../../common/transferfigure.h"

#include <QApplication>
#include <QDir>
#include <QImage>
#include <QLabel>
#include <QPainter>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QWheelEvent>
#include <QXmlStreamReader>

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::test::transfer;

namespace {

// The transfer as SequenceFigure gives it, its first `segments` segments (all: -1) and the
// calls up to the last of them.
SequenceFigure transferFigure(qsizetype segments = -1)
{
    const Transfer t;
    SequenceFigure figure;
    figure.lifelines = threeLifelines();
    const qint64 until = segments < 0 ? std::numeric_limits<qint64>::max() : t.wire.at(segments - 1) + us(30);
    for (const LabCall &call : t.calls.list) {
        if (call.steadyNs <= until)
            figure.calls.append(call);
    }
    figure.segments = t.wire.specs(segments);
    for (const Layout::StateChange &change : t.changes) {
        if (change.atNs <= until && change.segment < figure.segments.size())
            figure.changes.append(change);
    }
    return figure;
}

// The same without a capture: the handshake implied by the polls, as on the host's loopback.
SequenceFigure impliedFigure()
{
    const Transfer t;
    SequenceFigure figure;
    figure.lifelines = threeLifelines();
    figure.calls = t.calls.list.mid(0, t.accept + 1);
    const qint64 seen = t.wire.at(2) + ms(5);
    figure.segments = {
        Layout::SegmentSpec::implied(TcpFlag::Syn, client, listener, t.wire.at(0) - ms(10), seen),
        Layout::SegmentSpec::implied(TcpFlag::Syn | TcpFlag::Ack, accepted, client, t.wire.at(0) - ms(10), seen),
        Layout::SegmentSpec::implied(TcpFlag::Ack, client, accepted, t.wire.at(0) - ms(10), seen),
    };
    figure.changes = {
        {clientLine, TcpState::Close, TcpState::SynSent, t.wire.at(0), Layout::Known::PassedNotObserved, 0},
        {clientLine, TcpState::SynSent, TcpState::Established, seen, Layout::Known::SeenByPoll, -1},
        {acceptedLine, TcpState::Listen, TcpState::Established, seen, Layout::Known::SeenByPoll, -1},
    };
    return figure;
}

// The transfer's handshake with "drop synack" on the wire for its first two seconds: the first
// SYN,ACK and the one answering the SYN sent again a second later are dropped; the SYN sent a
// third time, two seconds after that, is answered and the handshake completes.
SequenceFigure droppedFigure()
{
    const Transfer t;
    QList<WireSegment> wire;
    const auto add = [&](qsizetype from, qint64 later, bool dropped, int again, qint64 since) {
        WireSegment w = t.wire.wire[from];
        w.steadyNs += later;
        w.segment.timestampNs += later;
        w.repeat.retransmission = again;
        w.repeat.sincePreviousNs = since;
        if (dropped) {
            w.stoppedBy = 1;
            w.stoppingRule = QStringLiteral("drop synack");
        }
        if (later > 0)
            w.cause.clear(); // sent again by the kernel's timer
        wire.append(w);
    };
    add(0, 0, false, 0, 0);
    add(1, 0, true, 0, 0);
    add(0, ms(1000), false, 1, ms(1000));
    add(1, ms(1000), true, 1, ms(1000));
    add(0, ms(3000), false, 2, ms(2000));
    add(1, ms(3000), false, 2, ms(2000));
    add(2, ms(3000), false, 0, 0);
    SequenceFigure figure;
    figure.lifelines = threeLifelines();
    figure.calls = t.calls.list.mid(0, t.connect + 1);
    LabCall connected = t.calls.list[t.connected];
    connected.steadyNs = wire.last().steadyNs + us(20);
    figure.calls.append(connected);
    for (const WireSegment &w : std::as_const(wire))
        figure.segments.append(Layout::SegmentSpec::of(w));
    QList<Segment> segments;
    for (const WireSegment &w : std::as_const(wire))
        segments.append(w.segment);
    const QList<bool> stopped = stoppedOf(wire);
    figure.changes.append({listenerLine, TcpState::Close, TcpState::Listen, originNs - ms(29), Layout::Known::SeenByPoll, -1});
    for (const auto &[end, start, line] : {std::tuple{t.wire.clientEnd, TcpState::Close, int(clientLine)},
                                           std::tuple{t.wire.serverEnd, TcpState::Listen, int(acceptedLine)}}) {
        for (const PacketTransition &p : PacketStates::of(segments, end, start, stopped))
            figure.changes.append({line, p.from, p.to, wire[p.segment].steadyNs, Layout::Known::TimedByPacket, p.segment});
    }
    return figure;
}

QRectF arrowBounds(const SequenceGeometry::ArrowShape &shape)
{
    return QRectF(shape.line.p1(), shape.line.p2()).normalized();
}

QPoint centreOf(const SequenceView &view, const QRectF &figureRect)
{
    return view.toViewport(figureRect.center());
}

// The share of a picture's border pixels that are white: a light page.
double whiteBorder(const QImage &image)
{
    int white = 0;
    int all = 0;
    for (int x = 0; x < image.width(); x += 3) {
        for (int y : {0, image.height() - 1}) {
            ++all;
            white += image.pixelColor(x, y).lightness() >= 250 ? 1 : 0;
        }
    }
    return double(white) / all;
}

} // namespace

class TestSequenceView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shouldKeepEveryWordClearOfTheOthers();
    void shouldFindWhatIsUnderTheMouse();
    void shouldDescribeEachItemOnHover();
    void shouldZoomAndScrollAndFollowTheNewestRow();
    void shouldSayWhatItDrawsInItsKey();
    void shouldWritePicturesOnALightPage();
    void shouldSayWhatToDoWhileEmpty();
    void shouldSaveScreenshotsInBothPalettes();
    void shouldDrawASegmentLostOnTheWireAsACross();
};

void TestSequenceView::initTestCase()
{
    QApplication::setPalette(lightPalette());
}

void TestSequenceView::shouldKeepEveryWordClearOfTheOthers()
{
    for (const SequenceFigure &figure : {transferFigure(), impliedFigure(), droppedFigure()}) {
        const SequenceLayout layout = figure.layout();
        const SequenceGeometry g = SequenceGeometry::of(layout, QApplication::font());
        QVERIFY(!layout.isEmpty());
        // The text: call boxes (and completions), arrow words, pills, headers.
        QList<std::pair<QString, QRectF>> words;
        for (int c = 0; c < layout.calls().size(); ++c) {
            words.append({layout.calls()[c].text, g.callRects()[c]});
            if (!g.endTextRect(c).isEmpty())
                words.append({layout.calls()[c].endText, g.endTextRect(c)});
        }
        for (const SequenceGeometry::ArrowShape &shape : g.arrows()) {
            words.append({layout.arrows()[shape.arrow].label, shape.labelRect});
            if (shape.isLost())
                words.append({layout.arrows()[shape.arrow].stopText, shape.stopRect});
        }
        for (const SequenceGeometry::Pill &pill : g.pills())
            words.append({pill.text, pill.rect});
        for (int i = 0; i < layout.lifelines().size(); ++i)
            words.append({layout.lifelines()[i].label, g.headerRect(i)});
        for (qsizetype i = 0; i < words.size(); ++i) {
            const QRectF &a = words[i].second;
            QVERIFY2(QRectF(QPointF(0, 0), g.size()).contains(a), qPrintable(words[i].first));
            for (qsizetype j = i + 1; j < words.size(); ++j) {
                // Pills of one lifeline on one row (a state entered and left at once) share it.
                QVERIFY2(!a.intersects(words[j].second), qPrintable(words[i].first + QStringLiteral(" / ") + words[j].first));
            }
        }
        // Each arrow's words fit between its two bars, and no pill sits on an arrow.
        for (const SequenceGeometry::ArrowShape &shape : g.arrows()) {
            const SequenceLayout::Arrow &arrow = layout.arrows()[shape.arrow];
            const double left = std::min(g.barX(arrow.fromLifeline), g.barX(arrow.toLifeline));
            const double right = std::max(g.barX(arrow.fromLifeline), g.barX(arrow.toLifeline));
            QVERIFY2(shape.labelRect.left() > left && shape.labelRect.right() < right, qPrintable(arrow.label));
            QVERIFY(shape.labelRect.bottom() < std::min(shape.line.y1(), shape.line.y2()));
            if (shape.isLost()) {
                QVERIFY2(shape.stopRect.left() > left && shape.stopRect.right() < right, qPrintable(arrow.stopText));
                QVERIFY(shape.stopRect.top() > shape.cross.y() + shape.crossSize);
            }
            for (const SequenceGeometry::Pill &pill : g.pills())
                QVERIFY2(!pill.rect.intersects(arrowBounds(shape).adjusted(0, -1, 0, 1)) || !pill.rect.contains(shape.line.center()),
                         qPrintable(pill.text));
            // Slanted: it leaves the sender before it reaches the receiver.
            QVERIFY(shape.line.y2() > shape.line.y1());
        }
        // Time runs down: rows in order, one below the other.
        for (int r = 1; r < layout.rowCount(); ++r)
            QCOMPARE(g.rowTop(r), g.rowTop(r - 1) + g.rowHeight(r - 1));
        // The text is the font's own size: at least the application's.
        QVERIFY(g.lineHeight() >= QFontMetricsF(QApplication::font()).height());
    }
}

void TestSequenceView::shouldFindWhatIsUnderTheMouse()
{
    SequenceView view;
    view.resize(900, 600);
    view.setFigure(transferFigure());
    view.setFollowNewest(false);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const SequenceGeometry &g = view.geometry();
    using Hit = SequenceGeometry::Hit;
    // Every call box, arrow and pill is found where it is drawn.
    for (int c = 0; c < g.callRects().size(); ++c) {
        const Hit hit = g.hitAt(g.callRects()[c].center());
        QCOMPARE(hit.kind, Hit::Kind::Call);
        QCOMPARE(hit.index, c);
    }
    for (const SequenceGeometry::ArrowShape &shape : g.arrows()) {
        QCOMPARE(g.hitAt(shape.labelRect.center()).kind, Hit::Kind::Arrow);
        QCOMPARE(g.hitAt(shape.labelRect.center()).index, shape.arrow);
        const Hit onLine = g.hitAt(shape.line.pointAt(0.3) + QPointF(0, 2));
        QCOMPARE(onLine.kind, Hit::Kind::Arrow);
        QCOMPARE(onLine.index, shape.arrow);
    }
    for (const SequenceGeometry::Pill &pill : g.pills()) {
        QCOMPARE(g.hitAt(pill.rect.center()).kind, Hit::Kind::Band);
        QCOMPARE(g.hitAt(pill.rect.center()).index, pill.band);
    }
    QCOMPARE(g.hitAt(QPointF(2, 2)).kind, Hit::Kind::None);

    // A click, scrolled and zoomed, names the item and outlines it.
    QSignalSpy clicked(&view, &SequenceView::clicked);
    view.setZoom(1.5);
    const SequenceGeometry::ArrowShape &fin = g.arrows()[7]; // the client's FIN
    QCOMPARE(view.layout().arrows()[fin.arrow].label, QStringLiteral("FIN,ACK seq=301 ack=201"));
    view.setSelected({Hit::Kind::Arrow, fin.arrow, -1}); // scrolls it into view
    QVERIFY(view.viewport()->rect().contains(centreOf(view, fin.labelRect)));
    view.setSelected({});
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, centreOf(view, fin.labelRect));
    QCOMPARE(clicked.size(), 1);
    const Hit hit = clicked.first().first().value<Hit>();
    QCOMPARE(hit.kind, Hit::Kind::Arrow);
    QCOMPARE(hit.index, fin.arrow);
    QCOMPARE(view.selected().index, fin.arrow);
}

void TestSequenceView::shouldDescribeEachItemOnHover()
{
    SequenceView view;
    view.setFigure(transferFigure());
    using Hit = SequenceGeometry::Hit;
    const SequenceLayout &layout = view.layout();
    // A captured segment: the long form, absolute numbers and the call that sent it.
    const QString syn = view.describe({Hit::Kind::Arrow, 0, -1});
    QVERIFY2(syn.startsWith(QStringLiteral("SYN from client #1 to listener — captured on the wire")), qPrintable(syn));
    QVERIFY2(syn.contains(QStringLiteral("absolute seq=")), qPrintable(syn));
    QVERIFY2(syn.contains(QStringLiteral("caused by client #1: connect(127.0.0.1:8001)")), qPrintable(syn));
    // A waiting call: how long it waited and how it ended.
    int connect = -1;
    for (int c = 0; c < layout.calls().size(); ++c) {
        if (layout.calls()[c].waits())
            connect = c;
    }
    QVERIFY(connect >= 0);
    const QString waited = view.describe({Hit::Kind::Call, connect, -1});
    QVERIFY2(waited.contains(QStringLiteral("connect(127.0.0.1:8001) = -1 EINPROGRESS")), qPrintable(waited));
    QVERIFY2(waited.contains(QStringLiteral("finished ")) && waited.contains(QStringLiteral(" µs later")), qPrintable(waited));
    // A state timed by packet, and one the kernel alone held before accept().
    int synRecv = -1;
    for (int b = 0; b < layout.bands().size(); ++b) {
        if (layout.bands()[b].state == TcpState::SynRecv)
            synRecv = b;
    }
    QVERIFY(synRecv >= 0);
    const QString state = view.describe({Hit::Kind::Band, synRecv, -1});
    QVERIFY2(state.startsWith(QStringLiteral("accepted #1 in SYN_RECV — timed by a captured packet")), qPrintable(state));
    QVERIFY2(state.contains(QStringLiteral("only the kernel holds it")), qPrintable(state));
    // An implied segment says it is one.
    view.setFigure(impliedFigure());
    const QString implied = view.describe({Hit::Kind::Arrow, 0, -1});
    QVERIFY2(implied.startsWith(QStringLiteral("SYN from client #1 to listener — implied, not captured")), qPrintable(implied));
}

void TestSequenceView::shouldZoomAndScrollAndFollowTheNewestRow()
{
    SequenceView view;
    view.resize(500, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.zoom(), 1.0);
    // Live: the figure grows and the newest row stays in view.
    view.setFigure(transferFigure(3));
    QVERIFY(view.followsNewest());
    QCOMPARE(view.verticalScrollBar()->value(), view.verticalScrollBar()->maximum());
    view.setFigure(transferFigure());
    QVERIFY(view.verticalScrollBar()->maximum() > 0);
    QCOMPARE(view.verticalScrollBar()->value(), view.verticalScrollBar()->maximum());
    // Scrolled up to read: it stays there as the figure grows, until End.
    view.verticalScrollBar()->setValue(0);
    QVERIFY(!view.followsNewest());
    view.setFigure(transferFigure());
    QCOMPARE(view.verticalScrollBar()->value(), 0);
    QTest::keyClick(view.viewport(), Qt::Key_End);
    QVERIFY(view.followsNewest());
    QCOMPARE(view.verticalScrollBar()->value(), view.verticalScrollBar()->maximum());

    // Zoom: keys, Ctrl+wheel, bounds, fit.
    QTest::keyClick(&view, Qt::Key_Plus);
    QCOMPARE(view.zoom(), SequenceView::zoomStep);
    QTest::keyClick(&view, Qt::Key_0);
    QCOMPARE(view.zoom(), 1.0);
    const int rangeBefore = view.horizontalScrollBar()->maximum();
    QWheelEvent wheel(QPointF(100, 100), view.viewport()->mapToGlobal(QPointF(100, 100)), QPoint(), QPoint(0, 120),
                      Qt::NoButton, Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view.viewport(), &wheel);
    QCOMPARE(view.zoom(), SequenceView::zoomStep);
    QVERIFY(view.horizontalScrollBar()->maximum() > rangeBefore);
    for (int i = 0; i < 40; ++i)
        view.zoomOut();
    QCOMPARE(view.zoom(), SequenceView::minZoom);
    view.setZoom(1.0);
    view.fitWidth();
    QVERIFY(view.zoom() < 1.0);
    QCOMPARE(view.horizontalScrollBar()->maximum(), 0);
}

void TestSequenceView::shouldSayWhatItDrawsInItsKey()
{
    QCOMPARE(SequencePainter::legendEntries(transferFigure().layout()),
             QStringList({QStringLiteral("seen by a poll"), QStringLiteral("timed by a packet"),
                          QStringLiteral("captured segment"), QStringLiteral("the kernel's only, before accept()"),
                          QStringLiteral("a call waiting")}));
    QCOMPARE(SequencePainter::legendEntries(impliedFigure().layout()),
             QStringList({QStringLiteral("seen by a poll"), QStringLiteral("passed, not observed"),
                          QStringLiteral("implied, not captured"), QStringLiteral("the kernel's only, before accept()"),
                          QStringLiteral("a call waiting")}));
    // A narrow key wraps onto more lines.
    const SequenceLayout layout = transferFigure().layout();
    QVERIFY(SequencePainter::legendHeight(layout, QApplication::font(), 200)
            > SequencePainter::legendHeight(layout, QApplication::font(), 2000));
}

void TestSequenceView::shouldWritePicturesOnALightPage()
{
    // Whatever the desktop's palette: pictures go on slides and paper.
    QApplication::setPalette(darkPalette());
    SequenceWidget widget;
    widget.setFigure(transferFigure());
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("transfer.png"));
    QCOMPARE(widget.savePicture(png), QString());
    QImage image(png);
    QVERIFY(!image.isNull());
    QVERIFY2(whiteBorder(image) > 0.95, "a light page");
    // Larger than the view's figure: the key is under it, at twice the pixels.
    const SequenceGeometry g = SequenceGeometry::of(widget.view()->layout(), widget.font());
    QVERIFY(image.height() > g.size().height() * 2);

    const QString svg = dir.filePath(QStringLiteral("transfer.svg"));
    QCOMPARE(widget.savePicture(svg), QString());
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QXmlStreamReader xml(text);
    while (!xml.atEnd())
        xml.readNext();
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    for (const char *word : {"client #1", "accepted #1", "SYN,ACK seq=0 ack=1", "SYN_RECV", "TIME_WAIT",
                             "shutdown(SHUT_WR) = 0", "timed by a packet"})
        QVERIFY2(text.contains(word), word);
    QVERIFY(QSvgRenderer(text).isValid());

    // A name it cannot write, a place it cannot write to, nothing to draw: said, nothing written.
    QVERIFY(widget.savePicture(dir.filePath(QStringLiteral("transfer.gif"))).contains(QStringLiteral(".png or .svg")));
    QVERIFY(widget.savePicture(dir.filePath(QStringLiteral("missing/transfer.png"))).startsWith(QStringLiteral("cannot write")));
    widget.clear();
    const QString nothing = dir.filePath(QStringLiteral("empty.png"));
    QVERIFY(widget.savePicture(nothing).startsWith(QStringLiteral("Nothing to draw")));
    QVERIFY(!QFile::exists(nothing));
    QApplication::setPalette(lightPalette());
}

void TestSequenceView::shouldSayWhatToDoWhileEmpty()
{
    SequenceWidget widget;
    QVERIFY(widget.isEmpty());
    const auto *placeholder = widget.findChild<QLabel *>(QStringLiteral("sequencePlaceholder"));
    QVERIFY(placeholder && placeholder->text().contains(QStringLiteral("Select a lab client's connection")));
    widget.setFigure(transferFigure());
    QVERIFY(!widget.isEmpty());
    QCOMPARE(widget.findChild<QLabel *>(QStringLiteral("sequenceTitle"))->text(), QStringLiteral("client #1's connection"));
    widget.clear(QStringLiteral("not a lab connection"));
    QCOMPARE(placeholder->text(), QStringLiteral("not a lab connection"));
}

void TestSequenceView::shouldSaveScreenshotsInBothPalettes()
{
    const QString dir = QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(dir));
    for (const bool dark : {false, true}) {
        QApplication::setPalette(dark ? darkPalette() : lightPalette());
        SequenceWidget widget;
        widget.resize(900, 700);
        widget.setFigure(transferFigure());
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));
        widget.view()->setFollowNewest(false);
        widget.view()->verticalScrollBar()->setValue(0);
        const QString file = dir + (dark ? QStringLiteral("/sequence-transfer-dark.png") : QStringLiteral("/sequence-transfer.png"));
        QVERIFY(widget.grab().save(file));
        qInfo("screenshot: %s", qPrintable(file));
    }
    QApplication::setPalette(lightPalette());
}

void TestSequenceView::shouldDrawASegmentLostOnTheWireAsACross()
{
    const SequenceFigure figure = droppedFigure();
    const SequenceLayout layout = figure.layout();
    const SequenceGeometry g = SequenceGeometry::of(layout, QApplication::font());
    QStringList labels;
    QList<int> lost;
    for (const SequenceGeometry::ArrowShape &shape : g.arrows()) {
        const SequenceLayout::Arrow &arrow = layout.arrows()[shape.arrow];
        labels << arrow.label + (arrow.lost ? QStringLiteral(" | ") + arrow.stopText : QString());
        if (shape.isLost())
            lost << shape.arrow;
        QCOMPARE(shape.isLost(), arrow.lost);
    }
    // Each copy sent again says how long after the one before it.
    QCOMPARE(labels, QStringList({QStringLiteral("SYN seq=0"),
                                  QStringLiteral("SYN,ACK seq=0 ack=1 | DROPPED by rule 1 (drop synack)"),
                                  QStringLiteral("SYN seq=0 (retransmission +1.00 s)"),
                                  QStringLiteral("SYN,ACK seq=0 ack=1 (retransmission +1.00 s) | DROPPED by rule 1 (drop synack)"),
                                  QStringLiteral("SYN seq=0 (retransmission 2 +2.00 s)"),
                                  QStringLiteral("SYN,ACK seq=0 ack=1 (retransmission 2 +2.00 s)"), QStringLiteral("ACK ack=1")}));
    QCOMPARE(lost, QList<int>({1, 3}));
    for (int a : lost) {
        const SequenceGeometry::ArrowShape &shape = g.arrows()[a];
        // From the listener toward the client, stopping part of the way: a cross, short of the
        // client's bar by a good part of the gap.
        const double from = g.barX(listenerLine);
        const double to = g.barX(clientLine);
        QCOMPARE(shape.reach.x2(), to + SequenceGeometry::barWidth / 2);
        QCOMPARE(shape.line.p2(), shape.cross);
        QVERIFY(shape.cross.x() > to + (from - to) * 0.25);
        QVERIFY(shape.cross.x() < from - (from - to) * 0.25);
        QVERIFY(shape.crossSize >= 4);
        // The cross and its words are the arrow's, for a click and for the tooltip.
        QCOMPARE(g.hitAt(shape.cross).kind, SequenceGeometry::Hit::Kind::Arrow);
        QCOMPARE(g.hitAt(shape.cross).index, a);
        QCOMPARE(g.hitAt(shape.stopRect.center()).index, a);
        // Nothing of it reaches the client's bar.
        QCOMPARE(g.hitAt(QPointF(to + SequenceGeometry::barWidth, shape.reach.y2())).kind == SequenceGeometry::Hit::Kind::Arrow
                     && g.hitAt(QPointF(to + SequenceGeometry::barWidth, shape.reach.y2())).index == a,
                 false);
    }
    // A row that holds a lost segment is taller, for its words under the arrow.
    const int droppedRow = layout.arrows()[1].fromRow;
    const int arrivedRow = layout.arrows()[0].fromRow;
    QVERIFY(g.rowHeight(droppedRow) > g.rowHeight(arrivedRow));
    // The client saw no SYN,ACK until the third: it stays in SYN_SENT through both drops.
    const SequenceLayout::Band *client = layout.bandAt(clientLine, layout.arrows()[3].fromRow);
    QVERIFY(client);
    QCOMPARE(client->state, TcpState::SynSent);

    // Said on hover, in the key, and in pictures.
    SequenceView view;
    view.setFigure(figure);
    const QString tip = view.describe({SequenceGeometry::Hit::Kind::Arrow, 1, -1});
    QVERIFY2(tip.contains(QStringLiteral("DROPPED by rule 1 (drop synack)")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("client #1 never had it")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("retransmission timer sends it again")), qPrintable(tip));
    const QString again = view.describe({SequenceGeometry::Hit::Kind::Arrow, 3, -1});
    QVERIFY2(again.contains(QStringLiteral("retransmission, 1.00 s after the last")), qPrintable(again));
    QVERIFY(SequencePainter::legendEntries(layout).contains(QStringLiteral("stopped by a wire rule: never arrived")));
    QVERIFY(!SequencePainter::legendEntries(transferFigure().layout()).contains(QStringLiteral("stopped by a wire rule: never arrived")));

    // Drawn: the cross in the error colour, where the line ends; nothing of it by the client.
    QImage image(g.size().toSize(), QImage::Format_ARGB32);
    const TimelineTheme theme = TimelineTheme::fromPalette(QApplication::palette());
    {
        QPainter p(&image);
        p.fillRect(image.rect(), theme.base());
        p.setRenderHint(QPainter::Antialiasing);
        SequencePainter::paint(p, layout, g, theme, QApplication::font(), SequencePainter::Options());
    }
    // A pixel at or right beside the point (a thin line falls between pixels) of about that colour.
    const auto isErrorColour = [&](const QPointF &at) {
        const QColor want = theme.failedCall();
        for (int dx = -1; dx <= 1; ++dx) {
            for (int dy = -1; dy <= 1; ++dy) {
                const QColor c = image.pixelColor(at.toPoint() + QPoint(dx, dy));
                if (std::abs(c.red() - want.red()) < 40 && std::abs(c.green() - want.green()) < 40
                    && std::abs(c.blue() - want.blue()) < 40)
                    return true;
            }
        }
        return false;
    };
    const SequenceGeometry::ArrowShape &first = g.arrows()[1];
    QVERIFY(isErrorColour(first.cross));
    QVERIFY(isErrorColour(first.cross + QPointF(first.crossSize * 0.6, first.crossSize * 0.6)));
    QVERIFY(isErrorColour(first.cross + QPointF(first.crossSize * 0.6, -first.crossSize * 0.6)));
    QVERIFY(isErrorColour(first.line.pointAt(0.5)));
    // Beyond the cross, on the way to the client, the page shows through.
    const QPointF beyond = first.reach.pointAt(0.5 * (SequenceGeometry::lostReach + 1));
    QCOMPARE(image.pixelColor(beyond.toPoint()), theme.base());

    QTemporaryDir dir;
    SequenceWidget widget;
    widget.setFigure(figure);
    const QString svg = dir.filePath(QStringLiteral("dropped.svg"));
    QCOMPARE(widget.savePicture(svg), QString());
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    for (const char *word : {"DROPPED by rule 1 (drop synack)", "retransmission +1.00 s", "stopped by a wire rule"})
        QVERIFY2(text.contains(word), word);

    const QString shots = QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(shots));
    QCOMPARE(widget.savePicture(shots + QStringLiteral("/sequence-dropped-synack.png")), QString());
    for (const bool dark : {false, true}) {
        QApplication::setPalette(dark ? darkPalette() : lightPalette());
        SequenceWidget shown;
        shown.resize(900, 700);
        shown.setFigure(figure);
        shown.show();
        QVERIFY(QTest::qWaitForWindowExposed(&shown));
        shown.view()->setFollowNewest(false);
        shown.view()->verticalScrollBar()->setValue(int(g.rowTop(layout.arrows()[0].fromRow)) - 40);
        const QString file = shots + (dark ? QStringLiteral("/sequence-dropped-synack-view-dark.png")
                                           : QStringLiteral("/sequence-dropped-synack-view.png"));
        QVERIFY(shown.grab().save(file));
        qInfo("screenshot: %s", qPrintable(file));
    }
    QApplication::setPalette(lightPalette());
}

QTEST_MAIN(TestSequenceView)
#include "tst_sequenceview.moc"
