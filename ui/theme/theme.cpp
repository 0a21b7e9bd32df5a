// SPDX-License-Identifier: GPL-3.0-or-later
#include "theme.h"

#include <QFontInfo>

namespace sockscope {

Theme::Theme(const QPalette &palette) : m_palette(palette)
{
    m_dark = palette.color(QPalette::Window).lightness() < 128;
}

// The row colours follow TCPView's convention, which many administrators know: green for
// new, yellow for changed, red for going away.
QColor Theme::rowNew() const { return m_dark ? QColor(0x1f, 0x4d, 0x2a) : QColor(0xcf, 0xf2, 0xcf); }
QColor Theme::rowChanged() const { return m_dark ? QColor(0x5a, 0x4a, 0x12) : QColor(0xff, 0xf0, 0xb0); }
QColor Theme::rowVanishing() const { return m_dark ? QColor(0x62, 0x22, 0x22) : QColor(0xf7, 0xcc, 0xcc); }
QColor Theme::clientEnd() const { return m_dark ? QColor(0x6c, 0xb4, 0xff) : QColor(0x1f, 0x6f, 0xb4); }
QColor Theme::serverEnd() const { return m_dark ? QColor(0xff, 0xb2, 0x5c) : QColor(0xc8, 0x5a, 0x00); }
QColor Theme::failure() const { return m_dark ? QColor(0xff, 0x80, 0x80) : QColor(0xb3, 0x26, 0x1e); }

int Theme::smallFontPixels(const QFont &font)
{
    return qMax(9, qRound(QFontInfo(font).pixelSize() * 0.85));
}

QColor Theme::blend(const QColor &from, const QColor &to, qreal amount)
{
    const auto channel = [amount](qreal a, qreal b) { return float(a * (1 - amount) + b * amount); };
    return QColor::fromRgbF(channel(from.redF(), to.redF()), channel(from.greenF(), to.greenF()),
                            channel(from.blueF(), to.blueF()), channel(from.alphaF(), to.alphaF()));
}

QColor Theme::muted() const
{
    return m_palette.color(QPalette::Disabled, QPalette::WindowText);
}

} // namespace sockscope
