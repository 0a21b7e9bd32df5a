// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sequencegeometry.h"
#include "sequencepainter.h"

#include "core/sequence/sequencefigure.h"

#include <QAbstractScrollArea>
#include <QSet>

namespace sockscope {

// The drawing surface of the sequence diagram: scrolls both ways, zooms (Ctrl+wheel, +, −, 0),
// keeps the newest row in view while the user has not scrolled away from it, tells what an
// item is on hover and which item was clicked. Painted by hand from a SequenceGeometry.
class SequenceView : public QAbstractScrollArea
{
    Q_OBJECT

public:
    static constexpr double zoomStep = 1.25;
    static constexpr double minZoom = 0.25;
    static constexpr double maxZoom = 4.0;

    explicit SequenceView(QWidget *parent = nullptr);

    // Replaces the figure; the zoom stays, and the view keeps following the newest row if it did.
    void setFigure(const SequenceFigure &figure);
    void clear();
    const SequenceFigure &figure() const { return m_figure; }
    const SequenceLayout &layout() const { return m_layout; }
    const SequenceGeometry &geometry() const { return m_geometry; }

    void setHighlightedRows(const QSet<int> &rows);
    const QSet<int> &highlightedRows() const { return m_options.highlightedRows; }
    // Outlines one item and scrolls it into view (Hit::Kind::None: nothing).
    void setSelected(const SequenceGeometry::Hit &item);
    SequenceGeometry::Hit selected() const { return m_options.selected; }

    double zoom() const { return m_zoom; }
    void setZoom(double zoom);
    void zoomIn() { setZoom(m_zoom * zoomStep); }
    void zoomOut() { setZoom(m_zoom / zoomStep); }
    void fitWidth(); // the whole width in view, never larger than zoom 1

    bool followsNewest() const { return m_followNewest; }
    void setFollowNewest(bool follow);

    // Figure coordinates of a viewport point, and back.
    QPointF toFigure(const QPoint &viewportPoint) const;
    QPoint toViewport(const QPointF &figurePoint) const;

    // What an item is, in a sentence (the tooltip).
    QString describe(const SequenceGeometry::Hit &item) const;

Q_SIGNALS:
    void clicked(const sockscope::SequenceGeometry::Hit &item);
    void zoomChanged(double zoom);
    void followNewestChanged(bool follow);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    bool viewportEvent(QEvent *event) override;
    void changeEvent(QEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    void relayout();
    void syncScrollBars();
    void scrollToNewest();
    void ensureVisible(const QRectF &figureRect);

    SequenceFigure m_figure;
    SequenceLayout m_layout;
    SequenceGeometry m_geometry;
    SequencePainter::Options m_options;
    double m_zoom = 1.0;
    bool m_followNewest = true;
    bool m_syncing = false;
};

} // namespace sockscope
