// SPDX-License-Identifier: GPL-3.0-or-later
#include "socketsource.h"

#include "procsource.h"
#include "sssource.h"

namespace sockscope {

QStringList SocketSource::names()
{
    return {QStringLiteral("proc"), QStringLiteral("ss")};
}

std::unique_ptr<SocketSource> SocketSource::create(QStringView name, QString *error)
{
    if (name == QLatin1String("proc"))
        return std::make_unique<ProcSource>();
    if (name == QLatin1String("ss"))
        return std::make_unique<SsSource>();
    if (error)
        *error = QStringLiteral("unknown source '%1' (choose one of: %2)")
                     .arg(name.toString(), names().join(QStringLiteral(", ")));
    return nullptr;
}

} // namespace sockscope
