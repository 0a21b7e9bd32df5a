// SPDX-License-Identifier: GPL-3.0-or-later
#include "skippedlines.h"

#include <QRegularExpression>
#include <QStringList>

namespace sockscope {

namespace {

bool isSeparatorChar(QChar c)
{
    return c == u'-' || c == u'=' || c == u'_' || c == u'*' || c == u'#' || c == u'~' || c == u'+';
}

// A prompt ends in $, # or % followed by a space or the end of the line, after nothing but a
// user@host[:path], a [user@host path], a host:path, a shell's name-version, or nothing. Not
// '>': a quoted mail would make every row a prompt.
bool isShellPrompt(QStringView line)
{
    static const QRegularExpression prompt(QStringLiteral(
        R"(^(?:[\w.-]+@[\w.-]+(?::\S*|\s+[~/]\S*)?\s?)" // user@host:~#   user@host ~$
        R"(|\[[\w.-]+@[\w.-]+[^\]]*\]\s?)"     // [user@host ~]$
        R"(|[\w.-]+:[~/]\S*\s?)"               // host:~$
        R"(|(?:ba|z|k|da|tc)?sh-[\d.]+)"       // bash-5.2#  sh-5.1$
        R"()?[$#%](?:\s|$))"));
    return prompt.match(line).hasMatch();
}

QString linesText(const QList<int> &lines, int count)
{
    QStringList numbers;
    for (int line : lines)
        numbers << QString::number(line);
    if (count == 1)
        return QStringLiteral("at line %1").arg(numbers.first());
    if (count > lines.size()) {
        return QStringLiteral("at lines %1 and %2 more").arg(numbers.join(QStringLiteral(", "))).arg(count - lines.size());
    }
    const QString last = numbers.takeLast();
    return QStringLiteral("at lines %1 and %2").arg(numbers.join(QStringLiteral(", ")), last);
}

QString groupText(SkippedLines::Kind kind, const QString &what, int count)
{
    const bool one = count == 1;
    switch (kind) {
    case SkippedLines::Kind::Blank:
        return one ? QStringLiteral("a blank line") : QStringLiteral("%1 blank lines").arg(count);
    case SkippedLines::Kind::ShellPrompt:
        return one ? QStringLiteral("a shell prompt") : QStringLiteral("%1 shell prompts").arg(count);
    case SkippedLines::Kind::Separator:
        return one ? QStringLiteral("a separator line") : QStringLiteral("%1 separator lines").arg(count);
    case SkippedLines::Kind::OtherProtocol:
        return one ? QStringLiteral("a %1 row").arg(what) : QStringLiteral("%1 %2 rows").arg(count).arg(what);
    case SkippedLines::Kind::Notice:
        return one ? QStringLiteral("netstat's message on stderr") : QStringLiteral("%1 lines of netstat's messages on stderr").arg(count);
    }
    return QString();
}

} // namespace

std::optional<SkippedLines::Kind> SkippedLines::classify(QStringView line)
{
    const QStringView text = line.trimmed();
    if (text.isEmpty())
        return Kind::Blank;
    if (text.size() >= 3) {
        bool separator = true;
        for (QChar c : text) {
            if (!isSeparatorChar(c) && !c.isSpace()) {
                separator = false;
                break;
            }
        }
        if (separator)
            return Kind::Separator;
    }
    if (isShellPrompt(text))
        return Kind::ShellPrompt;
    return std::nullopt;
}

void SkippedLines::add(Kind kind, int line, const QString &what)
{
    ++m_count;
    for (Group &group : m_groups) {
        if (group.kind == kind && group.what == what) {
            ++group.count;
            if (group.firstLines.size() < listedLines)
                group.firstLines.append(line);
            return;
        }
    }
    m_groups.append(Group{kind, what, 1, {line}});
}

void SkippedLines::merge(const SkippedLines &other, int lineOffset)
{
    for (const Group &theirs : other.m_groups) {
        Group *mine = nullptr;
        for (Group &group : m_groups) {
            if (group.kind == theirs.kind && group.what == theirs.what)
                mine = &group;
        }
        if (!mine) {
            m_groups.append(Group{theirs.kind, theirs.what, 0, {}});
            mine = &m_groups.last();
        }
        mine->count += theirs.count;
        for (int line : theirs.firstLines) {
            if (mine->firstLines.size() < listedLines)
                mine->firstLines.append(line + lineOffset);
        }
    }
    m_count += other.m_count;
}

int SkippedLines::count(Kind kind, const QString &what) const
{
    for (const Group &group : m_groups) {
        if (group.kind == kind && group.what == what)
            return group.count;
    }
    return 0;
}

QString SkippedLines::note() const
{
    if (m_count == 0)
        return QString();
    QStringList parts;
    for (const Group &group : m_groups)
        parts << groupText(group.kind, group.what, group.count) + QLatin1Char(' ') + linesText(group.firstLines, group.count);
    const QString lines = m_count == 1 ? QStringLiteral("1 line that is not a socket row")
                                       : QStringLiteral("%1 lines that are not socket rows").arg(m_count);
    return lines + QStringLiteral(" skipped: ") + parts.join(QStringLiteral(", "));
}

} // namespace sockscope
