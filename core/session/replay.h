// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sessiondocument.h"

#include "../model/snapshot.h"

#include <QHash>

namespace sockscope {

// A saved session played back: the kernel's table as the session saw it at any moment,
// rebuilt from each connection's recorded rows and states. Nothing is invented: between two
// recorded rows a connection shows the earlier one.
class Replay
{
public:
    explicit Replay(SessionDocument document);

    const SessionDocument &document() const { return m_document; }

    // Every moment (document clock, ns) at which the table changed, in order.
    const QList<qint64> &frames() const { return m_frames; }
    qint64 endNs() const { return m_endNs; }

    // The table at `ns`: every connection seen by then and not yet gone, with its row as last
    // recorded. Stamped with `ns` on the steady clock and the matching wall time.
    Snapshot snapshotAt(qint64 ns) const;

    // The recorded connection a replayed history is: same 4-tuple, first seen at the same
    // moment. nullptr for none.
    const RecordedConnection *recorded(const ConnectionKey &key, qint64 firstSeenNs) const;

private:
    SessionDocument m_document;
    QList<qint64> m_frames;
    qint64 m_endNs = 0;
    QHash<ConnectionKey, QList<int>> m_byKey;
};

} // namespace sockscope
