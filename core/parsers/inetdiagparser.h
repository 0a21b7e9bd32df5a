// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/socketrecord.h"

#include <QByteArrayView>
#include <QList>
#include <QString>

namespace sockscope {

// Parses what the kernel answers a NETLINK_SOCK_DIAG dump of TCP sockets (inet_diag_msg
// messages and their attributes), as ss does. Reading the socket is NetlinkSource's job; this
// only takes bytes, so it can be tested and fuzzed on its own. Every length is checked before
// it is used.
class InetDiagParser
{
public:
    enum class Status : quint8 {
        More,  // the dump goes on: read the next datagram
        Done,  // NLMSG_DONE arrived
        Error, // the kernel answered with an error, or the bytes are not a dump
    };

    struct Result
    {
        Status status = Status::More;
        QString error;
    };

    // Parses one datagram (one or more netlink messages) and appends its sockets.
    static Result parse(QByteArrayView datagram, QList<SocketRecord> &records);

    // The filter a dump request carries: sockets with any of these ports on either side, as
    // inet_diag bytecode (INET_DIAG_BC_S_EQ / D_EQ, ORed). Empty for no ports, and for more
    // than maxFilterPorts (the caller then filters the dump itself).
    static QByteArray portFilter(const QList<quint16> &ports);
    static constexpr int maxFilterPorts = 256;
};

} // namespace sockscope
