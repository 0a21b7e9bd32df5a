// SPDX-License-Identifier: GPL-3.0-or-later
#include "diagramtheme.h"

#include "ui/theme/theme.h"

namespace sockscope {

namespace {

QColor mix(const QColor &a, const QColor &b, qreal t)
{
    QColor c = Theme::blend(a, b, t);
    c.setAlphaF(1.0f);
    return c;
}

QFont sized(const QFont &base, int pixels, QFont::Weight weight = QFont::Normal)
{
    QFont f = base;
    f.setPixelSize(pixels);
    f.setWeight(weight);
    f.setStyleHint(QFont::SansSerif);
    return f;
}

} // namespace

QColor DiagramTheme::tint(const QColor &colour, qreal strength) const
{
    return mix(boxFill, colour, strength);
}

DiagramTheme DiagramTheme::fromPalette(const QPalette &palette, const QFont &baseFont)
{
    DiagramTheme t;
    const QColor base = palette.color(QPalette::Active, QPalette::Base);
    const QColor window = palette.color(QPalette::Active, QPalette::Window);
    const QColor text = palette.color(QPalette::Active, QPalette::Text);
    t.dark = base.lightnessF() < 0.5;

    t.background = base;
    t.boxFill = mix(base, window, 0.55);
    t.boxBorder = mix(base, text, 0.55);
    t.text = text;
    t.mutedText = mix(base, text, 0.6);
    t.edge = mix(base, text, 0.5);
    t.labelBackground = base;
    t.labelBackground.setAlphaF(0.9f);
    t.labelText = mix(base, text, 0.85);

    // Blue and orange: told apart with every common colour vision deficiency.
    // The two ends look the same here as in the table, the lab panel and the timeline.
    const Theme shared(palette);
    t.client = shared.clientEnd();
    t.server = shared.serverEnd();
    // The base colour contrasts with both end colours: white on the dark ones, dark on the light.
    t.tokenText = base;

    t.stateFont = sized(baseFont, 18, QFont::Bold);
    t.smallFont = sized(baseFont, 12);
    t.labelFont = sized(baseFont, 15);
    t.legendFont = sized(baseFont, 14);
    return t;
}

} // namespace sockscope
