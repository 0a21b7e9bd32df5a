// SPDX-License-Identifier: GPL-3.0-or-later
// What reading the kernel's TCP table costs, side by side in one run, with N = 100, 1,000,
// 10,000 and 30,000 real loopback connections on the machine: the bare /proc read, /proc read
// + parse, the ss program, a bare netlink dump, a poll of the lab's sockets through netlink
// with the kernel's port filter plus the diff, and the table model's update for 1 % churn.
// Then the ratios DESIGN.md sets as targets.
//
// The connections live in helper processes (forked, at most 9,000 connections = 18,000
// descriptors each, under the usual 20,000 descriptor limit), from 127.0.0.2-127.0.0.5 to four
// listeners of their own on 127.0.0.1. They close with RST, leaving no TIME_WAIT behind.
//
//   build/bench/sockscope_bench_sources [--sizes 100,1000,10000,30000] [benchmark flags]
#include "core/format/dumpfile.h"
#include "core/format/untrustedfile.h"
#include "core/session/session.h"
#include "core/sources/netlinksource.h"
#include "core/sources/procsource.h"
#include "core/sources/sssource.h"
#include "core/system/labnetwork.h"
#include "core/tracking/connectiontracker.h"
#include "ui/models/sockettablemodel.h"

#include <QApplication>
#include <QMap>
#include <QStandardPaths>

#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sockscope;

namespace {

constexpr int perHelper = 9000;
constexpr int listenerCount = 4;

int listenOn(quint32 address, quint16 port, int backlog)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(address);
    a.sin_port = htons(port);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(fd, backlog) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

quint16 portOf(int fd)
{
    sockaddr_in a{};
    socklen_t length = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &length);
    return ntohs(a.sin_port);
}

void abortClose(int fd)
{
    const linger reset{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ::close(fd);
}

// In a child: `count` connections to four listeners of its own, both ends held until the
// parent closes the pipe. Writes "1\n" when they are up, or what failed.
[[noreturn]] void holdConnections(int count, int ready, int quit)
{
    const auto fail = [ready](const QByteArray &what) {
        const QByteArray line = what + ": " + std::strerror(errno) + '\n';
        (void)!::write(ready, line.constData(), size_t(line.size()));
        ::_exit(1);
    };
    QList<int> listeners;
    QList<quint16> ports;
    for (int i = 0; i < listenerCount; ++i) {
        const int fd = listenOn(0x7f000001, 0, 4096);
        if (fd < 0)
            fail("listen on 127.0.0.1");
        ::fcntl(fd, F_SETFL, O_NONBLOCK);
        listeners.append(fd);
        ports.append(portOf(fd));
    }
    QList<int> fds;
    const auto drain = [&] {
        for (int l : std::as_const(listeners)) {
            for (;;) {
                const int fd = ::accept4(l, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd < 0)
                    break;
                fds.append(fd);
            }
        }
    };
    for (int i = 0; i < count; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            fail("socket #" + QByteArray::number(i));
        const int one = 1;
        ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in from{};
        from.sin_family = AF_INET;
        from.sin_addr.s_addr = htonl(0x7f000002 + quint32(i % 4));
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(0x7f000001);
        to.sin_port = htons(ports[i % ports.size()]);
        if (::bind(fd, reinterpret_cast<sockaddr *>(&from), sizeof from) != 0)
            fail("bind #" + QByteArray::number(i) + " to 127.0.0." + QByteArray::number(2 + i % 4));
        if (::connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to) != 0)
            fail("connect #" + QByteArray::number(i) + " to 127.0.0.1:" + QByteArray::number(ports[i % ports.size()]));
        fds.append(fd);
        if (i % 512 == 511)
            drain();
    }
    drain();
    (void)!::write(ready, "1\n", 2);
    char c;
    (void)!::read(quit, &c, 1);
    for (int fd : std::as_const(fds))
        abortClose(fd);
    ::_exit(0);
}

