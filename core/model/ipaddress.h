// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHashFunctions>
#include <QString>
#include <QStringView>

#include <array>
#include <optional>

class QHostAddress;

namespace sockscope {

enum class AddressFamily : quint8 { IPv4 = 4, IPv6 = 6 };

QString familyName(AddressFamily family); // "ipv4", "ipv6"
std::optional<AddressFamily> parseFamily(QStringView text);

// An IPv4 or IPv6 address as 16 plain bytes in network order. A value type without heap
// allocation, so that parsing thousands of kernel rows per poll stays cheap.
class IpAddress
{
public:
    IpAddress() = default; // 0.0.0.0

    // `value` in host order: 127.0.0.1 is 0x7f000001.
    static IpAddress fromIPv4(quint32 value);
    static IpAddress fromIPv6(const std::array<quint8, 16> &bytes);
    static IpAddress anyIPv6();

    // Dotted quad or any IPv6 text form inet_pton accepts (brackets and scope not included).
    static std::optional<IpAddress> fromString(QStringView text);

    AddressFamily family() const { return m_family; }
    bool isIPv4() const { return m_family == AddressFamily::IPv4; }
    bool isIPv6() const { return m_family == AddressFamily::IPv6; }
    quint32 toIPv4() const; // host order; 0 for IPv6
    const std::array<quint8, 16> &bytes() const { return m_bytes; }

    bool isAny() const;
    bool isLoopback() const;
    bool isV4Mapped() const; // ::ffff:a.b.c.d

    // "127.0.0.1", "::1", "::ffff:127.0.0.1" (RFC 5952 form for IPv6).
    QString toString() const;
    QHostAddress toQHostAddress() const;

    friend bool operator==(const IpAddress &a, const IpAddress &b)
    {
        return a.m_family == b.m_family && a.m_bytes == b.m_bytes;
    }
    friend bool operator!=(const IpAddress &a, const IpAddress &b) { return !(a == b); }
    friend bool operator<(const IpAddress &a, const IpAddress &b)
    {
        if (a.m_family != b.m_family)
            return a.m_family < b.m_family;
        return a.m_bytes < b.m_bytes;
    }
    friend size_t qHash(const IpAddress &a, size_t seed = 0) noexcept
    {
        return qHashBits(a.m_bytes.data(), a.m_bytes.size(),
                         qHash(static_cast<int>(a.m_family), seed));
    }

private:
    // IPv4 uses the first four bytes; the rest stay zero so equality and hashing are simple.
    std::array<quint8, 16> m_bytes{};
    AddressFamily m_family = AddressFamily::IPv4;
};

} // namespace sockscope
