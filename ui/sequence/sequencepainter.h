// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sequencegeometry.h"

#include "ui/timeline/timelinetheme.h"

#include <QFont>
#include <QSet>
#include <QString>

class QPainter;

namespace sockscope {

// Paints a SequenceLayout where its SequenceGeometry puts each part, in figure coordinates
// (the caller scales and scrolls the painter): the lifelines with their headers, each end's
// states as a strip along its bar with a pill where the state begins, the calls as boxes, and
// the segments as slanted arrows with their words. What was not plainly seen is drawn apart,
// as everywhere in sockscope: a state timed by a packet is hatched, one passed but not
// observed is an outline with a question mark, an implied segment is dashed, one a wire rule
// stopped stops short in a cross, in the error colour, and the stretch of an accepted socket's
// lifeline before accept() (the kernel's only) is dotted.
class SequencePainter
{
public:
    struct Options
    {
        QSet<int> highlightedRows; // drawn on a tinted band: the scenario's current step
        SequenceGeometry::Hit selected; // drawn outlined in the highlight colour
        QRectF exposed;                 // figure coordinates; empty: everything
    };

    static void paint(QPainter &painter, const SequenceLayout &layout, const SequenceGeometry &geometry,
                      const TimelineTheme &theme, const QFont &font, const Options &options);

    // The key to what the figure uses, as the view and the pictures draw it: its entries in a
    // row, wrapped to `width`.
    static double legendHeight(const SequenceLayout &layout, const QFont &font, double width);
    static void paintLegend(QPainter &painter, const QRectF &rect, const SequenceLayout &layout,
                            const TimelineTheme &theme, const QFont &font);
    // Its entries' words, in order ("seen by a poll", "timed by a packet", ...).
    static QStringList legendEntries(const SequenceLayout &layout);

    // The whole figure with its key below, on the palette's base colour.
    static QSizeF pictureSize(const SequenceLayout &layout, const SequenceGeometry &geometry, const QFont &font);
    static void paintPicture(QPainter &painter, const SequenceLayout &layout, const SequenceGeometry &geometry,
                             const TimelineTheme &theme, const QFont &font);

    // The state's pill colours and hatching, the strip's, an arrow's pen: shared with the key.
    static void drawPill(QPainter &painter, const QRectF &rect, const QString &text, TcpState state,
                         SequenceLayout::Known how, const TimelineTheme &theme);
    static void drawArrowHead(QPainter &painter, const QLineF &line, const QColor &color, double size);
    // A segment lost on the wire ends in this ×, `size` from its centre to each corner.
    static void drawCross(QPainter &painter, const QPointF &centre, double size, const QColor &color);
};

} // namespace sockscope
