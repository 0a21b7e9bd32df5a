// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QIdentityProxyModel>
#include <QWidget>

class QLabel;
class QTableView;

namespace sockscope {

// The table's rows as `ss -tan` prints them, one line per row in the table's order; a row that
// left the kernel's table is struck out for the moment the table keeps it. A line is formatted
// when the view asks for it, so only the visible lines cost anything, and the lines follow the
// table's changes instead of being printed again.
class SsListingModel : public QIdentityProxyModel
{
    Q_OBJECT

public:
    explicit SsListingModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    static QString header();
};

// The listing in a dock: a header line above the lines. It follows the table only while it is
// shown; hidden (a tab behind another, a closed dock) it does no work at all.
class SsListingView : public QWidget
{
    Q_OBJECT

public:
    explicit SsListingView(QAbstractItemModel *table, QWidget *parent = nullptr);

    QTableView *list() const { return m_list; }
    SsListingModel *listing() const { return m_listing; }
    // The lines shown, header first: what a user would copy.
    QString text() const;

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    QAbstractItemModel *m_table;
    SsListingModel *m_listing;
    QLabel *m_header;
    QTableView *m_list;
};

} // namespace sockscope
