// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/wire/wirefilter.h"

#include <QProcess>
#include <QString>

#include <unistd.h>

namespace sockscope::test {

// This machine's own nftables ruleset, as `nft list ruleset` prints it, for tests that check
// the lab's wire rules never touch it; empty with why where it cannot be read (no nft, not root).
inline QString hostRuleset(QString *why)
{
    const QString nft = WireFilter::nftProgram();
    if (nft.isEmpty()) {
        *why = QStringLiteral("the nft program is not installed");
        return QString();
    }
    if (::geteuid() != 0) {
        *why = QStringLiteral("only root may read the host's ruleset");
        return QString();
    }
    QProcess process;
    process.start(nft, {QStringLiteral("list"), QStringLiteral("ruleset")});
    if (!process.waitForFinished(5000) || process.exitCode() != 0) {
        *why = QStringLiteral("nft list ruleset failed on the host: ") + QString::fromLocal8Bit(process.readAllStandardError());
        return QString();
    }
    return QString::fromLocal8Bit(process.readAllStandardOutput());
}

} // namespace sockscope::test
