// SPDX-License-Identifier: GPL-3.0-or-later
#include "sssource.h"

#include "core/parsers/ssparser.h"

#include <QProcess>

namespace sockscope {

SsSource::SsSource(const QString &program, int timeoutMs) : m_program(program), m_timeoutMs(timeoutMs) { }

QStringList SsSource::arguments(const SocketFilter &filter) const
{
    QStringList args{QStringLiteral("-t"), QStringLiteral("-a"), QStringLiteral("-n"),
                     QStringLiteral("-o"), QStringLiteral("-i"), QStringLiteral("-e"),
                     QStringLiteral("-H")};
    // -i is tcp_info for every row; ss cannot ask it for a few rows only.
    if (!filter.tcpInfoForAll)
        args.removeOne(QStringLiteral("-i"));
    args += filter.ssArguments();
    return args;
}

QString SsSource::run(const QStringList &arguments, QByteArray &output) const
{
    QProcess process;
    if (m_launcher.isEmpty()) {
        process.setProgram(m_program);
        process.setArguments(arguments);
    } else {
        process.setProgram(m_launcher.first());
        process.setArguments(m_launcher.mid(1) + QStringList{m_program} + arguments);
    }
    // The C locale keeps numbers and messages in the form the parser knows.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    process.setProcessEnvironment(env);
    process.start(QIODevice::ReadOnly);
    if (!process.waitForStarted(m_timeoutMs)) {
        if (process.error() == QProcess::FailedToStart)
            return QStringLiteral("could not run '%1' (%2): is iproute2 installed?")
                .arg(m_program, process.errorString());
        return QStringLiteral("'%1' did not start: %2").arg(m_program, process.errorString());
    }
    if (!process.waitForFinished(m_timeoutMs)) {
        process.kill();
        process.waitForFinished(1000);
        return QStringLiteral("'%1' did not finish within %2 ms and was stopped")
            .arg(m_program)
            .arg(m_timeoutMs);
    }
    output = process.readAllStandardOutput();
    if (process.exitStatus() != QProcess::NormalExit)
        return QStringLiteral("'%1' crashed").arg(m_program);
    if (process.exitCode() != 0) {
        const QString err = QString::fromLocal8Bit(process.readAllStandardError()).trimmed();
        return QStringLiteral("'%1 %2' failed with exit status %3%4")
            .arg(m_program, arguments.join(QLatin1Char(' ')))
            .arg(process.exitCode())
            .arg(err.isEmpty() ? QString() : QStringLiteral(": ") + err);
    }
    return QString();
}

Snapshot SsSource::take(const SocketFilter &filter)
{
    Snapshot snapshot;
    snapshot.source = name();
    snapshot.stampNow();

    QByteArray output;
    const QStringList args = arguments(filter);
    snapshot.error = run(args, output);
    if (!snapshot.ok())
        return snapshot;

    SsParser::Result parsed = SsParser().parse(output, m_program);
    snapshot.records = std::move(parsed.records);
    snapshot.issues = std::move(parsed.issues);
    if (!filter.isEmpty()) {
        snapshot.records.removeIf([&filter](const SocketRecord &r) { return !filter.matches(r); });
    }
    return snapshot;
}

} // namespace sockscope
