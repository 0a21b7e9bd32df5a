// SPDX-License-Identifier: GPL-3.0-or-later
// What one poll costs at scale: the diff (on the poller's thread), the session and table
// model's update and the sorted proxy above it (on the GUI thread), for 20,000 connections of
// which 1 % change per poll.
#include "core/parsers/procnettcpparser.h"
#include "core/session/session.h"
#include "core/tracking/connectiondiffer.h"
#include "ui/models/sockettablemodel.h"
#include "ui/models/sockettableproxy.h"

#include <QApplication>
#include <QFile>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <numeric>
#include <random>

using namespace sockscope;

namespace {

// N rows built from the real captured table (tests/data), each with its own 4-tuple.
QList<SocketRecord> rows(int n)
{
    QFile file(QStringLiteral(SOCKSCOPE_TEST_DATA "/proc-net-tcp.txt"));
    file.open(QIODevice::ReadOnly);
    const QList<SocketRecord> captured = ProcNetTcpParser().parse(file.readAll()).records;
    QList<SocketRecord> out;
    out.reserve(n);
    for (int i = 0; i < n; ++i) {
        SocketRecord r = captured[i % captured.size()];
        r.local.address = IpAddress::fromIPv4(0x7f000000u + quint32(1 + i / 60000));
        r.local.port = quint16(1024 + i % 60000);
        r.inode = 100000 + i;
        out.append(r);
    }
    return out;
}

// The next poll: 1 % of the rows changed state or queue, in a spread-out pattern.
void churn(QList<SocketRecord> &records, int round)
{
    const int step = 100;
    for (int i = round % step; i < records.size(); i += step) {
        SocketRecord &r = records[i];
        r.rxQueue = (r.rxQueue + 1) % 7;
        r.timerRemainingMs += 10;
    }
}

Snapshot at(const QList<SocketRecord> &records, int round)
{
    Snapshot s;
    s.records = records;
    s.steadyNs = qint64(round + 1) * 100000000;
    s.wallTimeMs = 1700000000000 + round * 100;
    return s;
}

// The diff of one poll, made on the poller's thread.
void differUpdate(benchmark::State &state)
{
    QList<SocketRecord> records = rows(int(state.range(0)));
    ConnectionDiffer tracker;
    tracker.update(at(records, 0));
    int round = 1;
    for (auto _ : state) {
        churn(records, round);
        const Snapshot s = at(records, round++);
        benchmark::DoNotOptimize(tracker.update(s));
    }
}

// The same diff as the live program meets it, where differUpdate is kinder to the cache than
// the program can be: there the differ saw the rows in the order they were built, and every
// poll hands it the very same records (churn() edits them in place). Here
//  - the differ first sees the connections in the order they were opened, and the kernel then
//    lists them in its own hash-bucket order, unrelated to that one;
//  - every poll is a fresh list of fresh copies, as a source parses it, whose rows hold their
//    processes the way SocketOwners attaches them (one list per inode, shared from poll to poll);
//  - besides 1 % of rows changing, connections close and new ones open at random places in the
//    listing (one in 2,000 a poll: at 20,000 sockets, 10 closed and 10 opened).
void differUpdateScattered(benchmark::State &state)
{
    const int n = int(state.range(0));
    QList<SocketRecord> opened = rows(n);
    const QStringList programs{QStringLiteral("nginx"), QStringLiteral("postgres"), QStringLiteral("python3")};
    const auto own = [&programs](SocketRecord &r) {
        r.ownerStatus = OwnerStatus::Process;
        r.owners = {SocketOwner{qint32(1000 + r.inode.value_or(0) % 97), programs[int(r.inode.value_or(0) % 3)]}};
    };
    for (SocketRecord &r : opened)
        own(r);

    std::mt19937 random(20000);
    std::vector<int> bucketOrder(size_t(opened.size()));
    std::iota(bucketOrder.begin(), bucketOrder.end(), 0);
    std::shuffle(bucketOrder.begin(), bucketOrder.end(), random);
    QList<SocketRecord> kernel; // the table in the kernel's order
    kernel.reserve(n);
    for (int i : bucketOrder)
        kernel.append(opened[i]);

    ConnectionDiffer differ;
    differ.update(at(opened, 0));
    opened.clear();
    const int replacedPerPoll = std::max(1, n / 2000);
    std::uniform_int_distribution<int> anyRow(0, n - 1);
    quint32 nextConnection = 0;
    int round = 1;
    for (auto _ : state) {
        state.PauseTiming();
        churn(kernel, round);
        for (int k = 0; k < replacedPerPoll; ++k) {
            SocketRecord &r = kernel[anyRow(random)];
            r.local.address = IpAddress::fromIPv4(0x7f100000u + nextConnection / 60000);
            r.local.port = quint16(1024 + nextConnection % 60000);
            r.inode = 10000000 + nextConnection++;
            own(r);
        }
        Snapshot s = at({}, round++);
        s.records.reserve(kernel.size());
        for (const SocketRecord &r : std::as_const(kernel))
            s.records.append(r);
        state.ResumeTiming();
        benchmark::DoNotOptimize(differ.update(s));
        state.PauseTiming();
        s = Snapshot(); // freeing the poll is the poller's cost, not the diff's
        state.ResumeTiming();
    }
}

// The model's own share of a poll: applying one delta.
void modelApply(benchmark::State &state)
{
    QList<SocketRecord> records = rows(int(state.range(0)));
    Session session(nullptr);
    SocketTableModel model(&session);
    SocketTableProxy proxy;
    proxy.setSourceModel(&model);
    proxy.sort(SocketTableModel::Local);
    QObject::connect(&session, &Session::updated, &model, &SocketTableModel::apply);
    session.apply(at(records, 0));
    int round = 1;
    TrackerDelta delta;
    QObject::disconnect(&session, &Session::updated, &model, &SocketTableModel::apply);
    QObject::connect(&session, &Session::updated, &model, [&delta](const TrackerDelta &d) { delta = d; });
    for (auto _ : state) {
        state.PauseTiming();
        churn(records, round);
        session.apply(at(records, round++));
        state.ResumeTiming();
        model.apply(delta);
    }
    state.counters["rows"] = model.rowCount();
}

// Everything one poll costs the GUI thread once the poller's thread made the diff: the
// session taking in the changes, the model and the sorted proxy above it.
void guiThreadPerPoll(benchmark::State &state)
{
    QList<SocketRecord> records = rows(int(state.range(0)));
    ConnectionDiffer differ; // stands for the poller's thread
    Session session(nullptr);
    SocketTableModel model(&session);
    SocketTableProxy proxy;
    proxy.setSourceModel(&model);
    proxy.sort(SocketTableModel::Local);
    QObject::connect(&session, &Session::updated, &model, &SocketTableModel::apply);
    session.apply(differ.update(at(records, 0)));
    int round = 1;
    for (auto _ : state) {
        state.PauseTiming();
        churn(records, round);
        const TrackerDelta delta = differ.update(at(records, round++));
        state.ResumeTiming();
        session.apply(delta);
    }
}

} // namespace

BENCHMARK(differUpdate)->Arg(200)->Arg(20000)->Unit(benchmark::kMillisecond);
BENCHMARK(differUpdateScattered)->Arg(200)->Arg(20000)->Unit(benchmark::kMillisecond);
BENCHMARK(modelApply)->Arg(200)->Arg(20000)->Unit(benchmark::kMillisecond);
BENCHMARK(guiThreadPerPoll)->Arg(200)->Arg(20000)->Unit(benchmark::kMillisecond);

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
