// SPDX-License-Identifier: GPL-3.0-or-later
#include "pcapng.h"

#include <QtEndian>

namespace sockscope {

namespace {

// Block types and option codes (pcapng, IETF draft-ietf-opsawg-pcapng).
constexpr quint32 sectionHeader = 0x0A0D0D0A;
constexpr quint32 interfaceDescription = 0x00000001;
constexpr quint32 enhancedPacket = 0x00000006;
constexpr quint32 byteOrderMagic = 0x1A2B3C4D;
constexpr quint16 optEnd = 0;
constexpr quint16 optComment = 1;
constexpr quint16 shbUserApplication = 4;
constexpr quint16 ifName = 2;
constexpr quint16 ifTimestampResolution = 9;
constexpr quint16 linkTypeEthernet = 1;

void put16(QByteArray &out, quint16 v)
{
    char b[2];
    qToLittleEndian(v, b);
    out.append(b, 2);
}

void put32(QByteArray &out, quint32 v)
{
    char b[4];
    qToLittleEndian(v, b);
    out.append(b, 4);
}

void pad(QByteArray &out)
{
    while (out.size() % 4 != 0)
        out.append('\0');
}

void option(QByteArray &out, quint16 code, const QByteArray &value)
{
    put16(out, code);
    put16(out, quint16(value.size()));
    out.append(value);
    pad(out);
}

// A block: type, total length, body, total length again.
void block(QByteArray &out, quint32 type, QByteArray body)
{
    pad(body);
    put32(out, type);
    put32(out, quint32(body.size() + 12));
    out.append(body);
    put32(out, quint32(body.size() + 12));
}

} // namespace

QByteArray Pcapng::write(const QList<PcapngPacket> &packets, const QString &application)
{
    QByteArray out;
    {
        QByteArray body;
        put32(body, byteOrderMagic);
        put16(body, 1); // version 1.0
        put16(body, 0);
        put32(body, 0xFFFFFFFF); // section length: not given
        put32(body, 0xFFFFFFFF);
        option(body, shbUserApplication, application.toUtf8().left(0xFFFF));
        option(body, optEnd, QByteArray());
        block(out, sectionHeader, body);
    }
    {
        QByteArray body;
        put16(body, linkTypeEthernet);
        put16(body, 0);
        put32(body, 0); // no snapshot length: every frame whole
        option(body, ifName, QByteArrayLiteral("lo"));
        option(body, ifTimestampResolution, QByteArray(1, char(9))); // 10^-9 s
        option(body, optEnd, QByteArray());
        block(out, interfaceDescription, body);
    }
    for (const PcapngPacket &p : packets) {
        QByteArray body;
        const quint64 ns = quint64(qMax<qint64>(0, p.timestampNs));
        put32(body, 0); // interface 0
        put32(body, quint32(ns >> 32));
        put32(body, quint32(ns & 0xFFFFFFFFu));
        put32(body, quint32(p.frame.size()));
        put32(body, quint32(p.frame.size()));
        body.append(p.frame);
        pad(body);
        if (!p.comment.isEmpty()) {
            option(body, optComment, p.comment.toUtf8().left(0xFFFF));
            option(body, optEnd, QByteArray());
        }
        block(out, enhancedPacket, body);
    }
    return out;
}

} // namespace sockscope
