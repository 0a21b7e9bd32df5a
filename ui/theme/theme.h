// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>
#include <QFont>
#include <QPalette>

namespace sockscope {

// The few colours sockscope adds to the palette, chosen for the palette in use so that they
// read well on light and dark desktops alike. Ask again after a palette change.
class Theme
{
public:
    explicit Theme(const QPalette &palette);

    bool isDark() const { return m_dark; }

    QColor rowNew() const;       // a connection that just appeared
    QColor rowChanged() const;   // one whose state or queues just changed
    QColor rowVanishing() const; // one that just left the kernel's table
    QColor clientEnd() const;    // the client end of a connection, wherever it is drawn
    QColor serverEnd() const;    // the server end
    QColor failure() const;      // a failed call
    QColor muted() const;        // secondary text

    // The application's small font in pixels: the smallest text sockscope draws anywhere
    // (a figure's labels included), 85 % of the font's size and never below 9 px.
    static int smallFontPixels(const QFont &font);

    // `from` moved `amount` (0..1) of the way to `to`, alpha included.
    static QColor blend(const QColor &from, const QColor &to, qreal amount);

private:
    QPalette m_palette;
    bool m_dark = false;
};

} // namespace sockscope
