// SPDX-License-Identifier: GPL-3.0-or-later
#include "scenariocommand.h"

#include "cliconsole.h"
#include "commonoptions.h"

#include "core/format/sockettable.h"
#include "core/lab/scenariocatalog.h"
#include "core/capture/segmentcapture.h"
#include "core/sequence/sequencefigure.h"
#include "core/sequence/sequencetext.h"
#include "core/system/labnetwork.h"
#include "core/lab/scenariorunner.h"
#include "core/live/livesession.h"
#include "core/session/eventwording.h"

#include <QCoreApplication>
#include <QTimer>

#include <cerrno>

#include <cmath>

namespace sockscope::cli {

namespace {

const QString command = QStringLiteral("scenario");

QString wrap(const QString &text, int width, const QString &indent)
{
    QString out;
    QString line;
    for (const QString &word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (!line.isEmpty() && line.size() + 1 + word.size() > width) {
            out += indent + line + QLatin1Char('\n');
            line.clear();
        }
        line += (line.isEmpty() ? QString() : QStringLiteral(" ")) + word;
    }
    if (!line.isEmpty())
        out += indent + line + QLatin1Char('\n');
    return out;
}

QString stamp(qint64 ms)
{
    return QStringLiteral("+%1.%2s").arg(ms / 1000).arg(ms % 1000, 3, 10, QLatin1Char('0'));
}

// A line's time in its column: to the millisecond for calls and polls, and to the microsecond
// for the wire, whose segments carry the kernel's own timestamps.
QString column(qint64 ms)
{
    return stamp(ms).leftJustified(10);
}

QString columnNs(qint64 ns)
{
    ns = qMax<qint64>(0, ns);
    const qint64 us = ns / 1000;
    return QStringLiteral("+%1.%2s").arg(us / 1000000).arg(us % 1000000, 6, 10, QLatin1Char('0'));
}

QString listText()
{
    QList<QStringList> rows;
    for (const Scenario &s : ScenarioCatalog::all())
        rows.append({s.name, s.needsWire ? s.summary + QStringLiteral(" (private network)") : s.summary});
    return SocketTable::alignColumns(rows, {});
}

} // namespace

int runScenario(const QStringList &arguments)
{
    QCommandLineParser parser;
    CommonOptions common;
    const QCommandLineOption list{QStringLiteral("list"), QStringLiteral("Name every scenario with one line each.")};
    const QCommandLineOption port{QStringLiteral("port"),
                                  QStringLiteral("The server's port (default 8000, as in the tutorial; 0 lets the "
                                                 "kernel choose)."),
                                  QStringLiteral("P"), QStringLiteral("8000")};
    const QCommandLineOption ipv6{QStringLiteral("ipv6"), QStringLiteral("Use ::1 instead of 127.0.0.1.")};
    const QCommandLineOption hold{QStringLiteral("hold"),
                                  QStringLiteral("Keep the final sockets open this many seconds, so that ss or "
                                                 "netstat in another terminal can look at them (default 0)."),
                                  QStringLiteral("S"), QStringLiteral("0")};
    const QCommandLineOption clients{QStringLiteral("clients"),
                                     QStringLiteral("How many clients many-clients connects (default 5)."),
                                     QStringLiteral("N"), QStringLiteral("5")};
    const QCommandLineOption network{QStringLiteral("network"),
                                     QStringLiteral("Where the lab's sockets live: private (the default: a loopback of "
                                                    "their own, where port 8000 is always free and the host sees none of "
                                                    "them) or host (this machine's loopback, beside its other sockets)."),
                                     QStringLiteral("private|host"), QStringLiteral("private")};
    const QCommandLineOption noCapture{QStringLiteral("no-capture"),
                                       QStringLiteral("Do not print the segments on the private network's wire.")};
    ExportOption exporting;
    exporting.allowPcapng = true;
    const Session *drawn = nullptr; // the scenario's session, once it runs
    exporting.figure = [&drawn] {
        // The first client's connection: the scenario's main one.
        for (quint64 id : drawn ? drawn->connections().ids() : QList<quint64>()) {
            const SequenceFigure figure = SequenceFigure::of(*drawn, id);
            if (!figure.lifelines.isEmpty())
                return figure.layout();
        }
        return SequenceLayout();
    };
    exporting.option.setDescription(exporting.option.description()
                                    + QStringLiteral(" Or the private network's wire as pcapng (.pcapng), for Wireshark, or "
                                                     "the first client's connection as a sequence diagram (.svg, .png)."));
    const QCommandLineOption sequence{QStringLiteral("sequence"),
                                      QStringLiteral("At the end, draw each client's connection as a sequence diagram: "
                                                     "the calls on each socket, the segments between them, each end's state.")};
    const QCommandLineOption wireOption{
        QStringLiteral("wire"),
        QStringLiteral("Put a rule on the private network's wire for the whole run (repeatable, or several separated "
                       "by ';'): ACTION KIND [from client|from server], ACTION being drop, drop next, drop N% or "
                       "reject (answer with RST), KIND one of syn, synack, ack, handshake-ack, fin, fin-ack, data, "
                       "rst, any. Example: --wire 'drop next synack'. A scenario's own rules come after these."),
        QStringLiteral("RULE")};
    parser.addOptions({list, port, ipv6, hold, clients, network, noCapture, wireOption, sequence, common.source,
                       exporting.option});
    parser.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The scenario to run."));

    const int early = parseOrExit(
        parser, arguments,
        QStringLiteral("sockscope scenario --list\n"
                       "       sockscope scenario NAME [--port P] [--ipv6] [--hold S] [--source netlink|proc|ss] [--clients N]\n"
                       "                               [--network private|host] [--no-capture] [--wire RULE]... [--sequence]\n"
                       "                               [--export FILE]"),
        QStringLiteral("Run a scenario of real sockets on loopback, printing each socket call with its result and\n"
                       "each transition the kernel's table shows. Exit status: 0 when every expected state was\n"
                       "seen, 1 when something was missing or a call failed (both are named), 2 on a usage error.\n"
                       "\nScenarios:\n")
            + listText(),
        true);
    if (early >= 0)
        return early;

    if (parser.isSet(list)) {
        out(listText());
        return ExitOk;
    }
    const QStringList names = parser.positionalArguments();
    if (names.size() != 1)
        return usageError(command, names.isEmpty() ? QStringLiteral("name a scenario (--list shows them)")
                                                   : QStringLiteral("name one scenario, not %1").arg(names.size()));
    const Scenario *scenario = ScenarioCatalog::find(names.first());
    if (!scenario)
        return usageError(command, QStringLiteral("no scenario '%1' (--list shows them)").arg(names.first()));

    ScenarioConfig config;
    bool ok = false;
    const uint portValue = parser.value(port).toUInt(&ok);
    if (!ok || portValue > 65535)
        return usageError(command, QStringLiteral("--port needs a number from 0 to 65535, not '%1'").arg(parser.value(port)));
    config.port = quint16(portValue);
    config.family = parser.isSet(ipv6) ? AddressFamily::IPv6 : AddressFamily::IPv4;
    config.clients = parser.value(clients).toInt(&ok);
    if (!ok || config.clients < 1 || config.clients > 64)
        return usageError(command, QStringLiteral("--clients needs a number from 1 to 64, not '%1'").arg(parser.value(clients)));
    const std::optional<double> holding = parseSeconds(parser.value(hold), 0, 24 * 3600);
    if (!holding)
        return usageError(command, QStringLiteral("--hold needs seconds from 0 to 86400, not '%1'").arg(parser.value(hold)));
    const double holdS = *holding;
    if (const QString problem = exporting.check(parser); !problem.isEmpty())
        return usageError(command, problem);
    const QString networkName = parser.value(network);
    if (networkName != QLatin1String("private") && networkName != QLatin1String("host"))
        return usageError(command, QStringLiteral("--network is private or host, not '%1'").arg(networkName));
    if (scenario->needsWire && networkName == QLatin1String("host"))
        return usageError(command, QStringLiteral("%1 loses or refuses segments on the lab's wire, which exists in "
                                                  "its private network only; sockscope never changes this machine's "
                                                  "own firewall")
                                       .arg(scenario->name));
    QList<WireRule> wireRules;
    if (parser.isSet(wireOption)) {
        QString wrong;
        wireRules = WireRule::parse(parser.values(wireOption), &wrong);
        if (wireRules.isEmpty())
            return usageError(command, QStringLiteral("--wire: %1").arg(wrong));
        if (networkName == QLatin1String("host"))
            return usageError(command, QStringLiteral("--wire acts on the private network's wire only; sockscope "
                                                      "never changes this machine's own firewall"));
    }
    // The private network, or the host's loopback where this machine cannot make one (said once).
    LiveSession live;
    Lab &lab = *live.lab();
    QString why;
    const bool isPrivate = networkName == QLatin1String("private") && live.setNetwork(Network::Private, &why);
    if (networkName == QLatin1String("private") && !isPrivate)
        err(QStringLiteral("sockscope scenario: no private network here (%1); the lab uses this machine's loopback\n").arg(why));
    QString error;
    std::unique_ptr<SocketSource> source = common.createSource(parser, command, error, live.labNetwork());
    if (!source)
        return usageError(command, error);
    const QString sourceName = source->name();
    live.setSource(std::move(source));

    out(QStringLiteral("%1 — %2\n").arg(scenario->name, scenario->title));
    out(wrap(scenario->explanation, 92, QString()));
    out(isPrivate ? QStringLiteral("network: private, a loopback of its own (helper pid %1); the host sees none of it\n")
                        .arg(live.labNetwork()->helperPid())
                  : QStringLiteral("network: this machine's loopback\n"));

    // The wire: every segment between the lab's sockets, printed where it falls among the calls
    // and the kernel's transitions.
    const bool wired = isPrivate && !parser.isSet(noCapture) && live.setCapturing(true, &why);
    if (isPrivate && !parser.isSet(noCapture) && !wired)
        err(QStringLiteral("sockscope scenario: no capture (%1)\n").arg(why));
    // The wire's lines bear the segment's own time, to the microsecond.
    const auto wireTime = [&live](qint64 steadyNs) {
        const qint64 start = live.runner()->startedNs();
        return start > 0 ? columnNs(steadyNs - start) : column(live.runner()->elapsedMs());
    };
    QObject::connect(&live, &LiveSession::segmentCaptured, &live, [&](const WireSegment &w) {
        // A RST a reject rule sent says so: no socket sent it.
        const bool byTheWire = w.cause.startsWith(QLatin1String("the wire: "));
        out(QStringLiteral("  %1  wire          %2 -> %3  %4%5\n")
                .arg(wireTime(w.steadyNs), w.sender, w.receiver, w.line(),
                     byTheWire ? QStringLiteral("  (sent by %1)").arg(w.cause) : QString()));
    });
    // What each segment proves of the ends' states, to the microsecond, whether or not a poll
    // catches the state.
    QObject::connect(&live, &LiveSession::packetStateChanged, &live, [&](const PacketStateChange &c) {
        out(QStringLiteral("  %1  packet        %2: %3 -> %4  (timed by packet: %5)\n")
                .arg(wireTime(c.steadyNs), c.who, kernelName(c.transition.from), kernelName(c.transition.to),
                     c.transition.sent ? QStringLiteral("it sent the %1").arg(c.segment.section(QLatin1Char(' '), 0, 0))
                                       : QStringLiteral("the %1 from %2").arg(c.segment.section(QLatin1Char(' '), 0, 0), c.sender)));
    });
    ScenarioRunner &runner = *live.runner();
    const Session &session = *live.session(); // what --export writes
    drawn = &session;
    runner.load(*scenario, config);
    if (!wireRules.isEmpty() && !live.setWireRules(wireRules, &why)) {
        err(QStringLiteral("sockscope scenario: the --wire rules cannot be applied: %1\n").arg(why));
        return ExitFailure;
    }
    // The rules on the wire, numbered as the wire lines name them, each time they change.
    QStringList rulesShown;
    const auto showRules = [&] {
        QStringList now;
        const QList<WireRule> active = live.activeWireRules();
        const WireFilter *filter = live.wire();
        for (qsizetype i = 0; i < active.size(); ++i) {
            const bool scenarios = i >= live.wireRules().size();
            const bool spent = filter && filter->isSpent(int(i) + 1);
            now << QStringLiteral("rule %1: %2  (%3%4%5)")
                       .arg(i + 1)
                       .arg(active[i].text(), active[i].describe(),
                            scenarios ? QStringLiteral(", the scenario's") : QString(),
                            spent ? QStringLiteral(", spent") : QString());
        }
        if (now == rulesShown)
            return;
        rulesShown = now;
        if (now.isEmpty()) {
            out(QStringLiteral("  %1  wire rules    none\n").arg(column(runner.elapsedMs())));
            return;
        }
        for (const QString &rule : std::as_const(now))
            out(QStringLiteral("  %1  wire rules    %2\n").arg(column(runner.elapsedMs()), rule));
    };
    showRules();
    // After the segments read with the change (a "drop next" is spent by the one it took).
    QObject::connect(&live, &LiveSession::wireRulesChanged, &runner,
                     [&] { QTimer::singleShot(0, &runner, showRules); });
    // With the wire captured, a segment a rule took is marked on its own line (DROPPED by rule
    // N); without, the rule's report is the only word of it.
    QObject::connect(&live, &LiveSession::wireRuleActed, &runner, [&](const WireRuleHit &hit, const QString &text) {
        if (!wired)
            out(QStringLiteral("  %1  wire          %2\n").arg(wireTime(hit.steadyNs), text));
    });
    QObject::connect(&live, &LiveSession::segmentStopped, &runner, [&](const WireSegment &w) {
        out(QStringLiteral("  %1  wire          %2 -> %3  that %4 was %5\n")
                .arg(wireTime(w.steadyNs), w.sender, w.receiver, w.segment.flagsText(), w.stopText()));
    });
    // The lab's ports alone (the scenario's, once bound), every 20 ms.
    live.setWatchedPorts(QList<quint16>());
    live.setInterval(20);
    int status = ExitOk;
    QStringList lastNotes;

    QObject::connect(&runner, &ScenarioRunner::stepStarted, &runner, [&](int index) {
        out(QStringLiteral("\nstep %1/%2: %3\n").arg(index + 1).arg(runner.stepCount()).arg(runner.stepAt(index).description));
    });
    QObject::connect(&live, &LiveSession::callMade, &runner, [&](const LabCall &call) {
        out(QStringLiteral("  %1  %2  %3\n")
                .arg(column(runner.elapsedMs()), call.socketLabel.leftJustified(12), call.toString()));
    });
    // What a call learned after it was printed: who holds the port a bind() wanted.
    QObject::connect(&live, &LiveSession::callUpdated, &runner, [&](const LabCall &call) {
        out(QStringLiteral("  %1  %2  %3\n")
                .arg(column(runner.elapsedMs()), call.socketLabel.leftJustified(12), EventWording::callUpdate(call)));
    });
    QObject::connect(&runner, &ScenarioRunner::transitionObserved, &runner,
                     [&](const ConnectionEvent &e, const QString &label, const SocketRecord &record) {
                         live.readWire(); // the segments that led here come first
                         const QString from = e.from ? kernelName(*e.from) : QStringLiteral("(new)");
                         const QString to = e.to ? kernelName(*e.to) : QStringLiteral("(gone)");
                         QString line = QStringLiteral("  %1  kernel        %2: %3 -> %4  (%5 %6)")
                                            .arg(column(runner.elapsedMs()), label, from, to,
                                                 e.key.local.toString(), e.key.remote.toString());
                         const QString timer = SocketTable::timerText(record);
                         if (e.to && !timer.isEmpty())
                             line += QStringLiteral("  [%1]").arg(timer);
                         // netlink lists a socket between bind() and listen() or connect()
                         if (e.to == TcpState::Close && record.remote.port == 0)
                             line += QStringLiteral("  bound, neither listening nor connecting");
                         out(line + QLatin1Char('\n'));
                     });
    QObject::connect(&runner, &ScenarioRunner::roleChanged, &runner,
                     [&](const QString &before, const QString &after, const SocketRecord &record) {
                         out(QStringLiteral("  %1  kernel        %2 is now %3, still %4 (inode %5)\n")
                                 .arg(column(runner.elapsedMs()), before, after, kernelName(record.state))
                                 .arg(record.inode ? QString::number(*record.inode) : QStringLiteral("?")));
                     });
    QObject::connect(&live, &LiveSession::polled, &runner, [&](const PollChanges &poll) {
        if (!poll.ok()) {
            err(QStringLiteral("sockscope scenario: %1\n").arg(sourceFailure(sourceName, poll.error)));
            status = ExitFailure;
            runner.stop();
            return;
        }
        if (poll.notes != lastNotes) {
            for (const QString &note : poll.notes)
                err(QStringLiteral("sockscope scenario: %1\n").arg(note));
            lastNotes = poll.notes;
        }
    });

    const auto closeAll = [&] {
        live.readWire();
        if (live.isCapturing()) {
            out(QStringLiteral("\nwire: %1 segment(s) captured on the private loopback%2\n")
                    .arg(live.capture().capturedCount())
                    .arg(session.wireSegmentsDropped() > 0
                             ? QStringLiteral(", the oldest %1 not kept").arg(session.wireSegmentsDropped())
                             : QString()));
            live.setCapturing(false); // the closing RSTs are not the scenario's
        }
        if (!exporting.write(parser, command, session, sourceName, 20, {runner.port()}, {runner.record()}, wired))
            status = ExitFailure;
        out(QStringLiteral("\nclosing every socket the scenario opened, with RST so that no new TIME_WAIT or FIN_WAIT entries linger\n"));
        lab.abortAll();
        QCoreApplication::exit(status);
    };
    QObject::connect(&runner, &ScenarioRunner::finished, &runner, [&] {
        if (parser.isSet(sequence)) {
            live.readWire();
            // Each lab client's connection, as the socket API's sequence diagram draws it.
            for (quint64 id : session.connections().ids()) {
                const SequenceFigure figure = SequenceFigure::of(session, id);
                if (figure.lifelines.isEmpty())
                    continue;
                out(QStringLiteral("\nsequence of %1's connection:\n\n%2")
                        .arg(figure.lifelines.first().label, SequenceText::render(figure.layout(), 100)));
            }
        }
        out(QStringLiteral("\nexpected:\n"));
        for (const ScenarioRunner::Outcome &o : runner.outcomes()) {
            out(QStringLiteral("  %1 %2%3\n")
                    .arg(o.met ? QStringLiteral("seen   ") : QStringLiteral("MISSING"), o.expectation.describe(),
                         o.met && o.atMs >= 0 ? QStringLiteral("  (%1)").arg(stamp(o.atMs)) : QString()));
        }
        const QList<Expectation> missing = runner.missing();
        if (runner.status() == ScenarioRunner::Status::Failed) {
            err(QStringLiteral("sockscope scenario: %1\n").arg(runner.failure()));
            status = ExitFailure;
        } else if (!missing.isEmpty()) {
            QStringList what;
            for (const Expectation &e : missing)
                what << e.describe();
            err(QStringLiteral("sockscope scenario: not observed: %1\n").arg(what.join(QStringLiteral("; "))));
            status = ExitFailure;
        }
        if (holdS > 0 && runner.status() == ScenarioRunner::Status::Finished) {
            // In the private network, ss must be run inside it to see them.
            const QString ss = QStringLiteral("ss -tanoie '( sport = :%1 or dport = :%1 )'").arg(runner.port());
            out(QStringLiteral("\nholding the sockets for %1 s; in another terminal: %2\n")
                    .arg(holdS)
                    .arg(isPrivate ? live.labNetwork()->ssLauncher().join(QLatin1Char(' ')) + QLatin1Char(' ') + ss : ss));
            QTimer::singleShot(int(std::ceil(holdS * 1000)), &runner, closeAll);
        } else {
            QTimer::singleShot(0, &runner, closeAll);
        }
    });

    live.start();
    runner.runAll(250);
    const int loopStatus = QCoreApplication::exec();
    live.stop();
    return status != ExitOk ? status : loopStatus;
}

} // namespace sockscope::cli
