// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "socketsource.h"

#include <memory>

namespace sockscope {

// The lab's private network and, beside it, this machine's own table: one source of one kind
// (netlink, proc or ss) reading the private namespace, and another of the same kind reading
// the host's. Rows from the private network say so (SocketRecord::network), so that the same
// 4-tuple in both stays two connections. Without a host source, or while the filter leaves
// the host's table out (SocketFilter::hostTable), only the lab's network is read.
class LabNetworkSource : public SocketSource
{
public:
    LabNetworkSource(std::unique_ptr<SocketSource> lab, std::unique_ptr<SocketSource> host);

    QString name() const override { return m_lab->name(); }
    Snapshot take(const SocketFilter &filter) override;

    bool readsHost() const { return m_host != nullptr; }

private:
    std::unique_ptr<SocketSource> m_lab;
    std::unique_ptr<SocketSource> m_host;
};

} // namespace sockscope
