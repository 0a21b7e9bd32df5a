// SPDX-License-Identifier: GPL-3.0-or-later
// The window driven the way a user drives it: clicking its actions, reading its models.
#include "core/session/sessionfile.h"
#include "core/sources/pollinterval.h"
#include "ui/diagram/diagramtheme.h"
#include "ui/diagram/diagramview.h"
#include "ui/diagram/statediagramwidget.h"
#include "ui/export/exporter.h"
#include "ui/timeline/timelinewidget.h"
#include "ui/lab/labpanel.h"
#include "ui/log/eventlogmodel.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/models/sockettablemodel.h"
#include "ui/models/sockettableproxy.h"
#include "ui/theme/theme.h"

#include "../common/palettes.h"
#include "../core/loopbackpair.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QRegularExpression>
#include <QSettings>
#include <QFileInfo>
#include <QHeaderView>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QScopeGuard>
#include <QScrollArea>
#include <QScrollBar>
#include <QToolButton>
#include <QTimer>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace sockscope;
using namespace sockscope::test;

namespace {

MainWindowOptions testOptions()
{
    MainWindowOptions options;
    // The source a user gets by default: netlink where the kernel answers it.
    options.source = SocketSource::defaultName();
    options.intervalMs = 50;
    options.restoreLayout = false;
    return options;
}

// How the diagram knows an end passed `state`: a poll saw it, or (exactly one of) captured
// segments time it when the wire is captured, or it is passed, not observed when it is not.
bool known(const StateDiagramWidget *diagram, int end, TcpState state, bool wired)
{
    const bool seen = diagram->observedStates(end).contains(state);
    const bool timed = diagram->timedByPacketStates(end).contains(state);
    const bool passed = diagram->passedNotObservedStates(end).contains(state);
    return int(seen) + int(timed) + int(passed) == 1 && (seen || timed == wired);
}

// The model row whose lab label is `label` and state `state`, or -1.
int rowOf(const SocketTableModel *model, const QString &label, TcpState state)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->labelAt(row) == label && model->recordAt(row).state == state
            && model->highlightAt(row) != SocketTableModel::Highlight::Vanishing)
            return row;
    }
    return -1;
}

// Runs the scenario's next step from the panel and waits until the kernel showed its effect.
bool step(MainWindow &window)
{
    window.findChild<QAction *>(QStringLiteral("scenarioStepAction"))->trigger();
    return QTest::qWaitFor([&] {
        const auto status = window.runner()->status();
        return status == ScenarioRunner::Status::Ready || window.runner()->isDone();
    }, 10000);
}

void pickScenario(MainWindow &window, const QString &name)
{
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0);
    auto *picker = window.findChild<QComboBox *>(QStringLiteral("scenarioPicker"));
    picker->setCurrentIndex(picker->findData(name));
}

void trigger(MainWindow &window, const char *objectName)
{
    auto *action = window.findChild<QAction *>(QLatin1String(objectName));
    QVERIFY2(action, objectName);
    QVERIFY2(action->isEnabled(), objectName);
    action->trigger();
}

// WCAG's contrast ratio of two colours, from 1 (the same) to 21 (black on white).
double contrast(const QColor &a, const QColor &b)
{
    const auto luminance = [](const QColor &c) {
        const auto linear = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * linear(c.redF()) + 0.7152 * linear(c.greenF()) + 0.0722 * linear(c.blueF());
    };
    const double la = luminance(a), lb = luminance(b);
    return (qMax(la, lb) + 0.05) / (qMin(la, lb) + 0.05);
}

// Every row the table shows with `highlight` reads well in the palette the table has now: its
// text on its colour at least 4.5:1 (WCAG AA), the colour dark in a dark palette and light in a
// light one. Returns how many such rows there were.
int checkHighlightedRows(MainWindow &window, SocketTableModel::Highlight highlight)
{
    const QPalette palette = window.socketTable()->palette();
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    const QAbstractItemModel *shown = window.socketTable()->model();
    int rows = 0;
    for (int row = 0; row < shown->rowCount(); ++row) {
        const QModelIndex index = shown->index(row, SocketTableModel::State);
        if (index.data(SocketTableModel::HighlightRole).toInt() != int(highlight))
            continue;
        ++rows;
        const QColor background = index.data(Qt::BackgroundRole).value<QColor>();
        const QVariant text = index.data(Qt::ForegroundRole);
        // what the view draws the text in: the row's own colour, else the palette's
        const QColor foreground = text.isValid() ? text.value<QColor>() : palette.color(QPalette::Text);
        const QString what = QStringLiteral("%1 on %2 (highlight %3, %4 palette): %5:1")
                                 .arg(foreground.name(), background.name())
                                 .arg(int(highlight))
                                 .arg(dark ? QStringLiteral("dark") : QStringLiteral("light"))
                                 .arg(contrast(foreground, background), 0, 'f', 1);
        [&] {
            QVERIFY2(background.isValid() && background != palette.color(QPalette::Base), qPrintable(what));
            QVERIFY2(contrast(foreground, background) >= 4.5, qPrintable(what));
            QVERIFY2((background.lightness() < 128) == dark, qPrintable(what));
        }();
        if (QTest::currentTestFailed())
            return -1;
    }
    return rows;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shouldShowAListenRowWhenTheServerStarts();
    void shouldPairBothEndsOfANewClientAndCountTheQueue();
    void shouldOfferOnlyTheCallsThatMakeSense();
    void shouldShowSocketsOnAWatchedPort();
    void shouldShowASourceFailureAndRecover();
    void shouldLogCallsAndTransitionsInPlainWords();
    void shouldRunAScenarioAndSaveAScreenshot();
    void shouldDropTheWatchPortsErrorOnceTheInputIsFixed();
    void shouldAcceptTheSameIntervalsAsWatch();
    void shouldMoveTheDiagramThroughTheHandshake();
    void shouldMoveTheDiagramThroughTheClose();
    void shouldRememberTheLayout();
    void shouldFitTheMainColumnsOnALaptopScreenAndSayWhatToDoFirst_data();
    void shouldFitTheMainColumnsOnALaptopScreenAndSayWhatToDoFirst();
    void shouldLetTheUserChooseTheColumnsAndRememberThem();
    void shouldKeepPreferences();
    void shouldStartInTheTableAndFilterWithTheFindKey();
    void shouldExportEverythingAndKeepTheSessionWhenWritingFails();
    void shouldReplayASavedSession();
    void shouldSayWhyItReadsProcWhereNetlinkIsRefused();
    void shouldRunTheLabInItsPrivateNetworkAndExportItsWire();
    void shouldSayWhyTheLabUsesThisMachinesLoopback();
};

void TestMainWindow::initTestCase()
{
    // Keep the user's real settings out of the tests.
    QStandardPaths::setTestModeEnabled(true);
}

