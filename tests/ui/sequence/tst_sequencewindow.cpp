// SPDX-License-Identifier: GPL-3.0-or-later
// The sequence view in the window, on real lab sockets: it draws the selected connection's
// call flow as it happens, tints the scenario step running, follows a replay's scrubber, and
// selecting an event in it, in the event log or in the table selects it in the others.
#include "core/sequence/sequencetext.h"
#include "core/session/sessionfile.h"
#include "core/sources/socketsource.h"
#include "ui/log/eventlogmodel.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/models/sockettablemodel.h"
#include "ui/lab/labpanel.h"
#include "ui/replay/replaycontroller.h"
#include "ui/sequence/sequencewidget.h"

#include "../../common/palettes.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QItemSelectionModel>
#include <QScrollBar>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace sockscope;
using namespace sockscope::test;

namespace {

using Hit = SequenceGeometry::Hit;

MainWindowOptions testOptions()
{
    MainWindowOptions options;
    options.source = SocketSource::defaultName();
    options.intervalMs = 50;
    options.restoreLayout = false;
    return options;
}

int rowOf(const SocketTableModel *model, const QString &label, TcpState state)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->labelAt(row) == label && model->recordAt(row).state == state
            && model->highlightAt(row) != SocketTableModel::Highlight::Vanishing)
            return row;
    }
    return -1;
}

void pickScenario(MainWindow &window, const QString &name)
{
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0);
    auto *picker = window.findChild<QComboBox *>(QStringLiteral("scenarioPicker"));
    picker->setCurrentIndex(picker->findData(name));
}

// Runs the scenario's next step and waits until the kernel showed its effect.
bool step(MainWindow &window)
{
    window.findChild<QAction *>(QStringLiteral("scenarioStepAction"))->trigger();
    return QTest::qWaitFor([&] {
        const auto status = window.runner()->status();
        return status == ScenarioRunner::Status::Ready || window.runner()->isDone();
    }, 10000);
}

void runScenario(MainWindow &window, const QString &name)
{
    pickScenario(window, name);
    window.findChild<QAction *>(QStringLiteral("scenarioRunAction"))->trigger();
    QVERIFY(QTest::qWaitFor([&] { return window.runner()->isDone(); }, 30000));
    QCOMPARE(window.runner()->status(), ScenarioRunner::Status::Finished);
}

QStringList lifelineLabels(const SequenceLayout &layout)
{
    QStringList out;
    for (const SequenceLayout::Lifeline &l : layout.lifelines())
        out << l.label;
    return out;
}

int callRow(const SequenceView *view, LabCall::Kind kind, const QString &socket)
{
    for (const SequenceLayout::CallBox &box : view->layout().calls()) {
        const LabCall &call = view->figure().calls[box.call];
        if (call.kind == kind && call.socketLabel == socket && !call.asynchronous)
            return box.row;
    }
    return -1;
}

// The first row where `lifeline` is in `state`, -1 for none.
int stateRow(const SequenceLayout &layout, int lifeline, TcpState state)
{
    for (const SequenceLayout::Band &band : layout.bands()) {
        if (band.lifeline == lifeline && band.state == state)
            return band.firstRow;
    }
    return -1;
}

} // namespace

class TestSequenceWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shouldCompleteTheHandshakeBeforeALateAccept();
    void shouldSelectTheSameEventInTheFigureTheLogAndTheTable();
    void shouldFollowTheScrubberInAReplay();
    void shouldBeReadableOnALaptopScreenAndSaveScreenshots();
    void shouldDrawAnEpollServersCalls();
};

void TestSequenceWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setPalette(lightPalette());
}

