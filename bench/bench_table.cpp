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
