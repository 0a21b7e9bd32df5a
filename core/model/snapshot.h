// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "parseissue.h"
#include "socketrecord.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace sockscope {

// The kernel's TCP table at one moment, as one source reported it.
struct Snapshot
{
    QString source;          // "proc", "ss", or the file a dump came from
    qint64 wallTimeMs = 0;   // when it was taken, ms since the Unix epoch
    qint64 steadyNs = 0;     // the same moment on a monotonic clock, for durations
    QList<SocketRecord> records;
    QList<ParseIssue> issues; // lines that could not be parsed; the records are still good
    // What the user should know that is neither a bad line nor a failure, worded like `error`:
    // an optional table that could not be read (/proc/net/tcp6), bad lines beyond those listed.
    QStringList notes;
    QString error;            // set when the source failed as a whole (no records then)

    bool ok() const { return error.isEmpty(); }

    // Stamps the snapshot with the current time on both clocks.
    void stampNow();
};

qint64 steadyNowNs();

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::Snapshot)
