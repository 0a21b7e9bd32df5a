// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/sockettablemodel.h"
#include "ui/models/sockettableproxy.h"
#include "ui/table/sslisting.h"

#include "core/format/dumpfile.h"
#include "core/parsers/procnettcpparser.h"

#include "../common/fixtures.h"
#include "../common/palettes.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QFont>
#include <QTableView>
#include <QTest>

#include <cmath>

using namespace sockscope;
using namespace sockscope::test;

namespace {

// Real kernel rows (tests/data/proc-net-tcp.txt and tcp6) as the session's snapshots.
QList<SocketRecord> capturedRows()
{
    const QByteArray both = readFixture(QStringLiteral("proc-net-tcp.txt")) + readFixture(QStringLiteral("proc-net-tcp6.txt"));
    return ProcNetTcpParser().parse(both).records;
}

struct Fixture
{
    Session session{nullptr};
    SocketTableModel model{&session};
    QAbstractItemModelTester tester{&model, QAbstractItemModelTester::FailureReportingMode::QtTest};

    Fixture() { QObject::connect(&session, &Session::updated, &model, &SocketTableModel::apply); }

    int rowWith(const QString &local, const QString &remote) const
    {
        for (int row = 0; row < model.rowCount(); ++row) {
            const SocketRecord &r = model.recordAt(row);
            if (r.local.toString() == local && r.remote.toString() == remote)
                return row;
        }
        return -1;
    }
};

} // namespace

class TestSocketTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldShowEveryLiveConnection();
    void shouldPairTheTwoEndsOfALoopbackConnection();
    void shouldKeepPairsTogetherInAnySortOrder_data();
    void shouldKeepPairsTogetherInAnySortOrder();
    void shouldKeepEveryRowInOrderThroughManyPolls_data();
    void shouldKeepEveryRowInOrderThroughManyPolls();
    void shouldMarkNewChangedAndVanishingRows();
    void shouldNotMarkATimerCountingDown();
    void shouldFilterByTextStateAndPort();
    void shouldKeepTheSelectionAcrossUpdates();
    void shouldCountRowsPerState();
    void shouldListRowsAsSsPrintsThemOnlyWhileShown();
    void shouldNameTheOwnerAndMarkACarriedOneAsInferred();
    void shouldSayWhenAnAddressFamilyWasInferred();
    void shouldColourMarkedRowsForThePaletteItIsGiven();
    void shouldTieTheTimerToWhatTheWireShows();
};

void TestSocketTableModel::shouldShowEveryLiveConnection()
{
    Fixture f;
    f.session.apply(snapshotOf(capturedRows(), 0));
    QCOMPARE(f.model.rowCount(), 86);
    const int row = f.rowWith(QStringLiteral("127.0.0.1:18000"), QStringLiteral("0.0.0.0:*"));
    QVERIFY(row >= 0);
    QCOMPARE(f.model.index(row, SocketTableModel::State).data().toString(), QStringLiteral("LISTEN"));
    QCOMPARE(f.model.index(row, SocketTableModel::RecvQ).data().toInt(), 2);
    QVERIFY(f.model.index(row, SocketTableModel::RecvQ).data(Qt::ToolTipRole).toString().contains(QStringLiteral("accept()")));
    QCOMPARE(f.model.index(row, SocketTableModel::Role).data().toString(), QStringLiteral("–")); // no lab here
    const int timeWait = f.rowWith(QStringLiteral("127.0.0.1:18029"), QStringLiteral("127.0.0.1:18028"));
    QCOMPARE(f.model.index(timeWait, SocketTableModel::Timer).data().toString(), QStringLiteral("timewait 59.68s"));
}

