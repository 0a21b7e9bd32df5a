// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../model/snapshot.h"
#include "../model/socketfilter.h"

#include <QStringList>

#include <memory>

namespace sockscope {

// Where the kernel's TCP table comes from. take() is synchronous and may block for a few
// milliseconds; call it from a worker thread in interactive code (see Poller). An instance is
// used by one thread at a time.
class SocketSource
{
public:
    virtual ~SocketSource() = default;

    virtual QString name() const = 0;

    // The whole table, or the part the filter selects. Failures come back in Snapshot::error.
    virtual Snapshot take(const SocketFilter &filter) = 0;

    // "netlink", "proc" and "ss"; "" or "default" for defaultName(); nullptr and a message
    // for anything else.
    static std::unique_ptr<SocketSource> create(QStringView name, QString *error = nullptr);
    static QStringList names();
    // netlink where this machine answers sock_diag, /proc otherwise.
    static QString defaultName();
};

} // namespace sockscope
