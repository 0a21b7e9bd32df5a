// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/snapshot.h"
#include "core/model/socketfilter.h"

#include <QStringList>

#include <memory>

namespace sockscope {

class LabNetwork;

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
    // The same, reading the table of the lab's private network instead of this process's (its
    // rows marked Network::Private); nullptr for the network reads this process's as above.
    static std::unique_ptr<SocketSource> create(QStringView name, LabNetwork *network, QString *error = nullptr);
    // Both: the lab's private network and this machine's table beside it (LabNetworkSource).
    static std::unique_ptr<SocketSource> createWithHost(QStringView name, LabNetwork *network,
                                                        QString *error = nullptr);
    static QStringList names();
    // The source used when none is named, and why: netlink where this machine answers a
    // sock_diag dump, /proc otherwise (some containers refuse AF_NETLINK sockets). Asked of the
    // kernel once per process.
    struct DefaultChoice
    {
        QString name;         // "netlink" or "proc"
        QString netlinkError; // when not netlink: the call that failed and why, e.g.
                              // "socket(AF_NETLINK, NETLINK_SOCK_DIAG): Permission denied"
    };
    static DefaultChoice defaultChoice();
    static QString defaultName() { return defaultChoice().name; }
};

} // namespace sockscope