void TestSocketTableModel::shouldPairTheTwoEndsOfALoopbackConnection()
{
    Fixture f;
    f.session.apply(snapshotOf(capturedRows(), 0));
    const int client = f.rowWith(QStringLiteral("127.0.0.1:18001"), QStringLiteral("127.0.0.1:18000"));
    const int server = f.rowWith(QStringLiteral("127.0.0.1:18000"), QStringLiteral("127.0.0.1:18001"));
    QVERIFY(client >= 0 && server >= 0);
    QCOMPARE(f.session.peerOf(f.model.idAt(client)), f.model.idAt(server));
    QCOMPARE(f.model.index(client, 0).data(SocketTableModel::PairIdRole), f.model.index(server, 0).data(SocketTableModel::PairIdRole));
    QCOMPARE(f.model.index(client, 0).data(SocketTableModel::PairOrderRole).toInt(), 0); // the client leads
    QCOMPARE(f.model.index(server, 0).data(SocketTableModel::PairOrderRole).toInt(), 1);
    // a listener has no pair; a dual-stack server end pairs with its IPv4 client
    const int listener = f.rowWith(QStringLiteral("127.0.0.1:18000"), QStringLiteral("0.0.0.0:*"));
    QCOMPARE(f.session.peerOf(f.model.idAt(listener)), quint64(0));
    const int mappedServer = f.rowWith(QStringLiteral("[::ffff:127.0.0.1]:18048"), QStringLiteral("[::ffff:127.0.0.1]:18049"));
    const int v4Client = f.rowWith(QStringLiteral("127.0.0.1:18049"), QStringLiteral("127.0.0.1:18048"));
    QCOMPARE(f.session.peerOf(f.model.idAt(mappedServer)), f.model.idAt(v4Client));
}

void TestSocketTableModel::shouldKeepPairsTogetherInAnySortOrder_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<int>("order");
    for (int column : {int(SocketTableModel::State), int(SocketTableModel::Local), int(SocketTableModel::Remote),
                       int(SocketTableModel::RecvQ), int(SocketTableModel::Inode)}) {
        QTest::addRow("column %d ascending", column) << column << int(Qt::AscendingOrder);
        QTest::addRow("column %d descending", column) << column << int(Qt::DescendingOrder);
    }
}

void TestSocketTableModel::shouldKeepPairsTogetherInAnySortOrder()
{
    QFETCH(int, column);
    QFETCH(int, order);
    Fixture f;
    f.session.apply(snapshotOf(capturedRows(), 0));
    SocketTableProxy proxy;
    proxy.setSourceModel(&f.model);
    proxy.sort(column, Qt::SortOrder(order));
    int pairs = 0;
    for (int row = 0; row < proxy.rowCount(); ++row) {
        const quint64 id = proxy.index(row, 0).data(SocketTableModel::ConnectionIdRole).toULongLong();
        const quint64 peer = f.session.peerOf(id);
        if (peer == 0)
            continue;
        const int peerRow = proxy.mapFromSource(f.model.index(f.model.rowOf(peer), 0)).row();
        QVERIFY2(qAbs(peerRow - row) == 1, qPrintable(QStringLiteral("row %1, its peer at %2").arg(row).arg(peerRow)));
        ++pairs;
    }
    QVERIFY(pairs >= 40); // both ends of every connection between two captured sockets
    // the sort itself holds between pairs
    QVariant previous;
    for (int row = 0; row < proxy.rowCount(); ++row) {
        const QVariant value = proxy.index(row, column).data(SocketTableModel::PairSortRole);
        if (previous.isValid()) {
            const QPartialOrdering c = QVariant::compare(previous, value);
            QVERIFY(order == Qt::AscendingOrder ? c != QPartialOrdering::Greater : c != QPartialOrdering::Less);
        }
        previous = value;
    }
}

void TestSocketTableModel::shouldKeepEveryRowInOrderThroughManyPolls_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<int>("order");
    QTest::addColumn<QString>("filter");
    QTest::addRow("as they came") << -1 << int(Qt::AscendingOrder) << QString();
    for (int column : {int(SocketTableModel::Local), int(SocketTableModel::State), int(SocketTableModel::RecvQ),
                       int(SocketTableModel::Timer), int(SocketTableModel::Process)}) {
        QTest::addRow("column %d ascending", column) << column << int(Qt::AscendingOrder) << QString();
        QTest::addRow("column %d descending", column) << column << int(Qt::DescendingOrder) << QString();
    }
    QTest::addRow("filtered") << int(SocketTableModel::Local) << int(Qt::AscendingOrder) << QStringLiteral("180");
}

