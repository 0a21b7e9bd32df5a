// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/cliconsole.h"
#include "cli/commandline.h"
#include "cli/interrupt.h"

#include "core/session/sessionfile.h"
#include "core/sources/socketsource.h"
#include "ui/mainwindow/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdlib>

namespace {

using namespace sockscope;

bool hasDisplay()
{
    return qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY")
        || qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
}

void setIdentity()
{
    QCoreApplication::setOrganizationName(QStringLiteral("sockscope"));
    QCoreApplication::setApplicationName(QStringLiteral("sockscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SOCKSCOPE_VERSION));
}

// sockscope open FILE: the saved session, read-only, with a time scrubber.
int runOpen(int argc, char **argv, const QStringList &arguments)
{
    if (arguments.size() == 2 && (arguments[1] == QLatin1String("--help") || arguments[1] == QLatin1String("-h"))) {
        cli::out(QStringLiteral("Usage: sockscope open FILE\n\n"
                                "Open a saved session (File → Export → Session) read-only: the table, the state diagram\n"
                                "and the timeline as they were at each moment, with a time scrubber and play/pause.\n"));
        return cli::ExitOk;
    }
    if (arguments.size() != 2) {
        cli::err(QStringLiteral("sockscope open: name one session file\nTry 'sockscope open --help'.\n"));
        return cli::ExitUsage;
    }
    // The file is checked before any window: a damaged file is reported the same everywhere.
    const SessionFile::Loaded loaded = SessionFile::load(arguments[1]);
    if (!loaded.document) {
        cli::err(QStringLiteral("sockscope open: %1\n").arg(loaded.error));
        return cli::ExitFailure;
    }
    if (!hasDisplay()) {
        cli::err(cli::noDisplayHelp(QString::fromLocal8Bit(argv[0])));
        return cli::ExitFailure;
    }
    QApplication app(argc, argv);
    QApplication::setDesktopFileName(QStringLiteral("io.github.sockscope"));
    MainWindowOptions options;
    options.replay = std::make_shared<const Replay>(*loaded.document);
    options.replayFile = arguments[1];
    MainWindow window(options);
    window.show();
    cli::onInterrupt(&window, [&window] { window.close(); });
    return QApplication::exec();
}

int runWindow(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setDesktopFileName(QStringLiteral("io.github.sockscope"));

    QCommandLineParser parser;
    const QCommandLineOption source{QStringLiteral("source"), QString(), QStringLiteral("netlink|proc|ss")};
    const QCommandLineOption interval{QStringLiteral("interval"), QString(), QStringLiteral("MS")};
    const QCommandLineOption port{QStringLiteral("port"), QString(), QStringLiteral("P")};
    parser.addOptions({source, interval, port});
    if (!parser.parse(QApplication::arguments()) || !parser.positionalArguments().isEmpty()) {
        cli::err(QStringLiteral("sockscope: %1\nTry 'sockscope --help'.\n")
                     .arg(parser.errorText().isEmpty()
                              ? QStringLiteral("unknown command '%1'").arg(parser.positionalArguments().value(0))
                              : parser.errorText()));
        return cli::ExitUsage;
    }

    MainWindowOptions options;
    if (parser.isSet(source)) {
        const QString name = parser.value(source);
        if (!SocketSource::names().contains(name)) {
            cli::err(QStringLiteral("sockscope: --source must be one of %1, not '%2'\n")
                         .arg(SocketSource::names().join(QStringLiteral(", ")), name));
            return cli::ExitUsage;
        }
        options.source = name;
    }
    bool ok = false;
    if (parser.isSet(interval)) {
        const int ms = parser.value(interval).toInt(&ok);
        if (!ok || ms < 50 || ms > 10000) {
            cli::err(QStringLiteral("sockscope: --interval needs milliseconds from 50 to 10000\n"));
            return cli::ExitUsage;
        }
        options.intervalMs = ms;
    }
    if (parser.isSet(port)) {
        const uint p = parser.value(port).toUInt(&ok);
        if (!ok || p < 1 || p > 65535) {
            cli::err(QStringLiteral("sockscope: --port needs a number from 1 to 65535\n"));
            return cli::ExitUsage;
        }
        options.watchPort = quint16(p);
    }

    MainWindow window(options);
    window.show();
    // Ctrl+C in the terminal or SIGTERM (a logout): closed as if by the user.
    cli::onInterrupt(&window, [&window] { window.close(); });
    return QApplication::exec();
}

} // namespace

int main(int argc, char **argv)
{
    setIdentity();

    QStringList arguments;
    for (int i = 1; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    const QString first = arguments.value(0);

    if (first == QLatin1String("--help") || first == QLatin1String("-h") || first == QLatin1String("help")) {
        cli::out(cli::programHelp());
        return cli::ExitOk;
    }
    if (first == QLatin1String("--version")) {
        cli::out(QStringLiteral("sockscope %1\n").arg(QStringLiteral(SOCKSCOPE_VERSION)));
        return cli::ExitOk;
    }
    if (first == QLatin1String("open"))
        return runOpen(argc, argv, arguments);
    if (cli::isSubcommand(first)) {
        QCoreApplication app(argc, argv);
        return cli::runSubcommand(arguments);
    }
    if (!first.isEmpty() && !first.startsWith(QLatin1Char('-'))) {
        cli::err(QStringLiteral("sockscope: unknown command '%1'\nTry 'sockscope --help'.\n").arg(first));
        return cli::ExitUsage;
    }
    if (!hasDisplay()) {
        cli::err(cli::noDisplayHelp(QString::fromLocal8Bit(argv[0])));
        return cli::ExitFailure;
    }
    return runWindow(argc, argv);
}
