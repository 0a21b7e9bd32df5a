// SPDX-License-Identifier: GPL-3.0-or-later
#include "labcommandline.h"

#include "core/system/labnetwork.h"

#include <QCoreApplication>
#include <QProcess>
#include <QStandardPaths>

namespace sockscope {

QString LabCommandLine::program(const QString &name)
{
    QString found = QStandardPaths::findExecutable(name);
    if (found.isEmpty())
        found = QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    return found;
}

bool LabCommandLine::run(const LabNetwork &network, const QString &program, const QStringList &args,
                         const QByteArray &input, int timeoutMs, const QString &who, QString *error)
{
    const auto failed = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    QStringList command = network.ssLauncher();
    command << program << args;
    const QString launcher = command.takeFirst();
    QProcess process;
    process.start(launcher, command);
    if (!process.waitForStarted(timeoutMs))
        return failed(QStringLiteral("%1 did not start: %2").arg(launcher, process.errorString()));
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(1000);
        return failed(QStringLiteral("%1 did not finish within %2 s").arg(who).arg(timeoutMs / 1000));
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        QString said = QString::fromLocal8Bit(process.readAllStandardError()).trimmed();
        if (said.isEmpty())
            said = QStringLiteral("exit code %1").arg(process.exitCode());
        return failed(QStringLiteral("%1: %2").arg(who, said));
    }
    return true;
}

} // namespace sockscope