// Each poll moves only the rows it changed; every other row must stay where the sort puts it,
// and each row must be found where it is shown, whatever mix of new, changed and gone rows
// the polls bring.
void TestSocketTableModel::shouldKeepEveryRowInOrderThroughManyPolls()
{
    QFETCH(int, column);
    QFETCH(int, order);
    QFETCH(QString, filter);
    Fixture f;
    f.model.setHighlightDuration(0); // gone rows leave with the poll that lost them
    QList<SocketRecord> rows = capturedRows();
    f.session.apply(snapshotOf(rows, 0));
    f.model.sort(column, Qt::SortOrder(order));
    f.model.setTextFilter(filter);
    const SocketRecord model = rows.first();
    for (int round = 1; round <= 40; ++round) {
        // A few queues move, one row goes, one comes; every fifth poll changes nothing shown.
        if (round % 5 != 0) {
            rows[(round * 7) % rows.size()].rxQueue += 3;
            rows[(round * 13) % rows.size()].txQueue += 1;
            rows[(round * 11) % rows.size()].timerRemainingMs += 500;
            rows.removeAt((round * 5) % rows.size());
            SocketRecord added = model;
            added.local.port = quint16(18000 + round * 3);
            added.remote.port = quint16(41000 + round);
            added.state = round % 2 ? TcpState::Established : TcpState::TimeWait;
            added.inode = 900000 + round;
            rows.insert((round * 17) % rows.size(), added);
        }
        f.session.apply(snapshotOf(rows, round * 100));

        QSet<quint64> ids;
        for (int row = 0; row < f.model.rowCount(); ++row) {
            const quint64 id = f.model.idAt(row);
            QVERIFY2(!ids.contains(id), qPrintable(QStringLiteral("round %1: connection %2 twice").arg(round).arg(id)));
            ids.insert(id);
            QCOMPARE(f.model.rowOf(id), row);
            if (row == 0)
                continue;
            const quint64 previous = f.model.idAt(row - 1);
            if (column < 0) {
                QVERIFY(previous < id); // ids count up as connections appear
                continue;
            }
            const QPartialOrdering c = QVariant::compare(f.model.index(row - 1, column).data(SocketTableModel::PairSortRole),
                                                         f.model.index(row, column).data(SocketTableModel::PairSortRole));
            QVERIFY2(order == Qt::AscendingOrder ? c != QPartialOrdering::Greater : c != QPartialOrdering::Less,
                     qPrintable(QStringLiteral("round %1: rows %2 and %3 out of order").arg(round).arg(row - 1).arg(row)));
        }
        // Every live connection the filter lets through is shown, and nothing else.
        int expected = 0;
        for (const SocketRecord &r : std::as_const(rows)) {
            const QString local = r.local.toString(), remote = r.remote.toString();
            if (filter.isEmpty() || local.contains(filter) || remote.contains(filter))
                ++expected;
        }
        QCOMPARE(f.model.rowCount(), expected);
    }
}

void TestSocketTableModel::shouldMarkNewChangedAndVanishingRows()
{
    Fixture f;
    f.model.setHighlightDuration(150);
    const QList<SocketRecord> rows = capturedRows();
    f.session.apply(snapshotOf(rows, 0));
    const int row = f.rowWith(QStringLiteral("127.0.0.1:18017"), QStringLiteral("127.0.0.1:18016"));
    QCOMPARE(f.model.highlightAt(row), SocketTableModel::Highlight::New);
    QVERIFY(f.model.index(row, 0).data(Qt::BackgroundRole).isValid());
    QTRY_COMPARE(f.model.highlightAt(row), SocketTableModel::Highlight::None);
    QVERIFY(!f.model.index(row, 0).data(Qt::BackgroundRole).isValid());

    // the peer closes: FIN_WAIT2 -> TIME_WAIT is a change
    QList<SocketRecord> next = rows;
    for (SocketRecord &r : next) {
        if (r.local.port == 18017 && r.remote.port == 18016)
            r.state = TcpState::TimeWait;
    }
    next.removeIf([](const SocketRecord &r) { return r.local.port == 18016 && r.remote.port == 18017; });
    QSignalSpy layouts(&f.model, &QAbstractItemModel::layoutChanged);
    f.session.apply(snapshotOf(next, 100));
    QCOMPARE(layouts.size(), 1); // the poll's changes reach a view together
    QCOMPARE(f.model.highlightAt(f.model.rowOf(f.model.idAt(row))), SocketTableModel::Highlight::Changed);
    QCOMPARE(f.model.index(row, SocketTableModel::State).data().toString(), QStringLiteral("TIME_WAIT"));
    // the server end left the kernel's table: it stays, marked, for a moment, then goes
    const int gone = f.rowWith(QStringLiteral("127.0.0.1:18016"), QStringLiteral("127.0.0.1:18017"));
    QVERIFY(gone >= 0);
    QCOMPARE(f.model.highlightAt(gone), SocketTableModel::Highlight::Vanishing);
    QVERIFY(f.model.index(gone, 0).data(Qt::FontRole).value<QFont>().strikeOut());
    QCOMPARE(f.model.rowCount(), 86);
    QTRY_COMPARE(f.model.rowCount(), 85);
    QCOMPARE(f.rowWith(QStringLiteral("127.0.0.1:18016"), QStringLiteral("127.0.0.1:18017")), -1);
    QCOMPARE(layouts.size(), 2); // and the row went with the next
}

