// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/sockettablemodel.h"

#include "core/parsers/procnettcpparser.h"

#include "../common/fixtures.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace sockscope;
using namespace sockscope::test;

namespace {

Snapshot snapshotOf(const QList<SocketRecord> &records, qint64 ms)
{
    Snapshot s;
    s.records = records;
    s.steadyNs = ms * 1000000;
    s.wallTimeMs = ms;
    return s;
}

} // namespace

class TestSocketTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldShowEveryLiveConnection();
    void shouldUpdateRowsInPlace();
    void shouldRemoveVanishedRowsAndKeepTheOthers();
    void shouldSortEndpointsByPortThenAddress();
};

void TestSocketTableModel::shouldShowEveryLiveConnection()
{
    const auto parsed = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    ConnectionTracker tracker;
    SocketTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.apply(tracker.update(snapshotOf(parsed.records, 0)), tracker);
    QCOMPARE(model.rowCount(), 43);
    QCOMPARE(model.columnCount(), int(SocketTableModel::ColumnCount));

    const int row = model.rowOf(tracker.findLive(ConnectionKey::of(*findRecord(parsed.records, QStringLiteral("127.0.0.1:18000"), QStringLiteral("0.0.0.0:*"))))->id);
    QVERIFY(row >= 0);
    QCOMPARE(model.index(row, SocketTableModel::State).data().toString(), QStringLiteral("LISTEN"));
    QCOMPARE(model.index(row, SocketTableModel::RecvQ).data().toInt(), 2);
    QVERIFY(model.index(row, SocketTableModel::RecvQ).data(Qt::ToolTipRole).toString().contains(QStringLiteral("accept()")));
    QCOMPARE(model.index(row, SocketTableModel::Local).data().toString(), QStringLiteral("127.0.0.1:18000"));
}

void TestSocketTableModel::shouldUpdateRowsInPlace()
{
    const auto parsed = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    ConnectionTracker tracker;
    SocketTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.apply(tracker.update(snapshotOf(parsed.records, 0)), tracker);

    QList<SocketRecord> next = parsed.records;
    for (SocketRecord &r : next) {
        if (r.local.port == 18017) // FIN_WAIT2 whose peer now closes
            r.state = TcpState::TimeWait;
    }
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.apply(tracker.update(snapshotOf(next, 100)), tracker);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(reset.size(), 0);
    const QModelIndex topLeft = changed.first().at(0).toModelIndex();
    QCOMPARE(model.index(topLeft.row(), SocketTableModel::State).data().toString(), QStringLiteral("TIME_WAIT"));
}

void TestSocketTableModel::shouldRemoveVanishedRowsAndKeepTheOthers()
{
    const auto parsed = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    ConnectionTracker tracker;
    SocketTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.apply(tracker.update(snapshotOf(parsed.records, 0)), tracker);

    // every other row goes away, and two connections are new
    QList<SocketRecord> next;
    for (qsizetype i = 0; i < parsed.records.size(); i += 2)
        next.append(parsed.records[i]);
    SocketRecord fresh = parsed.records[1];
    fresh.local.port = 1;
    next.append(fresh);
    fresh.local.port = 2;
    next.append(fresh);
    model.apply(tracker.update(snapshotOf(next, 100)), tracker);
    QCOMPARE(model.rowCount(), int(next.size()));
    for (int row = 0; row < model.rowCount(); ++row) {
        const quint64 id = model.index(row, 0).data(SocketTableModel::ConnectionIdRole).toULongLong();
        QCOMPARE(model.rowOf(id), row);
        QVERIFY(tracker.history(id)->alive);
        QCOMPARE(model.recordAt(row), tracker.history(id)->latest);
    }
}

void TestSocketTableModel::shouldSortEndpointsByPortThenAddress()
{
    const QByteArray both = readFixture(QStringLiteral("proc-net-tcp.txt")) + readFixture(QStringLiteral("proc-net-tcp6.txt"));
    const auto parsed = ProcNetTcpParser().parse(both);
    ConnectionTracker tracker;
    SocketTableModel model;
    model.apply(tracker.update(snapshotOf(parsed.records, 0)), tracker);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(SocketTableModel::SortRole);
    proxy.sort(SocketTableModel::Local, Qt::AscendingOrder);
    QCOMPARE(proxy.rowCount(), 86);
    const auto portAt = [&](int row) {
        return model.recordAt(proxy.mapToSource(proxy.index(row, 0)).row()).local.port;
    };
    QCOMPARE(portAt(0), quint16(2024));
    for (int row = 1; row < proxy.rowCount(); ++row)
        QVERIFY2(portAt(row - 1) <= portAt(row), qPrintable(QString::number(row)));
    // within one port, IPv4 before IPv6
    QCOMPARE(model.recordAt(proxy.mapToSource(proxy.index(1, 0)).row()).local.toString(), QStringLiteral("127.0.0.1:18000"));
}

QTEST_MAIN(TestSocketTableModel)
#include "tst_sockettablemodel.moc"