void TestMainWindow::shouldShowAListenRowWhenTheServerStarts()
{
    MainWindow window(testOptions());
    window.show();
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0); // kernel chooses
    trigger(window, "startServerAction");
    QTRY_VERIFY(rowOf(window.socketModel(), QStringLiteral("listener"), TcpState::Listen) >= 0);
    const int row = rowOf(window.socketModel(), QStringLiteral("listener"), TcpState::Listen);
    QCOMPARE(window.socketModel()->recordAt(row).local.address.toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(window.socketModel()->index(row, SocketTableModel::State).data().toString(), QStringLiteral("LISTEN"));
    QCOMPARE(window.labPanel()->serverPort(), window.socketModel()->recordAt(row).local.port);
}

void TestMainWindow::shouldPairBothEndsOfANewClientAndCountTheQueue()
{
    MainWindow window(testOptions());
    window.show();
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0);
    trigger(window, "startServerAction");
    trigger(window, "addClientAction");
    SocketTableModel *model = window.socketModel();
    const QString queued = QStringLiteral("in accept queue, not yet accepted (client #1)");
    QTRY_VERIFY(rowOf(model, QStringLiteral("client #1"), TcpState::Established) >= 0
                && rowOf(model, queued, TcpState::Established) >= 0);
    const int client = rowOf(model, QStringLiteral("client #1"), TcpState::Established);
    const int server = rowOf(model, queued, TcpState::Established);
    QCOMPARE(model->recordAt(server).inode, std::optional<quint64>(0)); // the kernel's handshake, before accept()
    // the two ends sit next to each other in the table, client first
    SocketTableProxy *proxy = window.socketProxy();
    const int clientRow = proxy->mapFromSource(model->index(client, 0)).row();
    const int serverRow = proxy->mapFromSource(model->index(server, 0)).row();
    QCOMPARE(serverRow, clientRow + 1);
    QCOMPARE(model->index(client, 0).data(SocketTableModel::PairIdRole), model->index(server, 0).data(SocketTableModel::PairIdRole));
    // the listener's Recv-Q counts the connection waiting for accept()
    QTRY_COMPARE(model->index(rowOf(model, QStringLiteral("listener"), TcpState::Listen), SocketTableModel::RecvQ).data().toInt(), 1);

    // accept(): the queued row becomes accepted #1 and the queue drains
    window.labPanel()->selectSocket(window.lab()->sockets().first().id);
    trigger(window, "call-accept");
    QTRY_VERIFY(rowOf(model, QStringLiteral("accepted #1"), TcpState::Established) >= 0);
    QTRY_COMPARE(model->index(rowOf(model, QStringLiteral("listener"), TcpState::Listen), SocketTableModel::RecvQ).data().toInt(), 0);
}

void TestMainWindow::shouldOfferOnlyTheCallsThatMakeSense()
{
    MainWindow window(testOptions());
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0);
    trigger(window, "startServerAction");
    const auto enabled = [&](const char *name) { return window.findChild<QAction *>(QLatin1String(name))->isEnabled(); };
    // the new listener is selected: accept and close, no data calls
    QVERIFY(enabled("call-accept"));
    QVERIFY(enabled("call-close"));
    QVERIFY(!enabled("call-send"));
    QVERIFY(!enabled("call-listen"));
    QVERIFY(!enabled("call-connect"));
    trigger(window, "addClientAction");
    const int client = window.labPanel()->selectedSocket();
    QCOMPARE(window.lab()->socket(client)->label(), QStringLiteral("client #1"));
    QTRY_VERIFY(window.lab()->socket(client)->connected);
    QTRY_VERIFY(enabled("call-send"));
    QVERIFY(!enabled("call-accept"));
    trigger(window, "call-shutdown");
    QVERIFY(!enabled("call-send")); // after SHUT_WR nothing more can be sent
    QVERIFY(enabled("call-recv"));
    trigger(window, "call-close");
    QVERIFY(!enabled("call-close"));
    // every call has a shortcut, shown in its tooltip
    for (QAction *action : window.labPanel()->socketActions()) {
        QVERIFY2(!action->shortcut().isEmpty(), qPrintable(action->text()));
        QVERIFY(action->toolTip().contains(action->shortcut().toString(QKeySequence::NativeText)));
    }
}

void TestMainWindow::shouldShowSocketsOnAWatchedPort()
{
    Fd listener = Loopback::listen(AddressFamily::IPv4, 4); // not the lab's
    QVERIFY(listener.isValid());
    MainWindowOptions options = testOptions();
    options.watchPort = listener.localPort();
    MainWindow window(options);
    SocketTableModel *model = window.socketModel();
    const auto listenerRow = [&] {
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->recordAt(row).local.port == listener.localPort() && model->recordAt(row).state == TcpState::Listen)
                return row;
        }
        return -1;
    };
    QTRY_VERIFY(listenerRow() >= 0);
    QCOMPARE(model->labelAt(listenerRow()), QString()); // not a lab socket
    for (int row = 0; row < model->rowCount(); ++row) {
        const SocketRecord &r = model->recordAt(row);
        QVERIFY(r.local.port == listener.localPort() || r.remote.port == listener.localPort());
    }
    // watching another port: the row goes away
    auto *watch = window.findChild<QLineEdit *>(QStringLiteral("watchPorts"));
    watch->setText(QStringLiteral("1"));
    Q_EMIT watch->editingFinished();
    QTRY_COMPARE(listenerRow(), -1);
}

void TestMainWindow::shouldShowASourceFailureAndRecover()
{
    const QByteArray path = qgetenv("PATH");
    MainWindow window(testOptions());
    window.show();
    auto *sourceBox = window.findChild<QComboBox *>(QStringLiteral("sourceBox"));
    auto *error = window.findChild<QLabel *>(QStringLiteral("errorLabel"));
    QVERIFY(sourceBox && error);

    qputenv("PATH", "/nonexistent");
    sourceBox->setCurrentIndex(sourceBox->findData(QStringLiteral("ss")));
    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QStringLiteral("could not run 'ss'")), qPrintable(error->text()));
    QVERIFY(error->text().contains(QStringLiteral("Choose /proc/net/tcp")));
    qputenv("PATH", path);

    sourceBox->setCurrentIndex(sourceBox->findData(QStringLiteral("proc")));
    QTRY_VERIFY(!error->isVisible());
}

