// SPDX-License-Identifier: GPL-3.0-or-later
#include "textcelldelegate.h"

#include <QApplication>
#include <QPainter>

namespace sockscope {

const QStaticText &TextCellDelegate::laidOut(const QString &text, const QFont &font, int width, Qt::TextElideMode elide) const
{
    Key key{text, font.key(), width, elide};
    if (const auto it = m_kept.constFind(key); it != m_kept.constEnd())
        return *it;
    if (m_kept.size() >= maxKept)
        m_kept.clear(); // a table scrolled through many rows: start again from what is shown
    QStaticText laid(QFontMetrics(font).elidedText(text, elide, width));
    laid.setTextFormat(Qt::PlainText);
    laid.setPerformanceHint(QStaticText::AggressiveCaching);
    laid.prepare(QTransform(), font);
    return *m_kept.insert(std::move(key), std::move(laid));
}

void TextCellDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const bool plain = !(opt.features & (QStyleOptionViewItem::HasDecoration | QStyleOptionViewItem::HasCheckIndicator))
        && !(opt.features & QStyleOptionViewItem::WrapText) && !opt.text.contains(QChar::LineSeparator)
        && !opt.text.contains(QLatin1Char('\n'));
    if (!plain) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    const QWidget *widget = opt.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    const QString text = opt.text;
    // The style draws the panel (background, selection, hover) and the focus frame; the text
    // is drawn here, where it is laid out once.
    opt.text.clear();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    if (text.isEmpty())
        return;

    // Where and in which colour QCommonStyle puts an item view's text.
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 1;
    const QRect textRect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget).adjusted(margin, 0, -margin, 0);
    if (textRect.width() <= 0)
        return;
    QPalette::ColorGroup group = opt.state & QStyle::State_Enabled ? QPalette::Normal : QPalette::Disabled;
    if (group == QPalette::Normal && !(opt.state & QStyle::State_Active))
        group = QPalette::Inactive;
    const QColor colour = opt.palette.color(group, opt.state & QStyle::State_Selected ? QPalette::HighlightedText : QPalette::Text);

    const QStaticText &laid = laidOut(text, opt.font, textRect.width(), m_elide.value_or(opt.textElideMode));
    // Aligned as a QTextLayout as wide as the cell aligns its line: to the fraction of a pixel.
    const QSizeF size = laid.size();
    const Qt::Alignment align = QStyle::visualAlignment(opt.direction, opt.displayAlignment);
    qreal x = textRect.x();
    if (align & Qt::AlignRight)
        x += textRect.width() - size.width();
    else if (align & Qt::AlignHCenter)
        x += (textRect.width() - size.width()) / 2;
    const QRect lines = QStyle::alignedRect(opt.direction, opt.displayAlignment,
                                            QSize(textRect.width(), int(size.height())), textRect);
    painter->save();
    painter->setFont(opt.font);
    painter->setPen(colour);
    painter->setClipRect(textRect, Qt::IntersectClip);
    painter->drawStaticText(QPointF(x, lines.y()), laid);
    painter->restore();
}

} // namespace sockscope
