// SPDX-License-Identifier: GPL-3.0-or-later
// A delay on the lab's wire: netem in the private network where the kernel has it, and a
// plain reason where it has not; never anything on this machine's own loopback.
#include "core/system/labnetwork.h"
#include "core/wire/labcommandline.h"
#include "core/wire/wiredelay.h"

#include "../../common/privatenetwork.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <poll.h>
#include <unistd.h>

using namespace sockscope;

namespace {

// What `tc qdisc show dev lo` prints in the network (or on the host without one).
QString qdiscsOfLo(const LabNetwork *network)
{
    const QString tc = WireDelay::tcProgram();
    if (tc.isEmpty())
        return {};
    QProcess process;
    QStringList command = network ? network->ssLauncher() : QStringList();
    command << tc << QStringLiteral("qdisc") << QStringLiteral("show") << QStringLiteral("dev") << QStringLiteral("lo");
    const QString program = command.takeFirst();
    process.start(program, command);
    process.waitForFinished(5000);
    return QString::fromLocal8Bit(process.readAllStandardOutput()).trimmed();
}

// Milliseconds from connect() to the connection being established, in the network.
qint64 connectMs(LabNetwork &network)
{
    const int listener = network.createSocket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(listener, 4) != 0)
        return -1;
    socklen_t length = sizeof a;
    ::getsockname(listener, reinterpret_cast<sockaddr *>(&a), &length);
    const int client = network.createSocket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    QElapsedTimer clock;
    clock.start();
    ::connect(client, reinterpret_cast<sockaddr *>(&a), sizeof a);
    pollfd p{client, POLLOUT, 0};
    const int ready = ::poll(&p, 1, 5000);
    const qint64 ms = ready == 1 ? clock.elapsed() : -1;
    ::close(client);
    ::close(listener);
    return ms;
}

} // namespace

class TestWireDelay : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldSayWhyWithoutAPrivateNetwork();
    void shouldRefuseADelayOutOfRange();
    void shouldDelayTheWireOrSayTheKernelCannot();
};

void TestWireDelay::shouldSayWhyWithoutAPrivateNetwork()
{
    const QString hostBefore = qdiscsOfLo(nullptr);
    WireDelay delay(nullptr);
    const QString why = delay.whyUnavailable();
    QVERIFY(why.contains(QLatin1String("private network")));
    QString error;
    QVERIFY(!delay.setDelay(50, &error));
    QCOMPARE(error, why);
    QCOMPARE(delay.delayMs(), 0);
    QCOMPARE(qdiscsOfLo(nullptr), hostBefore);
}

void TestWireDelay::shouldRefuseADelayOutOfRange()
{
    WireDelay delay(nullptr);
    QString error;
    QVERIFY(!delay.setDelay(-1, &error));
    QVERIFY2(error.contains(QLatin1String("0 to 2000 ms")), qPrintable(error));
    QVERIFY(!delay.setDelay(WireDelay::maxDelayMs + 1, &error));
    QVERIFY2(error.contains(QLatin1String("not 2001")), qPrintable(error));
}

void TestWireDelay::shouldDelayTheWireOrSayTheKernelCannot()
{
    if (WireDelay::tcProgram().isEmpty())
        QSKIP("the tc program is not installed");
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    const QString hostBefore = qdiscsOfLo(nullptr);
    const QString labBefore = qdiscsOfLo(&network);
    WireDelay delay(&network);
    const QString why = delay.whyUnavailable();
    if (!why.isEmpty()) {
        // This kernel has no netem: nothing changes, and the reason is tc's own.
        QString error;
        QVERIFY(!delay.setDelay(50, &error));
        QCOMPARE(error, why);
        QCOMPARE(delay.delayMs(), 0);
        QCOMPARE(qdiscsOfLo(&network), labBefore);
        QCOMPARE(qdiscsOfLo(nullptr), hostBefore);
        qInfo("no delay here: %s", qPrintable(why));
        return;
    }
    // A handshake is one round trip: SYN out, SYN,ACK back, each waiting 60 ms on lo.
    QString error;
    QVERIFY2(delay.setDelay(60, &error), qPrintable(error));
    QVERIFY(qdiscsOfLo(&network).contains(QLatin1String("netem")));
    const qint64 delayed = connectMs(network);
    QVERIFY2(delayed >= 110, qPrintable(QString::number(delayed)));
    QVERIFY(delay.setDelay(0, &error));
    QVERIFY(!qdiscsOfLo(&network).contains(QLatin1String("netem")));
    QCOMPARE(qdiscsOfLo(nullptr), hostBefore);
}

QTEST_GUILESS_MAIN(TestWireDelay)
#include "tst_wiredelay.moc"
