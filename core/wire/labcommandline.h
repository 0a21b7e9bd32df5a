// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace sockscope {

class LabNetwork;

// Runs a system program (nft, tc) inside the lab's private network: through the launcher that
// runs ss there (LabNetwork::ssLauncher(), nsenter into the helper's namespaces with this
// user's credentials), so what it changes exists in that network alone.
class LabCommandLine
{
public:
    // Where a program is: on PATH, else in /usr/sbin or /sbin (outside an ordinary user's PATH
    // on Debian). Empty when it is not installed.
    static QString program(const QString &name);

    // Runs `program args` there with `input` on its standard input, waiting up to timeoutMs.
    // False with why (in the program's own words, prefixed with `who`) when it could not start,
    // did not finish in time, or failed.
    static bool run(const LabNetwork &network, const QString &program, const QStringList &args,
                    const QByteArray &input, int timeoutMs, const QString &who, QString *error);
};

} // namespace sockscope
