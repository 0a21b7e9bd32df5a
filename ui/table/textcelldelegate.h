// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>

#include <optional>
#include <QStaticText>
#include <QStyledItemDelegate>

namespace sockscope {

// Draws a plain-text cell as QStyledItemDelegate does, but keeps each text it has laid out
// (elided to the cell's width) for the next repaint. A table repaints every visible cell on
// each poll; shaping the same addresses and states again each time was most of the cost of a
// repaint. The panel, selection and focus are still the style's; cells with an icon or a
// check box go to QStyledItemDelegate unchanged.
class TextCellDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    // Where a text too long for its cell loses characters: an address keeps both its ends
    // (Qt::ElideMiddle: "[2001:db8::…:1]:443"). Default: the view's (at the right).
    void setElideMode(Qt::TextElideMode mode) { m_elide = mode; }
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    // Texts laid out and kept (at most maxKept; all are dropped when it is reached).
    int keptCount() const { return int(m_kept.size()); }
    static constexpr int maxKept = 4096;

private:
    struct Key
    {
        QString text;
        QString font; // QFont::key()
        int width = 0;
        Qt::TextElideMode elide = Qt::ElideRight;
        friend bool operator==(const Key &a, const Key &b)
        {
            return a.width == b.width && a.elide == b.elide && a.text == b.text && a.font == b.font;
        }
        friend size_t qHash(const Key &k, size_t seed = 0) noexcept
        {
            return qHashMulti(seed, k.text, k.font, k.width, int(k.elide));
        }
    };
    const QStaticText &laidOut(const QString &text, const QFont &font, int width, Qt::TextElideMode elide) const;

    mutable QHash<Key, QStaticText> m_kept;
    std::optional<Qt::TextElideMode> m_elide;
};

} // namespace sockscope
