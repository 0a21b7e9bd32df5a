// SPDX-License-Identifier: GPL-3.0-or-later
#include "commonoptions.h"

#include "core/capture/wiresegment.h"

#include "cliconsole.h"

#include "core/format/atomicfile.h"
#include "core/format/sockettable.h"
#include "core/sequence/sequencelayout.h"
#include "core/session/sessionfile.h"
#include "core/sources/pollinterval.h"

#include <QCoreApplication>

#include <cmath>

namespace sockscope::cli {

bool CommonOptions::readFilter(const QCommandLineParser &parser, SocketFilter &filter, QString &error, bool withState) const
{
    if (parser.isSet(port)) {
        bool ok = false;
        const uint value = parser.value(port).toUInt(&ok);
        if (!ok || value < 1 || value > 65535) {
            error = QStringLiteral("--port needs a number from 1 to 65535, not '%1'").arg(parser.value(port));
            return false;
        }
        filter.port = quint16(value);
    }
    if (withState && parser.isSet(state)) {
        const std::optional<TcpState> s = parseTcpState(parser.value(state));
        if (!s) {
            QStringList names;
            for (TcpState each : allTcpStates())
                names << kernelName(each);
            error = QStringLiteral("--state: unknown state '%1' (one of %2)")
                        .arg(parser.value(state), names.join(QStringLiteral(", ")));
            return false;
        }
        filter.state = *s;
    }
    if (parser.isSet(family)) {
        const std::optional<AddressFamily> f = parseFamily(parser.value(family));
        if (!f) {
            error = QStringLiteral("--family must be ipv4 or ipv6, not '%1'").arg(parser.value(family));
            return false;
        }
        filter.family = *f;
    }
    return true;
}

std::unique_ptr<SocketSource> CommonOptions::createSource(const QCommandLineParser &parser, const QString &command,
                                                          QString &error, LabNetwork *network) const
{
    const QString named = parser.value(source);
    if (named.isEmpty() || named == QLatin1String("default")) {
        // The default falls back to /proc where netlink is refused: say so, once, so that a
        // user who expects what only netlink shows (bound-only sockets) knows why it is missing.
        const SocketSource::DefaultChoice choice = SocketSource::defaultChoice();
        if (!choice.netlinkError.isEmpty())
            err(QStringLiteral("sockscope %1: netlink sock_diag is not available here (%2); reading /proc/net/tcp instead\n")
                    .arg(command, choice.netlinkError));
        return SocketSource::create(choice.name, network, &error);
    }
    return SocketSource::create(named, network, &error);
}

namespace {

FigureWriter &figureWriterSlot()
{
    static FigureWriter writer;
    return writer;
}

} // namespace

void setFigureWriter(FigureWriter writer)
{
    figureWriterSlot() = std::move(writer);
}

bool isFigurePath(const QString &path)
{
    return path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive) || path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive);
}

QString ExportOption::check(const QCommandLineParser &parser) const
{
    if (!parser.isSet(option))
        return QString();
    const QString path = parser.value(option);
    for (const char *ext : {".json", ".csv", ".txt"}) {
        if (path.endsWith(QLatin1String(ext), Qt::CaseInsensitive))
            return QString();
    }
    if (allowPcapng && path.endsWith(QLatin1String(".pcapng"), Qt::CaseInsensitive))
        return QString();
    if (figure && isFigurePath(path))
        return QString();
    QStringList kinds = {QStringLiteral(".json (a session)"), QStringLiteral(".csv or .txt (the table)")};
    if (allowPcapng)
        kinds << QStringLiteral(".pcapng (the wire)");
    if (figure)
        kinds << QStringLiteral(".svg/.png (the sequence diagram)");
    const QString last = kinds.takeLast();
    return QStringLiteral("--export: '%1' must end in %2 or %3").arg(path, kinds.join(QStringLiteral(", ")), last);
}

