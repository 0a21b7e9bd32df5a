// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "socketrecord.h"

#include <QStringList>

#include <optional>

namespace sockscope {

// Which rows a user asked to see. Empty filter: everything.
struct SocketFilter
{
    std::optional<quint16> port;     // local or remote port
    QList<quint16> ports;            // or any of these (the window's watched and lab ports)
    std::optional<TcpState> state;
    std::optional<AddressFamily> family;
    // tcp_info (RTT, congestion window, RTO) costs the kernel a call per row. A live view asks
    // for it only for the rows it shows it for: with tcpInfoForAll off, these connections
    // alone (at most maxTcpInfoRows); the rest come without it. Not a row filter.
    bool tcpInfoForAll = true;
    QList<ConnectionKey> tcpInfoFor;
    static constexpr int maxTcpInfoRows = 64;
    // Sockets bound but neither listening nor connecting (state CLOSE; netlink only, Linux 6.8+).
    // Listing them walks the kernel's whole bind hash, which every network namespace shares
    // with the host: most of what a poll of the lab's private network costs. A view that knows
    // there are none to see (the private lab, with no socket between bind() and listen() or
    // connect()) turns them off.
    bool boundInactive = true;
    // With the lab in its private network (LabNetworkSource): whether this machine's own table
    // is read beside the lab's. The private network holds the lab's sockets alone, so it is
    // read whole; the ports above and boundInactive's saving apply to the host's table and
    // the private one respectively.
    bool hostTable = true;

    bool isEmpty() const { return !port && ports.isEmpty() && !state && !family; }
    QList<quint16> allPorts() const; // port and ports, without repeats
    bool matches(const SocketRecord &record) const;

    // The same filter as an `ss` filter expression, as separate arguments (no shell quoting);
    // empty when there is nothing ss can filter on its own. ss's `state` keyword is not used:
    // with it ss drops the State column from its output.
    QStringList ssArguments() const;
};

} // namespace sockscope
