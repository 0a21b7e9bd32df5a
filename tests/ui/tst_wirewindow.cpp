// SPDX-License-Identifier: GPL-3.0-or-later
// The lab's wire in the window, on real sockets in the lab's private network: a rule put on the
// wire from the lab panel drops a real SYN,ACK; the event log says so row by row, a row of it
// picks the lost segment in the sequence figure, which draws it stopping short in a cross; the
// table's timer says what the wire showed of it; and pictures of it all to look at.
#include "core/sources/socketsource.h"
#include "ui/lab/labpanel.h"
#include "ui/lab/wiregroup.h"
#include "ui/log/eventlogmodel.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/models/sockettablemodel.h"
#include "ui/sequence/sequencewidget.h"
#include "ui/theme/theme.h"

#include "../common/palettes.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>
#include <QTreeView>

using namespace sockscope;
using namespace sockscope::test;

namespace {

MainWindowOptions testOptions()
{
    MainWindowOptions options;
    options.source = SocketSource::defaultName();
    options.intervalMs = 50;
    options.restoreLayout = false;
    options.labNetwork = Network::Private;
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

// The log's rows of one kind whose words hold `text`.
QList<int> logRows(const EventLogModel *log, EventLogModel::Kind kind, const QString &text)
{
    QList<int> out;
    for (int row = 0; row < log->entries().size(); ++row) {
        const EventLogModel::Entry &e = log->entries()[row];
        if (e.kind == kind && e.text.contains(text))
            out << row;
    }
    return out;
}

// Types rules into the wire group's field, as a user does.
void typeRules(MainWindow &window, const QString &rules)
{
    auto *text = window.findChild<QLineEdit *>(QStringLiteral("wireRuleText"));
    text->setText(rules);
    QTest::keyClick(text, Qt::Key_Return);
}

// The sequence figure's arrows that a wire rule stopped.
QList<int> lostArrows(const SequenceView *view)
{
    QList<int> out;
    for (int a = 0; a < view->layout().arrows().size(); ++a) {
        if (view->layout().arrows()[a].lost)
            out << a;
    }
    return out;
}

} // namespace

// Where the private network or its wire rules cannot be had, says why and skips.
#define SOCKSCOPE_WIRE_OR_SKIP(window)                                                                       \
    do {                                                                                                     \
        if ((window).live()->network() != Network::Private)                                                  \
            QSKIP(qPrintable((window).findChild<QLabel *>(QStringLiteral("errorLabel"))->text()));           \
        if (!(window).live()->whyNoWire().isEmpty())                                                         \
            QSKIP(qPrintable(QStringLiteral("no wire rules here: ") + (window).live()->whyNoWire()));        \
    } while (false)

class TestWireWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shouldLogWhatARuleDidToARealSynAck();
    void shouldShowADroppedSynAckAndItsRetransmissionsOnScreen();
};

void TestWireWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setPalette(lightPalette());
}

