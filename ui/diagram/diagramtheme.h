// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>
#include <QFont>
#include <QPalette>

namespace sockscope {

// The diagram's colours and fonts. Neutral colours come from the palette so the diagram
// follows a light or dark desktop; only the two end colours are the diagram's own, in a
// lighter and a darker variant so both stand out on either background.
struct DiagramTheme
{
    QColor background;
    QColor boxFill;
    QColor boxBorder;
    QColor text;
    QColor mutedText;
    QColor edge;
    QColor labelBackground;
    QColor labelText;
    QColor client;
    QColor server;
    QColor tokenText;
    bool dark = false;

    QFont stateFont; // pixel sizes: the view scales the scene as a whole
    QFont smallFont;
    QFont labelFont;
    QFont legendFont;

    QColor endColour(bool clientSide) const { return clientSide ? client : server; }
    // An end colour laid thinly over a box, light enough to keep the text readable.
    QColor tint(const QColor &colour, qreal strength) const;

    static DiagramTheme fromPalette(const QPalette &palette, const QFont &baseFont = QFont());
};

} // namespace sockscope
