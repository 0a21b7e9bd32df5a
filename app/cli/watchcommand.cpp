// SPDX-License-Identifier: GPL-3.0-or-later
#include "watchcommand.h"

#include "cliconsole.h"
#include "commonoptions.h"
#include "interrupt.h"

#include "core/live/livesession.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <cmath>

namespace sockscope::cli {

namespace {

const QString command = QStringLiteral("watch");

QString eventLine(const ConnectionEvent &e)
{
    const QString time = QDateTime::fromMSecsSinceEpoch(e.wallTimeMs).toString(QStringLiteral("HH:mm:ss.zzz"));
    const QString from = e.from ? kernelName(*e.from) : QStringLiteral("(new)");
    const QString to = e.to ? kernelName(*e.to) : QStringLiteral("(gone)");
    const QString spent = e.from ? QString::number(e.msInFrom) + QStringLiteral(" ms") : QStringLiteral("-");
    return QStringLiteral("%1  %2  %3  %4  %5  %6\n")
        .arg(time, familyName(e.key.family), e.key.local.toString().leftJustified(21),
             e.key.remote.toString().leftJustified(21),
             QString(from + QStringLiteral(" -> ") + to).leftJustified(26), spent);
}

QString eventJson(const ConnectionEvent &e)
{
    QJsonObject o;
    o.insert(QStringLiteral("time"),
             QDateTime::fromMSecsSinceEpoch(e.wallTimeMs, Qt::UTC).toString(Qt::ISODateWithMs));
    o.insert(QStringLiteral("time_ms"), double(e.wallTimeMs));
    o.insert(QStringLiteral("family"), familyName(e.key.family));
    o.insert(QStringLiteral("local_address"), e.key.local.address.toString());
    o.insert(QStringLiteral("local_port"), e.key.local.port);
    o.insert(QStringLiteral("remote_address"), e.key.remote.address.toString());
    o.insert(QStringLiteral("remote_port"), e.key.remote.port);
    o.insert(QStringLiteral("from"), e.from ? QJsonValue(kernelName(*e.from)) : QJsonValue());
    o.insert(QStringLiteral("to"), e.to ? QJsonValue(kernelName(*e.to)) : QJsonValue());
    o.insert(QStringLiteral("ms_in_from"), e.from ? QJsonValue(double(e.msInFrom)) : QJsonValue());
    o.insert(QStringLiteral("connection"), double(e.id));
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)) + QLatin1Char('\n');
}

} // namespace

int runWatch(const QStringList &arguments)
{
    QCommandLineParser parser;
    CommonOptions common;
    const QCommandLineOption interval{QStringLiteral("interval"),
                                      QStringLiteral("Milliseconds between polls (default 200)."),
                                      QStringLiteral("MS"), QStringLiteral("200")};
    const QCommandLineOption duration{QStringLiteral("duration"),
                                      QStringLiteral("Stop after this many seconds (default: run until "
                                                     "interrupted)."),
                                      QStringLiteral("S")};
    const QCommandLineOption json{QStringLiteral("json"),
                                  QStringLiteral("Print one JSON object per line instead of text.")};
    ExportOption exporting;
    parser.addOptions({common.source, common.port, common.family, interval, duration, json, exporting.option});

    const int early = parseOrExit(
        parser, arguments,
        QStringLiteral("sockscope watch [--source netlink|proc|ss] [--port P] [--family F] [--interval MS] "
                       "[--duration S] [--json] [--export FILE]"),
        QStringLiteral(
            "Poll the kernel's TCP table and print one line per change:\n"
            "  time  family  local  remote  OLD -> NEW  milliseconds seen in OLD\n"
            "(new) marks a connection that appeared, (gone) one that left the table. Times are what\n"
            "the polls saw: a state shorter than the interval can be missed entirely.\n"
            "The sockets present at the start are counted, not printed. Ctrl+C stops and still\n"
            "writes the --export file."));
    if (early >= 0)
        return early;

    SocketFilter filter;
    QString error;
    if (!common.readFilter(parser, filter, error, false))
        return usageError(command, error);
    if (const QString problem = exporting.check(parser); !problem.isEmpty())
        return usageError(command, problem);

    const std::optional<int> parsedInterval = parseIntervalMs(parser.value(interval));
    if (!parsedInterval)
        return usageError(command, intervalError(parser.value(interval)));
    const int intervalMs = *parsedInterval;
    double durationS = 0;
    if (parser.isSet(duration)) {
        const std::optional<double> seconds = parseSeconds(parser.value(duration), 0, 7.0 * 24 * 3600);
        if (!seconds || *seconds <= 0)
            return usageError(command, QStringLiteral("--duration needs a positive number of seconds, at most "
                                                      "604800 (a week), not '%1'")
                                           .arg(parser.value(duration)));
        durationS = *seconds;
    }

    std::unique_ptr<SocketSource> source = common.createSource(parser, command, error);
    if (!source)
        return usageError(command, error);
    const QString sourceName = source->name();

    LiveSession live(std::move(source));
    live.setInterval(intervalMs);
    if (filter.port)
        live.setWatchedPorts(QList<quint16>{*filter.port});
    live.setFamily(filter.family);
    const Session &session = *live.session();
    bool baseline = true;
    const bool asJson = parser.isSet(json);
    int status = ExitOk;
    QString lastError;
    QStringList lastNotes;

    QObject::connect(&live, &LiveSession::polled, &live, [&](const PollChanges &poll) {
        if (!poll.ok()) {
            if (poll.error != lastError)
                err(QStringLiteral("sockscope watch: %1\n").arg(sourceFailure(sourceName, poll.error)));
            lastError = poll.error;
            if (baseline) {
                // Nothing was ever read: there is nothing to watch.
                status = ExitFailure;
                QCoreApplication::exit(ExitFailure);
            }
            return;
        }
        if (!lastError.isEmpty()) {
            err(QStringLiteral("sockscope watch: %1 works again\n").arg(sourceName));
            lastError.clear();
        }
        for (const ParseIssue &issue : poll.issues)
            err(QStringLiteral("sockscope watch: %1\n").arg(issue.toString()));
        // The same note every poll (an unreadable tcp6) is said once.
        if (poll.notes != lastNotes) {
            for (const QString &note : poll.notes)
                err(QStringLiteral("sockscope watch: %1\n").arg(note));
            lastNotes = poll.notes;
        }
        if (baseline) {
            baseline = false;
            const int count = session.connections().liveCount();
            err(QStringLiteral("sockscope watch: %1 %2%3 via %4, polling every %5 ms%6\n")
                    .arg(count)
                    .arg(count == 1 ? QStringLiteral("socket") : QStringLiteral("sockets"))
                    .arg(filter.port ? QStringLiteral(" on port %1").arg(*filter.port) : QString())
                    .arg(sourceName)
                    .arg(intervalMs)
                    .arg(durationS > 0 ? QStringLiteral(" for %1 s").arg(durationS) : QStringLiteral("; Ctrl+C stops")));
            return;
        }
        for (const ConnectionEvent &event : poll.delta.events)
            out(asJson ? eventJson(event) : eventLine(event));
    });

    if (durationS > 0)
        QTimer::singleShot(int(std::ceil(durationS * 1000)), &live, [] { QCoreApplication::exit(ExitOk); });
    quitEventLoopOnInterrupt(&live);
    live.start();
    const int loopStatus = QCoreApplication::exec();
    live.stop();
    if (status == ExitOk && !exporting.write(parser, command, session, sourceName, intervalMs, filter.allPorts()))
        return ExitFailure;
    return status != ExitOk ? status : loopStatus;
}

} // namespace sockscope::cli
