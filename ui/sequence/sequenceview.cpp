// SPDX-License-Identifier: GPL-3.0-or-later
#include "sequenceview.h"

#include "core/capture/segmenttext.h"
#include "core/tcp/stateexplainer.h"
#include "ui/text/plaintext.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace sockscope {

namespace {

QString knownText(SequenceLayout::Known how)
{
    switch (how) {
    case SequenceLayout::Known::SeenByPoll: return QStringLiteral("seen by a poll of the kernel's table");
    case SequenceLayout::Known::TimedByPacket: return QStringLiteral("timed by a captured packet");
    case SequenceLayout::Known::PassedNotObserved:
        return QStringLiteral("passed on the way between two observed states; nothing observed or timed it");
    }
    return QString();
}

} // namespace

SequenceView::SequenceView(QWidget *parent)
    : QAbstractScrollArea(parent)
{
    setFocusPolicy(Qt::WheelFocus);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    viewport()->setMouseTracking(true);
    viewport()->setBackgroundRole(QPalette::Base);
    viewport()->setAutoFillBackground(true);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (m_syncing)
            return;
        // Scrolled by the user: follow the newest row again only when back at the bottom.
        setFollowNewest(value >= verticalScrollBar()->maximum());
    });
}

void SequenceView::setFigure(const SequenceFigure &figure)
{
    m_figure = figure;
    m_layout = figure.layout();
    if (m_options.selected.kind != SequenceGeometry::Hit::Kind::None)
        m_options.selected = {};
    relayout();
}

void SequenceView::clear()
{
    setFigure(SequenceFigure());
    m_options.highlightedRows.clear();
}

void SequenceView::setHighlightedRows(const QSet<int> &rows)
{
    if (rows == m_options.highlightedRows)
        return;
    m_options.highlightedRows = rows;
    viewport()->update();
}

void SequenceView::setSelected(const SequenceGeometry::Hit &item)
{
    m_options.selected = item;
    QRectF rect;
    switch (item.kind) {
    case SequenceGeometry::Hit::Kind::Call: rect = m_geometry.callRects().value(item.index); break;
    case SequenceGeometry::Hit::Kind::Arrow:
        for (const auto &shape : m_geometry.arrows()) {
            if (shape.arrow == item.index)
                rect = QRectF(shape.line.p1(), shape.line.p2()).normalized().united(shape.labelRect);
        }
        break;
    case SequenceGeometry::Hit::Kind::Band:
        for (const auto &pill : m_geometry.pills()) {
            if (pill.band == item.index)
                rect = pill.rect;
        }
        break;
    case SequenceGeometry::Hit::Kind::None: break;
    }
    if (!rect.isEmpty()) {
        ensureVisible(rect);
        setFollowNewest(false);
    }
    viewport()->update();
}

void SequenceView::setZoom(double zoom)
{
    zoom = std::clamp(zoom, minZoom, maxZoom);
    if (std::abs(zoom - m_zoom) < 1e-9)
        return;
    // Keep the figure point at the viewport's centre where it is.
    const QPointF centre = toFigure(viewport()->rect().center());
    m_zoom = zoom;
    syncScrollBars();
    const QPoint now = toViewport(centre);
    const QPoint delta = now - viewport()->rect().center();
    m_syncing = true;
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() + delta.x());
    if (!m_followNewest)
        verticalScrollBar()->setValue(verticalScrollBar()->value() + delta.y());
    m_syncing = false;
    scrollToNewest();
    viewport()->update();
    Q_EMIT zoomChanged(m_zoom);
}

void SequenceView::fitWidth()
{
    if (m_geometry.size().width() <= 0)
        return;
    // Twice: the new zoom may bring or take away the vertical scroll bar, and its width.
    for (int i = 0; i < 2; ++i)
        setZoom(std::min(1.0, std::floor(viewport()->width()) / std::ceil(m_geometry.size().width() + 1)));
}

void SequenceView::setFollowNewest(bool follow)
{
    if (follow == m_followNewest)
        return;
    m_followNewest = follow;
    scrollToNewest();
    Q_EMIT followNewestChanged(follow);
}

QPointF SequenceView::toFigure(const QPoint &p) const
{
    return QPointF((p.x() + horizontalScrollBar()->value()) / m_zoom, (p.y() + verticalScrollBar()->value()) / m_zoom);
}

QPoint SequenceView::toViewport(const QPointF &p) const
{
    return QPoint(int(std::lround(p.x() * m_zoom)) - horizontalScrollBar()->value(),
                  int(std::lround(p.y() * m_zoom)) - verticalScrollBar()->value());
}