void TestSocketTableModel::shouldNotMarkATimerCountingDown()
{
    Fixture f;
    f.model.setHighlightDuration(100);
    const QList<SocketRecord> rows = capturedRows();
    f.session.apply(snapshotOf(rows, 0));
    const int row = f.rowWith(QStringLiteral("127.0.0.1:18029"), QStringLiteral("127.0.0.1:18028"));
    QTRY_COMPARE(f.model.highlightAt(row), SocketTableModel::Highlight::None);
    QList<SocketRecord> next = rows;
    for (SocketRecord &r : next) {
        if (r.timer != TimerKind::None)
            r.timerRemainingMs -= 500;
    }
    QSignalSpy changed(&f.model, &QAbstractItemModel::layoutChanged);
    f.session.apply(snapshotOf(next, 500));
    QCOMPARE(changed.size(), 1); // the view is told, once, and shows the new time left
    QCOMPARE(f.model.index(row, SocketTableModel::Timer).data().toString(), QStringLiteral("timewait 59.18s"));
    QCOMPARE(f.model.highlightAt(row), SocketTableModel::Highlight::None);
}

void TestSocketTableModel::shouldFilterByTextStateAndPort()
{
    Fixture f;
    f.session.apply(snapshotOf(capturedRows(), 0));
    SocketTableProxy proxy;
    proxy.setSourceModel(&f.model);
    QCOMPARE(proxy.rowCount(), 86);
    proxy.setStateFilter(TcpState::TimeWait);
    QCOMPARE(proxy.rowCount(), 4);
    proxy.setStateFilter(std::nullopt);
    proxy.setPortFilter(18000);
    QCOMPARE(proxy.rowCount(), 7);
    proxy.setPortFilter(std::nullopt);
    proxy.setTextFilter(QStringLiteral("ffff"));
    QCOMPARE(proxy.rowCount(), 1); // the dual-stack server end
    proxy.setTextFilter(QStringLiteral("close_wait"));
    QCOMPARE(proxy.rowCount(), 4);
}

void TestSocketTableModel::shouldKeepTheSelectionAcrossUpdates()
{
    Fixture f;
    SocketTableProxy proxy;
    proxy.setSourceModel(&f.model);
    proxy.sort(SocketTableModel::Local);
    QTableView view;
    view.setModel(&proxy);
    QList<SocketRecord> rows = capturedRows();
    f.session.apply(snapshotOf(rows, 0));
    const quint64 id = f.model.idAt(f.rowWith(QStringLiteral("127.0.0.1:18033"), QStringLiteral("127.0.0.1:18032")));
    const QModelIndex index = proxy.mapFromSource(f.model.index(f.model.rowOf(id), 0));
    view.selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);

    // 1 % of the table changes, some rows go, some arrive
    for (int i = 0; i < rows.size(); i += 9)
        rows[i].rxQueue += 1;
    rows.removeIf([](const SocketRecord &r) { return r.local.port == 18013; });
    SocketRecord fresh = rows.first();
    fresh.local.port = 1;
    rows.append(fresh);
    QSignalSpy reset(&f.model, &QAbstractItemModel::modelReset);
    f.session.apply(snapshotOf(rows, 100));
    QCOMPARE(reset.size(), 0);
    QCOMPARE(view.selectionModel()->currentIndex().data(SocketTableModel::ConnectionIdRole).toULongLong(), id);
}

