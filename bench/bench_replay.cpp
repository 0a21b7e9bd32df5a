// SPDX-License-Identifier: GPL-3.0-or-later
// What opening and scrubbing a big saved session costs: N connections first seen 1 ms apart,
// each in ESTABLISHED for a second and gone after two (a busy server's churn), written as a
// compact session file of about 640 bytes a connection (500,000 fit the 512 MiB a session file
// may have); then the file is loaded, shown in the window (offscreen) and the scrubber moved to
// the end, back to the start and through a few steps, each timed, with the process's resident
// memory after each.
//
//   build/bench/sockscope_bench_replay [--connections 5000,500000] [--keep FILE]
//
// Peak memory is per size when one size is given.
#include "core/format/atomicfile.h"
#include "core/session/replay.h"
#include "core/session/sessionfile.h"
#include "ui/mainwindow/mainwindow.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>
#include <cstring>

using namespace sockscope;

namespace {

long residentKiB(const char *field = "VmRSS:")
{
    FILE *f = std::fopen("/proc/self/status", "re");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, field, std::strlen(field)) == 0)
            kib = std::strtol(line + std::strlen(field), nullptr, 10);
    }
    std::fclose(f);
    return kib;
}

SessionDocument churn(int connections)
{
    SessionDocument d;
    d.programVersion = QStringLiteral("bench");
    d.host = HostFacts::current();
    d.source = QStringLiteral("netlink");
    d.intervalMs = 1;
    d.startedWallMs = 1700000000000;
    d.connections.reserve(connections);
    for (int i = 0; i < connections; ++i) {
        const qint64 start = qint64(i) * 1000000;
        SocketRecord r;
        r.family = AddressFamily::IPv4;
        // distinct 4-tuples: 127.0.x.y clients to one server port
        r.local = {IpAddress::fromIPv4(0x7f000000u | quint32(1 + i / 60000)), quint16(1024 + i % 60000), QString()};
        r.remote = {IpAddress::fromIPv4(0x7f000001), 8000, QString()};
        r.state = TcpState::Established;
        RecordedConnection c;
        ConnectionHistory &h = c.history;
        h.id = quint64(i + 1);
        h.key = ConnectionKey::of(r);
        h.latest = r;
        h.spans = {StateSpan{TcpState::Established, start, start + 1000000000, d.wallTimeMsAt(start),
                             d.wallTimeMsAt(start + 1000000000), 1000}};
        // Gone after two seconds, but the last 1,000 still open when the file was written.
        h.alive = i >= connections - 1000;
        if (!h.alive) {
            h.vanishedNs = start + 2000000000;
            h.vanishedWallMs = d.wallTimeMsAt(h.vanishedNs);
        }
        c.label = QString();
        c.clientSide = true;
        d.connections.append(c);
    }
    d.durationNs = qint64(connections) * 1000000 + 2000000000;
    return d;
}

double msSince(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

void row(const char *what, double ms)
{
    std::printf("  %-44s %10.1f ms   %6ld MiB resident, %6ld MiB at most so far\n", what, ms, residentKiB() / 1024,
                residentKiB("VmHWM:") / 1024);
    std::fflush(stdout);
}

// The file is written by a child process, so that what this one holds is only what opening
// it took.
int writeFile(int connections, const QString &path)
{
    const QByteArray bytes = QJsonDocument(SessionFile::toJson(churn(connections))).toJson(QJsonDocument::Compact);
    const QString error = writeFileAtomically(path, bytes);
    if (!error.isEmpty()) {
        std::fprintf(stderr, "sockscope_bench_replay: %s\n", qPrintable(error));
        return 1;
    }
    return 0;
}

void run(int connections, const QString &keep)
{
    QTemporaryDir dir;
    const QString path = keep.isEmpty() ? dir.filePath(QStringLiteral("churn.json")) : keep;
    if (QProcess::execute(QCoreApplication::applicationFilePath(),
                          {QStringLiteral("--write"), path, QStringLiteral("--connections"), QString::number(connections)})
        != 0)
        std::exit(1);
    std::printf("%d connections, first seen 1 ms apart: %.1f MB file\n", connections,
                double(QFileInfo(path).size()) / 1e6);

    QElapsedTimer t;
    t.start();
    SessionFile::Loaded loaded = SessionFile::load(path);
    if (!loaded.document) {
        std::fprintf(stderr, "sockscope_bench_replay: %s\n", qPrintable(loaded.error));
        std::exit(1);
    }
    row("load (read, parse, check)", msSince(t));
    t.restart();
    auto replay = std::make_shared<const Replay>(std::move(*loaded.document));
    loaded.document.reset();
    row("index the moments (Replay)", msSince(t));

    MainWindowOptions options;
    options.restoreLayout = false;
    options.replay = replay;
    options.replayFile = path;
    t.restart();
    {
        MainWindow window(options);
        window.show();
        QCoreApplication::processEvents();
        row("open the window at the first moment", msSince(t));
        const auto seek = [&](const char *what, qint64 ns) {
            t.restart();
            window.seek(ns);
            QCoreApplication::processEvents();
            row(what, msSince(t));
        };
        seek("End (every connection comes and goes)", replay->endNs());
        seek("Home (back to the start)", 0);
        seek("to the middle", replay->endNs() / 2);
        seek("1 ms on", replay->endNs() / 2 + 1000000);
        seek("1 ms back", replay->endNs() / 2);
        t.restart();
        int steps = 0;
        for (; steps < 100; ++steps)
            window.seek(replay->nextFrame(window.replayPosition()));
        QCoreApplication::processEvents();
        std::printf("  %-44s %10.3f ms each\n", "next change (Ctrl+Right), 100 times", msSince(t) / steps);
        t.restart();
    }
    row("close the window", msSince(t));
    std::printf("  %-44s %10ld MiB\n\n", "peak resident", residentKiB("VmHWM:") / 1024);
}

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QList<int> sizes{5000, 500000};
    QString keep;
    QString write;
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--connections") && i + 1 < args.size()) {
            sizes.clear();
            for (const QString &n : args[++i].split(QLatin1Char(',')))
                sizes.append(qBound(1, n.toInt(), 1000000));
        } else if (args[i] == QLatin1String("--keep") && i + 1 < args.size()) {
            keep = args[++i];
        } else if (args[i] == QLatin1String("--write") && i + 1 < args.size()) {
            write = args[++i];
        } else {
            std::fprintf(stderr, "usage: sockscope_bench_replay [--connections 5000,500000] [--keep FILE]\n");
            return 2;
        }
    }
    if (!write.isEmpty())
        return writeFile(sizes.value(0), write);
    for (int n : sizes)
        run(n, keep);
    return 0;
}
