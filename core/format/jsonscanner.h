// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayView>
#include <QJsonValue>
#include <QString>

#include <functional>
#include <optional>

namespace sockscope {

// Finds where JSON values begin and end without building them, checking the grammar as it
// goes (strings and their escapes, numbers, literals, nesting), so that a large document can be
// read one small piece at a time: a session file of 500,000 connections never exists as one
// QJsonDocument, which would take ten times the file in memory.
class JsonScanner
{
public:
    struct Span
    {
        qsizetype begin = 0; // the first byte of the value
        qsizetype end = 0;   // one past its last byte
        qsizetype size() const { return end - begin; }
    };

    static constexpr int maxDepth = 512;

    explicit JsonScanner(QByteArrayView text) : m_text(text) { }

    // The one value the text holds, with nothing but whitespace around it.
    std::optional<Span> document();
    // The value that starts at `at` (after whitespace).
    std::optional<Span> value(qsizetype at);
    // Every member of an object, every element of an array, in order (spans as value() gives
    // them). Stops, returning false, at the first error or when `each` returns false.
    // `end`, when given, is set to one past the object's closing brace.
    bool forEachMember(Span object, const std::function<bool(const QString &key, Span value)> &each,
                       qsizetype *end = nullptr);
    // The members of the object the whole text is, checking the text as it goes (nothing but
    // whitespace may follow): one pass instead of document() and then forEachMember().
    bool forEachRootMember(const std::function<bool(const QString &key, Span value)> &each);
    bool forEachElement(Span array, const std::function<bool(Span value)> &each);

    // A value as Qt's JSON types, parsed from its bytes alone.
    std::optional<QJsonValue> parse(Span span);

    QByteArrayView text(Span span) const { return m_text.sliced(span.begin, span.size()); }
    char first(Span span) const { return span.size() > 0 ? m_text[span.begin] : '\0'; }

    // The first problem: where (a byte offset) and what, in the words QJsonParseError uses.
    qsizetype errorOffset() const { return m_errorOffset; }
    QString errorString() const { return m_error; }

private:
    void skipSpace(qsizetype &i) const;
    bool skipString(qsizetype &i);
    bool skipNumber(qsizetype &i);
    bool skipLiteral(qsizetype &i);
    bool skipNameAndColon(qsizetype &i); // a member's name, the ':' and the space around it
    std::optional<QString> key(qsizetype &i);
    bool fail(qsizetype at, const char *what);

    QByteArrayView m_text;
    qsizetype m_errorOffset = -1;
    QString m_error;
};

} // namespace sockscope
