// SPDX-License-Identifier: GPL-3.0-or-later
#include "sswildcard.h"

#include <QSet>

namespace sockscope {

namespace {

IpAddress unmappedAddress(const IpAddress &address)
{
    const auto &b = address.bytes();
    return IpAddress::fromIPv4(quint32(b[12]) << 24 | quint32(b[13]) << 16 | quint32(b[14]) << 8 | quint32(b[15]));
}

QString olderBecause(const SsWildcard::Evidence &e)
{
    switch (e.older) {
    case SsWildcard::Evidence::Older::IPv4PeerStar:
        return QStringLiteral("line %1 shows %2 with the peer '*:*', which ss 4.14 and later print as '0.0.0.0:*'")
            .arg(e.olderLine)
            .arg(e.olderText);
    case SsWildcard::Evidence::Older::Unbracketed:
        return QStringLiteral("line %1 shows the IPv6 address %2 without brackets, as only ss before 4.14 printed it")
            .arg(e.olderLine)
            .arg(e.olderText);
    case SsWildcard::Evidence::Older::None:
        break;
    }
    return QString();
}

} // namespace

void SsWildcard::Evidence::merge(const Evidence &other, int lineOffset)
{
    if (newerLine == 0 && other.newerLine > 0) {
        newerLine = other.newerLine + lineOffset;
        newerText = other.newerText;
    }
    // An IPv4 socket with the peer "*:*" speaks of the wildcard itself: it wins over brackets.
    const bool stronger = other.older == Older::IPv4PeerStar && older == Older::Unbracketed;
    if ((older == Older::None && other.older != Older::None) || stronger) {
        older = other.older;
        olderLine = other.olderLine + lineOffset;
        olderText = other.olderText;
    }
}

SsWildcard::Decision SsWildcard::decide(const QList<SocketRecord> &records, const QList<qsizetype> &wildcardRows,
                                        const Evidence &evidence)
{
    Decision decision;
    if (evidence.newerLine > 0) {
        decision.reading = Reading::DualStackIPv6;
        decision.because = QStringLiteral("line %1 shows %2, which only ss 4.14 and later print")
                               .arg(evidence.newerLine)
                               .arg(evidence.newerText);
        if (evidence.older != Evidence::Older::None)
            decision.because += QStringLiteral(" (though %1: the file may hold the output of two ss versions)")
                                    .arg(olderBecause(evidence));
        return decision;
    }
    if (evidence.older != Evidence::Older::None) {
        decision.reading = Reading::IPv4;
        decision.because = olderBecause(evidence);
        return decision;
    }

    // A connection the "*" listener accepted from an IPv4 client has an IPv4 local address on
    // the listener's port only if the listener is IPv4: a dual-stack one's shows the client
    // IPv4-mapped. Ports with an IPv4 listener of their own prove nothing.
    QSet<quint16> wildcardPorts;
    for (qsizetype row : wildcardRows)
        wildcardPorts.insert(records[row].local.port);
    QSet<quint16> ipv4ListenerPorts;
    for (const SocketRecord &r : records) {
        if (r.isListener() && r.family == AddressFamily::IPv4)
            ipv4ListenerPorts.insert(r.local.port);
    }
    for (const SocketRecord &r : records) {
        if (r.family == AddressFamily::IPv4 && !r.isListener() && !r.local.address.isAny()
            && wildcardPorts.contains(r.local.port) && !ipv4ListenerPorts.contains(r.local.port)) {
            decision.reading = Reading::IPv4;
            decision.because = QStringLiteral("%1 (peer %2) is an IPv4 connection on port %3 of the '*:%3' listener, "
                                              "which ss 4.14 and later show as [::ffff:%4]:%3")
                                   .arg(r.local.toString(), r.remote.toString())
                                   .arg(r.local.port)
                                   .arg(r.local.address.toString());
            return decision;
        }
    }
    decision.reading = Reading::DualStackIPv6;
    decision.because = QStringLiteral("nothing in the file shows an ss older than 4.14");
    return decision;
}

void SsWildcard::apply(QList<SocketRecord> &records, const QList<qsizetype> &wildcardRows, Reading reading)
{
    for (qsizetype row : wildcardRows) {
        SocketRecord &r = records[row];
        r.familyInferred = true;
        if (reading != Reading::IPv4)
            continue;
        if (!r.remote.address.isAny() && !r.remote.address.isV4Mapped())
            continue; // a peer with an IPv6 address of its own: an IPv6 socket whatever ss it was
        r.family = AddressFamily::IPv4;
        r.local.address = IpAddress();
        r.remote.address = r.remote.address.isAny() ? IpAddress() : unmappedAddress(r.remote.address);
    }
}

QString SsWildcard::note(const Decision &decision, qsizetype rows)
{
    const QString which = rows == 1 ? QStringLiteral("1 socket") : QStringLiteral("%1 sockets").arg(rows);
    if (decision.reading == Reading::IPv4) {
        return QStringLiteral("ss before 4.14 printed '*' for 0.0.0.0: read as IPv4 because %1 (%2 marked as inferred)")
            .arg(decision.because, which);
    }
    return QStringLiteral("ss before 4.14 printed '*' for 0.0.0.0, later versions for a dual-stack IPv6 socket: "
                          "read as dual-stack IPv6 because %1 (%2 marked as inferred)")
        .arg(decision.because, which);
}

} // namespace sockscope
