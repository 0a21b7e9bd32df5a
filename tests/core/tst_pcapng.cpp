// SPDX-License-Identifier: GPL-3.0-or-later
// The pcapng file sockscope writes for the lab's wire: read back block by block here, and by
// tshark where it is installed.
#include "core/capture/pcapng.h"

#include "../common/fixtures.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

using namespace sockscope;
using namespace sockscope::test;

namespace {

// Real frames from the loopback capture fixture: the first few outgoing ones.
QList<PcapngPacket> capturedFrames(int count)
{
    QList<PcapngPacket> packets;
    for (const QByteArray &line : readFixture(QStringLiteral("capture/lo-ipv4.txt")).split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (line.startsWith('#') || fields.size() != 3 || fields[0] != "4")
            continue;
        packets.append({fields[1].toLongLong(), QByteArray::fromHex(fields[2]), QString()});
        if (packets.size() == count)
            break;
    }
    return packets;
}

struct Block
{
    quint32 type = 0;
    QByteArray body;
};

// Splits a file into blocks, checking each block's two lengths and alignment.
QList<Block> blocksOf(const QByteArray &file, QString *problem)
{
    QList<Block> blocks;
    qsizetype at = 0;
    while (at < file.size()) {
        if (at + 12 > file.size()) {
            *problem = QStringLiteral("a block cut short at %1").arg(at);
            return blocks;
        }
        const quint32 type = qFromLittleEndian<quint32>(file.constData() + at);
        const quint32 length = qFromLittleEndian<quint32>(file.constData() + at + 4);
        if (length % 4 != 0 || length < 12 || at + length > file.size()
            || qFromLittleEndian<quint32>(file.constData() + at + length - 4) != length) {
            *problem = QStringLiteral("block at %1 has a bad length %2").arg(at).arg(length);
            return blocks;
        }
        blocks.append({type, file.mid(at + 8, length - 12)});
        at += length;
    }
    return blocks;
}

// The options after `from` in a block body: code -> value.
QMultiMap<quint16, QByteArray> optionsOf(const QByteArray &body, qsizetype from)
{
    QMultiMap<quint16, QByteArray> options;
    while (from + 4 <= body.size()) {
        const quint16 code = qFromLittleEndian<quint16>(body.constData() + from);
        const quint16 length = qFromLittleEndian<quint16>(body.constData() + from + 2);
        if (code == 0)
            break;
        options.insert(code, body.mid(from + 4, length));
        from += 4 + ((length + 3) & ~3);
    }
    return options;
}

} // namespace

class TestPcapng : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldWriteASectionAnInterfaceAndEachFrameWithItsComment();
    void shouldBeReadByTshark();
};

void TestPcapng::shouldWriteASectionAnInterfaceAndEachFrameWithItsComment()
{
    QList<PcapngPacket> packets = capturedFrames(3);
    QCOMPARE(packets.size(), 3);
    packets[0].comment = QStringLiteral("client #1: connect(127.0.0.1:8000)");
    packets[2].comment = QStringLiteral("odd length, three bytes of padding: é");
    const QByteArray file = Pcapng::write(packets, QStringLiteral("sockscope test"));

    QString problem;
    const QList<Block> blocks = blocksOf(file, &problem);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QCOMPARE(blocks.size(), 2 + 3);
    // Section header: byte-order magic, version 1.0, the application.
    QCOMPARE(blocks[0].type, 0x0A0D0D0Au);
    QCOMPARE(qFromLittleEndian<quint32>(blocks[0].body.constData()), 0x1A2B3C4Du);
    QCOMPARE(qFromLittleEndian<quint16>(blocks[0].body.constData() + 4), quint16(1));
    QCOMPARE(optionsOf(blocks[0].body, 16).value(4), QByteArray("sockscope test"));
    // Interface: Ethernet, named lo, nanosecond timestamps.
    QCOMPARE(blocks[1].type, 1u);
    QCOMPARE(qFromLittleEndian<quint16>(blocks[1].body.constData()), quint16(1));
    const QMultiMap<quint16, QByteArray> interface = optionsOf(blocks[1].body, 8);
    QCOMPARE(interface.value(2), QByteArray("lo"));
    QCOMPARE(interface.value(9), QByteArray(1, char(9)));
    // Each frame whole, at its nanosecond, with its comment where it has one.
    for (int i = 0; i < 3; ++i) {
        const Block &b = blocks[2 + i];
        QCOMPARE(b.type, 6u);
        const quint64 ns = quint64(qFromLittleEndian<quint32>(b.body.constData() + 4)) << 32
            | qFromLittleEndian<quint32>(b.body.constData() + 8);
        QCOMPARE(qint64(ns), packets[i].timestampNs);
        const quint32 captured = qFromLittleEndian<quint32>(b.body.constData() + 12);
        QCOMPARE(qsizetype(captured), packets[i].frame.size());
        QCOMPARE(qFromLittleEndian<quint32>(b.body.constData() + 16), captured);
        QCOMPARE(b.body.mid(20, captured), packets[i].frame);
        const QMultiMap<quint16, QByteArray> options = optionsOf(b.body, 20 + ((captured + 3) & ~3u));
        QCOMPARE(QString::fromUtf8(options.value(1)), packets[i].comment);
    }
}

void TestPcapng::shouldBeReadByTshark()
{
    const QString tshark = QStandardPaths::findExecutable(QStringLiteral("tshark"));
    if (tshark.isEmpty())
        QSKIP("tshark is not installed (apt-get install tshark)");
    QList<PcapngPacket> packets = capturedFrames(6);
    packets[0].comment = QStringLiteral("client #1: connect(127.0.0.1:8000)");
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("wire.pcapng"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(Pcapng::write(packets, QStringLiteral("sockscope test")));
    file.close();
    QProcess p;
    p.start(tshark, {QStringLiteral("-r"), path, QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"),
                     QStringLiteral("tcp.flags.str"), QStringLiteral("-e"), QStringLiteral("frame.comment")});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QStringList lines = QString::fromUtf8(p.readAllStandardOutput()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 6);
    QVERIFY2(lines[0].contains(QLatin1String("S")) && lines[0].endsWith(QLatin1String("client #1: connect(127.0.0.1:8000)")),
             qPrintable(lines[0]));
}

QTEST_MAIN(TestPcapng)
#include "tst_pcapng.moc"
