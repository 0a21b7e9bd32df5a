// SPDX-License-Identifier: GPL-3.0-or-later
// The JSON scanner that lets big session files be read one entry at a time: it accepts exactly
// RFC 8259 JSON (a little stricter than Qt's parser, which lets "1." and "\x" through), and
// finds every value's bounds.
#include "core/format/jsonscanner.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace sockscope;

class TestJsonScanner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldAcceptExactlyJson_data();
    void shouldAcceptExactlyJson();
    void shouldAgreeWithQtOnEveryCutOfARealSession();
    void shouldFindEachMemberAndElement();
    void shouldSayWhereTheTextGoesWrong();
    void shouldRefuseNestingDeeperThanItsLimit();
};

void TestJsonScanner::shouldAcceptExactlyJson_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    for (const char *valid : {"{}", "[]", " { \"a\" : 1 } ", "[1,-2,3.5,-0.25e+3,1E9,0]", "{\"a\":[true,false,null]}",
                              "{\"s\":\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9\"}", "[[[[]]]]", "{\"\":{}}",
                              "[\"\\ud83d\\ude00\"]", "\n\t[ 1 ,\r\n 2 ]\n"})
        QTest::newRow(valid) << QByteArray(valid) << true;
    for (const char *invalid : {"", " ", "{", "[", "}", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{a:1}",
                                "{\"a\":1,}", "[01]", "[1e]", "[+1]", "[-]", "[tru]", "[nul]", "[\"\\u12\"]", "[\"a]",
                                "{} {}", "[1] x", "[1 2]", "{\"a\":1 \"b\":2}", "[Infinity]", "[NaN]", "['a']"})
        QTest::newRow(invalid) << QByteArray(invalid) << false;
    // Qt's parser takes these; RFC 8259 does not, and neither does the scanner.
    for (const char *lenient : {"[1.]", "[.5]", "[\"\\x\"]", "[\"a\nb\"]"})
        QTest::newRow(lenient) << QByteArray(lenient) << false;
}

void TestJsonScanner::shouldAcceptExactlyJson()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    JsonScanner scanner(text);
    const std::optional<JsonScanner::Span> span = scanner.document();
    QCOMPARE(span.has_value(), valid);
    if (span) {
        QCOMPARE(scanner.text(*span), text.trimmed());
        QVERIFY(scanner.parse(*span).has_value()); // and Qt reads what it found
    } else {
        QVERIFY(!scanner.errorString().isEmpty());
        QVERIFY(scanner.errorOffset() >= 0 && scanner.errorOffset() <= text.size());
    }
}

void TestJsonScanner::shouldAgreeWithQtOnEveryCutOfARealSession()
{
    QFile file(QStringLiteral(SOCKSCOPE_TEST_DATA "/sessions/handshake.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray whole = file.readAll();
    for (qsizetype n = 0; n <= whole.size(); n += 7) {
        const QByteArray cut = whole.left(n);
        QJsonParseError error;
        QJsonDocument::fromJson(cut, &error);
        JsonScanner scanner(cut);
        QVERIFY2(scanner.document().has_value() == (error.error == QJsonParseError::NoError), qPrintable(QString::number(n)));
    }
    JsonScanner scanner(whole);
    QVERIFY(scanner.document().has_value());
}

void TestJsonScanner::shouldFindEachMemberAndElement()
{
    const QByteArray text = R"( {"format": "x", "list": [ {"a": [1, 2]}, "two", 3, [] ], "n": null} )";
    JsonScanner scanner(text);
    QStringList keys;
    QList<QByteArray> elements;
    QVERIFY(scanner.forEachRootMember([&](const QString &key, JsonScanner::Span value) {
        keys << key;
        if (key == QLatin1String("list")) {
            return scanner.forEachElement(value, [&](JsonScanner::Span element) {
                elements << scanner.text(element).toByteArray();
                return true;
            });
        }
        return true;
    }));
    QCOMPARE(keys, (QStringList{"format", "list", "n"}));
    QCOMPARE(elements, (QList<QByteArray>{R"({"a": [1, 2]})", R"("two")", "3", "[]"}));
    const std::optional<QJsonValue> first = scanner.parse({text.indexOf('{', 2), text.indexOf('}') + 1});
    QVERIFY(first);
    QCOMPARE(first->toObject().value(QStringLiteral("a")).toArray().size(), 2);
    // an escaped key is decoded
    const QByteArray escaped = R"({"a\u0062c": 1})";
    JsonScanner other(escaped);
    QStringList names;
    QVERIFY(other.forEachRootMember([&](const QString &key, JsonScanner::Span) {
        names << key;
        return true;
    }));
    QCOMPARE(names, QStringList{QStringLiteral("abc")});
}

void TestJsonScanner::shouldSayWhereTheTextGoesWrong()
{
    const QByteArray text = R"({"a": [1, 2, x]})";
    JsonScanner scanner(text);
    QVERIFY(!scanner.document());
    QCOMPARE(scanner.errorOffset(), text.indexOf('x'));
    QCOMPARE(scanner.errorString(), QStringLiteral("illegal value"));
    const QByteArray garbage = "{} trailing";
    JsonScanner second(garbage);
    QVERIFY(!second.forEachRootMember([](const QString &, JsonScanner::Span) { return true; }));
    QCOMPARE(second.errorOffset(), 3);
    QCOMPARE(second.errorString(), QStringLiteral("garbage at the end of the document"));
}

void TestJsonScanner::shouldRefuseNestingDeeperThanItsLimit()
{
    const QByteArray ok = QByteArray(JsonScanner::maxDepth, '[') + QByteArray(JsonScanner::maxDepth, ']');
    QVERIFY(JsonScanner(ok).document());
    const QByteArray deep = QByteArray(100000, '[') + QByteArray(100000, ']');
    JsonScanner scanner(deep);
    QVERIFY(!scanner.document());
    QCOMPARE(scanner.errorString(), QStringLiteral("too deeply nested document"));
    QCOMPARE(scanner.errorOffset(), qsizetype(JsonScanner::maxDepth));
}

QTEST_GUILESS_MAIN(TestJsonScanner)
#include "tst_jsonscanner.moc"
