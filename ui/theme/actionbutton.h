// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

class QAction;
class QToolButton;
class QWidget;

namespace sockscope {

// A tool button for an action, as the side panels use them: text beside the icon when the
// action has one, filling the width of its grid cell.
QToolButton *actionButton(QAction *action, QWidget *parent);

} // namespace sockscope
