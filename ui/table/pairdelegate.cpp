// SPDX-License-Identifier: GPL-3.0-or-later
#include "pairdelegate.h"

#include "ui/models/sockettablemodel.h"

#include <QPainter>

namespace sockscope {

namespace {

bool samePair(const QModelIndex &a, const QModelIndex &b)
{
    return a.isValid() && b.isValid()
        && a.data(SocketTableModel::PairIdRole) == b.data(SocketTableModel::PairIdRole);
}

} // namespace

QSize PairDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.rwidth() += bracketWidth;
    return size;
}

void PairDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem shifted = option;
    shifted.rect.adjust(bracketWidth, 0, 0, 0);
    // The background (highlight colour) spans the whole cell, the text starts after the bracket.
    const QVariant background = index.data(Qt::BackgroundRole);
    if (background.canConvert<QBrush>() && !(option.state & QStyle::State_Selected))
        painter->fillRect(option.rect, background.value<QBrush>());
    TextCellDelegate::paint(painter, shifted, index);

    const QModelIndex above = index.sibling(index.row() - 1, index.column());
    const QModelIndex below = index.sibling(index.row() + 1, index.column());
    const bool joinsAbove = samePair(index, above);
    const bool joinsBelow = samePair(index, below);
    if (!joinsAbove && !joinsBelow)
        return;

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    QPen pen(option.palette.color(QPalette::Highlight));
    pen.setWidthF(2.0);
    painter->setPen(pen);
    const QRect r = option.rect;
    const qreal x = r.left() + 4;
    const qreal mid = r.center().y() + 0.5;
    const qreal top = joinsAbove ? r.top() : mid;
    const qreal bottom = joinsBelow ? r.bottom() + 1 : mid;
    painter->drawLine(QPointF(x, top), QPointF(x, bottom));
    painter->drawLine(QPointF(x, mid), QPointF(x + 4, mid));
    painter->restore();
}

} // namespace sockscope
