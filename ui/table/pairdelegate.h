// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "textcelldelegate.h"

namespace sockscope {

// Draws a bracket at the left of a cell that joins the two rows of one loopback connection
// (the proxy keeps them adjacent), so the pair reads as a pair at a glance.
class PairDelegate : public TextCellDelegate
{
    Q_OBJECT

public:
    using TextCellDelegate::TextCellDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    static constexpr int bracketWidth = 10;
};

} // namespace sockscope
