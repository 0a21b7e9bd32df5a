// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QTableView>

namespace sockscope {

// The connection table's view. A poll changes the table's layout (rows come and go
// somewhere among thousands), and QTableView answers every layout change by repainting all
// it shows. This view remembers which rows it last painted in full, and at which revision
// (SocketTableModel::RevisionRole); when a layout change leaves those rows, their contents
// and their neighbours as they were, it updates the scroll bars only.
class SocketTableView : public QTableView
{
    Q_OBJECT

public:
    using QTableView::QTableView;
    void doItemsLayout() override;

    // Layout changes that left the rows shown as they were, and were not repainted.
    int skippedRepaints() const { return m_skipped; }

    // Said in the middle of the view while it has no rows: what to do to get some.
    void setPlaceholderText(const QString &text);
    QString placeholderText() const { return m_placeholder; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    struct Shown
    {
        quint64 id = 0;
        quint64 revision = 0;
        int y = 0;
        friend bool operator==(const Shown &a, const Shown &b) { return a.id == b.id && a.revision == b.revision && a.y == b.y; }
    };
    // The rows in the viewport, and the one on each side (a pair's bracket joins neighbours).
    QList<Shown> shownRows() const;

    QList<Shown> m_painted;
    bool m_paintedAll = false;
    int m_skipped = 0;
    QString m_placeholder;
};

} // namespace sockscope
