// SPDX-License-Identifier: GPL-3.0-or-later
#include "loopbackpair.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace sockscope::test {

namespace {

QString lastError(const char *call)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(call), QString::fromLocal8Bit(std::strerror(errno)));
}

socklen_t loopbackAddress(AddressFamily family, quint16 port, sockaddr_storage &storage)
{
    std::memset(&storage, 0, sizeof storage);
    if (family == AddressFamily::IPv4) {
        auto *a = reinterpret_cast<sockaddr_in *>(&storage);
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return sizeof(sockaddr_in);
    }
    auto *a = reinterpret_cast<sockaddr_in6 *>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_loopback;
    return sizeof(sockaddr_in6);
}

} // namespace

Fd &Fd::operator=(Fd &&other) noexcept
{
    if (this != &other) {
        reset();
        m_fd = other.release();
    }
    return *this;
}

int Fd::release()
{
    const int fd = m_fd;
    m_fd = -1;
    return fd;
}

void Fd::reset()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

quint16 Fd::localPort() const
{
    sockaddr_storage storage{};
    socklen_t len = sizeof storage;
    if (::getsockname(m_fd, reinterpret_cast<sockaddr *>(&storage), &len) != 0)
        return 0;
    if (storage.ss_family == AF_INET)
        return ntohs(reinterpret_cast<sockaddr_in *>(&storage)->sin_port);
    return ntohs(reinterpret_cast<sockaddr_in6 *>(&storage)->sin6_port);
}

quint64 Fd::inode() const
{
    struct stat st{};
    if (::fstat(m_fd, &st) != 0)
        return 0;
    return quint64(st.st_ino);
}

bool Loopback::hasIPv6()
{
    QString error;
    return listen(AddressFamily::IPv6, 1, &error).isValid();
}

bool Loopback::kernelListsBoundSockets()
{
    utsname u{};
    if (::uname(&u) != 0)
        return false;
    int major = 0, minor = 0;
    if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2)
        return false;
    return major > 6 || (major == 6 && minor >= 8);
}

QString Loopback::text(AddressFamily family)
{
    return family == AddressFamily::IPv4 ? QStringLiteral("127.0.0.1") : QStringLiteral("::1");
}

namespace {

// A TCP socket of `family` and the loopback address with `port`, ready for bind or connect.
Fd openSocket(AddressFamily family, quint16 port, sockaddr_storage &address, socklen_t &length, QString *error)
{
    Fd fd(::socket(family == AddressFamily::IPv4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.isValid() && error)
        *error = lastError("socket");
    length = loopbackAddress(family, port, address);
    return fd;
}

} // namespace

Fd Loopback::listenMapped(int backlog)
{
    Fd listener(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int off = 0;
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    if (!listener.isValid() || ::setsockopt(listener.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0
        || ::inet_pton(AF_INET6, "::ffff:127.0.0.1", &a.sin6_addr) != 1
        || ::bind(listener.get(), reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(listener.get(), backlog) != 0)
        return Fd();
    return listener;
}

Fd Loopback::listen(AddressFamily family, int backlog, QString *error, quint16 port)
{
    sockaddr_storage address;
    socklen_t length = 0;
    Fd fd = openSocket(family, port, address, length, error);
    if (!fd.isValid())
        return fd;
    if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&address), length) != 0) {
        if (error)
            *error = lastError("bind");
        return Fd();
    }
    if (::listen(fd.get(), backlog) != 0) {
        if (error)
            *error = lastError("listen");
        return Fd();
    }
    return fd;
}

Fd Loopback::connect(AddressFamily family, quint16 port, QString *error)
{
    sockaddr_storage address;
    socklen_t length = 0;
    Fd fd = openSocket(family, port, address, length, error);
    if (!fd.isValid())
        return fd;
    if (::connect(fd.get(), reinterpret_cast<sockaddr *>(&address), length) != 0) {
        if (error)
            *error = lastError("connect");
        return Fd();
    }
    return fd;
}

Fd Loopback::accept(const Fd &listener)
{
    return Fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
}

} // namespace sockscope::test