void TestMainWindow::shouldLogCallsAndTransitionsInPlainWords()
{
    MainWindow window(testOptions());
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0);
    trigger(window, "startServerAction");
    trigger(window, "addClientAction");
    const auto logged = [&](const QString &who, const QString &text) {
        for (const EventLogModel::Entry &e : window.eventLog()->entries()) {
            if (e.who == who && e.text.contains(text))
                return true;
        }
        return false;
    };
    QVERIFY(logged(QStringLiteral("listener"), QStringLiteral("listen(8) = 0")));
    QVERIFY(logged(QStringLiteral("client #1"), QStringLiteral("EINPROGRESS (Operation now in progress)")));
    // netlink shows the bound socket (CLOSE) when a poll lands between bind() and listen()
    QTRY_VERIFY(logged(QStringLiteral("listener"), QStringLiteral("appeared in LISTEN"))
                || logged(QStringLiteral("listener"), QStringLiteral("CLOSE → LISTEN")));
    QTRY_VERIFY(logged(QStringLiteral("in accept queue, not yet accepted (client #1)"),
                       QStringLiteral("the kernel completed the handshake; the connection waits in the accept queue")));
}

void TestMainWindow::shouldRunAScenarioAndSaveAScreenshot()
{
    MainWindow window(testOptions());
    window.resize(1600, 1000);
    window.show();
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0);
    auto *picker = window.findChild<QComboBox *>(QStringLiteral("scenarioPicker"));
    picker->setCurrentIndex(picker->findData(QStringLiteral("half-close")));
    trigger(window, "scenarioRunAction");
    QTRY_VERIFY_WITH_TIMEOUT(window.runner()->isDone(), 30000);
    QCOMPARE(window.runner()->status(), ScenarioRunner::Status::Finished);
    QVERIFY(window.runner()->missing().isEmpty());
    // show the client end's connection, as a user would by clicking its row
    SocketTableModel *model = window.socketModel();
    QTRY_VERIFY(rowOf(model, QStringLiteral("client #1"), TcpState::FinWait2) >= 0);
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::FinWait2)));
    QTRY_VERIFY(window.selectedConnection() != 0);
    QTest::qWait(window.socketModel()->highlightDuration() + 300); // let the row colours settle

    const QString dir = QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(dir));
    const QString file = dir + QStringLiteral("/mainwindow-half-close.png");
    QVERIFY(window.grab().save(file));
    QVERIFY(QFileInfo(file).size() > 10000);
    qInfo("screenshot: %s", qPrintable(file));

    // The same in a dark palette: every colour sockscope adds follows it.
    const QPalette light = QApplication::palette();
    const QPalette dark = darkPalette();
    QApplication::setPalette(dark);
    QCoreApplication::processEvents();
    const QString darkFile = dir + QStringLiteral("/mainwindow-half-close-dark.png");
    QVERIFY(window.grab().save(darkFile));

    // New, changed and gone rows stay readable there, and again in the light palette: a client
    // more (new rows), and the server end closed (it goes; the client end changes to TIME_WAIT).
    model->setHighlightDuration(60000);
    trigger(window, "addClientAction");
    for (const LabSocket &s : window.lab()->sockets()) {
        if (s.label() == QLatin1String("accepted #1"))
            window.labPanel()->selectSocket(s.id);
    }
    trigger(window, "call-close");
    using Highlight = SocketTableModel::Highlight;
    const auto highlighted = [model](Highlight highlight) {
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->highlightAt(row) == highlight)
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(highlighted(Highlight::New) && highlighted(Highlight::Changed) && highlighted(Highlight::Vanishing), 20000);
    for (Highlight highlight : {Highlight::New, Highlight::Changed, Highlight::Vanishing})
        QVERIFY(checkHighlightedRows(window, highlight) > 0);
    QVERIFY(window.grab().save(dir + QStringLiteral("/mainwindow-highlights-dark.png")));
    QApplication::setPalette(light);
    QCoreApplication::processEvents();
    for (Highlight highlight : {Highlight::New, Highlight::Changed, Highlight::Vanishing})
        QVERIFY(checkHighlightedRows(window, highlight) > 0);
    QVERIFY(window.grab().save(dir + QStringLiteral("/mainwindow-highlights-light.png")));
}

void TestMainWindow::shouldDropTheWatchPortsErrorOnceTheInputIsFixed()
{
    MainWindow window(testOptions());
    auto *watch = window.findChild<QLineEdit *>(QStringLiteral("watchPorts"));
    const QString help = watch->toolTip();
    QVERIFY(help.contains(QStringLiteral("Read only the sockets on these ports")));

    watch->setText(QStringLiteral("8000, http"));
    QVERIFY2(watch->toolTip().contains(QStringLiteral("'http' is not a port")), qPrintable(watch->toolTip()));
    QVERIFY(watch->toolTip().contains(help)); // what the field is for, still
    Q_EMIT watch->editingFinished();
    QVERIFY(watch->toolTip().contains(QStringLiteral("'http' is not a port")));

    watch->setText(QStringLiteral("8000, 5432"));
    QCOMPARE(watch->toolTip(), help);
    Q_EMIT watch->editingFinished();
    QCOMPARE(watch->toolTip(), help);

    watch->setText(QStringLiteral("70000"));
    QVERIFY(watch->toolTip().contains(QStringLiteral("'70000' is not a port (1–65535)")));
    watch->clear(); // every socket
    QCOMPARE(watch->toolTip(), help);
}

void TestMainWindow::shouldAcceptTheSameIntervalsAsWatch()
{
    // tst_cli checks `sockscope watch --interval` and `sockscope --interval` at these bounds.
    QSettings().clear();
    for (int ms : {minIntervalMs, maxIntervalMs}) {
        MainWindowOptions options = testOptions();
        options.intervalMs = ms;
        MainWindow window(options);
        auto *box = window.findChild<QSpinBox *>(QStringLiteral("intervalBox"));
        QCOMPARE(box->minimum(), minIntervalMs);
        QCOMPARE(box->maximum(), maxIntervalMs);
        QCOMPARE(box->value(), ms);
        QCOMPARE(window.poller()->interval(), ms);
    }
    Preferences preferences;
    PreferencesDialog dialog(preferences);
    auto *box = dialog.findChild<QSpinBox *>(QStringLiteral("preferencesInterval"));
    QVERIFY(box);
    QCOMPARE(box->minimum(), minIntervalMs);
    QCOMPARE(box->maximum(), maxIntervalMs);
    box->setValue(maxIntervalMs);
    QCOMPARE(dialog.preferences().intervalMs, maxIntervalMs);
    // a settings file beyond either end holds that end
    QSettings settings;
    settings.setValue(QStringLiteral("intervalMs"), maxIntervalMs + 1);
    QCOMPARE(Preferences::load().intervalMs, maxIntervalMs);
    settings.setValue(QStringLiteral("intervalMs"), minIntervalMs - 1);
    QCOMPARE(Preferences::load().intervalMs, minIntervalMs);
    QSettings().clear();
}

