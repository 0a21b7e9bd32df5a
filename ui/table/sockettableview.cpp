// SPDX-License-Identifier: GPL-3.0-or-later
#include "sockettableview.h"

#include "ui/models/sockettablemodel.h"

#include <QHeaderView>
#include <QPaintEvent>
#include <QPainter>

namespace sockscope {

QList<SocketTableView::Shown> SocketTableView::shownRows() const
{
    QList<Shown> rows;
    const QAbstractItemModel *m = model();
    if (!m)
        return rows;
    const int count = m->rowCount(rootIndex());
    if (count == 0)
        return rows;
    const int top = rowAt(0);
    if (top < 0)
        return rows;
    int bottom = rowAt(viewport()->height() - 1);
    if (bottom < 0)
        bottom = count - 1;
    for (int row = qMax(0, top - 1); row <= qMin(count - 1, bottom + 1); ++row) {
        const QModelIndex index = m->index(row, 0, rootIndex());
        rows.append({index.data(SocketTableModel::ConnectionIdRole).toULongLong(),
                     index.data(SocketTableModel::RevisionRole).toULongLong(), rowViewportPosition(row)});
    }
    return rows;
}

void SocketTableView::doItemsLayout()
{
    if (m_paintedAll && isVisible()) {
        // The scroll bars follow the new row count (which may also scroll the view).
        updateGeometries();
        if (shownRows() == m_painted) {
            ++m_skipped;
            return;
        }
    }
    QTableView::doItemsLayout();
}

void SocketTableView::setPlaceholderText(const QString &text)
{
    if (text == m_placeholder)
        return;
    m_placeholder = text;
    viewport()->update();
}

void SocketTableView::paintEvent(QPaintEvent *event)
{
    QTableView::paintEvent(event);
    if (!m_placeholder.isEmpty() && model() && model()->rowCount(rootIndex()) == 0) {
        QPainter painter(viewport());
        QColor colour = palette().color(QPalette::Text);
        colour.setAlphaF(0.7f);
        painter.setPen(colour);
        const QRect room = viewport()->rect().adjusted(24, 24, -24, -24);
        painter.drawText(room, Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
    }
    // Only a paint of the whole viewport says what all of it shows: a row repainted alone
    // leaves the others as they were, perhaps behind the model.
    m_paintedAll = event->region().contains(viewport()->rect());
    if (m_paintedAll)
        m_painted = shownRows();
}

} // namespace sockscope