void TestSequenceWindow::shouldCompleteTheHandshakeBeforeALateAccept()
{
    MainWindow window(testOptions());
    window.show();
    pickScenario(window, QStringLiteral("handshake"));
    QDockWidget *dock = window.findChild<QDockWidget *>(QStringLiteral("sequenceDock"));
    dock->raise();
    SequenceWidget *sequence = window.sequence();
    QVERIFY(sequence->isEmpty());

    QVERIFY(step(window)); // socket, bind, listen
    QVERIFY(step(window)); // connect: the kernels complete the handshake
    // The scenario's client is shown as soon as it exists, its step tinted.
    QTRY_VERIFY(!sequence->isEmpty());
    const SequenceView *view = sequence->view();
    QTRY_VERIFY(callRow(view, LabCall::Kind::Connect, QStringLiteral("client #1")) >= 0);
    const int connectRow = callRow(view, LabCall::Kind::Connect, QStringLiteral("client #1"));
    QVERIFY(view->highlightedRows().contains(connectRow));
    QVERIFY(!view->highlightedRows().contains(callRow(view, LabCall::Kind::Listen, QStringLiteral("listener"))));
    // No accept() yet: the server's end waits in the queue, ESTABLISHED, the kernel's only.
    QTRY_VERIFY2(stateRow(view->layout(), 2, TcpState::Established) >= 0, qPrintable(SequenceText::render(view->layout())));
    QCOMPARE(view->layout().lifelines().size(), 3);
    QVERIFY(view->layout().lifelines()[2].kernelOnlyAt(view->layout().rowCount() - 1));

    QVERIFY(step(window)); // accept()
    QTRY_VERIFY(callRow(view, LabCall::Kind::Accept, QStringLiteral("listener")) >= 0);
    const SequenceLayout &layout = view->layout();
    QCOMPARE(lifelineLabels(layout), QStringList({QStringLiteral("client #1"), QStringLiteral("listener"), QStringLiteral("accepted #1")}));
    const int acceptRow = callRow(view, LabCall::Kind::Accept, QStringLiteral("listener"));
    // The handshake, captured or implied: SYN, SYN-ACK, ACK between client and listener, all of
    // it before accept(), and the server's end ESTABLISHED before accept() returned it.
    QStringList handshake;
    for (const SequenceLayout::Arrow &arrow : layout.arrows()) {
        if (arrow.fromRow < acceptRow)
            handshake << arrow.label.section(QLatin1Char(' '), 0, 0);
        QVERIFY(arrow.fromLifeline != 2 || arrow.fromRow > acceptRow);
    }
    QCOMPARE(handshake, QStringList({QStringLiteral("SYN"), QStringLiteral("SYN,ACK"), QStringLiteral("ACK")}));
    for (const SequenceLayout::Arrow &arrow : layout.arrows())
        QCOMPARE(arrow.captured, window.live()->isCapturing());
    QVERIFY(stateRow(layout, 2, TcpState::Established) < acceptRow);
    QVERIFY(layout.lifelines()[2].kernelOnlyAt(acceptRow - 1));
    QVERIFY(!layout.lifelines()[2].kernelOnlyAt(acceptRow));
    QVERIFY(connectRow < acceptRow);
    // The connect() that waited spans until it finished.
    const auto waits = std::find_if(layout.calls().cbegin(), layout.calls().cend(),
                                    [](const SequenceLayout::CallBox &box) { return box.waits(); });
    QVERIFY(waits != layout.calls().cend());
    QCOMPARE(waits->row, connectRow);
    QCOMPARE(waits->endText, QStringLiteral("connect() finished: connected"));
    // Finished: no step is tinted any more.
    QTRY_VERIFY(window.runner()->isDone());
    QTRY_VERIFY(view->highlightedRows().isEmpty());
    // The figure to look at: the handshake done before accept().
    const QString shots = QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(shots));
    QVERIFY(sequence->grab().save(shots + QStringLiteral("/sequence-handshake-view.png")));
    QCOMPARE(window.exportSequence(shots + QStringLiteral("/sequence-handshake.png")), QString());
}

