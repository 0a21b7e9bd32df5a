// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ipaddress.h"

#include <QString>

#include <tuple>

namespace sockscope {

// One end of a connection: address and port, plus the interface for scoped (link-local)
// addresses as `ss` prints them ("fe80::1%eth0").
struct Endpoint
{
    IpAddress address;
    quint16 port = 0;
    QString scope;

    // "127.0.0.1:8000", "[::1]:8000", "[fe80::1%eth0]:22"; port 0 prints as "*".
    QString toString() const;
    QString addressText() const; // address and scope, without brackets or port

    // The IPv4 endpoint an IPv4-mapped one (::ffff:a.b.c.d) stands for; others unchanged. A
    // dual-stack server's rows show its IPv4 clients this way.
    Endpoint unmapped() const;

    friend bool operator==(const Endpoint &a, const Endpoint &b)
    {
        return a.port == b.port && a.address == b.address && a.scope == b.scope;
    }
    friend bool operator!=(const Endpoint &a, const Endpoint &b) { return !(a == b); }
    friend bool operator<(const Endpoint &a, const Endpoint &b)
    {
        return std::tie(a.address, a.port, a.scope) < std::tie(b.address, b.port, b.scope);
    }
    friend size_t qHash(const Endpoint &e, size_t seed = 0) noexcept
    {
        return qHashMulti(seed, e.address, e.port, e.scope);
    }
};

} // namespace sockscope
