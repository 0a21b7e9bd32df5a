// SPDX-License-Identifier: GPL-3.0-or-later
#include "wiredelay.h"

#include "labcommandline.h"

#include "core/system/labnetwork.h"

namespace sockscope {

namespace {

constexpr int tcTimeoutMs = 5000;

QStringList netemDelay(int ms)
{
    return {QStringLiteral("qdisc"), QStringLiteral("replace"), QStringLiteral("dev"), QStringLiteral("lo"),
            QStringLiteral("root"),  QStringLiteral("netem"),   QStringLiteral("delay"), QStringLiteral("%1ms").arg(ms)};
}

QStringList rootRemoved()
{
    return {QStringLiteral("qdisc"), QStringLiteral("del"), QStringLiteral("dev"), QStringLiteral("lo"),
            QStringLiteral("root")};
}

} // namespace

WireDelay::WireDelay(LabNetwork *network, QObject *parent) : QObject(parent), m_network(network) { }

WireDelay::~WireDelay()
{
    // The qdisc goes with the namespace anyway; while the lab lives on, take it away.
    if (m_delayMs > 0 && m_network && m_network->isRunning())
        runTc(rootRemoved(), nullptr);
}

QString WireDelay::tcProgram()
{
    return LabCommandLine::program(QStringLiteral("tc"));
}

bool WireDelay::runTc(const QStringList &args, QString *error)
{
    const QString tc = tcProgram();
    if (tc.isEmpty()) {
        if (error)
            *error = tr("the tc program (Debian package iproute2) is not installed");
        return false;
    }
    return LabCommandLine::run(*m_network, tc, args, {}, tcTimeoutMs, tr("tc in the lab's network"), error);
}

QString WireDelay::whyUnavailable()
{
    if (!m_network || !m_network->isRunning())
        return tr("a delay needs the lab's private network; sockscope leaves this machine's own loopback alone");
    if (tcProgram().isEmpty())
        return tr("the tc program (Debian package iproute2) is not installed");
    if (!m_probed) {
        QString said;
        if (runTc(netemDelay(1), &said)) {
            runTc(rootRemoved(), nullptr);
        } else {
            // "Error: Specified qdisc kind is unknown." where the kernel was built without netem.
            m_refusal = said.contains(QLatin1String("unknown"), Qt::CaseInsensitive)
                ? tr("this kernel has no netem queueing discipline (sch_netem), so the lab's wire cannot "
                     "be delayed (%1)")
                      .arg(said)
                : said;
        }
        m_probed = true;
    }
    return m_refusal;
}

bool WireDelay::setDelay(int ms, QString *error)
{
    if (ms < 0 || ms > maxDelayMs) {
        if (error)
            *error = tr("a delay is 0 to %1 ms, not %2").arg(maxDelayMs).arg(ms);
        return false;
    }
    if (ms == m_delayMs)
        return true;
    const QString why = whyUnavailable();
    if (!why.isEmpty()) {
        if (error)
            *error = why;
        return false;
    }
    if (!runTc(ms > 0 ? netemDelay(ms) : rootRemoved(), error))
        return false;
    m_delayMs = ms;
    Q_EMIT delayChanged(ms);
    return true;
}

} // namespace sockscope