void TestSocketTableModel::shouldCountRowsPerState()
{
    Fixture f;
    f.session.apply(snapshotOf(capturedRows(), 0));
    const QMap<TcpState, int> counts = f.model.countsByState();
    QCOMPARE(counts.value(TcpState::Established), 36);
    QCOMPARE(counts.value(TcpState::Listen), 24);
    QCOMPARE(counts.value(TcpState::TimeWait), 4);
}

void TestSocketTableModel::shouldSayWhenAnAddressFamilyWasInferred()
{
    // An old ss table's "*:5634", read as 0.0.0.0 (tests/data/ss-old-wildcard.txt).
    const Snapshot old = DumpFile::parse(readFixture(QStringLiteral("ss-old-wildcard.txt")), QStringLiteral("old.txt"));
    Fixture f;
    f.session.apply(snapshotOf(old.records, 0));
    const int star = f.rowWith(QStringLiteral("0.0.0.0:5634"), QStringLiteral("0.0.0.0:*"));
    QVERIFY(star >= 0);
    QVERIFY(f.model.index(star, SocketTableModel::Local).data(Qt::ToolTipRole).toString().contains(QStringLiteral("inferred")));
    const int plain = f.rowWith(QStringLiteral("127.0.0.1:32000"), QStringLiteral("0.0.0.0:*"));
    QVERIFY(f.model.index(plain, SocketTableModel::Local).data(Qt::ToolTipRole).isNull());
}

void TestSocketTableModel::shouldNameTheOwnerAndMarkACarriedOneAsInferred()
{
    // A client end on 18000's connection, owned, then in TIME_WAIT where the kernel drops its inode.
    QList<SocketRecord> rows = capturedRows();
    SocketRecord *client = nullptr;
    for (SocketRecord &r : rows) {
        if (r.remote.port == 18000 && r.state == TcpState::Established && r.inode.value_or(0) != 0)
            client = &r;
    }
    QVERIFY(client);
    client->ownerStatus = OwnerStatus::Process;
    client->owners = {SocketOwner{812, QStringLiteral("curl")}};
    const QString local = client->local.toString();
    const QString remote = client->remote.toString();
    Fixture f;
    f.session.apply(snapshotOf(rows, 0));
    const int row = f.rowWith(local, remote);
    QVERIFY(row >= 0);
    const QModelIndex process = f.model.index(row, SocketTableModel::Process);
    // the owner comes right after what the socket is, before queues, timer, inode and UID
    QStringList headers;
    for (int column = 0; column < f.model.columnCount(); ++column)
        headers << f.model.headerData(column, Qt::Horizontal).toString();
    QCOMPARE(headers, (QStringList{"Local address", "Remote address", "State", "Role", "Process", "Recv-Q", "Send-Q",
                                   "Timer", "Inode", "UID", "Net"}));
    QCOMPARE(process.data().toString(), QStringLiteral("curl (pid 812)"));
    QVERIFY(!process.data(Qt::FontRole).value<QFont>().italic());
    QVERIFY(process.data(Qt::ToolTipRole).toString().contains(QStringLiteral("/proc/<pid>/fd")));

    client->state = TcpState::TimeWait;
    client->inode = 0;
    client->owners.clear();
    client->ownerStatus = OwnerStatus::KernelOnly;
    f.session.apply(snapshotOf(rows, 100));
    const QModelIndex carried = f.model.index(f.rowWith(local, remote), SocketTableModel::Process);
    QCOMPARE(carried.data().toString(), QStringLiteral("was curl (pid 812)"));
    QVERIFY(carried.data(Qt::FontRole).value<QFont>().italic());
    QVERIFY(carried.data(Qt::ToolTipRole).toString().startsWith(QStringLiteral("Inferred")));

    // the text filter finds connections by program
    SocketTableProxy proxy;
    proxy.setSourceModel(&f.model);
    proxy.setTextFilter(QStringLiteral("curl"));
    QCOMPARE(proxy.rowCount(), 1);
}

