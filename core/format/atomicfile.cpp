// SPDX-License-Identifier: GPL-3.0-or-later
#include "atomicfile.h"

#include <QSaveFile>

namespace sockscope {

QString writeFileAtomically(const QString &path, const QByteArray &contents)
{
    QSaveFile file(path);
    // Unbuffered: through Qt's write buffer, a short write at commit time (a full disk, a file
    // size limit) went unnoticed and a truncated file replaced the old one.
    if (!file.open(QIODevice::WriteOnly | QIODevice::Unbuffered))
        return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    if (file.write(contents) != contents.size()) {
        const QString reason = file.errorString();
        file.cancelWriting();
        return QStringLiteral("cannot write %1: %2").arg(path, reason);
    }
    if (!file.commit())
        return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return QString();
}

} // namespace sockscope
