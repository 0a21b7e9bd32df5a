// SPDX-License-Identifier: GPL-3.0-or-later
#include "timelinetheme.h"

#include "ui/theme/theme.h"

namespace sockscope {

namespace {

// One hue per phase of a connection's life, so that the eye groups them: opening, open,
// closing actively, waiting out the close, closing passively (where stuck servers sit).
QColor stateHue(TcpState state)
{
    switch (state) {
    case TcpState::Listen:
        return QColor(0x00, 0x96, 0x88);
    case TcpState::SynSent:
    case TcpState::SynRecv:
        return QColor(0xf5, 0xa6, 0x23);
    case TcpState::Established:
        return QColor(0x43, 0xa0, 0x47);
    case TcpState::FinWait1:
    case TcpState::FinWait2:
    case TcpState::Closing:
        return QColor(0x42, 0x85, 0xf4);
    case TcpState::TimeWait:
        return QColor(0x9c, 0x7c, 0xd6);
    case TcpState::CloseWait:
    case TcpState::LastAck:
        return QColor(0xe6, 0x5c, 0x3a);
    case TcpState::Close:
        break;
    }
    return QColor(0x9e, 0x9e, 0x9e);
}

} // namespace

QColor TimelineTheme::mix(const QColor &a, const QColor &b, double t)
{
    return Theme::blend(b, a, t);
}

TimelineTheme TimelineTheme::fromPalette(const QPalette &palette)
{
    TimelineTheme t;
    t.m_base = palette.color(QPalette::Base);
    t.m_text = palette.color(QPalette::Text);
    t.m_dark = t.m_base.lightnessF() < t.m_text.lightnessF();
    t.m_mutedText = mix(t.m_text, t.m_base, 0.62);
    t.m_laneBackground = mix(t.m_text, t.m_base, t.m_dark ? 0.07 : 0.04);
    t.m_grid = mix(t.m_text, t.m_base, t.m_dark ? 0.16 : 0.12);
    t.m_uncertainty = mix(t.m_text, t.m_base, 0.45);
    t.m_windowBand = mix(t.m_text, t.m_base, t.m_dark ? 0.10 : 0.07);
    t.m_liveEdge = palette.color(QPalette::Highlight);
    QColor label = t.m_base;
    label.setAlphaF(0.92f);
    t.m_labelBackground = label;
    // The accent hues are pulled toward the text colour so they keep their contrast with the
    // base on either kind of palette.
    t.m_failedCall = mix(QColor(0xe5, 0x39, 0x35), t.m_text, 0.8);
    // The two ends look the same here as in the table, the lab panel and the diagram.
    const Theme shared(palette);
    t.m_client = shared.clientEnd();
    t.m_server = shared.serverEnd();
    return t;
}

QColor TimelineTheme::stateFill(TcpState state) const
{
    return mix(stateHue(state), m_base, m_dark ? 0.42 : 0.34);
}

QColor TimelineTheme::stateBorder(TcpState state) const
{
    return mix(stateHue(state), m_text, 0.75);
}

QColor TimelineTheme::endColor(bool clientSide) const
{
    return clientSide ? m_client : m_server;
}

} // namespace sockscope