void TestWireWindow::shouldLogWhatARuleDidToARealSynAck()
{
    MainWindow window(testOptions());
    window.show();
    SOCKSCOPE_WIRE_OR_SKIP(window);
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0);
    EventLogModel *log = window.eventLog();
    WireGroup *wire = window.labPanel()->wireGroup();
    QVERIFY(wire && wire->isEnabled());
    wire->setOpen(true);

    // The rule, put on the wire, is a row of the log.
    typeRules(window, QStringLiteral("drop synack"));
    QCOMPARE(window.live()->wireRules(), WireRule::parse(QStringLiteral("drop synack")));
    QCOMPARE(logRows(log, EventLogModel::Kind::WireRule, QStringLiteral("rule 1 added: drop synack (drop every SYN,ACK)")).size(), 1);

    // A real connect: the server's SYN,ACK is lost, and sent again.
    window.findChild<QAction *>(QStringLiteral("startServerAction"))->trigger();
    window.findChild<QAction *>(QStringLiteral("addClientAction"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!logRows(log, EventLogModel::Kind::WireRule, QStringLiteral("rule 1 (drop synack) dropped")).isEmpty(),
                             5000);
    const int acted = logRows(log, EventLogModel::Kind::WireRule, QStringLiteral("rule 1 (drop synack) dropped")).first();
    const EventLogModel::Entry hit = log->entries()[acted];
    QCOMPARE(hit.who, QStringLiteral("wire rule 1"));
    QVERIFY2(hit.text.contains(QStringLiteral("-> client #1  SYN,ACK seq=0 ack=1")), qPrintable(hit.text));
    QVERIFY(hit.failed); // in the failure colour, as its segment is drawn
    QCOMPARE(log->data(log->index(acted, EventLogModel::What), Qt::ForegroundRole).value<QColor>(),
             Theme(QApplication::palette()).failure());
    // The segment's own row says it, and comes first.
    const QList<int> dropped = logRows(log, EventLogModel::Kind::Wire, QStringLiteral("DROPPED by rule 1 (drop synack)"));
    QVERIFY(!dropped.isEmpty());
    QVERIFY(dropped.first() < acted);
    QVERIFY2(log->entries()[dropped.first()].text.startsWith(QStringLiteral("SYN,ACK seq=0 ack=1")),
             qPrintable(log->entries()[dropped.first()].text));
    QCOMPARE(hit.sessionNs, log->entries()[dropped.first()].sessionNs);
    // The panel counts what the rule took.
    auto *list = window.findChild<QListWidget *>(QStringLiteral("wireRuleList"));
    QTRY_VERIFY(list->item(0)->text().contains(QStringLiteral("took ")));
    QVERIFY2(!list->item(0)->text().contains(QStringLiteral("took 0 ")), qPrintable(list->item(0)->text()));

    // The client waits in SYN_SENT; its figure draws the lost SYN,ACK.
    SocketTableModel *model = window.socketModel();
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(model, QStringLiteral("client #1"), TcpState::SynSent) >= 0, 5000);
    const quint64 client = model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::SynSent));
    window.selectConnection(client);
    window.findChild<QDockWidget *>(QStringLiteral("sequenceDock"))->raise();
    SequenceView *view = window.sequence()->view();
    QTRY_VERIFY(!lostArrows(view).isEmpty());
    const SequenceLayout::Arrow &lost = view->layout().arrows()[lostArrows(view).first()];
    QCOMPARE(lost.stopText, QStringLiteral("DROPPED by rule 1 (drop synack)"));
    QCOMPARE(lost.receiver, QStringLiteral("client #1"));

    // Picking the rule's row, or the segment's, picks the lost arrow in the figure.
    auto *logView = window.findChild<QTreeView *>(QStringLiteral("eventLog"));
    for (const int row : {acted, dropped.first()}) {
        view->setSelected({});
        logView->selectionModel()->setCurrentIndex(log->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(view->selected().kind, SequenceGeometry::Hit::Kind::Arrow);
        const SequenceLayout::Arrow &picked = view->layout().arrows()[view->selected().index];
        QVERIFY(picked.lost);
        QCOMPARE(view->figure().segments[picked.segment].wire.steadyNs, hit.sessionNs);
    }

    // A second on, the client has sent its SYN again: its timer's tooltip says so.
    QTRY_VERIFY_WITH_TIMEOUT(!logRows(log, EventLogModel::Kind::Wire, QStringLiteral("SYN seq=0 win=")).isEmpty()
                                 && logRows(log, EventLogModel::Kind::Wire, QStringLiteral("retransmission")).size() >= 1,
                             5000);
    QString tip;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const int row = rowOf(model, QStringLiteral("client #1"), TcpState::SynSent);
            if (row < 0)
                return false;
            tip = model->index(row, SocketTableModel::Timer).data(Qt::ToolTipRole).toString();
            return tip.contains(QStringLiteral("SYN sent again"));
        }(),
        5000);
    QVERIFY2(tip.contains(QStringLiteral("retransmission timer")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("after the first")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("lost on the way, wire rule 1 (drop synack):")), qPrintable(tip));

    // Taken off the wire: said too.
    window.findChild<QPushButton *>(QStringLiteral("wireClearButton"))->click();
    QVERIFY(window.live()->activeWireRules().isEmpty());
    QCOMPARE(logRows(log, EventLogModel::Kind::WireRule, QStringLiteral("rule 1 removed: drop synack")).size(), 1);
}

