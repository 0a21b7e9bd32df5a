// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/text/plaintext.h"

#include <QLabel>
#include <QTest>
#include <QTextDocument>
#include <QWidget>
#include <QWindow>

using namespace sockscope;

namespace {

// What QToolTip shows for `tip`: the text itself, or what Qt renders when it guesses rich text.
QString rendered(const QString &tip)
{
    if (!Qt::mightBeRichText(tip))
        return tip;
    QTextDocument document;
    document.setHtml(tip);
    return document.toPlainText();
}

} // namespace

class TestPlainText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldLeaveTooltipsQtShowsAsTheyAreAlone_data();
    void shouldLeaveTooltipsQtShowsAsTheyAreAlone();
    void shouldShowMarkupInTooltipsAsItsCharacters_data();
    void shouldShowMarkupInTooltipsAsItsCharacters();
    void shouldShowPlaceholdersInWindowTitlesAsTheyAre_data();
    void shouldShowPlaceholdersInWindowTitlesAsTheyAre();
    void shouldMakeMessageBoxesOfPlainText();
};

void TestPlainText::shouldLeaveTooltipsQtShowsAsTheyAreAlone_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("label") << QStringLiteral("client #1");
    QTest::newRow("not a tag") << QStringLiteral("A descriptor of this process refers to the socket (/proc/<pid>/fd).");
    QTest::newRow("comparison") << QStringLiteral("rx < backlog & tx > 0");
    QTest::newRow("markup after the first line") << QStringLiteral("client #1\n<b>bold</b>");
}

void TestPlainText::shouldLeaveTooltipsQtShowsAsTheyAreAlone()
{
    QFETCH(QString, text);
    QCOMPARE(PlainText::toolTip(text), text);
    QCOMPARE(rendered(PlainText::toolTip(text)), text);
}

void TestPlainText::shouldShowMarkupInTooltipsAsItsCharacters_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("bold") << QStringLiteral("<b>client</b> #1");
    QTest::newRow("image") << QStringLiteral("<img src=\"/dev/zero\">");
    QTest::newRow("link") << QStringLiteral("<a href='file:///etc/passwd'>x</a>");
    QTest::newRow("entity") << QStringLiteral("&lt;b&gt; is how HTML writes <b>");
    QTest::newRow("after spaces") << QStringLiteral("   <font size=6 color=red>big</font>");
    QTest::newRow("lines, tabs and runs of spaces")
        << QStringLiteral("<b>x</b>  two spaces\n\tand a tab\n\nafter an empty line \"quoted\" 'too' & more");
}

void TestPlainText::shouldShowMarkupInTooltipsAsItsCharacters()
{
    QFETCH(QString, text);
    QVERIFY(Qt::mightBeRichText(text)); // what Qt would interpret, unescaped
    const QString tip = PlainText::toolTip(text);
    QVERIFY(Qt::mightBeRichText(tip)); // so the escapes below are rendered, not shown
    QVERIFY(!tip.contains(QLatin1String("<b>")));
    QVERIFY(!tip.contains(QLatin1String("<img")));
    QCOMPARE(rendered(tip), text);
}

void TestPlainText::shouldShowPlaceholdersInWindowTitlesAsTheyAre_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("none") << QStringLiteral("lesson.json — sockscope");
    QTest::newRow("one") << QStringLiteral("lesson [*].json");
    QTest::newRow("two in a row") << QStringLiteral("[*][*] host");
    QTest::newRow("three in a row") << QStringLiteral("x[*][*][*]");
    QTest::newRow("nested") << QStringLiteral("[*[*]]");
}

void TestPlainText::shouldShowPlaceholdersInWindowTitlesAsTheyAre()
{
    QFETCH(QString, text);
    QWidget window;
    window.setWindowTitle(PlainText::windowTitle(text));
    window.winId(); // the platform window, and the title it is given
    QCOMPARE(window.windowHandle()->title(), text);
    window.setWindowModified(true);
    QCOMPARE(window.windowHandle()->title(), text);
}

void TestPlainText::shouldMakeMessageBoxesOfPlainText()
{
    const QString text = QStringLiteral("lesson.json is damaged: connections[0].local_address: "
                                        "'<img src=\"/dev/zero\">' is not an IP address");
    QWidget parent;
    QMessageBox *box = PlainText::messageBox(QMessageBox::Warning, QStringLiteral("Cannot open session"), text, &parent);
    QCOMPARE(box->parentWidget(), &parent);
    QCOMPARE(box->icon(), QMessageBox::Warning);
    QCOMPARE(box->textFormat(), Qt::PlainText);
    QCOMPARE(box->text(), text);
    QCOMPARE(box->findChild<QLabel *>(QStringLiteral("qt_msgbox_label"))->textFormat(), Qt::PlainText);
    QVERIFY(box->testAttribute(Qt::WA_DeleteOnClose));
}

QTEST_MAIN(TestPlainText)
#include "tst_plaintext.moc"
