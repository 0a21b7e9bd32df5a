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
};

void TestSequenceView::initTestCase()
{
    QApplication::setPalette(lightPalette());
}

void TestSequenceView::shouldKeepEveryWordClearOfTheOthers()
{
    for (const SequenceFigure &figure : {transferFigure(), impliedFigure()}) {
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
        for (const SequenceGeometry::ArrowShape &shape : g.arrows())
            words.append({layout.arrows()[shape.arrow].label, shape.labelRect});
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

QTEST_MAIN(TestSequenceView)
#include "tst_sequenceview.moc"