void SequenceView::relayout()
{
    m_geometry = SequenceGeometry::of(m_layout, font());
    syncScrollBars();
    scrollToNewest();
    viewport()->update();
}

void SequenceView::syncScrollBars()
{
    m_syncing = true;
    const QSizeF size = m_geometry.size() * m_zoom;
    horizontalScrollBar()->setRange(0, std::max(0, int(std::ceil(size.width())) - viewport()->width()));
    horizontalScrollBar()->setPageStep(viewport()->width());
    horizontalScrollBar()->setSingleStep(20);
    verticalScrollBar()->setRange(0, std::max(0, int(std::ceil(size.height())) - viewport()->height()));
    verticalScrollBar()->setPageStep(viewport()->height());
    verticalScrollBar()->setSingleStep(int(std::max(10.0, m_geometry.lineHeight() * m_zoom * 2)));
    m_syncing = false;
}

void SequenceView::scrollToNewest()
{
    if (!m_followNewest)
        return;
    m_syncing = true;
    verticalScrollBar()->setValue(verticalScrollBar()->maximum());
    m_syncing = false;
}

void SequenceView::ensureVisible(const QRectF &figureRect)
{
    const QRectF r(figureRect.topLeft() * m_zoom, figureRect.size() * m_zoom);
    const int margin = 24;
    m_syncing = true;
    QScrollBar *h = horizontalScrollBar();
    QScrollBar *v = verticalScrollBar();
    if (r.left() < h->value() + margin)
        h->setValue(int(r.left()) - margin);
    else if (r.right() > h->value() + viewport()->width() - margin)
        h->setValue(int(std::min(r.left() - margin, r.right() - viewport()->width() + margin)));
    if (r.top() < v->value() + margin)
        v->setValue(int(r.top()) - margin);
    else if (r.bottom() > v->value() + viewport()->height() - margin)
        v->setValue(int(r.bottom()) - viewport()->height() + margin);
    m_syncing = false;
}

QString SequenceView::describe(const SequenceGeometry::Hit &item) const
{
    switch (item.kind) {
    case SequenceGeometry::Hit::Kind::None: return QString();
    case SequenceGeometry::Hit::Kind::Call: {
        const SequenceLayout::CallBox &box = m_layout.calls()[item.index];
        QStringList lines;
        const LabCall &call = m_figure.calls[box.call];
        lines << call.socketLabel + QStringLiteral(": ") + call.toString();
        if (!call.detail.isEmpty())
            lines << call.detail;
        if (box.endCall >= 0) {
            const LabCall &end = m_figure.calls[box.endCall];
            lines << QStringLiteral("finished %1 later: %2")
                         .arg(StateExplainer::formatPreciseDuration(end.steadyNs - call.steadyNs), end.toString());
        } else if (box.waits()) {
            lines << QStringLiteral("still waiting");
        }
        return lines.join(QLatin1Char('\n'));
    }
    case SequenceGeometry::Hit::Kind::Arrow: {
        const SequenceLayout::Arrow &arrow = m_layout.arrows()[item.index];
        const SequenceLayout::SegmentSpec &spec = m_figure.segments[arrow.segment];
        if (!spec.captured) {
            return QStringLiteral("%1 from %2 to %3 — implied, not captured: the states the polls saw on the two ends "
                                  "mean it was sent, somewhere in a window of %4")
                .arg(tcpFlagsText(spec.flags), arrow.sender, arrow.receiver,
                     StateExplainer::formatPreciseDuration(spec.windowEndNs - spec.windowStartNs));
        }
        const Segment &s = spec.wire.segment;
        QStringList lines;
        lines << QStringLiteral("%1 from %2 to %3 — captured on the wire").arg(s.flagsText(), arrow.sender, arrow.receiver);
        if (spec.wire.wasStopped()) {
            lines << spec.wire.stopText();
            lines << (spec.wire.answeredWithReset
                          ? QStringLiteral("A wire rule in the lab's network refused it on its way: %1 never had it, and %2 "
                                           "got a reset in %1's name instead, as if %1 had refused it.")
                                .arg(arrow.receiver, arrow.sender)
                          : QStringLiteral("A wire rule in the lab's network dropped it on its way: the capture saw it "
                                           "leave %1, and %2 never had it, so nothing it says moved %2.")
                                .arg(arrow.sender, arrow.receiver));
            // Only what takes sequence space waits on the sender's retransmission timer.
            const bool timed = s.has(SegmentFlag::Syn) || s.has(SegmentFlag::Fin) || s.payloadLength > 0;
            if (!spec.wire.answeredWithReset)
                lines << (timed ? QStringLiteral("%1's retransmission timer sends it again, until it is acknowledged or %1 gives up.").arg(arrow.sender)
                                : QStringLiteral("An ACK without data is never sent again by a timer: %1 acknowledges "
                                                 "again when %2 repeats what it sent.")
                                      .arg(arrow.sender, arrow.receiver));
        }
        lines << SegmentText::line(s, spec.wire.bases, SegmentText::Form::Long);
        if (spec.wire.repeat.isRepeat())
            lines << spec.wire.repeat.text();
        QString absolute = QStringLiteral("absolute seq=%1").arg(s.seq);
        if (s.has(SegmentFlag::Ack))
            absolute += QStringLiteral(" ack=%1").arg(s.ack);
        lines << absolute;
        lines << (spec.wire.cause.isEmpty() ? QStringLiteral("sent by the kernel on its own, not by a lab call")
                                            : QStringLiteral("caused by %1").arg(spec.wire.cause));
        return lines.join(QLatin1Char('\n'));
    }
    case SequenceGeometry::Hit::Kind::Band: {
        const SequenceLayout::Band &band = m_layout.bands()[item.index];
        const SequenceLayout::Lifeline &l = m_layout.lifelines()[band.lifeline];
        QString text = QStringLiteral("%1 in %2 — %3").arg(l.label, kernelName(band.state), knownText(band.how));
        const qint64 from = m_layout.rows().value(band.firstRow).atNs;
        const qint64 to = m_layout.rows().value(band.lastRow).atNs;
        if (band.lastRow > band.firstRow && to > from && band.how == SequenceLayout::Known::TimedByPacket)
            text += QStringLiteral("\nfor %1, by the packets").arg(StateExplainer::formatPreciseDuration(to - from));
        text += QLatin1Char('\n') + StateExplainer::meaning(band.state);
        if (l.kernelOnlyAt(band.firstRow))
            text += QStringLiteral("\nNo accept() has returned this end yet: only the kernel holds it.");
        return text;
    }
    }
    return QString();
}

