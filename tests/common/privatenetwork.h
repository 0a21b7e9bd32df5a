// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/system/labnetwork.h"

#include <QTest>

// Starts the lab's private network, or skips the test saying why this machine has none: only
// where a setting forbids user namespaces (LabNetwork::whyUnavailable()); anywhere else a
// network that does not start is a failure.
#define SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network)                                              \
    do {                                                                                               \
        QString why_;                                                                                  \
        if (!(network).start(&why_)) {                                                                 \
            if (!sockscope::LabNetwork::whyUnavailable().isEmpty())                                    \
                QSKIP(qPrintable(why_));                                                               \
            QFAIL(qPrintable(QStringLiteral("no private network, and no setting says why: ") + why_)); \
        }                                                                                              \
    } while (false)
