// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/sources/socketsource.h"

#include <QMutex>
#include <QMutexLocker>

#include <memory>

namespace sockscope::testing {

// A source whose table the test sets: take() (on the poller's thread) returns the table as it
// is at that moment, filtered as a real source filters, and counts the polls.
class ScriptedSource : public SocketSource
{
public:
    struct Script
    {
        QMutex mutex;
        QList<SocketRecord> records;
        QString error;
        int polls = 0;
        SocketFilter lastFilter;
    };

    explicit ScriptedSource(std::shared_ptr<Script> script) : m_script(std::move(script)) { }

    QString name() const override { return QStringLiteral("scripted"); }

    Snapshot take(const SocketFilter &filter) override
    {
        QMutexLocker lock(&m_script->mutex);
        ++m_script->polls;
        m_script->lastFilter = filter;
        Snapshot s;
        s.source = name();
        s.stampNow();
        s.error = m_script->error;
        if (!s.ok())
            return s;
        for (const SocketRecord &r : std::as_const(m_script->records)) {
            if (filter.matches(r))
                s.records.append(r);
        }
        return s;
    }

private:
    std::shared_ptr<Script> m_script;
};

} // namespace sockscope::testing
