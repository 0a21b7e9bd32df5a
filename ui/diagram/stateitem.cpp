// SPDX-License-Identifier: GPL-3.0-or-later
#include "stateitem.h"

#include <optional>

#include "diagramlayout.h"

#include <QPainter>

namespace sockscope {

namespace {

constexpr qreal plainPen = 1.5;
constexpr qreal markPen = 2.5;
constexpr qreal currentPen = 4.5;
constexpr qreal widestPen = currentPen + markPen; // two ends' rings, one inside the other

// The RFC's name where it is not the kernel's name spelt differently ("SYN-RECEIVED", "CLOSED").
QString rfcAlias(TcpState state)
{
    QString rfc = rfcName(state);
    QString kernel = kernelName(state);
    rfc.remove(u'-');
    kernel.remove(u'_');
    return rfc == kernel ? QString() : rfcName(state);
}

} // namespace

StateItem::StateItem(int box, const DiagramTheme &theme)
    : m_box(box)
    , m_state(DiagramLayout::stateOfBox(box))
    , m_theme(theme)
{
    setPos(DiagramLayout::boxRect(box).center());
    setData(StateNameKey, name());
    setData(BoxKey, box);
    setToolTip(rfcName(m_state));
    setZValue(1);
}

QString StateItem::name() const
{
    return kernelName(m_state);
}

void StateItem::setTheme(const DiagramTheme &theme)
{
    m_theme = theme;
    update();
}

void StateItem::setMarks(const QList<DiagramMark> &marks)
{
    if (marks == m_marks)
        return;
    m_marks = marks;
    update();
}

QRectF StateItem::boundingRect() const
{
    QRectF r = DiagramLayout::boxRect(m_box);
    r.moveCenter(QPointF());
    return r.adjusted(-widestPen, -widestPen, widestPen, widestPen);
}

void StateItem::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    QRectF box = DiagramLayout::boxRect(m_box);
    box.moveCenter(QPointF());
    const qreal radius = DiagramLayout::cornerRadius;

    // The fill shows the strongest thing that happened here; the rings show who it was.
    QColor fill = m_theme.boxFill;
    bool onlyImplied = !m_marks.isEmpty();
    bool seen = false;               // by a poll, or the state now
    std::optional<QColor> hatch;     // timed by packet, and no poll saw it
    for (const DiagramMark &m : m_marks) {
        if (m.kind == DiagramMark::Kind::Current) {
            fill = m_theme.tint(m.colour, 0.30);
            onlyImplied = false;
            seen = true;
            break;
        }
        if (m.kind == DiagramMark::Kind::Observed && !seen) {
            fill = m_theme.tint(m.colour, 0.13);
            onlyImplied = false;
            seen = true;
        }
        if (m.kind == DiagramMark::Kind::ByPacket && !hatch) {
            hatch = m.colour;
            onlyImplied = false;
        }
    }
    if (onlyImplied || (hatch && !seen))
        fill = m_theme.background;

    painter->setPen(QPen(m_theme.boxBorder, plainPen));
    painter->setBrush(fill);
    painter->drawRoundedRect(box, radius, radius);
    if (hatch && !seen) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(QBrush(m_theme.tint(*hatch, 0.45), Qt::BDiagPattern));
        painter->drawRoundedRect(box, radius, radius);
    }

    // Rings from the border inwards: the first end's ring on the border, the second inside it.
    qreal inset = 0;
    for (const DiagramMark &m : m_marks) {
        const qreal width = m.kind == DiagramMark::Kind::Current ? currentPen : markPen;
        QPen pen(m.colour, width);
        if (m.kind == DiagramMark::Kind::Implied)
            pen.setDashPattern({2.5, 2});
        painter->setPen(pen);
        painter->setBrush(Qt::NoBrush);
        const QRectF ring = box.adjusted(inset + width / 2 - plainPen / 2, inset + width / 2 - plainPen / 2,
                                         -inset - width / 2 + plainPen / 2, -inset - width / 2 + plainPen / 2);
        painter->drawRoundedRect(ring, radius - inset, radius - inset);
        inset += width + 1;
    }

    const QString alias = rfcAlias(m_state);
    painter->setPen(onlyImplied ? m_theme.mutedText : m_theme.text);
    QFont nameFont = m_theme.stateFont;
    nameFont.setItalic(onlyImplied);
    painter->setFont(nameFont);
    if (alias.isEmpty()) {
        painter->drawText(box, Qt::AlignCenter, name());
        return;
    }
    const QRectF upper(box.left(), box.top() + 5, box.width(), box.height() * 0.58);
    const QRectF lower(box.left(), upper.bottom() - 2, box.width(), box.bottom() - upper.bottom() - 3);
    painter->drawText(upper, Qt::AlignHCenter | Qt::AlignBottom, name());
    painter->setFont(m_theme.smallFont);
    painter->setPen(m_theme.mutedText);
    painter->drawText(lower, Qt::AlignHCenter | Qt::AlignTop, QStringLiteral("RFC: ") + alias);
}

} // namespace sockscope
