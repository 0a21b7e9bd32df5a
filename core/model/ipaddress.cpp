// SPDX-License-Identifier: GPL-3.0-or-later
#include "ipaddress.h"

#include <QHostAddress>

#include <arpa/inet.h>

namespace sockscope {

QString familyName(AddressFamily family)
{
    return family == AddressFamily::IPv4 ? QStringLiteral("ipv4") : QStringLiteral("ipv6");
}

std::optional<AddressFamily> parseFamily(QStringView text)
{
    if (text.compare(QLatin1String("ipv4"), Qt::CaseInsensitive) == 0
        || text == QLatin1String("4") || text.compare(QLatin1String("inet"), Qt::CaseInsensitive) == 0)
        return AddressFamily::IPv4;
    if (text.compare(QLatin1String("ipv6"), Qt::CaseInsensitive) == 0
        || text == QLatin1String("6") || text.compare(QLatin1String("inet6"), Qt::CaseInsensitive) == 0)
        return AddressFamily::IPv6;
    return std::nullopt;
}

IpAddress IpAddress::fromIPv4(quint32 value)
{
    IpAddress a;
    a.m_family = AddressFamily::IPv4;
    a.m_bytes[0] = quint8(value >> 24);
    a.m_bytes[1] = quint8(value >> 16);
    a.m_bytes[2] = quint8(value >> 8);
    a.m_bytes[3] = quint8(value);
    return a;
}

IpAddress IpAddress::fromIPv6(const std::array<quint8, 16> &bytes)
{
    IpAddress a;
    a.m_family = AddressFamily::IPv6;
    a.m_bytes = bytes;
    return a;
}

IpAddress IpAddress::anyIPv6()
{
    return fromIPv6({});
}

std::optional<IpAddress> IpAddress::fromString(QStringView text)
{
    // inet_pton wants a NUL-terminated ASCII string; an address is at most 45 characters.
    if (text.isEmpty() || text.size() > 45)
        return std::nullopt;
    char buffer[64];
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (c > 0x7e)
            return std::nullopt;
        buffer[i] = char(c);
    }
    buffer[text.size()] = '\0';

    std::array<quint8, 16> bytes{};
    if (::inet_pton(AF_INET, buffer, bytes.data()) == 1) {
        return fromIPv4(quint32(bytes[0]) << 24 | quint32(bytes[1]) << 16 | quint32(bytes[2]) << 8
                        | quint32(bytes[3]));
    }
    if (::inet_pton(AF_INET6, buffer, bytes.data()) == 1)
        return fromIPv6(bytes);
    return std::nullopt;
}

quint32 IpAddress::toIPv4() const
{
    if (!isIPv4())
        return 0;
    return quint32(m_bytes[0]) << 24 | quint32(m_bytes[1]) << 16 | quint32(m_bytes[2]) << 8
        | quint32(m_bytes[3]);
}

bool IpAddress::isAny() const
{
    for (quint8 b : m_bytes) {
        if (b != 0)
            return false;
    }
    return true;
}

bool IpAddress::isLoopback() const
{
    if (isIPv4())
        return m_bytes[0] == 127;
    if (isV4Mapped())
        return m_bytes[12] == 127;
    for (int i = 0; i < 15; ++i) {
        if (m_bytes[i] != 0)
            return false;
    }
    return m_bytes[15] == 1;
}

bool IpAddress::isV4Mapped() const
{
    if (!isIPv6())
        return false;
    for (int i = 0; i < 10; ++i) {
        if (m_bytes[i] != 0)
            return false;
    }
    return m_bytes[10] == 0xff && m_bytes[11] == 0xff;
}

QString IpAddress::toString() const
{
    char buffer[INET6_ADDRSTRLEN];
    const int af = isIPv4() ? AF_INET : AF_INET6;
    if (::inet_ntop(af, m_bytes.data(), buffer, sizeof buffer) == nullptr)
        return QString();
    return QString::fromLatin1(buffer);
}

QHostAddress IpAddress::toQHostAddress() const
{
    if (isIPv4())
        return QHostAddress(toIPv4());
    return QHostAddress(m_bytes.data());
}

} // namespace sockscope