void TestMainWindow::shouldMoveTheDiagramThroughTheHandshake()
{
    MainWindow window(testOptions());
    window.show();
    pickScenario(window, QStringLiteral("handshake"));
    StateDiagramWidget *diagram = window.diagram();
    SocketTableModel *model = window.socketModel();

    QVERIFY(step(window)); // socket, bind, listen
    QTRY_VERIFY(rowOf(model, QStringLiteral("listener"), TcpState::Listen) >= 0);
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("listener"), TcpState::Listen)));
    QTRY_COMPARE(diagram->highlightedState(0), std::optional<TcpState>(TcpState::Listen));

    QVERIFY(step(window)); // connect: the kernels complete the handshake
    QTRY_VERIFY(rowOf(model, QStringLiteral("client #1"), TcpState::Established) >= 0);
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::Established)));
    QTRY_COMPARE(diagram->endCount(), 2);
    QCOMPARE(diagram->highlightedState(0), std::optional<TcpState>(TcpState::Established)); // client end
    QCOMPARE(diagram->highlightedState(1), std::optional<TcpState>(TcpState::Established)); // server end
    // The handshake's SYN_SENT and SYN_RECV last microseconds. Unless a poll of the burst after
    // connect() happened to catch one, the captured segments time them (the private network),
    // or they are drawn as passed, not observed (this machine's); never missing.
    QVERIFY(window.live()->network() != Network::Private || window.live()->isCapturing());
    QVERIFY(known(diagram, 0, TcpState::SynSent, window.live()->isCapturing()));
    QVERIFY(known(diagram, 1, TcpState::SynRecv, window.live()->isCapturing()));

    QVERIFY(step(window)); // accept: same states, the server end now has a file
    QCOMPARE(diagram->highlightedState(1), std::optional<TcpState>(TcpState::Established));
    QVERIFY(window.runner()->missing().isEmpty());
    QCOMPARE(window.runner()->status(), ScenarioRunner::Status::Finished);
}

void TestMainWindow::shouldMoveTheDiagramThroughTheClose()
{
    MainWindow window(testOptions());
    window.show();
    pickScenario(window, QStringLiteral("time-wait"));
    StateDiagramWidget *diagram = window.diagram();
    SocketTableModel *model = window.socketModel();
    for (int i = 0; i < 3; ++i) // listen, connect, accept
        QVERIFY(step(window));
    QTRY_VERIFY(rowOf(model, QStringLiteral("client #1"), TcpState::Established) >= 0);
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::Established)));
    QTRY_COMPARE(diagram->highlightedState(0), std::optional<TcpState>(TcpState::Established));

    QVERIFY(step(window)); // the client closes first
    QTRY_COMPARE(diagram->highlightedState(0), std::optional<TcpState>(TcpState::FinWait2));
    QTRY_COMPARE(diagram->highlightedState(1), std::optional<TcpState>(TcpState::CloseWait));
    QVERIFY(step(window)); // the server reads end of file
    QVERIFY(step(window)); // the server closes: the client end waits in TIME_WAIT
    QTRY_COMPARE(diagram->highlightedState(0), std::optional<TcpState>(TcpState::TimeWait));
    QTRY_COMPARE(diagram->highlightedState(1), std::optional<TcpState>(TcpState::Close)); // gone from the table
    // LAST_ACK lasts as long as loopback takes to ACK the FIN: seen only if a poll caught it,
    // and timed by its FIN and the ACK of it where they were captured
    QVERIFY(known(diagram, 1, TcpState::LastAck, window.live()->isCapturing()));
    QVERIFY(window.runner()->missing().isEmpty());
}

void TestMainWindow::shouldRememberTheLayout()
{
    QSettings().clear();
    MainWindowOptions options = testOptions();
    options.restoreLayout = true;
    {
        MainWindow window(options);
        window.show();
        auto *diagram = window.findChild<QDockWidget *>(QStringLiteral("diagramDock"));
        QVERIFY(diagram->isVisible());
        diagram->hide();
        window.close(); // saves geometry and layout
    }
    {
        MainWindow window(options);
        window.show();
        QVERIFY(!window.findChild<QDockWidget *>(QStringLiteral("diagramDock"))->isVisible());
        QVERIFY(window.findChild<QDockWidget *>(QStringLiteral("timelineDock"))->isVisible());
        window.close();
    }
    QSettings().clear();
}

void TestMainWindow::shouldStartInTheTableAndFilterWithTheFindKey()
{
    MainWindow window(testOptions());
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    auto *table = window.findChild<QTableView *>(QStringLiteral("socketTable"));
    auto *filter = window.findChild<QLineEdit *>(QStringLiteral("textFilter"));
    QVERIFY(table && filter);
    QTRY_COMPARE(QApplication::focusWidget(), table);
    filter->setText(QStringLiteral("LISTEN"));
    QTest::keySequence(&window, QKeySequence(QKeySequence::Find));
    QTRY_COMPARE(QApplication::focusWidget(), filter);
    QCOMPARE(filter->selectedText(), QStringLiteral("LISTEN")); // typing replaces the old filter
}

void TestMainWindow::shouldFitTheMainColumnsOnALaptopScreenAndSayWhatToDoFirst_data()
{
    QTest::addColumn<QSize>("size");
    QTest::addColumn<bool>("dark");
    QTest::newRow("1366x768 light") << QSize(1366, 768) << false;
    QTest::newRow("1366x768 dark") << QSize(1366, 768) << true;
    QTest::newRow("1920x1080 light") << QSize(1920, 1080) << false;
    QTest::newRow("1920x1080 dark") << QSize(1920, 1080) << true;
}

