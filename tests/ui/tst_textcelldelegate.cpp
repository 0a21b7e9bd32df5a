// SPDX-License-Identifier: GPL-3.0-or-later
// TextCellDelegate keeps laid-out text between repaints; it must draw what Qt's own delegate
// draws, in the same places, for every kind of cell the socket table has.
#include "ui/table/textcelldelegate.h"

#include "../common/palettes.h"

#include <QApplication>
#include <QFont>
#include <QHeaderView>
#include <QImage>
#include <QStandardItemModel>
#include <QTableView>
#include <QTest>

using namespace sockscope;

namespace {

// Cells like the socket table's: plain, elided, right-aligned, struck out, italic, coloured.
void fill(QStandardItemModel &model)
{
    model.setColumnCount(3);
    const QStringList texts{QStringLiteral("127.0.0.1:8000"), QStringLiteral("ESTABLISHED"),
                            QStringLiteral("[::ffff:127.0.0.1]:65535 a long address that cannot fit in its column"),
                            QStringLiteral("in accept queue, not yet accepted (client #1)"), QStringLiteral("42"),
                            QStringLiteral("timewait 59.68s"), QStringLiteral("sockscope (pid 1234)"), QString()};
    for (int row = 0; row < 12; ++row) {
        QList<QStandardItem *> items;
        for (int column = 0; column < 3; ++column) {
            auto *item = new QStandardItem(texts[(row * 3 + column) % texts.size()]);
            if (column == 2)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (row % 4 == 1) {
                QFont font;
                font.setStrikeOut(true);
                item->setFont(font);
            }
            if (row % 4 == 2) {
                QFont font;
                font.setItalic(true);
                item->setFont(font);
            }
            if (row % 3 == 0) {
                item->setBackground(QColor(0xe6, 0xf4, 0xea));
                item->setForeground(QColor(0x10, 0x30, 0x20));
            }
            items.append(item);
        }
        model.appendRow(items);
    }
}

QImage draw(QAbstractItemDelegate *delegate, const QPalette &palette)
{
    QStandardItemModel model;
    fill(model);
    QTableView view;
    view.setPalette(palette);
    view.setModel(&model);
    if (delegate)
        view.setItemDelegate(delegate);
    view.setWordWrap(false);
    view.verticalHeader()->hide();
    view.horizontalHeader()->resizeSection(0, 120);
    view.horizontalHeader()->resizeSection(1, 170);
    view.horizontalHeader()->resizeSection(2, 90);
    view.resize(420, 360);
    view.selectRow(4);
    view.show();
    if (!QTest::qWaitForWindowExposed(&view))
        return QImage();
    return view.viewport()->grab().toImage();
}

// Pixels that differ by more than a little in any channel.
int differing(const QImage &a, const QImage &b)
{
    int count = 0;
    for (int y = 0; y < a.height(); ++y) {
        for (int x = 0; x < a.width(); ++x) {
            const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
            if (qAbs(qRed(p) - qRed(q)) > 24 || qAbs(qGreen(p) - qGreen(q)) > 24 || qAbs(qBlue(p) - qBlue(q)) > 24)
                ++count;
        }
    }
    return count;
}

int inked(const QImage &image, QRgb background)
{
    int count = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x)
            count += image.pixel(x, y) != background;
    }
    return count;
}

} // namespace

class TestTextCellDelegate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldDrawWhatQtsOwnDelegateDraws_data();
    void shouldDrawWhatQtsOwnDelegateDraws();
    void shouldLayOutEachTextOnceAndBoundWhatItKeeps();
};

void TestTextCellDelegate::shouldDrawWhatQtsOwnDelegateDraws_data()
{
    QTest::addColumn<QPalette>("palette");
    QTest::addRow("light") << test::lightPalette();
    QTest::addRow("dark") << test::darkPalette();
}

void TestTextCellDelegate::shouldDrawWhatQtsOwnDelegateDraws()
{
    QFETCH(QPalette, palette);
    const QImage stock = draw(nullptr, palette);
    TextCellDelegate *kept = new TextCellDelegate; // the view does not own it
    const QImage ours = draw(kept, palette);
    delete kept;
    QVERIFY(!stock.isNull() && stock.size() == ours.size());
    // There is text to compare: a blank drawing would match a blank drawing.
    const QRgb base = stock.pixel(stock.width() - 2, stock.height() - 2);
    QVERIFY(inked(stock, base) > 2000);
    const int differ = differing(stock, ours);
    // A few pixels of anti-aliasing; text one pixel off differs in thousands.
    QVERIFY2(differ <= 20,
             qPrintable(QStringLiteral("%1 of %2 pixels differ").arg(differ).arg(stock.width() * stock.height())));
}

void TestTextCellDelegate::shouldLayOutEachTextOnceAndBoundWhatItKeeps()
{
    QStandardItemModel model;
    fill(model);
    QTableView view;
    auto *delegate = new TextCellDelegate(&view);
    view.setModel(&model);
    view.setItemDelegate(delegate);
    view.setWordWrap(false); // as the socket table: wrapped cells are QStyledItemDelegate's
    view.resize(420, 360);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.viewport()->grab();
    const int first = delegate->keptCount();
    QVERIFY(first > 0);
    QVERIFY(first <= 12 * 3);
    view.viewport()->grab(); // the same cells again: nothing new to lay out
    QCOMPARE(delegate->keptCount(), first);
    view.horizontalHeader()->resizeSection(1, 40); // a narrower column elides anew
    view.viewport()->grab();
    QVERIFY(delegate->keptCount() > first);

    // Many different texts never make it keep more than its bound.
    for (int round = 0; round < 30; ++round) {
        for (int row = 0; row < model.rowCount(); ++row) {
            for (int column = 0; column < 3; ++column)
                model.item(row, column)->setText(QStringLiteral("row %1 round %2 column %3").arg(row).arg(round).arg(column));
        }
        view.viewport()->grab();
        QVERIFY(delegate->keptCount() <= TextCellDelegate::maxKept);
    }
}

QTEST_MAIN(TestTextCellDelegate)
#include "tst_textcelldelegate.moc"
