// SPDX-License-Identifier: GPL-3.0-or-later
#include "jsonscanner.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cstring>
#include <vector>

namespace sockscope {

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isHex(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

} // namespace

bool JsonScanner::fail(qsizetype at, const char *what)
{
    if (m_errorOffset < 0) {
        m_errorOffset = at;
        m_error = QString::fromLatin1(what);
    }
    return false;
}

void JsonScanner::skipSpace(qsizetype &i) const
{
    while (i < m_text.size()) {
        const char c = m_text[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        ++i;
    }
}

bool JsonScanner::skipString(qsizetype &i)
{
    const qsizetype start = i;
    ++i; // the opening quote
    const char *data = m_text.data();
    while (i < m_text.size()) {
        // Plain text runs are most of a file: find the next quote or backslash at once.
        const qsizetype rest = m_text.size() - i;
        const void *quote = std::memchr(data + i, '"', size_t(rest));
        const qsizetype stop = quote ? static_cast<const char *>(quote) - data : m_text.size();
        const void *slash = std::memchr(data + i, '\\', size_t(stop - i));
        const qsizetype special = slash ? static_cast<const char *>(slash) - data : stop;
        for (qsizetype j = i; j < special; ++j) {
            if (static_cast<unsigned char>(data[j]) < 0x20)
                return fail(j, "illegal value"); // control characters must be escaped
        }
        i = special;
        if (i >= m_text.size())
            break;
        if (data[i] == '"') {
            ++i;
            return true;
        }
        // a backslash
        if (i + 1 >= m_text.size())
            break;
        const char e = data[i + 1];
        if (e == 'u') {
            for (qsizetype k = i + 2; k < i + 6; ++k) {
                if (k >= m_text.size() || !isHex(data[k]))
                    return fail(i, "illegal escape sequence");
            }
            i += 6;
        } else if (std::strchr("\"\\/bfnrt", e) && e != '\0') {
            i += 2;
        } else {
            return fail(i, "illegal escape sequence");
        }
    }
    return fail(start, "unterminated string");
}

bool JsonScanner::skipNumber(qsizetype &i)
{
    const qsizetype start = i;
    const auto digits = [&] {
        const qsizetype from = i;
        while (i < m_text.size() && isDigit(m_text[i]))
            ++i;
        return i > from;
    };
    if (i < m_text.size() && m_text[i] == '-')
        ++i;
    if (i < m_text.size() && m_text[i] == '0')
        ++i;
    else if (!digits())
        return fail(start, "illegal number");
    if (i < m_text.size() && m_text[i] == '.') {
        ++i;
        if (!digits())
            return fail(start, "illegal number");
    }
    if (i < m_text.size() && (m_text[i] == 'e' || m_text[i] == 'E')) {
        ++i;
        if (i < m_text.size() && (m_text[i] == '+' || m_text[i] == '-'))
            ++i;
        if (!digits())
            return fail(start, "illegal number");
    }
    return true;
}

bool JsonScanner::skipLiteral(qsizetype &i)
{
    for (const char *word : {"true", "false", "null"}) {
        const qsizetype n = qsizetype(std::strlen(word));
        if (m_text.sliced(i).startsWith(QByteArrayView(word, n))) {
            i += n;
            return true;
        }
    }
    return fail(i, "illegal value");
}

bool JsonScanner::skipNameAndColon(qsizetype &i)
{
    if (i >= m_text.size() || m_text[i] != '"')
        return fail(i, "missing name");
    if (!skipString(i))
        return false;
    skipSpace(i);
    if (i >= m_text.size() || m_text[i] != ':')
        return fail(i, "missing name separator");
    ++i;
    skipSpace(i);
    return true;
}

std::optional<QString> JsonScanner::key(qsizetype &i)
{
    if (i >= m_text.size() || m_text[i] != '"') {
        fail(i, "missing name");
        return std::nullopt;
    }
    const qsizetype start = i;
    if (!skipString(i))
        return std::nullopt;
    const QByteArrayView inner = m_text.sliced(start + 1, i - start - 2);
    if (!inner.contains('\\'))
        return QString::fromUtf8(inner);
    const std::optional<QJsonValue> decoded = parse({start, i});
    if (!decoded)
        return std::nullopt;
    return decoded->toString();
}

std::optional<JsonScanner::Span> JsonScanner::value(qsizetype at)
{
    qsizetype i = at;
    skipSpace(i);
    const qsizetype begin = i;
    std::vector<char> open; // the closers still owed, innermost last
    for (;;) {
        // A value starts here.
        if (i >= m_text.size()) {
            fail(i, open.empty() ? "illegal value" : open.back() == '}' ? "unterminated object" : "unterminated array");
            return std::nullopt;
        }
        const char c = m_text[i];
        bool opened = false;
        if (c == '{' || c == '[') {
            if (open.size() >= size_t(maxDepth)) {
                fail(i, "too deeply nested document");
                return std::nullopt;
            }
            open.push_back(c == '{' ? '}' : ']');
            ++i;
            skipSpace(i);
            if (i < m_text.size() && m_text[i] == open.back()) {
                ++i;
                open.pop_back();
            } else {
                opened = true;
            }
        } else if (c == '"') {
            if (!skipString(i))
                return std::nullopt;
        } else if (c == '-' || isDigit(c)) {
            if (!skipNumber(i))
                return std::nullopt;
        } else if (!skipLiteral(i)) {
            return std::nullopt;
        }
        if (opened && open.back() == '}') {
            // The first member's name, then its value.
            if (!skipNameAndColon(i))
                return std::nullopt;
            continue;
        }
        if (opened)
            continue; // an array's first element

        // After a value: close what it ends, or go on to the next member or element.
        for (;;) {
            if (open.empty())
                return Span{begin, i};
            skipSpace(i);
            if (i >= m_text.size()) {
                fail(i, open.back() == '}' ? "unterminated object" : "unterminated array");
                return std::nullopt;
            }
            if (m_text[i] == open.back()) {
                ++i;
                open.pop_back();
                continue;
            }
            if (m_text[i] != ',') {
                fail(i, "missing value separator");
                return std::nullopt;
            }
            ++i;
            skipSpace(i);
            if (open.back() == '}' && !skipNameAndColon(i))
                return std::nullopt;
            break;
        }
    }
}

std::optional<JsonScanner::Span> JsonScanner::document()
{
    const std::optional<Span> whole = value(0);
    if (!whole)
        return std::nullopt;
    qsizetype i = whole->end;
    skipSpace(i);
    if (i != m_text.size()) {
        fail(i, "garbage at the end of the document");
        return std::nullopt;
    }
    return whole;
}

bool JsonScanner::forEachMember(Span object, const std::function<bool(const QString &key, Span value)> &each,
                                qsizetype *end)
{
    if (first(object) != '{')
        return fail(object.begin, "expected an object");
    qsizetype i = object.begin + 1;
    skipSpace(i);
    const auto closed = [&] {
        if (end)
            *end = i + 1;
        return true;
    };
    if (i < object.end && m_text[i] == '}')
        return closed();
    for (;;) {
        const std::optional<QString> name = key(i);
        if (!name)
            return false;
        skipSpace(i);
        if (i >= object.end || m_text[i] != ':')
            return fail(i, "missing name separator");
        const std::optional<Span> member = value(i + 1);
        if (!member)
            return false;
        if (!each(*name, *member))
            return false;
        i = member->end;
        skipSpace(i);
        if (i < object.end && m_text[i] == '}')
            return closed();
        if (i >= object.end)
            return fail(i, "unterminated object");
        if (m_text[i] != ',')
            return fail(i, "missing value separator");
        ++i;
        skipSpace(i);
    }
}

bool JsonScanner::forEachRootMember(const std::function<bool(const QString &key, Span value)> &each)
{
    qsizetype at = 0;
    skipSpace(at);
    if (first(Span{at, m_text.size()}) != '{')
        return fail(at, "expected an object");
    qsizetype end = 0;
    if (!forEachMember(Span{at, m_text.size()}, each, &end))
        return false;
    skipSpace(end);
    if (end != m_text.size())
        return fail(end, "garbage at the end of the document");
    return true;
}

bool JsonScanner::forEachElement(Span array, const std::function<bool(Span value)> &each)
{
    if (first(array) != '[')
        return fail(array.begin, "expected an array");
    qsizetype i = array.begin + 1;
    skipSpace(i);
    if (i < array.end && m_text[i] == ']')
        return true;
    for (;;) {
        const std::optional<Span> element = value(i);
        if (!element)
            return false;
        if (!each(*element))
            return false;
        i = element->end;
        skipSpace(i);
        if (i < array.end && m_text[i] == ']')
            return true;
        if (i >= array.end || m_text[i] != ',')
            return fail(i, "missing value separator");
        ++i;
    }
}

std::optional<QJsonValue> JsonScanner::parse(Span span)
{
    // QJsonDocument takes only an object or an array: one value in a list of one.
    QByteArray wrapped;
    wrapped.reserve(span.size() + 2);
    wrapped += '[';
    wrapped += text(span);
    wrapped += ']';
    QJsonParseError error;
    const QJsonDocument parsed = QJsonDocument::fromJson(wrapped, &error);
    if (error.error != QJsonParseError::NoError || !parsed.isArray() || parsed.array().size() != 1) {
        fail(span.begin + qMax(0, error.offset - 1), error.error != QJsonParseError::NoError
                                                          ? qPrintable(error.errorString())
                                                          : "illegal value");
        return std::nullopt;
    }
    return parsed.array().first();
}

} // namespace sockscope
