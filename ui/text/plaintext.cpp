// SPDX-License-Identifier: GPL-3.0-or-later
#include "plaintext.h"

#include <QTextDocument> // Qt::mightBeRichText

namespace sockscope {

QString PlainText::toolTip(const QString &text)
{
    // QToolTip shows what Qt::mightBeRichText() rejects as plain text: that is already shown
    // as it is, and looks like every other tooltip. Anything else is escaped and wrapped in a
    // paragraph, which makes it rich text for certain, so that the escapes are rendered as the
    // characters they stand for; pre-wrap keeps its spaces and line breaks and still wraps.
    if (text.isEmpty() || !Qt::mightBeRichText(text))
        return text;
    return QStringLiteral("<p style='white-space:pre-wrap'>") + text.toHtmlEscaped() + QStringLiteral("</p>");
}

QString PlainText::windowTitle(const QString &text)
{
    // Two placeholders in a row are how QWidget spells a literal one.
    QString title = text;
    return title.replace(QLatin1String("[*]"), QLatin1String("[*][*]"));
}

QMessageBox *PlainText::messageBox(QMessageBox::Icon icon, const QString &title, const QString &text, QWidget *parent)
{
    auto *box = new QMessageBox(icon, title, QString(), QMessageBox::Ok, parent);
    box->setTextFormat(Qt::PlainText);
    box->setText(text);
    box->setAttribute(Qt::WA_DeleteOnClose);
    return box;
}

} // namespace sockscope