void TestSequenceWindow::shouldSelectTheSameEventInTheFigureTheLogAndTheTable()
{
    MainWindow window(testOptions());
    window.show();
    runScenario(window, QStringLiteral("half-close"));
    SocketTableModel *model = window.socketModel();
    QTRY_VERIFY(rowOf(model, QStringLiteral("client #1"), TcpState::FinWait2) >= 0);
    const quint64 client = model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::FinWait2));
    const quint64 server = model->idAt(rowOf(model, QStringLiteral("accepted #1"), TcpState::CloseWait));
    window.selectConnection(client);
    SequenceView *view = window.sequence()->view();
    window.findChild<QDockWidget *>(QStringLiteral("sequenceDock"))->raise();
    QTRY_VERIFY(!window.sequence()->isEmpty());
    auto *log = window.findChild<QTreeView *>(QStringLiteral("eventLog"));
    QVERIFY(log);
    const auto currentEntry = [&]() -> const EventLogModel::Entry * {
        const QModelIndex index = log->selectionModel()->currentIndex();
        return index.isValid() ? &window.eventLog()->entries()[index.row()] : nullptr;
    };
    const auto click = [&](const QRectF &figureRect) {
        view->setSelected({}); // nothing outlined; scrolls nothing
        view->setFollowNewest(false);
        // Scroll it into view the way a user would, then click its middle.
        view->verticalScrollBar()->setValue(int(figureRect.top() * view->zoom()) - 40);
        view->horizontalScrollBar()->setValue(int(figureRect.left() * view->zoom()) - 40);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->toViewport(figureRect.center()));
    };

    // A call: its log entry, and its end's row in the table.
    const SequenceLayout &layout = view->layout();
    int shutdown = -1;
    for (int c = 0; c < layout.calls().size(); ++c) {
        if (view->figure().calls[layout.calls()[c].call].kind == LabCall::Kind::Shutdown)
            shutdown = c;
    }
    QVERIFY(shutdown >= 0);
    click(view->geometry().callRects()[shutdown]);
    QVERIFY(currentEntry());
    QCOMPARE(currentEntry()->kind, EventLogModel::Kind::Call);
    QCOMPARE(currentEntry()->who, QStringLiteral("client #1"));
    QVERIFY2(currentEntry()->text.startsWith(QStringLiteral("shutdown(SHUT_WR)")), qPrintable(currentEntry()->text));
    QCOMPARE(window.selectedConnection(), client);

    // A state of the server's end: its transition in the log, its row in the table, and the
    // figure stays the same connection's.
    int closeWait = -1;
    for (int b = 0; b < layout.bands().size(); ++b) {
        if (layout.bands()[b].state == TcpState::CloseWait)
            closeWait = b;
    }
    QVERIFY(closeWait >= 0);
    QRectF pill;
    for (const SequenceGeometry::Pill &p : view->geometry().pills()) {
        if (p.band == closeWait)
            pill = p.rect;
    }
    click(pill);
    QVERIFY(currentEntry());
    QCOMPARE(currentEntry()->kind, EventLogModel::Kind::Transition);
    QCOMPARE(currentEntry()->toState, int(TcpState::CloseWait));
    QCOMPARE(window.selectedConnection(), server);
    QTRY_VERIFY(!window.sequence()->isEmpty());
    QCOMPARE(lifelineLabels(view->layout()).first(), QStringLiteral("client #1"));

    // A captured segment: its wire entry.
    if (window.live()->isCapturing()) {
        int fin = -1;
        for (int a = 0; a < view->layout().arrows().size(); ++a) {
            if (view->layout().arrows()[a].label.startsWith(QLatin1String("FIN,ACK")))
                fin = a;
        }
        QVERIFY(fin >= 0);
        click(view->geometry().arrows()[fin].labelRect);
        QVERIFY(currentEntry());
        QCOMPARE(currentEntry()->kind, EventLogModel::Kind::Wire);
        QVERIFY2(currentEntry()->text.startsWith(QStringLiteral("FIN,ACK")), qPrintable(currentEntry()->text));
    }

    // The other way: a call picked in the log is outlined in the figure.
    const QList<EventLogModel::Entry> &entries = window.eventLog()->entries();
    int recv = -1;
    for (int row = 0; row < entries.size(); ++row) {
        if (entries[row].kind == EventLogModel::Kind::Call && entries[row].who == QStringLiteral("accepted #1")
            && entries[row].text.startsWith(QStringLiteral("recv(")))
            recv = row;
    }
    QVERIFY(recv >= 0);
    log->selectionModel()->setCurrentIndex(window.eventLog()->index(recv, 0),
                                           QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(view->selected().kind, Hit::Kind::Call);
    const LabCall &picked = view->figure().calls[view->layout().calls()[view->selected().index].call];
    QCOMPARE(picked.kind, LabCall::Kind::Receive);
    QCOMPARE(picked.socketLabel, QStringLiteral("accepted #1"));
    // and it is scrolled into view
    QVERIFY(view->viewport()->rect().intersects(
        QRect(view->toViewport(view->geometry().callRects()[view->selected().index].topLeft()), QSize(10, 10))));

    // Behind the State diagram's tab it is not drawn at every change; shown again, it is current.
    window.findChild<QDockWidget *>(QStringLiteral("diagramDock"))->raise();
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("listener"), TcpState::Listen)));
    QTest::qWait(200);
    QVERIFY(!window.sequence()->isEmpty()); // still the last figure drawn
    window.findChild<QDockWidget *>(QStringLiteral("sequenceDock"))->raise();
    QTRY_VERIFY(window.sequence()->isEmpty()); // a listener: said so, not drawn
}

