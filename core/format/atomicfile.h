// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace sockscope {

// Writes a whole file or nothing (QSaveFile): a failed export never leaves half a file, and
// an existing file stays as it was. Returns an empty string, or a message that names the file
// and the reason ("cannot write /tmp/x.json: No space left on device").
QString writeFileAtomically(const QString &path, const QByteArray &contents);

} // namespace sockscope
