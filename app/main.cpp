// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/cliconsole.h"
#include "cli/commandline.h"
#include "cli/commonoptions.h"
#include "cli/interrupt.h"

#include "core/format/untrustedfile.h"
#include "core/session/sessionfile.h"
#include "core/sources/socketsource.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/sequence/sequencewidget.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QGuiApplication>

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

// "sockscope open: MESSAGE" and where help is; `command` is empty for the window's options.
int usageError(const QString &command, const QString &message)
{
    const QString who = command.isEmpty() ? QStringLiteral("sockscope") : QStringLiteral("sockscope ") + command;
    cli::err(QStringLiteral("%1: %2\nTry '%1 --help'.\n").arg(who, message));
    return cli::ExitUsage;
}

// sockscope open FILE: the saved session, read-only, with a time scrubber.
int runOpen(int argc, char **argv, const QStringList &arguments)
{
    const QString command = QStringLiteral("open");
    QCommandLineParser parser;
    const QCommandLineOption help{{QStringLiteral("h"), QStringLiteral("help")}, QString()};
    parser.addOption(help);
    // "--bogus" is a mistyped option, not a file; "--" ends the options for a file named "-x".
    if (!parser.parse(arguments))
        return usageError(command, parser.errorText());
    if (parser.isSet(help)) {
        cli::out(QStringLiteral("Usage: sockscope open FILE\n\n"
                                "Open a saved session (File → Export → Session) read-only: the table, the state diagram\n"
                                "and the timeline as they were at each moment, with a time scrubber and play/pause.\n"
                                "FILE is a regular file of at most %1. A name that starts with '-' goes after\n"
                                "'--' (sockscope open -- -x.json) or as ./-x.json.\n")
                     .arg(UntrustedFile::sizeText(SessionFile::maxFileBytes)));
        return cli::ExitOk;
    }
    const QStringList files = parser.positionalArguments();
    if (files.size() != 1)
        return usageError(command, QStringLiteral("name one session file"));
    if (files[0] == QLatin1String("-"))
        return usageError(command, QStringLiteral("reads a session file, not standard input (a file named - is ./-)"));
    const QString path = files[0];
    // The file is checked before any window: a damaged file is reported the same everywhere.
    const SessionFile::Loaded loaded = SessionFile::load(path);
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
    options.replayFile = path;
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
    const QCommandLineOption network{QStringLiteral("network"), QString(), QStringLiteral("private|host")};
    parser.addOptions({source, interval, port, network});
    if (!parser.parse(QApplication::arguments()) || !parser.positionalArguments().isEmpty()) {
        return usageError(QString(), parser.errorText().isEmpty()
                                         ? QStringLiteral("unknown command '%1'").arg(parser.positionalArguments().value(0))
                                         : parser.errorText());
    }

    MainWindowOptions options;
    if (parser.isSet(source)) {
        const QString name = parser.value(source);
        if (!SocketSource::names().contains(name))
            return usageError(QString(), QStringLiteral("--source must be one of %1, not '%2'")
                                  .arg(SocketSource::names().join(QStringLiteral(", ")), name));
        options.source = name;
    }
    bool ok = false;
    if (parser.isSet(interval)) {
        // The same range as `sockscope watch --interval` and the window's own box.
        const std::optional<int> ms = cli::parseIntervalMs(parser.value(interval));
        if (!ms)
            return usageError(QString(), cli::intervalError(parser.value(interval)));
        options.intervalMs = *ms;
    }
    if (parser.isSet(port)) {
        const uint p = parser.value(port).toUInt(&ok);
        if (!ok || p < 1 || p > 65535)
            return usageError(QString(), QStringLiteral("--port needs a number from 1 to 65535, not '%1'").arg(parser.value(port)));
        options.watchPort = quint16(p);
    }
    if (parser.isSet(network)) {
        options.labNetwork = parseNetworkName(parser.value(network));
        if (!options.labNetwork)
            return usageError(QString(), QStringLiteral("--network is private or host, not '%1'").arg(parser.value(network)));
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
        // A picture needs fonts, so a GUI application, drawn offscreen: no window opens.
        bool picture = false;
        for (qsizetype i = 0; i < arguments.size(); ++i) {
            const QString &a = arguments[i];
            const QString value = a == QLatin1String("--export") ? arguments.value(i + 1)
                                : a.startsWith(QLatin1String("--export=")) ? a.mid(9)
                                                                           : QString();
            picture = picture || cli::isFigurePath(value);
        }
        if (!picture) {
            QCoreApplication app(argc, argv);
            return cli::runSubcommand(arguments);
        }
        qputenv("QT_QPA_PLATFORM", "offscreen");
        QGuiApplication app(argc, argv);
        cli::setFigureWriter([](const SequenceLayout &layout, const QString &path) {
            return SequenceWidget::savePicture(layout, path, QGuiApplication::font());
        });
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