void TestSocketTableModel::shouldColourMarkedRowsForThePaletteItIsGiven()
{
    const auto luminance = [](const QColor &c) {
        const auto linear = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * linear(c.redF()) + 0.7152 * linear(c.greenF()) + 0.0722 * linear(c.blueF());
    };
    const auto contrast = [&](const QColor &a, const QColor &b) {
        const double la = luminance(a), lb = luminance(b);
        return (qMax(la, lb) + 0.05) / (qMin(la, lb) + 0.05);
    };
    Fixture f;
    f.model.setHighlightDuration(60000);
    f.model.setPalette(lightPalette());
    f.session.apply(snapshotOf(capturedRows(), 0)); // every row new
    const QModelIndex first = f.model.index(0, 0);
    QCOMPARE(first.data(SocketTableModel::HighlightRole).toInt(), int(SocketTableModel::Highlight::New));
    const QColor light = first.data(Qt::BackgroundRole).value<QColor>();
    QVERIFY(light.lightness() >= 128);
    QVERIFY(contrast(first.data(Qt::ForegroundRole).value<QColor>(), light) >= 4.5);

    // a dark palette: every row told, dark colours, the palette's light text on them
    QSignalSpy changed(&f.model, &QAbstractItemModel::dataChanged);
    f.model.setPalette(darkPalette());
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex(), f.model.index(0, 0));
    QCOMPARE(changed.first().at(1).toModelIndex(), f.model.index(f.model.rowCount() - 1, SocketTableModel::ColumnCount - 1));
    QVERIFY(changed.first().at(2).value<QList<int>>().contains(Qt::BackgroundRole));
    QVERIFY(changed.first().at(2).value<QList<int>>().contains(Qt::ForegroundRole));
    const QColor dark = first.data(Qt::BackgroundRole).value<QColor>();
    QVERIFY(dark.lightness() < 128);
    QCOMPARE(first.data(Qt::ForegroundRole).value<QColor>(), darkPalette().color(QPalette::Text));
    QVERIFY(contrast(darkPalette().color(QPalette::Text), dark) >= 4.5);

    // a palette whose text would not read on the row: black or white instead
    QPalette dim = darkPalette();
    dim.setColor(QPalette::Text, QColor(0x50, 0x50, 0x50));
    f.model.setPalette(dim);
    const QColor text = first.data(Qt::ForegroundRole).value<QColor>();
    QVERIFY(text == QColor(Qt::white) || text == QColor(Qt::black));
    QVERIFY(contrast(text, first.data(Qt::BackgroundRole).value<QColor>()) >= 4.5);

    // unmarked rows keep the view's own colours
    Fixture unmarked;
    unmarked.model.setHighlightDuration(0);
    unmarked.model.setPalette(darkPalette());
    unmarked.session.apply(snapshotOf(capturedRows(), 0));
    const QModelIndex plain = unmarked.model.index(0, 0);
    QCOMPARE(plain.data(SocketTableModel::HighlightRole).toInt(), int(SocketTableModel::Highlight::None));
    QVERIFY(!plain.data(Qt::BackgroundRole).isValid());
    QVERIFY(!plain.data(Qt::ForegroundRole).isValid());
}

void TestSocketTableModel::shouldListRowsAsSsPrintsThemOnlyWhileShown()
{
    Fixture f;
    f.model.setHighlightDuration(60000);
    f.session.apply(snapshotOf(capturedRows(), 0));
    SocketTableProxy proxy;
    proxy.setSourceModel(&f.model);
    SsListingView view(&proxy);
    QVERIFY(!view.listing()->sourceModel()); // hidden: it follows nothing, so costs nothing
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(view.listing()->rowCount(), 86);
    const QStringList lines = view.text().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(lines.first().startsWith(QStringLiteral("State")));
    QCOMPARE(lines.size(), 87);
    const auto listener = std::find_if(lines.cbegin(), lines.cend(), [](const QString &l) {
        return l.startsWith(QStringLiteral("LISTEN")) && l.contains(QStringLiteral("127.0.0.1:18000 "));
    });
    QVERIFY(listener != lines.cend());
    QVERIFY(listener->simplified().startsWith(QStringLiteral("LISTEN 2 ")));

    // A row that left the kernel's table is struck out in the view and left out of the text.
    QList<SocketRecord> next = capturedRows();
    next.removeIf([](const SocketRecord &r) { return r.local.port == 18016 && r.remote.port == 18017; });
    f.session.apply(snapshotOf(next, 100));
    QCOMPARE(view.listing()->rowCount(), 86);
    QCOMPARE(view.text().split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 86);
    view.hide();
    QVERIFY(!view.listing()->sourceModel());
}

