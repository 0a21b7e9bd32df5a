// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sequenceview.h"

#include <QWidget>

class QLabel;
class QStackedLayout;
class QToolButton;

namespace sockscope {

class SequenceLegend;

// The call flow of one lab connection as the socket API's classic figure draws it: a lifeline
// per socket, time running down, the calls as boxes, the segments as slanted arrows between
// the lifelines, each end's state beside its lifeline. Zoom buttons, the key to what it draws,
// and a word on what to do while nothing is shown.
class SequenceWidget : public QWidget
{
    Q_OBJECT

public:
    explicit SequenceWidget(QWidget *parent = nullptr);

    // Shows `figure` (SequenceFigure::of()); an empty one shows `why` instead.
    void setFigure(const SequenceFigure &figure);
    void clear(const QString &why = QString());
    bool isEmpty() const;

    SequenceView *view() const { return m_view; }

    // The figure as a picture for slides and handouts: PNG or SVG by the extension, on a light
    // background whatever the palette, with its key. An empty string, or what went wrong.
    QString savePicture(const QString &path) const;
    static QString savePicture(const SequenceLayout &layout, const QString &path, const QFont &font);

Q_SIGNALS:
    void clicked(const sockscope::SequenceGeometry::Hit &item);

private:
    SequenceView *m_view = nullptr;
    SequenceLegend *m_legend = nullptr;
    QLabel *m_placeholder = nullptr;
    QLabel *m_title = nullptr;
    QStackedLayout *m_stack = nullptr;
    QToolButton *m_followButton = nullptr;
};

} // namespace sockscope
