// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/tcp/tcpstate.h"

#include <QColor>
#include <QPalette>

namespace sockscope {

// The timeline's colours: the palette's own roles for text, lines and backgrounds, and a few
// hues (per state, per end) blended with the palette's base colour so that they sit on light
// and dark palettes alike and the palette's text colour stays readable on every bar.
class TimelineTheme
{
public:
    static TimelineTheme fromPalette(const QPalette &palette);

    bool isDark() const { return m_dark; }

    QColor text() const { return m_text; }
    QColor mutedText() const { return m_mutedText; }
    QColor base() const { return m_base; }
    QColor laneBackground() const { return m_laneBackground; }
    QColor grid() const { return m_grid; }
    QColor uncertainty() const { return m_uncertainty; } // hatch where a change happened unseen
    QColor windowBand() const { return m_windowBand; }   // a ladder's time window
    QColor liveEdge() const { return m_liveEdge; }
    QColor failedCall() const { return m_failedCall; }
    QColor labelBackground() const { return m_labelBackground; }

    QColor stateFill(TcpState state) const;
    QColor stateBorder(TcpState state) const;
    QColor endColor(bool clientSide) const; // lane chip, its call markers and its arrows

    // `t` of `a` and 1 - t of `b`.
    static QColor mix(const QColor &a, const QColor &b, double t);

private:
    bool m_dark = false;
    QColor m_text;
    QColor m_mutedText;
    QColor m_base;
    QColor m_laneBackground;
    QColor m_grid;
    QColor m_uncertainty;
    QColor m_windowBand;
    QColor m_liveEdge;
    QColor m_failedCall;
    QColor m_labelBackground;
    QColor m_client;
    QColor m_server;
};

} // namespace sockscope