// N connections held by helpers, gone when this goes.
class Population
{
public:
    explicit Population(int connections)
    {
        for (int left = connections; left > 0; left -= perHelper) {
            int ready[2], quit[2];
            if (::pipe(ready) != 0 || ::pipe(quit) != 0) {
                m_error = QStringLiteral("pipe: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
                return;
            }
            const pid_t pid = ::fork();
            if (pid == 0) {
                ::close(ready[0]);
                ::close(quit[1]);
                // Only the parent may hold an earlier helper's pipe, or closing it would not
                // end that helper.
                for (const auto &helper : std::as_const(m_helpers))
                    ::close(helper.second);
                holdConnections(qMin(left, perHelper), ready[1], quit[0]);
            }
            ::close(ready[1]);
            ::close(quit[0]);
            QByteArray status;
            char buffer[256];
            while (!status.endsWith('\n')) {
                const ssize_t got = ::read(ready[0], buffer, sizeof buffer);
                if (got <= 0)
                    break;
                status.append(buffer, got);
            }
            ::close(ready[0]);
            m_helpers.append({pid, quit[1]});
            if (status != "1\n") {
                m_error = QStringLiteral("a helper could not open its connections: %1")
                              .arg(status.isEmpty() ? QStringLiteral("it exited") : QString::fromLocal8Bit(status.trimmed()));
                return;
            }
        }
    }
    ~Population()
    {
        for (const auto &[pid, quit] : std::as_const(m_helpers)) {
            ::close(quit);
            ::waitpid(pid, nullptr, 0);
        }
    }
    QString error() const { return m_error; }

private:
    QList<std::pair<pid_t, int>> m_helpers;
    QString m_error;
};

// The lab: a listener and three clients, as a user's session has.
struct LabSockets
{
    int listener = -1;
    QList<int> fds;
    LabSockets()
    {
        listener = listenOn(0x7f000001, 0, 8);
        for (int i = 0; i < 3; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in to{};
            to.sin_family = AF_INET;
            to.sin_addr.s_addr = htonl(0x7f000001);
            to.sin_port = htons(portOf(listener));
            ::connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to);
            fds.append(fd);
            fds.append(::accept(listener, nullptr, nullptr));
        }
    }
    ~LabSockets()
    {
        for (int fd : std::as_const(fds))
            abortClose(fd);
        ::close(listener);
    }
    quint16 port() const { return portOf(listener); }
};

// The same lab in its private network (LabNetwork), where port 8000 is always free and the
// table holds the lab alone; `ok` false where user namespaces are refused.
struct PrivateLab
{
    LabNetwork network;
    QList<int> fds;
    bool ok = false;
    PrivateLab()
    {
        if (!network.start())
            return;
        const int listener = network.createSocket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in at{};
        at.sin_family = AF_INET;
        at.sin_addr.s_addr = htonl(0x7f000001);
        at.sin_port = htons(8000);
        if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr *>(&at), sizeof at) != 0 || ::listen(listener, 8) != 0)
            return;
        fds.append(listener);
        for (int i = 0; i < 3; ++i) {
            const int fd = network.createSocket(AF_INET, SOCK_STREAM, 0);
            ::connect(fd, reinterpret_cast<sockaddr *>(&at), sizeof at);
            fds.append(fd);
            fds.append(::accept(listener, nullptr, nullptr));
        }
        ok = true;
    }
    ~PrivateLab()
    {
        for (int fd : std::as_const(fds))
            abortClose(fd);
    }
};

// Medians (real time, ms) by benchmark name, collected as they are reported.
class Collector : public benchmark::ConsoleReporter
{
public:
    void ReportRuns(const std::vector<Run> &runs) override
    {
        ConsoleReporter::ReportRuns(runs);
        for (const Run &run : runs) {
            if (run.aggregate_name == "median")
                medians.insert(QString::fromStdString(run.run_name.function_name), run.GetAdjustedRealTime());
        }
    }
    QMap<QString, double> medians;
};

