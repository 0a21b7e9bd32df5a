// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandline.h"

#include "scenariocommand.h"
#include "snapshotcommand.h"
#include "watchcommand.h"

namespace sockscope::cli {

bool isSubcommand(const QString &word)
{
    return word == QLatin1String("snapshot") || word == QLatin1String("watch") || word == QLatin1String("scenario");
}

int runSubcommand(const QStringList &arguments)
{
    const QString name = arguments.value(0);
    if (name == QLatin1String("snapshot"))
        return runSnapshot(arguments);
    if (name == QLatin1String("watch"))
        return runWatch(arguments);
    if (name == QLatin1String("scenario"))
        return runScenario(arguments);
    return 2;
}

QString programHelp()
{
    return QStringLiteral(
        "Usage: sockscope [--source netlink|proc|ss] [--interval MS] [--port P] [--network private|host]\n"
        "       sockscope COMMAND [options]\n"
        "\n"
        "sockscope shows TCP connections and their states as the Linux kernel reports them.\n"
        "Without a command it opens the window.\n"
        "\n"
        "Commands:\n"
        "  snapshot   print the kernel's TCP table once (live, or parsed from a saved dump)\n"
        "  watch      print every state change as the kernel's table changes\n"
        "  scenario   run real sockets through a scenario that holds a TCP state (--list names them)\n"
        "  open FILE  replay a saved session in the window: table, diagram and timeline over time\n"
        "\n"
        "Window options (the window remembers its own preferences; these override them):\n"
        "  --source NAME      where to read the table: netlink (sock_diag, the default where the\n"
        "                     kernel answers it), proc (/proc/net/tcp) or ss (the program)\n"
        "  --interval MS      milliseconds between polls (default 500)\n"
        "  --port P           watch only sockets on this port (and the lab's own)\n"
        "  --network NAME     where the lab makes its sockets: private (a network of its own,\n"
        "                     its wire captured; the default) or host (this machine's loopback)\n"
        "\n"
        "'sockscope COMMAND --help' describes each command. --version prints the version.\n");
}

QString noDisplayHelp(const QString &program)
{
    return QStringLiteral(
        "sockscope: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
        "\n"
        "To see the window on a machine without a screen, run it under a virtual X server:\n"
        "    xvfb-run -a %1        (Debian/Ubuntu package: xvfb)\n"
        "or connect with X forwarding (ssh -X) and start it again.\n"
        "\n"
        "The command line works anywhere:\n"
        "    %1 snapshot             the kernel's TCP table now\n"
        "    %1 watch --port 8000    every state change on port 8000\n"
        "    %1 --help               all commands\n")
        .arg(program);
}

} // namespace sockscope::cli
