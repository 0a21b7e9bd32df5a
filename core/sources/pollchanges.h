// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/parseissue.h"
#include "core/tracking/connectionhistory.h"

#include <QMetaType>
#include <QStringList>

namespace sockscope {

// What one poll found, as it crosses from the poller's thread to its owner: the changes
// (TrackerDelta, with the rows that changed), never the whole table.
struct PollChanges
{
    QString source;
    qint64 wallTimeMs = 0;
    qint64 steadyNs = 0;
    int rows = 0;              // rows the poll read (duplicates included)
    QList<ParseIssue> issues;  // lines that could not be parsed; the rest are good
    QStringList notes;         // as Snapshot::notes
    QString error;             // the source failed as a whole: nothing changed
    TrackerDelta delta;

    bool ok() const { return error.isEmpty(); }
};

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::PollChanges)