void TestMainWindow::shouldFitTheMainColumnsOnALaptopScreenAndSayWhatToDoFirst()
{
    QFETCH(QSize, size);
    QFETCH(bool, dark);
    const QPalette before = QApplication::palette();
    const auto restore = qScopeGuard([&before] { QApplication::setPalette(before); });
    if (dark)
        QApplication::setPalette(darkPalette());
    MainWindow window(testOptions());
    window.resize(size);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCoreApplication::processEvents();

    // A first run says what to do, above the table.
    auto *firstSteps = window.findChild<QLabel *>(QStringLiteral("firstSteps"));
    QVERIFY(firstSteps && firstSteps->isVisible());
    QVERIFY(firstSteps->text().contains(QLatin1String("start a server (")));
    QVERIFY(firstSteps->text().contains(QKeySequence(Qt::CTRL | Qt::Key_L).toString(QKeySequence::NativeText)));

    // Looked at: build/screenshots/mainwindow-first-run-*.png.
    const QString dir = QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(dir));
    QVERIFY(window.grab().save(dir + QStringLiteral("/mainwindow-first-run-%1x%2%3.png")
                                         .arg(size.width())
                                         .arg(size.height())
                                         .arg(dark ? QStringLiteral("-dark") : QString())));

    // Address, peer, state, role and process, whole, without scrolling sideways; inode and uid
    // are for those who ask for them.
    QTableView *table = window.socketTable();
    QHeaderView *header = table->horizontalHeader();
    QVERIFY(table->isColumnHidden(SocketTableModel::Inode));
    QVERIFY(table->isColumnHidden(SocketTableModel::Uid));
    const auto mainColumnsFit = [&] {
        for (int column : {SocketTableModel::Local, SocketTableModel::Remote, SocketTableModel::State,
                           SocketTableModel::Role, SocketTableModel::Process}) {
            QVERIFY(!table->isColumnHidden(column));
            const int right = header->sectionViewportPosition(column) + header->sectionSize(column);
            QVERIFY2(header->sectionViewportPosition(column) >= 0 && right <= table->viewport()->width(),
                     qPrintable(QStringLiteral("column %1 ends at %2 of %3")
                                    .arg(column)
                                    .arg(right)
                                    .arg(table->viewport()->width())));
        }
    };
    mainColumnsFit();
    // The lab panel fits its dock's width: nothing to scroll sideways for.
    auto *labScroll = qobject_cast<QScrollArea *>(window.findChild<QDockWidget *>(QStringLiteral("labDock"))->widget());
    QVERIFY(labScroll);
    QCOMPARE(labScroll->horizontalScrollBar()->maximum(), 0);
    // And its call buttons are in sight without scrolling past the server's and clients'
    // settings (folded until asked for).
    QCOMPARE(labScroll->verticalScrollBar()->value(), 0);
    for (QToolButton *button : labScroll->widget()->findChildren<QToolButton *>()) {
        if (!button->defaultAction() || !button->defaultAction()->objectName().startsWith(QLatin1String("call-")))
            continue;
        const QRect at(button->mapTo(labScroll->viewport(), QPoint()), button->size());
        QVERIFY2(at.bottom() <= labScroll->viewport()->height(),
                 qPrintable(button->text() + QStringLiteral(" ends at %1 of %2").arg(at.bottom()).arg(labScroll->viewport()->height())));
    }
    // The state diagram's labels are no smaller than the application's small font.
    auto *view = window.findChild<DiagramView *>(QStringLiteral("stateDiagramView"));
    QVERIFY(view);
    const int smallest = DiagramTheme::fromPalette(view->palette(), view->font()).smallFont.pixelSize();
    QVERIFY(smallest * view->scale() >= Theme::smallFontPixels(view->font()) - 0.01);


    // Once the lab has a socket, the hint has done its work. With rows of both networks the
    // network column shows too, and the main columns still fit.
    trigger(window, "startServerAction");
    QTRY_VERIFY(!firstSteps->isVisible());
    QTRY_VERIFY(window.socketModel()->rowCount() > 0);
    header->showSection(SocketTableModel::Network);
    QCoreApplication::processEvents();
    mainColumnsFit();
}

void TestMainWindow::shouldLetTheUserChooseTheColumnsAndRememberThem()
{
    QSettings().clear();
    MainWindowOptions options = testOptions();
    options.restoreLayout = true;
    {
        MainWindow window(options);
        window.show();
        QTableView *table = window.socketTable();
        QHeaderView *header = table->horizontalHeader();
        QVERIFY(table->isColumnHidden(SocketTableModel::Inode));
        // The header's context menu lists the columns; showing Inode and hiding Process.
        QStringList offered;
        for (const char *choice : {"Inode", "Process"}) {
            QTimer::singleShot(0, this, [&offered, choice] {
                auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
                QVERIFY(menu);
                offered.clear();
                for (QAction *a : menu->actions()) {
                    offered << a->text();
                    if (a->text() == QLatin1String(choice))
                        a->trigger();
                }
                menu->close();
            });
            Q_EMIT header->customContextMenuRequested(QPoint(10, 5));
        }
        QVERIFY2(!offered.contains(QLatin1String("Local address")), qPrintable(offered.join(u',')));
        QVERIFY2(offered.contains(QLatin1String("UID")), qPrintable(offered.join(u',')));
        QVERIFY(!table->isColumnHidden(SocketTableModel::Inode));
        QVERIFY(table->isColumnHidden(SocketTableModel::Process));
        window.close();
    }
    {
        MainWindow window(options);
        window.show();
        QVERIFY(!window.socketTable()->isColumnHidden(SocketTableModel::Inode));
        QVERIFY(window.socketTable()->isColumnHidden(SocketTableModel::Process));
        QVERIFY(window.socketTable()->isColumnHidden(SocketTableModel::Uid));
    }
    QSettings().clear();
}

void TestMainWindow::shouldKeepPreferences()
{
    QSettings().clear();
    Preferences chosen;
    chosen.source = QStringLiteral("ss");
    chosen.intervalMs = 750;
    chosen.defaultPort = 8080;
    chosen.save();
    const Preferences loaded = Preferences::load();
    QCOMPARE(loaded.source, chosen.source);
    QCOMPARE(loaded.intervalMs, 750);
    QCOMPARE(loaded.defaultPort, quint16(8080));

    MainWindowOptions options = testOptions();
    options.source.reset();
    options.intervalMs.reset();
    MainWindow window(options);
    QCOMPARE(window.findChild<QComboBox *>(QStringLiteral("sourceBox"))->currentData().toString(), QStringLiteral("ss"));
    QCOMPARE(window.findChild<QSpinBox *>(QStringLiteral("intervalBox"))->value(), 750);
    QCOMPARE(window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->value(), 8080);
    QCOMPARE(window.poller()->interval(), 750);

    // nonsense in the settings file falls back to the defaults
    QSettings settings;
    settings.setValue(QStringLiteral("source"), QStringLiteral("netstat"));
    settings.setValue(QStringLiteral("intervalMs"), -5);
    settings.setValue(QStringLiteral("defaultPort"), 99999);
    const Preferences fallback = Preferences::load();
    QCOMPARE(fallback.source, SocketSource::defaultName());
    QCOMPARE(fallback.intervalMs, minIntervalMs);
    QCOMPARE(fallback.defaultPort, quint16(8000));
    QSettings().clear();
}

