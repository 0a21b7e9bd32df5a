// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace sockscope::cli {

// True for the names of sockscope's subcommands ("snapshot", "watch", "scenario").
bool isSubcommand(const QString &word);

// Runs a subcommand; `arguments` starts with its name. Needs a QCoreApplication.
int runSubcommand(const QStringList &arguments);

// What `sockscope --help` prints.
QString programHelp();

// What `sockscope` without a display prints instead of failing in Qt's platform plugin;
// `program` is how the user started it (argv[0]).
QString noDisplayHelp(const QString &program);

} // namespace sockscope::cli
