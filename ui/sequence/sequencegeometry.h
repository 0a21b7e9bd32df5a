// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/sequence/sequencelayout.h"

#include <QFont>
#include <QMetaType>
#include <QLineF>
#include <QList>
#include <QRectF>
#include <QSizeF>

namespace sockscope {

// Where each part of a SequenceLayout goes, in pixels at zoom 1 for one font: a pure function
// of the layout and the font, shared by the view (which scales it) and the pictures.
//
// Columns: each lifeline has its states' pills on its left, its bar, then its calls on the
// right; the gap between two bars is widened until every arrow's words fit between its ends.
// Rows: a call's row holds its box, a state row a pill, a segment's row its words above a
// slanted arrow that leaves the sender's bar high and reaches the receiver's lower down, with
// the pills of the states it moves beside its ends, on the side away from the arrow.
class SequenceGeometry
{
public:
    struct Pill
    {
        int band = 0; // index into SequenceLayout::bands()
        QRectF rect;
        QString text; // "ESTABLISHED", "SYN_SENT?"
    };

    struct ArrowShape
    {
        int arrow = 0;   // index into SequenceLayout::arrows()
        QLineF line;     // as drawn: from the sender's end to the receiver's, or to the cross
        QLineF reach;    // the whole way from the sender's end to the receiver's
        QRectF labelRect;
        QString farName; // an end outside the figure: its name, written at the line's far end
        QRectF farNameRect;
        // A segment a wire rule stopped (SequenceLayout::Arrow::lost): the line stops short,
        // part of the way to its receiver, in a cross centred here, with what stopped it
        // written under the cross. Empty for one that arrived.
        QPointF cross;
        double crossSize = 0; // half the cross's width
        QRectF stopRect;

        bool isLost() const { return crossSize > 0; }
    };

    struct Hit
    {
        enum class Kind : quint8 { None, Call, Arrow, Band };
        Kind kind = Kind::None;
        int index = -1; // into SequenceLayout::calls(), ::arrows() or ::bands()
        int row = -1;
    };

    SequenceGeometry() = default;
    static SequenceGeometry of(const SequenceLayout &layout, const QFont &font);

    QSizeF size() const { return m_size; }
    double lineHeight() const { return m_lineHeight; }
    double headerHeight() const { return m_headerHeight; }

    double barX(int lifeline) const { return m_barX.value(lifeline); }
    QRectF headerRect(int lifeline) const { return m_headerRects.value(lifeline); }
    double rowTop(int row) const { return m_rowTop.value(row); }
    double rowHeight(int row) const { return m_rowHeight.value(row); }
    QRectF rowRect(int row) const { return QRectF(0, rowTop(row), m_size.width(), rowHeight(row)); }
    // Where a lifeline is at a row: its arrow's end on a segment's row, else the row's middle.
    double anchorY(int lifeline, int row) const;
    // The vertical extent of a lifeline's bar.
    double barTop(int lifeline) const;
    double barBottom(int lifeline) const;

    const QList<QRectF> &callRects() const { return m_callRects; } // by SequenceLayout::calls()
    // A waiting call's span along its bar; empty for one that does not wait.
    const QList<QRectF> &waitRects() const { return m_waitRects; }
    QRectF endTextRect(int call) const { return m_endTextRects.value(call); }
    const QList<ArrowShape> &arrows() const { return m_arrows; }
    const QList<Pill> &pills() const { return m_pills; }
    // A band's strip along its bar, by SequenceLayout::bands().
    const QList<QRectF> &bandRects() const { return m_bandRects; }

    // What is at a point (figure coordinates), the nearest arrow within a few pixels.
    Hit hitAt(const QPointF &point) const;
    // The row at a height, -1 outside every row.
    int rowAt(double y) const;

    static constexpr double margin = 16;
    static constexpr double barWidth = 8;
    // How far along the way to its receiver a lost segment's line goes.
    static constexpr double lostReach = 0.6;

private:
    QSizeF m_size;
    double m_lineHeight = 0;
    double m_headerHeight = 0;
    QList<double> m_barX;
    QList<QRectF> m_headerRects;
    QList<double> m_rowTop;
    QList<double> m_rowHeight;
    QList<int> m_segmentOfRow; // the arrow on each row, -1 for none
    QList<QRectF> m_callRects;
    QList<QRectF> m_waitRects;
    QList<QRectF> m_endTextRects;
    QList<ArrowShape> m_arrows;
    QList<Pill> m_pills;
    QList<QRectF> m_bandRects;
    QList<std::pair<double, double>> m_barExtent;
};

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::SequenceGeometry::Hit)