void registerAll(int n, LabSockets &lab, PrivateLab &privateLab, const QString &prefix)
{
    const auto name = [&](const char *what) { return QString(prefix + QLatin1String(what)).toStdString(); };
    const auto configure = [](benchmark::internal::Benchmark *b) {
        b->UseRealTime()->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true)->MinTime(0.2);
    };

    configure(benchmark::RegisterBenchmark(name("proc_read").c_str(), [](benchmark::State &state) {
        // The same 64 KiB reads ProcSource makes, the lines looked at by nobody.
        QByteArray buffer;
        qsizetype bytes = 0;
        const auto count = [&bytes](QByteArrayView lines) { bytes += lines.size(); };
        for (auto _ : state) {
            for (const char *path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
                UntrustedFile file(QLatin1String(path), DumpFile::maxBytes, QStringLiteral("a TCP table"));
                file.readLines(buffer, count);
            }
            benchmark::DoNotOptimize(bytes);
        }
    }));
    configure(benchmark::RegisterBenchmark(name("proc_read_parse").c_str(), [](benchmark::State &state) {
        ProcSource proc;
        proc.take(SocketFilter()); // as a poller's source is after its first poll
        for (auto _ : state)
            benchmark::DoNotOptimize(proc.take(SocketFilter()).records.size());
    }));
    if (!QStandardPaths::findExecutable(QStringLiteral("ss")).isEmpty()) {
        configure(benchmark::RegisterBenchmark(name("ss_program").c_str(), [](benchmark::State &state) {
            SsSource ss;
            for (auto _ : state)
                benchmark::DoNotOptimize(ss.take(SocketFilter()).records.size());
        }));
    }
    configure(benchmark::RegisterBenchmark(name("netlink_dump").c_str(), [](benchmark::State &state) {
        NetlinkSource netlink;
        QString error;
        for (auto _ : state)
            benchmark::DoNotOptimize(netlink.dumpBytes(SocketFilter(), &error));
    }));
    const quint16 labPort = lab.port();
    configure(benchmark::RegisterBenchmark(name("netlink_lab_poll_diff").c_str(), [labPort](benchmark::State &state) {
        NetlinkSource netlink;
        ConnectionTracker tracker;
        SocketFilter filter;
        filter.port = labPort;
        tracker.update(netlink.take(filter)); // the lab's sockets known, as after the first poll
        for (auto _ : state)
            benchmark::DoNotOptimize(tracker.update(netlink.take(filter)).events.size());
    }));
    // The lab watched where it lives: in its private network, through a sock_diag socket made
    // there; against ss on the host, filtered to the lab's port, as a user would run it.
    if (privateLab.ok) {
        LabNetwork *network = &privateLab.network;
        configure(benchmark::RegisterBenchmark(name("private_lab_poll_diff").c_str(), [network](benchmark::State &state) {
            NetlinkSource netlink([network] { return network->createSocket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG); });
            ConnectionTracker tracker;
            SocketFilter filter;
            filter.port = 8000;
            filter.boundInactive = false; // as LiveSession asks: the lab has no socket between bind() and listen()
            tracker.update(netlink.take(filter));
            for (auto _ : state)
                benchmark::DoNotOptimize(tracker.update(netlink.take(filter)).events.size());
        }));
    }
    if (!QStandardPaths::findExecutable(QStringLiteral("ss")).isEmpty()) {
        configure(benchmark::RegisterBenchmark(name("ss_lab_port").c_str(), [labPort](benchmark::State &state) {
            SsSource ss;
            SocketFilter filter;
            filter.port = labPort;
            for (auto _ : state)
                benchmark::DoNotOptimize(ss.take(filter).records.size());
        }));
    }
    // The whole table once, then 1 % of its rows changing per poll: the model's share. The
    // session's diff of the whole table between polls is not the model's cost and would swamp
    // it, so only model.apply() is timed (manual time), for a fixed number of polls.
    benchmark::RegisterBenchmark(name("model_update_1pct").c_str(), [](benchmark::State &state) {
        QList<SocketRecord> rows = NetlinkSource().take(SocketFilter()).records;
        Session session(nullptr);
        SocketTableModel model(&session);
        TrackerDelta delta;
        QObject::connect(&session, &Session::updated, &model, [&delta](const TrackerDelta &d) { delta = d; });
        qint64 ms = 0;
        const auto apply = [&] {
            Snapshot s;
            s.records = rows;
            s.steadyNs = ++ms * 100000000;
            s.wallTimeMs = 1700000000000 + ms * 100;
            session.apply(s);
        };
        apply();
        model.apply(delta);
        qsizetype changed = 0;
        for (auto _ : state) {
            for (qsizetype i = ms % 100; i < rows.size(); i += 100)
                rows[i].rxQueue = (rows[i].rxQueue + 1) % 7;
            apply();
            changed += delta.updated.size();
            const auto start = std::chrono::steady_clock::now();
            model.apply(delta);
            state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
        state.counters["rows"] = model.rowCount();
        state.counters["changed"] = double(changed) / double(state.iterations());
    })->UseManualTime()->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true)->Iterations(25);
    (void)n;
}

