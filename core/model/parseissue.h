// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace sockscope {

// A line a parser could not use. The rest of the input still parses.
struct ParseIssue
{
    QString origin;   // file name or program the text came from
    int line = 0;     // 1-based, counting every line of the input including headers
    QString reason;
    QByteArray text;  // the offending line, cut to a readable length

    QString toString() const; // "/proc/net/tcp:7: bad state 0D"

    friend bool operator==(const ParseIssue &a, const ParseIssue &b)
    {
        return a.origin == b.origin && a.line == b.line && a.reason == b.reason && a.text == b.text;
    }
};

} // namespace sockscope