void TestWireWindow::shouldShowADroppedSynAckAndItsRetransmissionsOnScreen()
{
    MainWindow window(testOptions());
    window.resize(1366, 768);
    window.show();
    SOCKSCOPE_WIRE_OR_SKIP(window);
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(0);
    WireGroup *wire = window.labPanel()->wireGroup();
    wire->setOpen(true);
    typeRules(window, QStringLiteral("drop synack"));
    window.findChild<QAction *>(QStringLiteral("startServerAction"))->trigger();
    window.findChild<QAction *>(QStringLiteral("addClientAction"))->trigger();
    // Both ends send again after a second (the client its SYN, the server its SYN,ACK), and
    // lose the SYN,ACKs; then the rule goes, and the next copy completes the handshake.
    EventLogModel *log = window.eventLog();
    QTRY_VERIFY_WITH_TIMEOUT(logRows(log, EventLogModel::Kind::Wire, QStringLiteral("DROPPED by rule 1")).size() >= 2, 5000);
    window.findChild<QPushButton *>(QStringLiteral("wireClearButton"))->click();
    SocketTableModel *model = window.socketModel();
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(model, QStringLiteral("client #1"), TcpState::Established) >= 0, 15000);
    window.selectConnection(model->idAt(rowOf(model, QStringLiteral("client #1"), TcpState::Established)));
    window.findChild<QDockWidget *>(QStringLiteral("sequenceDock"))->raise();
    SequenceView *view = window.sequence()->view();
    QTRY_VERIFY(lostArrows(view).size() >= 2);
    QTRY_VERIFY(view->layout().bandAt(0, view->layout().rowCount() - 1)
                && view->layout().bandAt(0, view->layout().rowCount() - 1)->state == TcpState::Established);
    // Every copy sent again says how long after the one before it.
    int again = 0;
    for (const SequenceLayout::Arrow &arrow : view->layout().arrows()) {
        if (arrow.label.contains(QStringLiteral("retransmission")))
            QVERIFY2(arrow.label.contains(QRegularExpression(QStringLiteral(" \\+[0-9.]+ (s|ms|µs)\\)$"))), qPrintable(arrow.label));
        again += arrow.label.contains(QStringLiteral("retransmission")) ? 1 : 0;
    }
    QVERIFY(again >= 2);
    // The key explains the cross.
    QVERIFY(SequencePainter::legendEntries(view->layout()).contains(QStringLiteral("stopped by a wire rule: never arrived")));

    // The rule again, so that the panel lists one, with what it took.
    typeRules(window, QStringLiteral("drop next fin from server"));
    QTest::qWait(window.socketModel()->highlightDuration() + 300);

    // The pictures: the lab panel scrolled to its wire group, the figure from the SYN on.
    const QString shots = QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR);
    QVERIFY(QDir().mkpath(shots));
    auto *scroll = qobject_cast<QScrollArea *>(window.findChild<QDockWidget *>(QStringLiteral("labDock"))->widget());
    QVERIFY(scroll);
    const auto show = [&] {
        QCoreApplication::processEvents();
        scroll->verticalScrollBar()->setValue(wire->mapTo(scroll->widget(), QPoint()).y() - 4);
        view->setFollowNewest(false);
        const SequenceLayout::Arrow &first = view->layout().arrows().first();
        view->verticalScrollBar()->setValue(int(view->geometry().rowTop(first.fromRow) * view->zoom()) - 60);
        QCoreApplication::processEvents();
    };
    const QPalette light = QApplication::palette();
    for (const bool dark : {false, true}) {
        QApplication::setPalette(dark ? darkPalette() : light);
        for (const QSize size : {QSize(1366, 768), QSize(1920, 1080)}) {
            window.resize(size);
            show();
            // The lab's calls stay in reach: the panel scrolls, its wire group folds.
            const QString file = shots + QStringLiteral("/mainwindow-wire-%1%2.png")
                                             .arg(size.width())
                                             .arg(dark ? QStringLiteral("-dark") : QString());
            QVERIFY(window.grab().save(file));
            qInfo("screenshot: %s", qPrintable(file));
        }
        const QString group = shots + QStringLiteral("/labpanel-wire%1.png").arg(dark ? QStringLiteral("-dark") : QString());
        QVERIFY(wire->grab().save(group));
        qInfo("screenshot: %s", qPrintable(group));
        // Folded, as it starts: one line under the calls.
        wire->setOpen(false);
        QTRY_VERIFY(wire->height() <= wire->sizeHint().height() + 8);
        const QString folded = shots + QStringLiteral("/labpanel-wire-folded%1.png").arg(dark ? QStringLiteral("-dark") : QString());
        QVERIFY(window.labPanel()->grab().save(folded));
        qInfo("screenshot: %s", qPrintable(folded));
        wire->setOpen(true);
    }
    QApplication::setPalette(light);
    window.resize(1366, 768);
    QCOMPARE(window.exportSequence(shots + QStringLiteral("/sequence-dropped-synack-live.png")), QString());
    QCOMPARE(window.exportSequence(shots + QStringLiteral("/sequence-dropped-synack-live.svg")), QString());
}

QTEST_MAIN(TestWireWindow)
#include "tst_wirewindow.moc"
