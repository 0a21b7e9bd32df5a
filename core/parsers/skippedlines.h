// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

namespace sockscope {

// Lines of a saved table that are not socket rows and were left out on purpose: what people
// paste around a table (the prompt they typed it at, a separator, blank lines) and rows of
// other protocols. They are counted and named in one note instead of being reported as
// malformed. Headers are not among them: they are part of each format.
class SkippedLines
{
public:
    enum class Kind : quint8 {
        Blank,
        ShellPrompt,   // "$ ss -tan", "root@host:~# netstat -tan", "[user@host ~]$ ..."
        Separator,     // "---", "=====", "#####"
        OtherProtocol, // a udp, raw or unix row of ss -tuan or netstat -tuan; `what` names it
        Notice,        // netstat's "(Not all processes could be identified, ...)" (stderr)
    };

    // A blank line, a shell prompt or a separator, by its look alone; nothing for anything
    // else. Parsers ask only about lines that are not rows of their format.
    static std::optional<Kind> classify(QStringView line);

    void add(Kind kind, int line, const QString &what = QString());
    // Another piece's lines, numbered from 1 within it, after the `lineOffset` lines before it.
    void merge(const SkippedLines &other, int lineOffset = 0);

    int count() const { return m_count; }
    bool isEmpty() const { return m_count == 0; }
    int count(Kind kind, const QString &what = QString()) const;

    // "3 lines that are not socket rows skipped: a shell prompt at line 1, 2 udp rows at lines
    // 88 and 89"; empty when nothing was skipped.
    QString note() const;

private:
    struct Group
    {
        Kind kind;
        QString what;
        int count = 0;
        QList<int> firstLines; // at most listedLines
    };
    static constexpr int listedLines = 3;

    QList<Group> m_groups; // in the order each kind first appeared
    int m_count = 0;
};

} // namespace sockscope
