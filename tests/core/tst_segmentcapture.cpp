// SPDX-License-Identifier: GPL-3.0-or-later
// Capture on the lab's private loopback, on the real kernel: each segment once, in order, with
// the numbers Wireshark would show.
#include "core/capture/segmentcapture.h"
#include "core/capture/segmenttext.h"
#include "core/system/labnetwork.h"

#include "../common/privatenetwork.h"

#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace sockscope;

namespace {

sockaddr_in loopback8000()
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(8000);
    return a;
}

// The captured segments between the two ends of the connection from `clientPort`.
QList<SegmentCapture::Captured> between(const SegmentCapture &capture, quint16 clientPort)
{
    QList<SegmentCapture::Captured> out;
    for (const SegmentCapture::Captured &c : capture.kept()) {
        if (c.segment.source.port == clientPort || c.segment.destination.port == clientPort)
            out.append(c);
    }
    return out;
}

} // namespace

class TestSegmentCapture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldCaptureAConnectionOnceWithWiresharksNumbers();
};

void TestSegmentCapture::shouldCaptureAConnectionOnceWithWiresharksNumbers()
{
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    SegmentCapture capture;
    QString why;
    QVERIFY2(capture.start(network, &why), qPrintable(why));

    const int listener = network.createSocket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in at = loopback8000();
    QVERIFY(::bind(listener, reinterpret_cast<const sockaddr *>(&at), sizeof at) == 0 && ::listen(listener, 4) == 0);
    const int client = network.createSocket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(::connect(client, reinterpret_cast<const sockaddr *>(&at), sizeof at) == 0);
    const int accepted = ::accept(listener, nullptr, nullptr);
    QVERIFY(accepted >= 0);
    sockaddr_in mine{};
    socklen_t length = sizeof mine;
    ::getsockname(client, reinterpret_cast<sockaddr *>(&mine), &length);
    const quint16 clientPort = ntohs(mine.sin_port);
    const QByteArray data(100, 'x');
    QCOMPARE(::send(client, data.constData(), 100, 0), ssize_t(100));
    char got[100];
    QCOMPARE(::recv(accepted, got, 100, MSG_WAITALL), ssize_t(100));
    ::shutdown(client, SHUT_WR);
    QCOMPARE(::recv(accepted, got, 1, 0), ssize_t(0)); // the FIN arrived

    QList<SegmentCapture::Captured> seen;
    QTRY_VERIFY((capture.readPending(), seen = between(capture, clientPort), seen.size() >= 6));
    const auto text = [&](int i) { return SegmentText::line(seen[i].segment, seen[i].bases); };
    // The handshake, each segment once, sent by the end the arrow starts from.
    QVERIFY2(text(0).startsWith(QLatin1String("SYN seq=0 ")), qPrintable(text(0)));
    QCOMPARE(seen[0].segment.source.port, clientPort);
    QVERIFY2(text(1).startsWith(QLatin1String("SYN,ACK seq=0 ack=1 ")), qPrintable(text(1)));
    QCOMPARE(seen[1].segment.source.port, quint16(8000));
    QVERIFY2(text(2).startsWith(QLatin1String("ACK seq=1 ack=1 ")), qPrintable(text(2)));
    // The data, and the ack that answers it; then the client's FIN after its 100 bytes.
    QCOMPARE(seen[3].segment.payloadLength, 100u);
    QCOMPARE(seen[3].bases.relativeSeq(seen[3].segment), 1u);
    bool acked = false, fin = false;
    for (const SegmentCapture::Captured &c : seen) {
        acked |= c.segment.source.port == 8000 && c.bases.relativeAck(c.segment) == 101;
        if (c.segment.flags.testFlag(SegmentFlag::Fin)) {
            fin = true;
            QCOMPARE(c.segment.source.port, clientPort);
            QCOMPARE(c.bases.relativeSeq(c.segment), 101u);
        }
    }
    QVERIFY(acked);
    QVERIFY(fin);
    int syns = 0;
    for (const SegmentCapture::Captured &c : seen)
        syns += c.segment.flags.testFlag(SegmentFlag::Syn) && !c.segment.flags.testFlag(SegmentFlag::Ack);
    QCOMPARE(syns, 1); // the looped-back copy is not kept
    QCOMPARE(capture.droppedCount(), 0);
    for (int fd : {accepted, client, listener})
        ::close(fd);

    // Bounded: past the limit the oldest go, and are counted.
    const qint64 before = capture.capturedCount();
    capture.setMaxKept(2);
    const int again = network.createSocket(AF_INET, SOCK_STREAM, 0);
    ::connect(again, reinterpret_cast<const sockaddr *>(&at), sizeof at); // refused: SYN, RST
    QTRY_VERIFY((capture.readPending(), capture.capturedCount() >= before + 2));
    QCOMPARE(qint64(capture.kept().size()), 2);
    QCOMPARE(capture.droppedCount(), capture.capturedCount() - 2);
    ::close(again);
    capture.stop();
}

QTEST_MAIN(TestSegmentCapture)
#include "tst_segmentcapture.moc"
