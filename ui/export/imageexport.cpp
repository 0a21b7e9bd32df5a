// SPDX-License-Identifier: GPL-3.0-or-later
#include "imageexport.h"

#include "core/format/atomicfile.h"

#include <QBuffer>
#include <QGraphicsScene>
#include <QImage>
#include <QPainter>
#include <QSvgGenerator>
#include <QWidget>

#include <functional>

namespace sockscope {

namespace {

bool isSvg(const QString &path)
{
    return path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive);
}

QString unsupported(const QString &path)
{
    return QStringLiteral("cannot write %1: choose a .png or .svg file name").arg(path);
}

// QSvgGenerator escapes <, & and quotes in drawn text but writes every other character as it
// is, and XML has no way at all to hold most control characters, which a name from a session
// file may have: they become U+FFFD, and the drawing stays a well-formed document.
QByteArray withoutCharactersXmlForbids(const QByteArray &svg)
{
    QString text = QString::fromUtf8(svg);
    bool changed = false;
    for (QChar &c : text) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\t' && u != u'\n' && u != u'\r') || u == 0xfffe || u == 0xffff) {
            c = QChar::ReplacementCharacter;
            changed = true;
        }
    }
    return changed ? text.toUtf8() : svg;
}

// Paints `draw` into a PNG or an SVG of `size` and writes the file.
QString write(const QString &path, const QString &title, QSize size, const std::function<void(QPainter &)> &draw)
{
    if (!ImageExport::isSupported(path))
        return unsupported(path);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (isSvg(path)) {
        QSvgGenerator svg;
        svg.setOutputDevice(&buffer);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(title);
        svg.setDescription(QStringLiteral("sockscope"));
        {
            QPainter painter(&svg);
            draw(painter);
        }
        bytes = withoutCharactersXmlForbids(bytes);
    } else {
        // Twice the pixels: sharp on slides and high-density screens.
        QImage image(size * 2, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        image.setDevicePixelRatio(2.0);
        {
            QPainter painter(&image);
            painter.setRenderHint(QPainter::Antialiasing);
            draw(painter);
        }
        if (!image.save(&buffer, "PNG"))
            return QStringLiteral("cannot write %1: the image could not be encoded").arg(path);
    }
    return writeFileAtomically(path, bytes);
}

} // namespace

bool ImageExport::isSupported(const QString &path)
{
    return isSvg(path) || path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive);
}

QString ImageExport::save(QSize size, const QString &path, const QString &title,
                          const std::function<void(QPainter &)> &draw)
{
    return write(path, title, size, draw);
}

QString ImageExport::save(QWidget *widget, const QString &path, const QString &title)
{
    return write(path, title, widget->size(), [widget](QPainter &painter) {
        widget->render(&painter, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
    });
}

QString ImageExport::save(QGraphicsScene *scene, const QString &path, const QString &title)
{
    const QRectF source = scene->itemsBoundingRect().adjusted(-16, -16, 16, 16);
    const QSize size = source.size().toSize();
    return write(path, title, size, [scene, source, size](QPainter &painter) {
        painter.setRenderHint(QPainter::Antialiasing);
        painter.fillRect(QRect(QPoint(0, 0), size), scene->backgroundBrush().style() == Qt::NoBrush
                                                        ? scene->palette().color(QPalette::Base)
                                                        : scene->backgroundBrush().color());
        scene->render(&painter, QRectF(QPointF(0, 0), size), source);
    });
}

} // namespace sockscope
