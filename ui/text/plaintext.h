// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMessageBox>
#include <QString>

namespace sockscope {

// Text from outside sockscope — a shared session file, the kernel, another process's name in
// /proc/<pid>/comm — shown as the characters it holds, never as markup. Qt guesses rich text
// (Qt::mightBeRichText) wherever a widget is not told otherwise: tooltips, labels, message
// boxes; as markup, `<img src=...>` makes Qt read any local file, a FIFO blocks the window,
// and /dev/zero allocates until the program dies.
class PlainText
{
public:
    // A tooltip (widget, graphics item or Qt::ToolTipRole) that shows `text` literally.
    static QString toolTip(const QString &text);

    // A window title that shows `text` literally: QWidget takes "[*]" for the modified mark.
    static QString windowTitle(const QString &text);

    // A message box that shows `text` as plain text. It deletes itself when closed; show it
    // with open(), which does not block the window's event loop the way exec() does.
    static QMessageBox *messageBox(QMessageBox::Icon icon, const QString &title, const QString &text, QWidget *parent);
};

} // namespace sockscope
