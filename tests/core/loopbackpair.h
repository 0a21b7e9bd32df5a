// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/ipaddress.h"

#include <QString>

namespace sockscope::test {

// A socket file descriptor that closes itself. Test helper for real loopback sockets.
class Fd
{
public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) { }
    Fd(Fd &&other) noexcept : m_fd(other.release()) { }
    Fd &operator=(Fd &&other) noexcept;
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    ~Fd() { reset(); }

    int get() const { return m_fd; }
    bool isValid() const { return m_fd >= 0; }
    int release();
    void reset();

    quint16 localPort() const;
    quint64 inode() const; // the socket's inode, as /proc/net/tcp prints it

private:
    int m_fd = -1;
};

// Loopback only: 127.0.0.1 or ::1.
struct Loopback
{
    static bool hasIPv6();
    // Kernels from 6.8 list sockets that are only bound (state CLOSE) in a netlink dump that
    // asks with the BOUND_INACTIVE bit; /proc/net/tcp and older kernels never show them.
    static bool kernelListsBoundSockets();
    static QString text(AddressFamily family); // "127.0.0.1" or "::1"

    // socket + bind(port 0 unless given) + listen(backlog); invalid Fd and `error` on failure.
    static Fd listen(AddressFamily family, int backlog, QString *error = nullptr, quint16 port = 0);
    // Blocking connect; the kernel completes the handshake without accept().
    static Fd connect(AddressFamily family, quint16 port, QString *error = nullptr);
    static Fd accept(const Fd &listener);
    // A dual-stack IPv6 listener on ::ffff:127.0.0.1 (IPV6_V6ONLY off): IPv4 clients reach it,
    // and the kernel lists its side in tcp6 with mapped addresses. Invalid Fd on failure.
    static Fd listenMapped(int backlog);
};

} // namespace sockscope::test
