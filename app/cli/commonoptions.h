// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/socketfilter.h"
#include "core/session/session.h"
#include "core/sources/socketsource.h"

#include <QCommandLineOption>
#include <QCommandLineParser>

#include <functional>
#include <memory>
#include <optional>

namespace sockscope {
class LabNetwork;
class SequenceLayout;
} // namespace sockscope

namespace sockscope::cli {

// Options several subcommands share, with one way to read and check them.
struct CommonOptions
{
    QCommandLineOption source{QStringLiteral("source"),
                              QStringLiteral("Where to read the kernel's table: netlink (sock_diag, as ss does), "
                                             "proc (/proc/net/tcp) or ss (the program). Default: netlink where the "
                                             "kernel answers it, else proc."),
                              QStringLiteral("netlink|proc|ss")};
    QCommandLineOption port{QStringLiteral("port"),
                            QStringLiteral("Only sockets with this local or remote port."),
                            QStringLiteral("P")};
    QCommandLineOption state{QStringLiteral("state"),
                             QStringLiteral("Only sockets in this state (FIN_WAIT1, fin-wait-1, ESTAB, ...)."),
                             QStringLiteral("NAME")};
    QCommandLineOption family{QStringLiteral("family"),
                              QStringLiteral("Only ipv4 or only ipv6 sockets."), QStringLiteral("ipv4|ipv6")};

    // Reads --port, --family and (when the command has it) --state into `filter`; on a bad
    // value sets `error`.
    bool readFilter(const QCommandLineParser &parser, SocketFilter &filter, QString &error, bool withState = true) const;

    // The --source the user named, or the default; when the default is not netlink, says why on
    // stderr as "sockscope COMMAND: ...". With a network, it reads that network's table.
    std::unique_ptr<SocketSource> createSource(const QCommandLineParser &parser, const QString &command,
                                               QString &error, LabNetwork *network = nullptr) const;
};

// --export FILE: what was seen, as a session file (.json), the final table as CSV (.csv) or
// as ss -tan prints it (.txt).
struct ExportOption
{
    QCommandLineOption option{QStringLiteral("export"),
                              QStringLiteral("Also write what was seen to FILE: a session (.json), the table as CSV "
                                             "(.csv) or as ss -tan prints it (.txt)."),
                              QStringLiteral("FILE")};

    bool allowPcapng = false; // a command that captures the wire can write it
    // A command that draws a connection's sequence diagram can write it as a picture (.svg,
    // .png): the figure to draw, an empty layout for none.
    std::function<SequenceLayout()> figure;

    // A usage problem with the file name, or empty.
    QString check(const QCommandLineParser &parser) const;
    // Writes `session` to the file if one was asked for (or, for a .pcapng, the segments it
    // captured, when `captured`); reports and returns false on failure.
    bool write(const QCommandLineParser &parser, const QString &command, const Session &session,
               const QString &source, int intervalMs, const QList<quint16> &ports,
               const QList<ScenarioRunRecord> &runs = {}, bool captured = false) const;
};

// Draws a sequence diagram into a picture file (.svg or .png) and says what went wrong, if
// anything. The program gives it when it can draw (a GUI application exists); the
// command-line layer draws nothing itself.
using FigureWriter = std::function<QString(const SequenceLayout &layout, const QString &path)>;
void setFigureWriter(FigureWriter writer);
// True when `path` names a picture --export can write (.svg, .png).
bool isFigurePath(const QString &path);

// A number of seconds from `min` to `max` ("30", "0.5", "2e3"), or nothing: NaN and infinity
// are not numbers of seconds, and a comparison with NaN is always false, so a range check alone
// lets it through.
std::optional<double> parseSeconds(const QString &text, double min, double max);

// --interval MS, as the window and `watch` both accept it: whole milliseconds from
// minIntervalMs to maxIntervalMs (core/sources/pollinterval.h), or nothing.
std::optional<int> parseIntervalMs(const QString &text);
// What a bad --interval value is told.
QString intervalError(const QString &text);

// A source's failure as the command line reports it, with the option that gets around it.
QString sourceFailure(const QString &sourceName, const QString &error);

// Parses `arguments` (the subcommand's name first) and handles --help, which prints
// `synopsis` (one or more "sockscope cmd ..." lines), `description` and the options.
// Returns -1 when the command should go on, otherwise the exit status to return.
// Positional arguments are an error unless `positionalAllowed`.
int parseOrExit(QCommandLineParser &parser, const QStringList &arguments, const QString &synopsis,
                const QString &description, bool positionalAllowed = false);

// Prints "sockscope <cmd>: <message>" and where to find help; returns ExitUsage.
int usageError(const QString &command, const QString &message);

} // namespace sockscope::cli