void TestMainWindow::shouldExportEverythingAndKeepTheSessionWhenWritingFails()
{
    MainWindow window(testOptions());
    window.resize(1400, 900);
    window.show();
    pickScenario(window, QStringLiteral("handshake"));
    trigger(window, "scenarioRunAction");
    QTRY_VERIFY_WITH_TIMEOUT(window.runner()->isDone(), 30000);
    SocketTableModel *model = window.socketModel();
    QTRY_VERIFY(rowOf(model, QStringLiteral("client #1"), TcpState::Established) >= 0);
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::Established)));

    QTemporaryDir dir;
    const QString session = dir.filePath(QStringLiteral("lesson.json"));
    QCOMPARE(window.exportSession(session), QString());
    const SessionFile::Loaded loaded = SessionFile::load(session);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    QCOMPARE(loaded.document->scenarioRuns.size(), 1);
    QCOMPARE(loaded.document->scenarioRuns.first().name, QStringLiteral("handshake"));
    QCOMPARE(loaded.document->scenarioRuns.first().status, QStringLiteral("finished"));
    QVERIFY(loaded.document->calls.size() >= 6);
    bool labelled = false;
    for (const RecordedConnection &c : loaded.document->connections)
        labelled |= c.label == QLatin1String("client #1") && c.labSocket != 0;
    QVERIFY(labelled);

    QCOMPARE(window.exportTable(dir.filePath(QStringLiteral("table.csv"))), QString());
    QFile csv(dir.filePath(QStringLiteral("table.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QVERIFY(csv.readLine().startsWith("family,local_address,local_port"));
    QCOMPARE(window.exportTable(dir.filePath(QStringLiteral("table.txt"))), QString());
    QFile text(dir.filePath(QStringLiteral("table.txt")));
    QVERIFY(text.open(QIODevice::ReadOnly));
    QVERIFY(text.readAll().startsWith("State"));

    for (const QString &name : {QStringLiteral("diagram.png"), QStringLiteral("diagram.svg")})
        QCOMPARE(window.exportDiagram(dir.filePath(name)), QString());
    for (const QString &name : {QStringLiteral("timeline.png"), QStringLiteral("timeline.svg")})
        QCOMPARE(window.exportTimeline(dir.filePath(name)), QString());
    QFile png(dir.filePath(QStringLiteral("diagram.png")));
    QVERIFY(png.open(QIODevice::ReadOnly));
    QCOMPARE(png.read(8), QByteArray("\x89PNG\r\n\x1a\n"));
    QFile svg(dir.filePath(QStringLiteral("timeline.svg")));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    const QByteArray svgText = svg.readAll();
    QVERIFY(svgText.contains("<svg"));
    QVERIFY(svgText.contains("client #1")); // a real drawing with text, not a bitmap
    QVERIFY(window.exportDiagram(dir.filePath(QStringLiteral("diagram.gif"))).contains(QStringLiteral(".png or .svg")));

    // A place that cannot be written: a clear message, and the session is all still there.
    const QString nowhere = dir.filePath(QStringLiteral("missing/lesson.json"));
    const QString error = window.exportSession(nowhere);
    QVERIFY2(error.startsWith(QStringLiteral("cannot write ") + nowhere), qPrintable(error));
    QVERIFY(!QFile::exists(nowhere));
    const QString again = dir.filePath(QStringLiteral("again.json"));
    QCOMPARE(window.exportSession(again), QString());
    QCOMPARE(SessionFile::load(again).document->connections.size(), loaded.document->connections.size());

    // What File → Export does after its dialog: the filter's extension when the name has
    // none, a word in the status bar when it worked, and a message saying why when it did not.
    QCOMPARE(Exporter::withExtension(QStringLiteral("/tmp/x"), QStringLiteral("PNG image (*.png)")), QStringLiteral("/tmp/x.png"));
    QCOMPARE(Exporter::withExtension(QStringLiteral("/tmp/x.svg"), QStringLiteral("PNG image (*.png)")), QStringLiteral("/tmp/x.svg"));
    Exporter *exporter = window.exporter();
    QSignalSpy saved(exporter, &Exporter::saved);
    QVERIFY(exporter->saveAndReport(Exporter::What::Diagram, dir.filePath(QStringLiteral("picked")),
                                    QStringLiteral("SVG drawing (*.svg)")));
    QCOMPARE(saved.size(), 1);
    QCOMPARE(saved.first().first().toString(), dir.filePath(QStringLiteral("picked.svg")));
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("picked.svg"))));
    QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("Saved ") + dir.filePath(QStringLiteral("picked.svg")));
    QVERIFY(!exporter->saveAndReport(Exporter::What::Session, nowhere));
    QCOMPARE(saved.size(), 1);
    auto *box = window.findChild<QMessageBox *>(QStringLiteral("exportError"));
    QVERIFY(box);
    QTRY_VERIFY(box->isVisible());
    QCOMPARE(box->textFormat(), Qt::PlainText); // the path may be anything
    QVERIFY2(box->text().startsWith(QStringLiteral("cannot write ") + nowhere), qPrintable(box->text()));
    QVERIFY(box->text().contains(QStringLiteral("Nothing was lost")));
    box->close();
    // the menu's entries are the exporter's
    QAction *saveAction = window.findChild<QAction *>(QStringLiteral("exportSessionAction"));
    QVERIFY(saveAction);
    QCOMPARE(saveAction->shortcut(), QKeySequence(QKeySequence::Save));
    QCOMPARE(exporter->actions().size(), 6);
    // the lab's wire, captured in its private network
    const QString wire = dir.filePath(QStringLiteral("wire.pcapng"));
    if (window.live()->network() == Network::Private) {
        QCOMPARE(window.exportWire(wire), QString());
        QVERIFY(QFileInfo(wire).size() > 100);
    }
}