void TestSocketTableModel::shouldTieTheTimerToWhatTheWireShows()
{
    // A client in the lab's network held in SYN_SENT: a rule dropped the SYN,ACK twice, and its
    // SYN went again a second and three seconds after the first.
    SocketRecord client;
    client.network = Network::Private;
    client.local = {*IpAddress::fromString(QStringLiteral("127.0.0.1")), 40001, QString()};
    client.remote = {*IpAddress::fromString(QStringLiteral("127.0.0.1")), 8001, QString()};
    client.state = TcpState::SynSent;
    client.timer = TimerKind::Retransmit;
    client.timerRemainingMs = 3900;
    client.retransmits = 2;
    Fixture f;
    f.session.apply(snapshotOf({client}, 3100));
    const auto segment = [&](bool fromClient, SegmentFlags flags, double atMs, int again, double sinceMs, bool dropped) {
        WireSegment w;
        w.segment.source = fromClient ? client.local : client.remote;
        w.segment.destination = fromClient ? client.remote : client.local;
        w.segment.flags = flags;
        w.segment.seq = fromClient ? 1000 : 5000;
        w.segment.ack = fromClient ? 0 : 1001;
        w.steadyNs = qint64(atMs * 1e6);
        w.segment.timestampNs = w.steadyNs;
        w.repeat.retransmission = again;
        w.repeat.sincePreviousNs = qint64(sinceMs * 1e6);
        if (dropped) {
            w.stoppedBy = 1;
            w.stoppingRule = QStringLiteral("drop synack");
        }
        f.session.addWireSegment(w);
    };
    const SegmentFlags syn = SegmentFlag::Syn;
    const SegmentFlags synAck = SegmentFlag::Syn | SegmentFlag::Ack;
    segment(true, syn, 10, 0, 0, false);
    segment(false, synAck, 10.1, 0, 0, true);
    segment(true, syn, 1010, 1, 1000, false);
    segment(false, synAck, 1010.1, 1, 1000, true);
    segment(true, syn, 3010, 2, 2000, false);
    QCOMPARE(f.model.rowCount(), 1);
    const QModelIndex timer = f.model.index(0, SocketTableModel::Timer);
    QCOMPARE(timer.data().toString(), QStringLiteral("retransmit 3.90s"));
    const QString tip = timer.data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("retransmission timer, 3.9 s left")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("2 retransmissions so far")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("on the wire: SYN sent again 1.0 s and 3.0 s after the first")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("lost on the way, wire rule 1 (drop synack): 2 SYN,ACK to it")), qPrintable(tip));

    // Without a capture (this machine's network) the timer is said alone.
    SocketRecord host = client;
    host.network = Network::Host;
    Fixture g;
    g.session.apply(snapshotOf({host}, 0));
    const QString alone = g.model.index(0, SocketTableModel::Timer).data(Qt::ToolTipRole).toString();
    QVERIFY2(alone.contains(QStringLiteral("retransmission timer")), qPrintable(alone));
    QVERIFY2(!alone.contains(QStringLiteral("on the wire")), qPrintable(alone));
    // No timer, nothing to say.
    host.timer = TimerKind::None;
    host.retransmits = 0;
    g.session.apply(snapshotOf({host}, 100));
    QVERIFY(g.model.index(0, SocketTableModel::Timer).data(Qt::ToolTipRole).toString().isEmpty());
}

QTEST_MAIN(TestSocketTableModel)
#include "tst_sockettablemodel.moc"
