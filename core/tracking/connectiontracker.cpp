// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectiontracker.h"

#include <QSet>

namespace sockscope {

ConnectionTracker::ConnectionTracker(QObject *parent) : QObject(parent) { }

TrackerDelta ConnectionTracker::update(const Snapshot &snapshot)
{
    TrackerDelta delta = m_differ.update(snapshot);
    m_store.apply(delta);
    for (const ConnectionEvent &e : std::as_const(delta.events)) {
        switch (e.kind) {
        case ConnectionEvent::Kind::Appeared:
            Q_EMIT connectionAppeared(e);
            break;
        case ConnectionEvent::Kind::StateChanged:
            Q_EMIT stateChanged(e);
            break;
        case ConnectionEvent::Kind::Vanished:
            Q_EMIT connectionVanished(e);
            break;
        }
    }
    return delta;
}

QList<ConnectionHistory> ConnectionTracker::historiesOf(const TrackerDelta &delta) const
{
    QList<ConnectionHistory> out;
    out.reserve(delta.events.size() + delta.updated.size());
    QSet<quint64> seen;
    const auto add = [&](quint64 id) {
        if (seen.contains(id))
            return;
        seen.insert(id);
        if (const ConnectionHistory *h = history(id))
            out.append(*h);
    };
    for (const ConnectionEvent &e : delta.events)
        add(e.id);
    for (quint64 id : delta.updated)
        add(id);
    return out;
}

void ConnectionTracker::clear()
{
    m_differ.clear();
    m_store.clear();
}

} // namespace sockscope