void TestSequenceWindow::shouldFollowTheScrubberInAReplay()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("half-close.json"));
    {
        MainWindow window(testOptions());
        window.show();
        runScenario(window, QStringLiteral("half-close"));
        QTest::qWait(200);
        QCOMPARE(window.exportSession(file), QString());
    }
    const SessionFile::Loaded loaded = SessionFile::load(file);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    const auto replay = std::make_shared<const Replay>(*loaded.document);
    MainWindowOptions options = testOptions();
    options.replay = replay;
    options.replayFile = file;
    MainWindow window(options);
    window.show();
    window.findChild<QDockWidget *>(QStringLiteral("sequenceDock"))->raise();
    window.seek(replay->endNs());
    SocketTableModel *model = window.socketModel();
    QTRY_VERIFY(rowOf(model, QStringLiteral("client #1"), TcpState::FinWait2) >= 0);
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::FinWait2)));
    SequenceView *view = window.sequence()->view();
    QTRY_VERIFY(!window.sequence()->isEmpty());
    const int allRows = view->layout().rowCount();
    QVERIFY(callRow(view, LabCall::Kind::Shutdown, QStringLiteral("client #1")) >= 0);

    // Back to when the client had just connected: the figure holds only what had happened.
    qint64 connected = -1;
    for (const LabCall &call : replay->document().calls) {
        if (call.kind == LabCall::Kind::Connect && call.asynchronous && connected < 0)
            connected = call.steadyNs;
    }
    QVERIFY(connected > 0);
    window.seek(connected);
    QTRY_VERIFY(view->layout().rowCount() < allRows);
    QCOMPARE(callRow(view, LabCall::Kind::Shutdown, QStringLiteral("client #1")), -1);
    for (const SequenceLayout::Row &row : view->layout().rows())
        QVERIFY(row.atNs <= connected);
    // And forward again.
    window.seek(replay->endNs());
    QTRY_COMPARE(view->layout().rowCount(), allRows);
}

void TestSequenceWindow::shouldBeReadableOnALaptopScreenAndSaveScreenshots()
{
    const QString shots = QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(shots));
    MainWindow window(testOptions());
    window.resize(1366, 768);
    window.show();
    runScenario(window, QStringLiteral("half-close"));
    SocketTableModel *model = window.socketModel();
    QTRY_VERIFY(rowOf(model, QStringLiteral("client #1"), TcpState::FinWait2) >= 0);
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::FinWait2)));
    window.findChild<QDockWidget *>(QStringLiteral("sequenceDock"))->raise();
    QTRY_VERIFY(!window.sequence()->isEmpty());
    SequenceView *view = window.sequence()->view();
    // At the default size its words are the application's size: it scrolls rather than shrinks.
    QVERIFY(view->isVisible());
    QCOMPARE(view->zoom(), 1.0);
    QVERIFY(view->font().pointSizeF() >= QApplication::font().pointSizeF());
    QVERIFY(view->geometry().lineHeight() >= QFontMetricsF(QApplication::font()).height());
    QTest::qWait(window.socketModel()->highlightDuration() + 300);

    const QPalette light = QApplication::palette();
    for (const bool dark : {false, true}) {
        QApplication::setPalette(dark ? darkPalette() : light);
        for (const QSize size : {QSize(1366, 768), QSize(1920, 1080)}) {
            window.resize(size);
            QCoreApplication::processEvents();
            const QString file = shots + QStringLiteral("/mainwindow-sequence-%1%2.png")
                                             .arg(size.width())
                                             .arg(dark ? QStringLiteral("-dark") : QString());
            QVERIFY(window.grab().save(file));
            qInfo("screenshot: %s", qPrintable(file));
        }
    }
    QApplication::setPalette(light);
    // The figure as a handout picture: light whatever the palette.
    QCOMPARE(window.exportSequence(shots + QStringLiteral("/sequence-half-close.png")), QString());
    QCOMPARE(window.exportSequence(shots + QStringLiteral("/sequence-half-close.svg")), QString());
}