void printRatios(const QMap<QString, double> &m, const QList<int> &sizes)
{
    std::printf("\nRatios of medians from this run (DESIGN.md targets below)\n");
    std::printf("%12s %10s %14s %14s %12s %14s %16s\n", "connections", "sockets", "poll/dump", "ss/poll", "parse/read",
                "model ms", "ss/private poll");
    for (int n : sizes) {
        const QString p = QStringLiteral("N=%1/").arg(n);
        const double dump = m.value(p + QStringLiteral("netlink_dump"));
        const double poll = m.value(p + QStringLiteral("netlink_lab_poll_diff"));
        const double ss = m.value(p + QStringLiteral("ss_program"));
        const double read = m.value(p + QStringLiteral("proc_read"));
        const double parse = m.value(p + QStringLiteral("proc_read_parse"));
        const double privatePoll = m.value(p + QStringLiteral("private_lab_poll_diff"));
        const double ssLab = m.value(p + QStringLiteral("ss_lab_port"));
        std::printf("%12d %10d %14.2f %14.1f %12.2f %14.3f %16.0f\n", n, 2 * n, dump > 0 ? poll / dump : 0,
                    poll > 0 ? ss / poll : 0, read > 0 ? parse / read : 0, m.value(p + QStringLiteral("model_update_1pct")),
                    privatePoll > 0 ? ssLab / privatePoll : 0);
    }
    std::printf("targets: poll/dump <= 1.2; ss/poll >= 5 at 200 sockets, >= 2.5 at 20,000; parse/read <= 1.1;\n"
                "         model update < 2 ms at 20,000 rows; ss on the lab's port / a poll of the private lab >= 50\n"
                "         (0: no private network here)\n");
}

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QList<int> sizes{100, 1000, 10000, 30000};
    for (int i = 1; i + 1 < argc; ++i) {
        if (qstrcmp(argv[i], "--sizes") == 0) {
            sizes.clear();
            for (const QByteArray &s : QByteArray(argv[i + 1]).split(','))
                sizes.append(s.toInt());
            for (int j = i; j + 2 <= argc; ++j)
                argv[j] = argv[j + 2];
            argc -= 2;
            break;
        }
    }
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (!NetlinkSource::isAvailable()) {
        std::fprintf(stderr, "sockscope_bench_sources: this machine does not answer sock_diag\n");
        return 1;
    }
    Collector collector;
    for (int n : std::as_const(sizes)) {
        std::printf("\n== %d loopback connections (%d sockets) ==\n", n, 2 * n);
        std::fflush(stdout);
        Population population(n);
        if (!population.error().isEmpty()) {
            std::fprintf(stderr, "sockscope_bench_sources: %s\n", qPrintable(population.error()));
            return 1;
        }
        LabSockets lab;
        PrivateLab privateLab; // made after the population forked: none of its processes holds the helper's control socket
        registerAll(n, lab, privateLab, QStringLiteral("N=%1/").arg(n));
        benchmark::RunSpecifiedBenchmarks(&collector);
        benchmark::ClearRegisteredBenchmarks();
    }
    printRatios(collector.medians, sizes);
    benchmark::Shutdown();
    return 0;
}