void SequenceView::paintEvent(QPaintEvent *)
{
    QPainter p(viewport());
    p.setRenderHint(QPainter::Antialiasing);
    const TimelineTheme theme = TimelineTheme::fromPalette(palette());
    if (m_layout.lifelines().isEmpty())
        return;
    p.translate(-horizontalScrollBar()->value(), -verticalScrollBar()->value());
    p.scale(m_zoom, m_zoom);
    SequencePainter::Options options = m_options;
    options.exposed = QRectF(toFigure(QPoint(0, 0)), toFigure(QPoint(viewport()->width(), viewport()->height())));
    SequencePainter::paint(p, m_layout, m_geometry, theme, font(), options);
}

void SequenceView::resizeEvent(QResizeEvent *event)
{
    QAbstractScrollArea::resizeEvent(event);
    syncScrollBars();
    scrollToNewest();
}

void SequenceView::wheelEvent(QWheelEvent *event)
{
    if (event->modifiers() & Qt::ControlModifier) {
        const int steps = event->angleDelta().y() / 120;
        if (steps != 0)
            setZoom(m_zoom * std::pow(zoomStep, steps));
        event->accept();
        return;
    }
    QAbstractScrollArea::wheelEvent(event);
}

void SequenceView::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomIn(); return;
    case Qt::Key_Minus: zoomOut(); return;
    case Qt::Key_0: setZoom(1.0); return;
    case Qt::Key_End: setFollowNewest(true); return;
    default: break;
    }
    QAbstractScrollArea::keyPressEvent(event);
}

void SequenceView::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton) {
        QAbstractScrollArea::mousePressEvent(event);
        return;
    }
    const SequenceGeometry::Hit hit = m_geometry.hitAt(toFigure(event->position().toPoint()));
    m_options.selected = hit;
    viewport()->update();
    Q_EMIT clicked(hit);
}

bool SequenceView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(event);
        const QString text = describe(m_geometry.hitAt(toFigure(help->pos())));
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), PlainText::toolTip(text), viewport());
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

void SequenceView::changeEvent(QEvent *event)
{
    QAbstractScrollArea::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        relayout();
    else if (event->type() == QEvent::PaletteChange)
        viewport()->update();
}

void SequenceView::scrollContentsBy(int, int)
{
    viewport()->update();
}

} // namespace sockscope
