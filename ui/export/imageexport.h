// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSize>
#include <QString>

#include <functional>

class QPainter;

class QGraphicsScene;
class QWidget;

namespace sockscope {

// Pictures of the diagram and the timeline for slides, bug reports and grading: PNG or SVG,
// chosen by the file's extension, written atomically. Each returns an empty string or a
// message naming the file and the reason. Text drawn into an SVG may be anything (a lane named
// in a session file): it is written as the characters it holds. `title` is written as it is
// (QSvgGenerator does not escape it): sockscope's own words only.
class ImageExport
{
public:
    static QString save(QWidget *widget, const QString &path, const QString &title);
    static QString save(QGraphicsScene *scene, const QString &path, const QString &title);
    // Whatever `draw` paints into a picture of `size` (logical pixels).
    static QString save(QSize size, const QString &path, const QString &title,
                        const std::function<void(QPainter &)> &draw);

    static bool isSupported(const QString &path); // .png or .svg
};

} // namespace sockscope
