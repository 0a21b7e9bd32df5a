// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

namespace sockscope {

// One scenario run as it is kept (a session file holds them): which, how it ended, and what
// it expected.
struct ScenarioRunRecord
{
    struct Outcome
    {
        QString text; // Expectation::describe()
        bool met = false;
        qint64 atMs = -1; // since the run started
        friend bool operator==(const Outcome &a, const Outcome &b)
        {
            return a.text == b.text && a.met == b.met && a.atMs == b.atMs;
        }
    };

    QString name;
    QString title;
    qint64 startedNs = 0; // on the document's clock
    QString status;       // "finished", "failed", "stopped", "running"
    QString failure;
    QList<Outcome> outcomes;

    friend bool operator==(const ScenarioRunRecord &a, const ScenarioRunRecord &b)
    {
        return a.name == b.name && a.title == b.title && a.startedNs == b.startedNs && a.status == b.status
            && a.failure == b.failure && a.outcomes == b.outcomes;
    }
};

} // namespace sockscope