void TestSequenceWindow::shouldDrawAnEpollServersCalls()
{
    MainWindow window(testOptions());
    window.resize(1366, 768);
    window.show();
    window.findChild<QDockWidget *>(QStringLiteral("sequenceDock"))->raise();
    runScenario(window, QStringLiteral("epoll-echo"));
    // The scenario's first client was picked for the figure as it ran.
    SequenceView *view = window.sequence()->view();
    QTRY_VERIFY(!window.sequence()->isEmpty());
    QCOMPARE(lifelineLabels(view->layout()).first(), QStringLiteral("client #1"));
    const SequenceLayout &layout = view->layout();

    // The server's program: epoll_create1(), the listener added, a wait that the completed
    // handshake ends (the listener is readable once a connection is in its queue), then accept().
    int create = -1;
    for (const SequenceLayout::CallBox &box : layout.calls()) {
        if (view->figure().calls[box.call].kind == LabCall::Kind::EpollCreate) {
            create = box.row;
            QCOMPARE(box.lifeline, 1); // the server program's, the listener's
        }
    }
    QVERIFY2(create >= 0, qPrintable(SequenceText::render(layout)));
    int listenerReady = -1;
    int acceptedReady = -1;
    for (const SequenceLayout::CallBox &box : layout.calls()) {
        if (box.endText.contains(QLatin1String("listener EPOLLIN")) || box.text.contains(QLatin1String("listener EPOLLIN")))
            listenerReady = listenerReady < 0 ? (box.endCall >= 0 ? box.endRow : box.row) : listenerReady;
        if (box.endText.contains(QLatin1String("accepted #1 EPOLLIN")) || box.text.contains(QLatin1String("accepted #1 EPOLLIN")))
            acceptedReady = acceptedReady < 0 ? (box.endCall >= 0 ? box.endRow : box.row) : acceptedReady;
    }
    QVERIFY2(listenerReady > create, qPrintable(SequenceText::render(layout)));
    QVERIFY(acceptedReady > listenerReady);
    const int accept = callRow(view, LabCall::Kind::Accept, QStringLiteral("listener"));
    QVERIFY(accept > listenerReady);
    QVERIFY(stateRow(layout, 2, TcpState::Established) < listenerReady);
    // A wait that waits is a span on its lifeline.
    QVERIFY(std::any_of(layout.calls().cbegin(), layout.calls().cend(), [&](const SequenceLayout::CallBox &box) {
        return box.waits() && view->figure().calls[box.call].kind == LabCall::Kind::EpollWait;
    }));

    const QString shots = QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(shots));
    QTest::qWait(window.socketModel()->highlightDuration() + 300);
    view->setFollowNewest(false);
    view->verticalScrollBar()->setValue(0);
    QVERIFY(window.grab().save(shots + QStringLiteral("/mainwindow-sequence-epoll-echo.png")));
    QVERIFY(window.sequence()->grab().save(shots + QStringLiteral("/sequence-epoll-echo-view.png")));
    QCOMPARE(window.exportSequence(shots + QStringLiteral("/sequence-epoll-echo.png")), QString());
    // The Lab menu offers the epoll calls too.
    QVERIFY(window.findChild<QAction *>(QStringLiteral("epollCreateAction")) != nullptr
            || !window.labPanel()->epollActions().isEmpty());
}

QTEST_MAIN(TestSequenceWindow)
#include "tst_sequencewindow.moc"