bool ExportOption::write(const QCommandLineParser &parser, const QString &command, const Session &session,
                         const QString &source, int intervalMs, const QList<quint16> &ports,
                         const QList<ScenarioRunRecord> &runs, bool captured) const
{
    if (!parser.isSet(option))
        return true;
    const QString path = parser.value(option);
    if (figure && isFigurePath(path)) {
        const SequenceLayout layout = figure();
        QString error;
        if (!figureWriterSlot())
            error = QStringLiteral("cannot draw %1: this program has no picture writer").arg(path);
        else if (layout.lifelines().isEmpty())
            error = QStringLiteral("nothing to draw to %1: no lab client made a connection").arg(path);
        else
            error = figureWriterSlot()(layout, path);
        if (!error.isEmpty()) {
            err(QStringLiteral("sockscope %1: %2\n").arg(command, error));
            return false;
        }
        err(QStringLiteral("sockscope %1: wrote %2 (the sequence diagram of %3's connection)\n")
                .arg(command, path, layout.lifelines().first().label));
        return true;
    }
    if (path.endsWith(QLatin1String(".pcapng"), Qt::CaseInsensitive)) {
        const QList<WireSegment> wire = session.wireSegments();
        const QString error = captured
            ? writeFileAtomically(path, pcapngOf(wire, QStringLiteral("sockscope %1").arg(QCoreApplication::applicationVersion())))
            : QStringLiteral("nothing captured to write to %1: the wire is captured in the private network only, "
                             "without --no-capture").arg(path);
        if (!error.isEmpty()) {
            err(QStringLiteral("sockscope %1: %2\n").arg(command, error));
            return false;
        }
        err(QStringLiteral("sockscope %1: wrote %2 (%3 segment(s))\n").arg(command, path).arg(wire.size()));
        return true;
    }
    const SessionDocument document =
        session.toDocument(QCoreApplication::applicationVersion(), source, intervalMs, ports, runs);
    QString error;
    if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) {
        error = SessionFile::save(document, path);
    } else {
        const QList<SocketRecord> table = SocketTable::sorted(document.table);
        const QString text = path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)
            ? SocketTable::csv(table)
            : SocketTable::format(table, SocketTable::Style::SsTan);
        error = writeFileAtomically(path, text.toUtf8());
    }
    if (!error.isEmpty()) {
        err(QStringLiteral("sockscope %1: %2\n").arg(command, error));
        return false;
    }
    err(QStringLiteral("sockscope %1: wrote %2\n").arg(command, path));
    return true;
}

std::optional<double> parseSeconds(const QString &text, double min, double max)
{
    bool ok = false;
    const double value = text.toDouble(&ok);
    if (!ok || !std::isfinite(value) || value < min || value > max)
        return std::nullopt;
    return value;
}

std::optional<int> parseIntervalMs(const QString &text)
{
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < minIntervalMs || value > maxIntervalMs)
        return std::nullopt;
    return value;
}

QString intervalError(const QString &text)
{
    return QStringLiteral("--interval needs milliseconds from %1 to %2, not '%3'")
        .arg(QString::number(minIntervalMs), QString::number(maxIntervalMs), text);
}

QString sourceFailure(const QString &sourceName, const QString &error)
{
    if (sourceName == QLatin1String("proc"))
        return error;
    return error + QStringLiteral(" Use --source proc to read /proc/net/tcp instead.");
}

int parseOrExit(QCommandLineParser &parser, const QStringList &arguments, const QString &synopsis,
                const QString &description, bool positionalAllowed)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help{{QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help.")};
    parser.addOption(help);
    if (!parser.parse(arguments))
        return usageError(arguments.value(0), parser.errorText());
    if (parser.isSet(help)) {
        // Qt's own usage line names only the program; the options part is what we keep.
        const QString qtHelp = parser.helpText();
        const qsizetype options = qtHelp.indexOf(QStringLiteral("Options:"));
        QString text = QStringLiteral("Usage: ") + synopsis + QStringLiteral("\n\n") + description
            + QStringLiteral("\n\n") + (options >= 0 ? qtHelp.mid(options) : qtHelp);
        if (!text.endsWith(QLatin1Char('\n')))
            text += QLatin1Char('\n');
        out(text);
        return ExitOk;
    }
    if (!positionalAllowed && !parser.positionalArguments().isEmpty()) {
        return usageError(arguments.value(0),
                          QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    }
    return -1;
}

int usageError(const QString &command, const QString &message)
{
    err(QStringLiteral("sockscope %1: %2\n").arg(command, message));
    err(QStringLiteral("Try 'sockscope %1 --help'.\n").arg(command));
    return ExitUsage;
}

} // namespace sockscope::cli
