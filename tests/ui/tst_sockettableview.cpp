// SPDX-License-Identifier: GPL-3.0-or-later
// The connection table's view repaints after a poll only when the rows it shows changed, and
// what it shows is always what a freshly opened view of the same table shows.
#include "ui/models/sockettablemodel.h"
#include "ui/models/sockettableproxy.h"
#include "ui/table/sockettableview.h"

#include "core/parsers/procnettcpparser.h"

#include "../common/fixtures.h"

#include <QApplication>
#include <QHeaderView>
#include <QImage>
#include <QScrollBar>
#include <QTest>

using namespace sockscope;
using namespace sockscope::test;

namespace {

QList<SocketRecord> capturedRows()
{
    return ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt"))).records;
}

class PaintCounter : public QObject
{
public:
    int paints = 0;
    bool eventFilter(QObject *, QEvent *event) override
    {
        if (event->type() == QEvent::Paint)
            ++paints;
        return false;
    }
};

struct Table
{
    Session session{nullptr};
    SocketTableModel model{&session};
    SocketTableProxy proxy;
    SocketTableView view;
    PaintCounter counter;

    Table()
    {
        QObject::connect(&session, &Session::updated, &model, &SocketTableModel::apply);
        model.setHighlightDuration(0); // no marks: every drawing below is of settled rows
        proxy.setSourceModel(&model);
        view.setModel(&proxy);
        view.setSortingEnabled(true);
        view.sortByColumn(SocketTableModel::Local, Qt::AscendingOrder);
        view.setWordWrap(false);
        view.resize(640, 200); // a few rows of many
        view.setFocusPolicy(Qt::NoFocus); // no focus frame on a current cell: drawings compare
        view.viewport()->installEventFilter(&counter);
    }
    // Lets every posted layout and paint happen.
    void settle()
    {
        for (int i = 0; i < 5; ++i) {
            QCoreApplication::processEvents();
            QTest::qWait(20);
        }
    }
    int lastShownRow() const { return view.rowAt(view.viewport()->height() - 1); }
};

QImage drawingOf(QAbstractItemModel *model, QSize size)
{
    SocketTableView fresh;
    fresh.setModel(model);
    fresh.setWordWrap(false);
    fresh.setFocusPolicy(Qt::NoFocus);
    fresh.resize(size);
    fresh.show();
    if (!QTest::qWaitForWindowExposed(&fresh))
        return QImage();
    return fresh.viewport()->grab().toImage();
}

} // namespace

class TestSocketTableView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldRepaintOnlyWhenTheRowsShownChange();
};

void TestSocketTableView::shouldRepaintOnlyWhenTheRowsShownChange()
{
    Table t;
    QList<SocketRecord> rows = capturedRows();
    t.session.apply(snapshotOf(rows, 0));
    t.view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&t.view));
    t.settle();
    const int last = t.lastShownRow();
    QVERIFY2(last > 0 && last < t.model.rowCount() - 20, "the view shows a few rows of many");

    // A poll that changes a row far below what is shown: the scroll bar follows, the cells
    // shown are not painted again.
    const auto rowAt = [&](int viewRow) -> SocketRecord & {
        const SocketRecord &shown = t.model.recordAt(t.proxy.mapToSource(t.proxy.index(viewRow, 0)).row());
        for (SocketRecord &r : rows) {
            if (r.local == shown.local && r.remote == shown.remote)
                return r;
        }
        qFatal("row %d not in the snapshot", viewRow);
    };
    rowAt(t.model.rowCount() - 1).rxQueue += 5;
    int paints = t.counter.paints;
    const int skipped = t.view.skippedRepaints();
    t.session.apply(snapshotOf(rows, 100));
    t.settle();
    QCOMPARE(t.counter.paints, paints);
    QCOMPARE(t.view.skippedRepaints(), skipped + 1);

    // A row that sorts below the ones shown comes and goes: nothing shown moves either.
    SocketRecord added = rows.first();
    added.local.port = 65000;
    added.remote.port = 65001;
    added.inode = 999999;
    rows.append(added);
    t.session.apply(snapshotOf(rows, 200));
    t.settle();
    rows.removeLast();
    t.session.apply(snapshotOf(rows, 300));
    t.settle();
    QCOMPARE(t.counter.paints, paints);

    // A change in a row shown is painted.
    rowAt(1).rxQueue += 7;
    t.session.apply(snapshotOf(rows, 400));
    t.settle();
    QVERIFY(t.counter.paints > paints);
    QCOMPARE(t.proxy.index(1, SocketTableModel::RecvQ).data().toLongLong(), rowAt(1).rxQueue);

    // A row that sorts first pushes every shown row down: painted.
    paints = t.counter.paints;
    SocketRecord first = rows.first();
    first.local.address = IpAddress::fromIPv4(0x01000001);
    first.local.port = 1;
    first.inode = 999998;
    rows.append(first);
    t.session.apply(snapshotOf(rows, 500));
    t.settle();
    QVERIFY(t.counter.paints > paints);

    // Scrolled down, a change above the rows shown moves nothing shown: not painted.
    t.view.verticalScrollBar()->setValue(t.view.verticalScrollBar()->maximum() / 2);
    t.settle();
    paints = t.counter.paints;
    rowAt(0).rxQueue += 1;
    t.session.apply(snapshotOf(rows, 600));
    t.settle();
    QCOMPARE(t.counter.paints, paints);

    // After all of it, what is shown is what a view opened now shows.
    t.view.verticalScrollBar()->setValue(0);
    t.settle();
    const QImage shown = t.view.viewport()->grab().toImage();
    const QImage fresh = drawingOf(&t.proxy, t.view.size());
    QVERIFY(!fresh.isNull());
    QCOMPARE(shown.size(), fresh.size());
    QVERIFY(shown == fresh);
}

QTEST_MAIN(TestSocketTableView)
#include "tst_sockettableview.moc"