void TestMainWindow::shouldReplayASavedSession()
{
    // Record a half-close with the window, save it, open it as a replay.
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("half-close.json"));
    {
        MainWindow window(testOptions());
        window.show();
        pickScenario(window, QStringLiteral("half-close"));
        trigger(window, "scenarioRunAction");
        QTRY_VERIFY_WITH_TIMEOUT(window.runner()->isDone(), 30000);
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
    window.resize(1366, 768); // a common laptop screen
    window.show();
    QVERIFY(window.isReplay());
    QVERIFY(window.replayControl());
    QVERIFY(window.findChild<QToolBar *>(QStringLiteral("replayToolBar"))->isVisible());
    QVERIFY(!window.findChild<QDockWidget *>(QStringLiteral("labDock"))->isVisible());
    QVERIFY(window.windowTitle().startsWith(QStringLiteral("half-close.json")));
    QVERIFY(!window.poller());

    // At every recorded moment the table holds what the recording held then.
    SocketTableModel *model = window.socketModel();
    const auto visibleRows = [model] {
        int n = 0;
        for (int row = 0; row < model->rowCount(); ++row)
            n += model->highlightAt(row) != SocketTableModel::Highlight::Vanishing ? 1 : 0;
        return n;
    };
    for (qint64 frame : replay->frames()) {
        window.seek(frame);
        QCOMPARE(window.replayPosition(), frame);
        QCOMPARE(visibleRows(), int(replay->snapshotAt(frame).records.size()));
    }
    // The recorded wire is in the log among the calls, and the diagram times by packet again.
    if (!replay->document().wire.isEmpty()) {
        const QList<EventLogModel::Entry> &entries = window.eventLog()->entries();
        QVERIFY(std::any_of(entries.cbegin(), entries.cend(), [](const EventLogModel::Entry &e) {
            return e.kind == EventLogModel::Kind::Wire && e.who == QStringLiteral("client #1 → accepted #1")
                && e.text.startsWith(QLatin1String("FIN,ACK seq=1 ack=1"));
        }));
    }
    // The end: the client half-closed, its server end in CLOSE_WAIT, with their recorded roles.
    QVERIFY(rowOf(model, QStringLiteral("client #1"), TcpState::FinWait2) >= 0);
    QVERIFY(rowOf(model, QStringLiteral("accepted #1"), TcpState::CloseWait) >= 0);
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::FinWait2)));
    QTRY_COMPARE(window.diagram()->highlightedState(0), std::optional<TcpState>(TcpState::FinWait2));
    if (!replay->document().wire.isEmpty())
        QVERIFY(window.diagram()->timedByPacketStates(0).contains(TcpState::FinWait1)
                || window.diagram()->observedStates(0).contains(TcpState::FinWait1));
    QCOMPARE(window.timeline()->laneCount(), 2);
    QVERIFY(window.timeline()->callMarkerCount(0) > 0); // the lab's calls, from the recording

    // Back in time: the diagram follows the same connection to its ESTABLISHED past.
    qint64 established = -1;
    for (qint64 frame : replay->frames()) {
        window.seek(frame);
        const int row = rowOf(model, QStringLiteral("client #1"), TcpState::Established);
        if (row >= 0) {
            established = frame;
            break;
        }
    }
    QVERIFY(established >= 0);
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::Established)));
    QTRY_COMPARE(window.diagram()->highlightedState(0), std::optional<TcpState>(TcpState::Established));
    // the timeline's clock is the replay's
    QCOMPARE(window.replayPosition(), established);

    // How a replay looks, in the light palette and in a dark one.
    const QString shots = QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(shots));
    QVERIFY(window.grab().save(shots + QStringLiteral("/mainwindow-replay.png")));
    const QPalette light = QApplication::palette();
    QApplication::setPalette(darkPalette());
    QCoreApplication::processEvents();
    QVERIFY(window.grab().save(shots + QStringLiteral("/mainwindow-replay-dark.png")));
    QApplication::setPalette(light);
    QCoreApplication::processEvents();

    // Play runs the clock forward to the end and stops.
    window.seek(0);
    trigger(window, "replayPlayAction");
    QTRY_VERIFY_WITH_TIMEOUT(window.replayPosition() == replay->endNs(), 30000);
    QTRY_VERIFY(!window.findChild<QAction *>(QStringLiteral("replayPlayAction"))->isChecked());

    // Export after open writes what was opened, byte for byte.
    const QString again = dir.filePath(QStringLiteral("again.json"));
    QCOMPARE(window.exportSession(again), QString());
    QFile a(file), b(again);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QCOMPARE(b.readAll(), a.readAll());
}

void TestMainWindow::shouldSayWhyItReadsProcWhereNetlinkIsRefused()
{
    // ctest runs this under tests/common/denynetlink.cpp as tst_mainwindow_without_netlink.
    const SocketSource::DefaultChoice choice = SocketSource::defaultChoice();
    if (choice.netlinkError.isEmpty())
        QSKIP("netlink answers here; tst_mainwindow_without_netlink runs this where it does not");
    QCOMPARE(choice.name, QStringLiteral("proc"));
    MainWindow window(testOptions());
    window.show();
    auto *notice = window.findChild<QLabel *>(QStringLiteral("sourceNotice"));
    QVERIFY(notice);
    QVERIFY(notice->isVisible());
    QCOMPARE(notice->textFormat(), Qt::PlainText);
    QCOMPARE(notice->text(), QStringLiteral("netlink sock_diag is not available here (%1); reading /proc/net/tcp instead")
                                 .arg(choice.netlinkError));
    QVERIFY2(choice.netlinkError.startsWith(QStringLiteral("socket(AF_NETLINK, NETLINK_SOCK_DIAG): ")), qPrintable(choice.netlinkError));
    // the table still fills, from /proc, and nothing is reported as failing
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0);
    trigger(window, "startServerAction");
    QTRY_VERIFY(rowOf(window.socketModel(), QStringLiteral("listener"), TcpState::Listen) >= 0);
    QVERIFY(!window.findChild<QLabel *>(QStringLiteral("errorLabel"))->isVisible());

    // netlink chosen by name fails where the user looks, and the notice goes
    auto *sourceBox = window.findChild<QComboBox *>(QStringLiteral("sourceBox"));
    sourceBox->setCurrentIndex(sourceBox->findData(QStringLiteral("netlink")));
    QTRY_VERIFY(window.findChild<QLabel *>(QStringLiteral("errorLabel"))->isVisible());
    QVERIFY(!notice->isVisible());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"

void TestMainWindow::shouldRunTheLabInItsPrivateNetworkAndExportItsWire()
{
    // A listener of this machine's own on the same port number the lab will use: two networks,
    // two rows, no clash.
    Fd host = Loopback::listen(AddressFamily::IPv4, 4);
    QVERIFY(host.isValid());
    MainWindowOptions options = testOptions();
    options.labNetwork = Network::Private;
    options.watchPort = host.localPort();
    MainWindow window(options);
    window.show();
    if (window.live()->network() != Network::Private)
        QSKIP(qPrintable(window.findChild<QLabel *>(QStringLiteral("errorLabel"))->text()));
    auto *action = window.findChild<QAction *>(QStringLiteral("privateNetworkAction"));
    QVERIFY(action && action->isChecked());
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(host.localPort());
    trigger(window, "startServerAction");
    trigger(window, "addClientAction");
    SocketTableModel *model = window.socketModel();
    QTRY_VERIFY(rowOf(model, QStringLiteral("client #1"), TcpState::Established) >= 0);
    QTRY_VERIFY(rowOf(model, QStringLiteral("listener"), TcpState::Listen) >= 0);
    const SocketRecord lab = model->recordAt(rowOf(model, QStringLiteral("listener"), TcpState::Listen));
    QCOMPARE(lab.network, Network::Private);
    QCOMPARE(lab.local.port, host.localPort());
    // this machine's listener on the same port is a row of its own, not the lab's
    int hostRow = -1;
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->recordAt(row).network == Network::Host && model->recordAt(row).state == TcpState::Listen
            && model->recordAt(row).local.port == host.localPort())
            hostRow = row;
    }
    QVERIFY(hostRow >= 0);
    QCOMPARE(model->labelAt(hostRow), QString());
    // both networks shown: the table says which is which
    QVERIFY(!window.socketTable()->isColumnHidden(SocketTableModel::Network));
    QCOMPARE(window.socketTable()->horizontalHeader()->visualIndex(SocketTableModel::Network), 0);
    QCOMPARE(model->index(rowOf(model, QStringLiteral("listener"), TcpState::Listen), SocketTableModel::Network).data().toString(),
             QStringLiteral("lab"));
    QCOMPARE(model->index(hostRow, SocketTableModel::Network).data().toString(), QStringLiteral("host"));

    // the handshake's segments are in the log, between the calls and the transitions
    using Kind = EventLogModel::Kind;
    const auto logged = [&window](Kind kind, const QString &who, const QString &text) {
        for (const EventLogModel::Entry &e : window.eventLog()->entries()) {
            if (e.kind == kind && e.who == who && e.text.startsWith(text))
                return true;
        }
        return false;
    };
    QTRY_VERIFY(logged(Kind::Wire, QStringLiteral("client #1 → listener"), QStringLiteral("SYN seq=0 win=")));
    QVERIFY(logged(Kind::Wire, QStringLiteral("listener → client #1"), QStringLiteral("SYN,ACK seq=0 ack=1 win=")));
    QVERIFY(logged(Kind::Wire, QStringLiteral("client #1 → listener"), QStringLiteral("ACK seq=1 ack=1 win=")));
    // and what they prove of each end's state, timed by packet
    QVERIFY(logged(Kind::Transition, QStringLiteral("client #1"),
                   QStringLiteral("CLOSE → SYN_SENT, timed by packet: it sent SYN seq=0")));
    QVERIFY(logged(Kind::Transition, QStringLiteral("server end (client #1)"),
                   QStringLiteral("LISTEN → SYN_RECV, timed by packet: SYN seq=0 win=")));
    QVERIFY(logged(Kind::Transition, QStringLiteral("server end (client #1)"),
                   QStringLiteral("SYN_RECV → ESTABLISHED, timed by packet: ACK seq=1 ack=1 win=")));
    QTRY_VERIFY(window.findChild<QLabel *>(QStringLiteral("statusLabel"))->text().contains(QStringLiteral("lab: private network, 3 segment(s) captured")));

    // The diagram: what no poll saw but the segments prove is timed by packet, with its length.
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::Established)));
    QTRY_COMPARE(window.diagram()->endCount(), 2);
    QCOMPARE(window.diagram()->timedByPacketStates(0), (QList<TcpState>{TcpState::Close, TcpState::SynSent}));
    QCOMPARE(window.diagram()->timedByPacketStates(1), (QList<TcpState>{TcpState::Listen, TcpState::SynRecv}));
    QVERIFY(window.diagram()->passedNotObservedStates(1).isEmpty());
    const QString explanation = window.diagram()->explanationText();
    QVERIFY2(explanation.contains(QRegularExpression(QStringLiteral("Timed by packet: LISTEN, SYN_RECV \\d+ µs"))),
             qPrintable(explanation));

    // The timeline: the handshake as captured, nothing implied.
    TimelineWidget *timeline = window.timeline();
    QTRY_COMPARE(timeline->capturedSegments().size(), 3);
    const QStringList captured = timeline->capturedSegments();
    QVERIFY2(captured[0].startsWith(QStringLiteral("client #1 -> ")) && captured[0].endsWith(QStringLiteral(": SYN seq=0")),
             qPrintable(captured.join(QLatin1Char('\n'))));
    QVERIFY2(captured[1].endsWith(QStringLiteral(" -> client #1: SYN,ACK seq=0 ack=1")), qPrintable(captured[1]));
    QVERIFY2(captured[2].startsWith(QStringLiteral("client #1 -> ")) && captured[2].endsWith(QStringLiteral(": ACK ack=1")),
             qPrintable(captured[2]));
    QVERIFY(timeline->impliedSegments().isEmpty());

    // File → Export → Captured wire: a pcapng with the connect() that sent the SYN as its comment
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("wire.pcapng"));
    QCOMPARE(window.exportWire(file), QString());
    QFile written(file);
    QVERIFY(written.open(QIODevice::ReadOnly));
    const QByteArray bytes = written.readAll();
    QCOMPARE(bytes.left(4), QByteArray("\x0a\x0d\x0d\x0a", 4)); // a pcapng section header
    QVERIFY(bytes.contains(QStringLiteral("client #1: connect(127.0.0.1:%1)").arg(host.localPort()).toUtf8()));

    // Moving the lab to this machine's loopback closes its sockets; the new ones are the host's.
    QVERIFY(window.moveLab(Network::Host));
    QVERIFY(!action->isChecked());
    QCOMPARE(window.live()->network(), Network::Host);
    QVERIFY(std::none_of(window.lab()->sockets().cbegin(), window.lab()->sockets().cend(),
                         [](const LabSocket &s) { return s.open; }));
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0);
    trigger(window, "startServerAction");
    QTRY_VERIFY(rowOf(model, QStringLiteral("listener"), TcpState::Listen) >= 0);
    QCOMPARE(model->recordAt(rowOf(model, QStringLiteral("listener"), TcpState::Listen)).network, Network::Host);
    QTRY_VERIFY(window.socketTable()->isColumnHidden(SocketTableModel::Network)); // one network again
    QVERIFY(window.findChild<QLabel *>(QStringLiteral("statusLabel"))->text().contains(QStringLiteral("lab: this machine's loopback")));
    // nothing is captured there: the wire's export says so, and writes nothing
    const QString none = dir.filePath(QStringLiteral("none.pcapng"));
    QVERIFY(window.exportWire(none).contains(QStringLiteral("no segment was captured")));
    QVERIFY(!QFile::exists(none));
}

void TestMainWindow::shouldSayWhyTheLabUsesThisMachinesLoopback()
{
    // ctest runs this under tests/common/denyuserns.cpp as tst_mainwindow_without_userns.
    MainWindowOptions options = testOptions();
    options.labNetwork = Network::Private;
    MainWindow window(options);
    window.show();
    if (window.live()->network() == Network::Private)
        QSKIP("this machine makes private networks; tst_mainwindow_without_userns runs this where it does not");
    auto *error = window.findChild<QLabel *>(QStringLiteral("errorLabel"));
    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().startsWith(QStringLiteral("No private network here (")), qPrintable(error->text()));
    QVERIFY(error->text().endsWith(QStringLiteral("): the lab uses this machine's loopback.")));
    QVERIFY(!window.findChild<QAction *>(QStringLiteral("privateNetworkAction"))->isChecked());
    // the lab still works, on this machine's loopback
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0);
    trigger(window, "startServerAction");
    QTRY_VERIFY(rowOf(window.socketModel(), QStringLiteral("listener"), TcpState::Listen) >= 0);
}
