// SPDX-License-Identifier: GPL-3.0-or-later
// Runs on a real NETLINK_SOCK_DIAG dump of every TCP state and the /proc tables read right after
// it, captured with `tests/data/capture-fixtures.py --netlink` (tests/data/README.md section 9:
// datagram offsets, byte layout, and where netlink and /proc differ). Damaged input is made by
// corrupting copies of real messages from that dump.
#include "core/parsers/inetdiagparser.h"
#include "core/parsers/procnettcpparser.h"

#include "../common/fixtures.h"

#include <QSet>
#include <QTest>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>

using namespace sockscope;
using namespace sockscope::test;

using Status = InetDiagParser::Status;

namespace {

const QString tcp4Dump = QStringLiteral("netlink-tcp4.bin");
const QString tcp6Dump = QStringLiteral("netlink-tcp6.bin");

// Section 9 "Counts": the /proc counts plus the one bound-only socket (state 7 CLOSE).
const QMap<QString, int> expectedCounts{
    {QStringLiteral("ESTABLISHED"), 18}, {QStringLiteral("SYN_SENT"), 1},  {QStringLiteral("SYN_RECV"), 1},
    {QStringLiteral("FIN_WAIT1"), 1},    {QStringLiteral("FIN_WAIT2"), 4}, {QStringLiteral("TIME_WAIT"), 2},
    {QStringLiteral("CLOSE"), 1},        {QStringLiteral("CLOSE_WAIT"), 2}, {QStringLiteral("LAST_ACK"), 1},
    {QStringLiteral("LISTEN"), 12},      {QStringLiteral("CLOSING"), 1},
};

constexpr qsizetype diagAt = NLMSG_HDRLEN; // where inet_diag_msg starts in a message
constexpr qsizetype attributesAt = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(inet_diag_msg));

// Parses from a heap block of exactly the input's size, so that a sanitizer build reports any
// read past the end (a QByteArray has a terminating NUL and maybe spare room behind its data).
InetDiagParser::Result parseExactly(const QByteArray &bytes, QList<SocketRecord> &records)
{
    const std::unique_ptr<char[]> copy(new char[size_t(qMax<qsizetype>(bytes.size(), 1))]);
    if (!bytes.isEmpty())
        std::memcpy(copy.get(), bytes.constData(), size_t(bytes.size()));
    return InetDiagParser::parse(QByteArrayView(copy.get(), bytes.size()), records);
}

nlmsghdr headerOf(const QByteArray &message)
{
    nlmsghdr h{};
    std::memcpy(&h, message.constData(), sizeof h);
    return h;
}

// The messages of a dump in order, each with its padding.
QList<QByteArray> messagesOf(const QByteArray &dump)
{
    QList<QByteArray> messages;
    qsizetype offset = 0;
    while (offset + qsizetype(sizeof(nlmsghdr)) <= dump.size()) {
        const nlmsghdr h = headerOf(dump.mid(offset, sizeof(nlmsghdr)));
        if (h.nlmsg_len < sizeof(nlmsghdr) || offset + qsizetype(h.nlmsg_len) > dump.size())
            break;
        messages.append(dump.mid(offset, NLMSG_ALIGN(h.nlmsg_len)));
        offset += NLMSG_ALIGN(h.nlmsg_len);
    }
    return messages;
}

// The first socket message in the given state of a real dump.
QByteArray realMessage(TcpState state, const QString &file = tcp4Dump)
{
    for (const QByteArray &m : messagesOf(readFixture(file))) {
        if (headerOf(m).nlmsg_type == SOCK_DIAG_BY_FAMILY
            && quint8(m.at(diagAt + offsetof(inet_diag_msg, idiag_state))) == kernelNumber(state))
            return m;
    }
    QTest::qFail("no such message in the dump", __FILE__, __LINE__);
    return QByteArray();
}

// The dump's NLMSG_DONE (20 bytes: header and an int 0).
QByteArray realDone(const QString &file = tcp4Dump)
{
    return messagesOf(readFixture(file)).constLast();
}

template<typename T>
QByteArray patched(QByteArray bytes, qsizetype offset, T value)
{
    std::memcpy(bytes.data() + offset, &value, sizeof value);
    return bytes;
}

QByteArray withLength(const QByteArray &message, quint32 length)
{
    return patched(message, offsetof(nlmsghdr, nlmsg_len), length);
}

QByteArray withType(const QByteArray &message, quint16 type)
{
    return patched(message, offsetof(nlmsghdr, nlmsg_type), type);
}

QByteArray withDiagField(const QByteArray &message, size_t field, quint8 value)
{
    return patched(message, diagAt + qsizetype(field), value);
}

// The first `length` bytes of a message, its header saying so.
QByteArray cutTo(const QByteArray &message, qsizetype length)
{
    return withLength(message.left(length), quint32(length));
}

rtattr attributeHeaderAt(const QByteArray &message, qsizetype at)
{
    rtattr a{};
    std::memcpy(&a, message.constData() + at, sizeof a);
    return a;
}

// Where the attribute of this type starts in a real socket message.
qsizetype attributeAt(const QByteArray &message, quint16 type)
{
    for (qsizetype at = attributesAt; at + qsizetype(sizeof(rtattr)) <= message.size();) {
        const rtattr a = attributeHeaderAt(message, at);
        if (a.rta_type == type)
            return at;
        if (a.rta_len < sizeof(rtattr))
            break;
        at += RTA_ALIGN(a.rta_len);
    }
    QTest::qFail("no such attribute in the message", __FILE__, __LINE__);
    return attributesAt;
}

quint16 attributeLength(const QByteArray &message, quint16 type)
{
    return attributeHeaderAt(message, attributeAt(message, type)).rta_len;
}

QList<qsizetype> allAttributes(const QByteArray &message)
{
    QList<qsizetype> out;
    for (qsizetype at = attributesAt; at + qsizetype(sizeof(rtattr)) <= qsizetype(headerOf(message).nlmsg_len);) {
        const rtattr a = attributeHeaderAt(message, at);
        out.append(at);
        if (a.rta_len < sizeof(rtattr))
            break;
        at += RTA_ALIGN(a.rta_len);
    }
    return out;
}

QByteArray withAttributeLength(const QByteArray &message, quint16 type, quint16 length)
{
    return patched(message, attributeAt(message, type) + qsizetype(offsetof(rtattr, rta_len)), length);
}

// What the kernel answers a request it refuses: NLMSG_ERROR carrying -errno and the request's
// header. Made from the real NLMSG_DONE, so sequence number and port id are the dump's.
QByteArray netlinkError(int error)
{
    QByteArray m = realDone() + QByteArray(sizeof(nlmsghdr), '\0');
    m = withType(withLength(m, quint32(m.size())), NLMSG_ERROR);
    return patched(m, NLMSG_HDRLEN + qsizetype(offsetof(nlmsgerr, error)), error);
}

QList<SocketRecord> parseDump(const QString &file, InetDiagParser::Result *resultOut = nullptr)
{
    QList<SocketRecord> records;
    const auto result = parseExactly(readFixture(file), records);
    if (resultOut)
        *resultOut = result;
    return records;
}

QString keyOf(const SocketRecord &r)
{
    return familyName(r.family) + QLatin1Char(' ') + r.local.toString() + QLatin1Char(' ') + r.remote.toString()
        + QLatin1Char(' ') + kernelName(r.state);
}

// The record with the same family, endpoints and state.
const SocketRecord *counterpart(const QList<SocketRecord> &records, const SocketRecord &r)
{
    const SocketRecord *found = nullptr;
    for (const SocketRecord &other : records) {
        if (keyOf(other) == keyOf(r)) {
            if (found)
                return nullptr; // ambiguous
            found = &other;
        }
    }
    return found;
}

// tcp_info comes only with full sockets: not with TIME_WAIT (and orphaned FIN_WAIT2) mini
// sockets, request sockets (SYN_RECV) or bound-only ones (section 9, attribute table).
bool isFullSocket(const SocketRecord &r)
{
    return r.timer != TimerKind::TimeWait && r.state != TcpState::SynRecv && r.state != TcpState::Close;
}

// inet_diag bytecode as the kernel reads it (net/ipv4/inet_diag.c), for the ops portFilter uses.
inet_diag_bc_op opAt(const QByteArray &bc, qsizetype at)
{
    inet_diag_bc_op op{};
    std::memcpy(&op, bc.constData() + at, sizeof op);
    return op;
}

bool isPortTest(quint8 code)
{
    return code == INET_DIAG_BC_S_EQ || code == INET_DIAG_BC_D_EQ;
}

// inet_diag_bc_run: whether a socket with these ports passes the filter; nullopt for bytecode
// the walk cannot follow (which the audit below would have refused).
std::optional<bool> runFilter(const QByteArray &bc, quint16 sport, quint16 dport)
{
    int len = int(bc.size());
    qsizetype at = 0;
    while (len > 0) {
        if (at + qsizetype(sizeof(inet_diag_bc_op)) > bc.size())
            return std::nullopt;
        const inet_diag_bc_op op = opAt(bc, at);
        bool yes = true;
        switch (op.code) {
        case INET_DIAG_BC_NOP:
            break;
        case INET_DIAG_BC_JMP:
            yes = false;
            break;
        case INET_DIAG_BC_S_EQ:
        case INET_DIAG_BC_D_EQ:
            if (at + 2 * qsizetype(sizeof(inet_diag_bc_op)) > bc.size())
                return std::nullopt;
            yes = (op.code == INET_DIAG_BC_S_EQ ? sport : dport) == opAt(bc, at + 4).no;
            break;
        default:
            return std::nullopt;
        }
        const int step = yes ? op.yes : op.no;
        if (step <= 0)
            return std::nullopt;
        len -= step;
        at += step;
    }
    return len == 0;
}

// valid_cc: whether `cc` bytes before the end lies on the chain of "yes" jumps from the start.
bool onYesChain(const QByteArray &bc, int cc)
{
    int len = int(bc.size());
    qsizetype at = 0;
    while (len >= 0) {
        if (cc > len)
            return false;
        if (cc == len)
            return true;
        if (at + qsizetype(sizeof(inet_diag_bc_op)) > bc.size())
            return false;
        const inet_diag_bc_op op = opAt(bc, at);
        if (op.yes < 4 || op.yes & 3)
            return false;
        len -= op.yes;
        at += op.yes;
    }
    return false;
}

// inet_diag_bc_audit for these ops: what the kernel checks before it accepts a filter.
bool kernelAccepts(const QByteArray &bc)
{
    int len = int(bc.size());
    qsizetype at = 0;
    while (len > 0) {
        if (at + qsizetype(sizeof(inet_diag_bc_op)) > bc.size())
            return false;
        const inet_diag_bc_op op = opAt(bc, at);
        int minLen = int(sizeof(inet_diag_bc_op));
        if (isPortTest(op.code)) {
            minLen += int(sizeof(inet_diag_bc_op)); // valid_port_comparison
            if (len < minLen)
                return false;
        } else if (op.code != INET_DIAG_BC_JMP && op.code != INET_DIAG_BC_NOP) {
            return false;
        }
        if (op.code != INET_DIAG_BC_NOP) {
            if (op.no < minLen || op.no > len + 4 || op.no & 3)
                return false;
            if (op.no < len && !onYesChain(bc, len - op.no))
                return false;
        }
        if (op.yes < minLen || op.yes > len + 4 || op.yes & 3)
            return false;
        at += op.yes;
        len -= op.yes;
    }
    return len == 0;
}

} // namespace

class TestInetDiagParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldParseEachDumpDatagramByDatagram_data();
    void shouldParseEachDumpDatagramByDatagram();
    void shouldParseEachDumpAsOneBuffer_data();
    void shouldParseEachDumpAsOneBuffer();
    void shouldAgreeWithProcReadRightAfter_data();
    void shouldAgreeWithProcReadRightAfter();
    void shouldReadTheListenBacklog_data();
    void shouldReadTheListenBacklog();
    void shouldCountTimeWaitDownInMilliseconds_data();
    void shouldCountTimeWaitDownInMilliseconds();
    void shouldKeepIPv4MappedAddressesInTcp6();
    void shouldReadTcpInfoOfFullSocketsOnly_data();
    void shouldReadTcpInfoOfFullSocketsOnly();
    void shouldReadTheShutdownMask();
    void shouldTakeAShorterOrLongerTcpInfo();
    void shouldParseEmptyInputAsMore();
    void shouldRejectDamageAndKeepEarlierRecords_data();
    void shouldRejectDamageAndKeepEarlierRecords();
    void shouldSkipUnknownAttributesAndNoopMessages();
    void shouldTakeAMessageWithoutAttributes();
    void shouldTakeTheAnswerToTheOlderBothFamiliesRequest();
    void shouldBuildNoPortFilterForNoPortsOrTooMany();
    void shouldBuildAPortFilterTheKernelAcceptsAndRuns_data();
    void shouldBuildAPortFilterTheKernelAcceptsAndRuns();
};

void TestInetDiagParser::shouldParseEachDumpDatagramByDatagram_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QList<int>>("datagramEnds");
    QTest::addColumn<QList<int>>("socketsPerDatagram");
    // Section 9 "Datagram boundaries"
    QTest::newRow("tcp4") << tcp4Dump << QList<int>{3672, 16420, 16440} << QList<int>{9, 35, 0};
    QTest::newRow("tcp6") << tcp6Dump << QList<int>{3744, 16524, 16544} << QList<int>{9, 35, 0};
}

void TestInetDiagParser::shouldParseEachDumpDatagramByDatagram()
{
    QFETCH(QString, file);
    QFETCH(QList<int>, datagramEnds);
    QFETCH(QList<int>, socketsPerDatagram);
    const QByteArray dump = readFixture(file);
    QCOMPARE(dump.size(), datagramEnds.constLast());
    QList<SocketRecord> records;
    int start = 0;
    for (int i = 0; i < datagramEnds.size(); ++i) {
        const qsizetype before = records.size();
        const auto result = parseExactly(dump.mid(start, datagramEnds[i] - start), records);
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QCOMPARE(result.status, i + 1 == datagramEnds.size() ? Status::Done : Status::More);
        QCOMPARE(records.size() - before, qsizetype(socketsPerDatagram[i]));
        start = datagramEnds[i];
    }
    QCOMPARE(records.size(), 44);
    QCOMPARE(countByState(records), expectedCounts);
    QVERIFY(records == parseDump(file)); // the same as in one piece
}

void TestInetDiagParser::shouldParseEachDumpAsOneBuffer_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<AddressFamily>("family");
    QTest::newRow("tcp4") << tcp4Dump << AddressFamily::IPv4;
    QTest::newRow("tcp6") << tcp6Dump << AddressFamily::IPv6;
}

void TestInetDiagParser::shouldParseEachDumpAsOneBuffer()
{
    QFETCH(QString, file);
    QFETCH(AddressFamily, family);
    InetDiagParser::Result result;
    const QList<SocketRecord> records = parseDump(file, &result);
    QCOMPARE(result.status, Status::Done);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(records.size(), 44);
    QCOMPARE(countByState(records), expectedCounts);
    QSet<quint64> cookies;
    for (const SocketRecord &r : records) {
        QCOMPARE(r.family, family);
        QCOMPARE(r.local.address.family(), family);
        QCOMPARE(r.remote.address.family(), family);
        QVERIFY(r.uid.has_value());
        QVERIFY(r.inode.has_value());
        QVERIFY(r.cookie.has_value() && *r.cookie != 0);
        cookies.insert(*r.cookie);
    }
    QCOMPARE(cookies.size(), records.size()); // unique on every row, TIME_WAIT and SYN_RECV included
}

void TestInetDiagParser::shouldAgreeWithProcReadRightAfter_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("procFile");
    QTest::addColumn<QString>("boundOnly");
    QTest::newRow("tcp4") << tcp4Dump << "netlink-proc-net-tcp.txt" << "127.0.0.1:18098";
    QTest::newRow("tcp6") << tcp6Dump << "netlink-proc-net-tcp6.txt" << "[::1]:18198";
}

void TestInetDiagParser::shouldAgreeWithProcReadRightAfter()
{
    QFETCH(QString, file);
    QFETCH(QString, procFile);
    QFETCH(QString, boundOnly);
    const auto proc = ProcNetTcpParser().parse(readFixture(procFile), procFile);
    QVERIFY(proc.issues.isEmpty());
    QCOMPARE(proc.records.size(), 43);
    QList<SocketRecord> netlinkOnly = parseDump(file);

    for (const SocketRecord &p : proc.records) {
        const auto it = std::find_if(netlinkOnly.cbegin(), netlinkOnly.cend(), [&p](const SocketRecord &n) {
            return keyOf(n) == keyOf(p) && n.inode == p.inode;
        });
        QVERIFY2(it != netlinkOnly.cend(), qPrintable(QStringLiteral("no netlink row for /proc's %1 inode %2")
                                                          .arg(keyOf(p))
                                                          .arg(p.inode.value_or(0))));
        const SocketRecord n = *it;
        netlinkOnly.erase(it);
        const QByteArray row = keyOf(p).toLatin1();
        QVERIFY2(n.uid == p.uid, row.constData());
        QVERIFY2(n.timer == p.timer, row.constData());
        QVERIFY2(n.rxQueue == p.rxQueue, row.constData()); // LISTEN too: the accept queue
        if (!n.isListener())
            QVERIFY2(n.txQueue == p.txQueue, row.constData());
        // Section 9 "What idiag_timer / idiag_retrans ... hold": netlink counts a request
        // socket's SYN-ACK retransmits (0), /proc its timeouts (1); probes are /proc's timeout
        // column.
        if (n.state == TcpState::SynRecv) {
            QCOMPARE(n.retransmits, 0u);
            QCOMPARE(p.retransmits, 1u);
        } else if (n.timer == TimerKind::Retransmit) {
            QVERIFY2(n.retransmits == p.retransmits, row.constData());
        } else if (n.timer == TimerKind::Keepalive || n.timer == TimerKind::ZeroWindowProbe) {
            QVERIFY2(n.probes == p.probes, row.constData());
        }
    }

    // What /proc never shows: the socket bound and never used (state 7 CLOSE, with a file).
    QCOMPARE(netlinkOnly.size(), 1);
    const SocketRecord &bound = netlinkOnly.constFirst();
    QCOMPARE(bound.state, TcpState::Close);
    QCOMPARE(bound.local.toString(), boundOnly);
    QVERIFY(bound.remote.address.isAny());
    QCOMPARE(bound.remote.port, quint16(0));
    QVERIFY(bound.inode.value_or(0) != 0);
    QCOMPARE(bound.uid, std::optional<quint32>(0));
    QCOMPARE(bound.timer, TimerKind::None);
    QCOMPARE(bound.rxQueue, 0u);
    QCOMPARE(bound.txQueue, 0u);
    QVERIFY(!bound.rttUs.has_value()); // no INET_DIAG_INFO
}

void TestInetDiagParser::shouldReadTheListenBacklog_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("prefix");
    QTest::newRow("tcp4") << tcp4Dump << "127.0.0.1:";
    QTest::newRow("tcp6") << tcp6Dump << "[::1]:";
}

void TestInetDiagParser::shouldReadTheListenBacklog()
{
    QFETCH(QString, file);
    QFETCH(QString, prefix);
    const QList<SocketRecord> records = parseDump(file);
    QCOMPARE(countIf(records, [](const SocketRecord &r) { return r.listenBacklog.has_value(); }), 12);
    for (const SocketRecord &r : records) {
        QCOMPARE(r.listenBacklog.has_value(), r.isListener());
        if (!r.isListener())
            continue;
        QCOMPARE(r.txQueue, 0u); // idiag_wqueue is the backlog here, not bytes
        // listen(8) everywhere but scenario 1's listen(0) and the machine's own 2024 (128)
        const quint32 expected = r.local.port == 2024 ? 128 : (r.local.port == 18004 || r.local.port == 18104) ? 0 : 8;
        QVERIFY2(r.listenBacklog == expected, qPrintable(r.local.toString()));
    }
    const bool v6 = prefix.startsWith(QLatin1Char('['));
    const SocketRecord *withTwo = findRecord(records, prefix + QString::number(v6 ? 18100 : 18000), v6 ? "[::]:*" : "0.0.0.0:*");
    QVERIFY(withTwo);
    QCOMPARE(withTwo->rxQueue, 2u); // the accept queue
    const SocketRecord *full = findRecord(records, prefix + QString::number(v6 ? 18104 : 18004), v6 ? "[::]:*" : "0.0.0.0:*");
    QVERIFY(full);
    QCOMPARE(full->rxQueue, 1u);
    QCOMPARE(full->listenBacklog, std::optional<quint32>(0));
}

void TestInetDiagParser::shouldCountTimeWaitDownInMilliseconds_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("procFile");
    QTest::newRow("tcp4") << tcp4Dump << "netlink-proc-net-tcp.txt";
    QTest::newRow("tcp6") << tcp6Dump << "netlink-proc-net-tcp6.txt";
}

void TestInetDiagParser::shouldCountTimeWaitDownInMilliseconds()
{
    QFETCH(QString, file);
    QFETCH(QString, procFile);
    const QList<SocketRecord> records = parseDump(file);
    const QList<SocketRecord> proc = ProcNetTcpParser().parse(readFixture(procFile)).records;
    // Two TIME_WAIT entries and the orphaned FIN_WAIT2 that runs on the TIME_WAIT timer.
    QCOMPARE(countIf(records, [](const SocketRecord &r) { return r.timer == TimerKind::TimeWait; }), 3);
    int timeWait = 0;
    for (const SocketRecord &r : records) {
        if (r.state == TcpState::TimeWait) {
            ++timeWait;
            QCOMPARE(r.timer, TimerKind::TimeWait);
            QCOMPARE(r.inode, std::optional<quint64>(0));
            QCOMPARE(r.uid, std::optional<quint32>(0));
        }
        if (r.timer != TimerKind::TimeWait)
            continue;
        QVERIFY(r.state == TcpState::TimeWait || r.state == TcpState::FinWait2);
        QVERIFY2(r.timerRemainingMs > 0 && r.timerRemainingMs <= 60000, qPrintable(QString::number(r.timerRemainingMs)));
        QCOMPARE(r.retransmits, 0u);
        // /proc was read 10-15 ms later, counts in 1/100 s (rounded down) and the kernel's
        // clock ticks in 4 ms (HZ 250): /proc is a little behind, never ahead.
        const SocketRecord *p = counterpart(proc, r);
        QVERIFY2(p, qPrintable(keyOf(r)));
        QCOMPARE(p->timer, TimerKind::TimeWait);
        const qint64 ahead = r.timerRemainingMs - p->timerRemainingMs;
        QVERIFY2(ahead >= 0 && ahead <= 40,
                 qPrintable(QStringLiteral("%1: netlink %2 ms, /proc %3 ms").arg(keyOf(r)).arg(r.timerRemainingMs).arg(p->timerRemainingMs)));
    }
    QCOMPARE(timeWait, 2);
}

void TestInetDiagParser::shouldKeepIPv4MappedAddressesInTcp6()
{
    const QList<SocketRecord> records = parseDump(tcp6Dump);
    const SocketRecord *mapped = findRecord(records, QStringLiteral("[::ffff:127.0.0.1]:18048"));
    QVERIFY(mapped);
    QCOMPARE(mapped->family, AddressFamily::IPv6);
    QVERIFY(mapped->local.address.isV4Mapped());
    QCOMPARE(mapped->local.address.toString(), QStringLiteral("::ffff:127.0.0.1"));
    QCOMPARE(mapped->remote.toString(), QStringLiteral("[::ffff:127.0.0.1]:18049"));
    QCOMPARE(mapped->state, TcpState::Established);
    const SocketRecord *dualStack = findRecord(records, QStringLiteral("[::]:18048"));
    QVERIFY(dualStack);
    QVERIFY(dualStack->local.address.isAny());
    QCOMPARE(dualStack->state, TcpState::Listen);
    // As many mapped rows as /proc/net/tcp6 has, and none in the IPv4 dump.
    const auto isMapped = [](const SocketRecord &r) { return r.local.address.isV4Mapped(); };
    const QList<SocketRecord> proc6 = ProcNetTcpParser().parse(readFixture(QStringLiteral("netlink-proc-net-tcp6.txt"))).records;
    QVERIFY(countIf(records, isMapped) > 0);
    QCOMPARE(countIf(records, isMapped), countIf(proc6, isMapped));
}

void TestInetDiagParser::shouldReadTcpInfoOfFullSocketsOnly_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("procFile");
    QTest::newRow("tcp4") << tcp4Dump << "netlink-proc-net-tcp.txt";
    QTest::newRow("tcp6") << tcp6Dump << "netlink-proc-net-tcp6.txt";
}

void TestInetDiagParser::shouldReadTcpInfoOfFullSocketsOnly()
{
    QFETCH(QString, file);
    QFETCH(QString, procFile);
    const QList<SocketRecord> records = parseDump(file);
    const QList<SocketRecord> proc = ProcNetTcpParser().parse(readFixture(procFile)).records;
    QCOMPARE(countIf(records, isFullSocket), 39);
    for (const SocketRecord &r : records) {
        const QByteArray row = keyOf(r).toLatin1();
        const bool full = isFullSocket(r);
        QVERIFY2(r.rtoMs.has_value() == full, row.constData());
        QVERIFY2(r.atoMs.has_value() == full, row.constData());
        QVERIFY2(r.rttUs.has_value() == full, row.constData());
        QVERIFY2(r.rttVarUs.has_value() == full, row.constData());
        QVERIFY2(r.cwnd.has_value() == full, row.constData());
        if (!full) {
            QVERIFY2(!r.ssthresh.has_value(), row.constData());
            continue;
        }
        if (r.isListener()) {
            QVERIFY2(r.rtoMs == 0u, row.constData()); // tcp_get_info stops early for listeners
            continue;
        }
        QVERIFY2(*r.rtoMs >= 200, row.constData()); // TCP_RTO_MIN
        QVERIFY2(*r.cwnd > 0, row.constData());
        if (r.state == TcpState::SynSent)
            QVERIFY2(r.rtoMs == 1000u, row.constData()); // the SYN's initial timeout
        if (r.state == TcpState::Established)
            QVERIFY2(*r.rttUs > 0, row.constData());
        const SocketRecord *p = counterpart(proc, r);
        QVERIFY2(p, row.constData());
        QVERIFY2(r.cwnd == p->cwnd, row.constData());
    }
}

void TestInetDiagParser::shouldReadTheShutdownMask()
{
    // INET_DIAG_SHUTDOWN, shown as ss -e shows it: '<' receiving, '>' sending still open.
    const QList<SocketRecord> records = parseDump(tcp4Dump);
    const QMap<TcpState, QString> expected{
        {TcpState::Established, QStringLiteral("<->")}, {TcpState::CloseWait, QStringLiteral("-->")},
        {TcpState::FinWait1, QStringLiteral("<--")},    {TcpState::LastAck, QStringLiteral("---")},
        {TcpState::Closing, QStringLiteral("---")},     {TcpState::Listen, QStringLiteral("<->")},
    };
    for (const SocketRecord &r : records) {
        if (expected.contains(r.state))
            QVERIFY2(r.details.value(QStringLiteral("shutdown")) == expected.value(r.state), qPrintable(keyOf(r)));
        if (r.timer == TimerKind::TimeWait || r.state == TcpState::SynRecv)
            QVERIFY2(r.details.isEmpty(), qPrintable(keyOf(r))); // mini sockets: only INET_DIAG_MARK
    }
}

void TestInetDiagParser::shouldTakeAShorterOrLongerTcpInfo()
{
    const QByteArray socket = realMessage(TcpState::Established);
    const qsizetype info = attributeAt(socket, INET_DIAG_INFO);
    const quint16 infoLength = attributeLength(socket, INET_DIAG_INFO); // the kernel's tcp_info, not this build's
    QCOMPARE(info + qsizetype(RTA_ALIGN(infoLength)), socket.size()); // the last attribute
    QList<SocketRecord> plain;
    QCOMPARE(parseExactly(socket, plain).status, Status::More);
    QCOMPARE(plain.size(), 1);

    // An older kernel's tcp_info, ending right after tcpi_snd_cwnd: the same fields.
    const quint16 shortInfo = quint16(RTA_LENGTH(offsetof(tcp_info, tcpi_snd_cwnd) + sizeof(__u32)));
    QByteArray older = withAttributeLength(socket, INET_DIAG_INFO, shortInfo);
    older = cutTo(older, info + qsizetype(RTA_ALIGN(shortInfo)));
    QList<SocketRecord> records;
    auto result = parseExactly(older, records);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(records.size(), 1);
    QVERIFY(records[0] == plain[0]);

    // One byte less and it is not a tcp_info worth reading: skipped, not an error.
    QByteArray tooShort = withAttributeLength(socket, INET_DIAG_INFO, quint16(shortInfo - 1));
    tooShort = cutTo(tooShort, info + qsizetype(RTA_ALIGN(shortInfo - 1)));
    records.clear();
    result = parseExactly(tooShort, records);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(records.size(), 1);
    QVERIFY(!records[0].cwnd.has_value());
    QCOMPARE(records[0].inode, plain[0].inode);

    // A newer kernel's, longer than this build's struct: the known part is read.
    QByteArray newer = socket + QByteArray(32, '\x5a');
    newer = withAttributeLength(withLength(newer, quint32(newer.size())), INET_DIAG_INFO, quint16(infoLength + 32));
    records.clear();
    result = parseExactly(newer, records);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(records.size(), 1);
    QVERIFY(records[0] == plain[0]);
}

void TestInetDiagParser::shouldParseEmptyInputAsMore()
{
    QList<SocketRecord> records;
    const auto result = parseExactly(QByteArray(), records);
    QCOMPARE(result.status, Status::More);
    QVERIFY(result.error.isEmpty());
    QVERIFY(records.isEmpty());
    const auto fromView = InetDiagParser::parse(QByteArrayView(), records); // null data
    QCOMPARE(fromView.status, Status::More);
    QVERIFY(records.isEmpty());
}

void TestInetDiagParser::shouldRejectDamageAndKeepEarlierRecords_data()
{
    const QByteArray socket = realMessage(TcpState::Established);
    const QByteArray done = realDone();
    const qsizetype size = socket.size(); // 408
    QTest::addColumn<QByteArray>("damaged");
    QTest::addColumn<QString>("reason");

    QTest::newRow("truncated header") << socket.left(10) << "10 stray bytes";
    QTest::newRow("nlmsg_len 0") << withLength(socket, 0) << "of 0 bytes is shorter than its header";
    QTest::newRow("nlmsg_len 15") << withLength(socket, 15) << "of 15 bytes is shorter than its header";
    QTest::newRow("nlmsg_len past the end") << withLength(socket, quint32(size + 4))
                                            << QStringLiteral("%1 bytes runs past the %2 received").arg(size + 4).arg(size);
    QTest::newRow("nlmsg_len 0xffffffff") << withLength(socket, 0xffffffffu) << "4294967295 bytes runs past";
    QTest::newRow("message cut inside inet_diag_msg")
        << cutTo(socket, NLMSG_HDRLEN + qsizetype(sizeof(inet_diag_msg)) - 1) << "of 71 bytes is shorter than inet_diag_msg";
    QTest::newRow("socket message without payload") << cutTo(socket, NLMSG_HDRLEN) << "of 0 bytes is shorter than inet_diag_msg";
    QTest::newRow("family AF_UNSPEC") << withDiagField(socket, offsetof(inet_diag_msg, idiag_family), AF_UNSPEC) << "address family 0";
    QTest::newRow("family AF_UNIX") << withDiagField(socket, offsetof(inet_diag_msg, idiag_family), AF_UNIX) << "address family 1";
    QTest::newRow("family 255") << withDiagField(socket, offsetof(inet_diag_msg, idiag_family), 255) << "address family 255";
    QTest::newRow("state 0") << withDiagField(socket, offsetof(inet_diag_msg, idiag_state), 0) << "unknown state 0";
    QTest::newRow("state 12 NEW_SYN_RECV") << withDiagField(socket, offsetof(inet_diag_msg, idiag_state), 12) << "unknown state 12";
    QTest::newRow("state 13 BOUND_INACTIVE") << withDiagField(socket, offsetof(inet_diag_msg, idiag_state), 13) << "unknown state 13";
    QTest::newRow("state 255") << withDiagField(socket, offsetof(inet_diag_msg, idiag_state), 255) << "unknown state 255";
    QTest::newRow("timer 5") << withDiagField(socket, offsetof(inet_diag_msg, idiag_timer), 5) << "unknown timer 5";
    QTest::newRow("timer 255") << withDiagField(socket, offsetof(inet_diag_msg, idiag_timer), 255) << "unknown timer 255";
    QTest::newRow("attribute length 0xffff") << withAttributeLength(socket, INET_DIAG_SHUTDOWN, 0xffff) << "an attribute runs past its message";
    // The datagram goes on; the attribute must still end inside its own message.
    QTest::newRow("last attribute past its message, inside the datagram")
        << QByteArray(withAttributeLength(socket, INET_DIAG_INFO, quint16(attributeLength(socket, INET_DIAG_INFO) + 4)) + done)
        << "an attribute runs past its message";
    QTest::newRow("attribute length 3") << withAttributeLength(socket, INET_DIAG_MARK, 3) << "an attribute of 3 bytes is shorter than its header";
    QTest::newRow("attribute length 0") << withAttributeLength(socket, INET_DIAG_SHUTDOWN, 0) << "an attribute of 0 bytes is shorter than its header";
    QTest::newRow("stray bytes after the last message") << QByteArray(4, '\0') << "4 stray bytes after the last netlink message";
    QTest::newRow("NLMSG_ERROR EPERM") << netlinkError(-EPERM)
                                       << QString(QStringLiteral("the kernel refused the dump: ") + QString::fromLocal8Bit(std::strerror(EPERM)));
    QTest::newRow("NLMSG_ERROR ENOENT") << netlinkError(-ENOENT)
                                        << QString(QStringLiteral("the kernel refused the dump: ") + QString::fromLocal8Bit(std::strerror(ENOENT)));
    QTest::newRow("NLMSG_ERROR truncated") << withType(done, NLMSG_ERROR) << "a truncated netlink error";
    // Regression: the parser negated the code to get errno, undefined for INT_MIN (UBSan).
    QTest::newRow("NLMSG_ERROR INT_MIN") << netlinkError(INT_MIN) << "the kernel refused the dump with error code -2147483648";
    QTest::newRow("NLMSG_ERROR 0") << netlinkError(0) << "the kernel refused the dump with error code 0";
}

void TestInetDiagParser::shouldRejectDamageAndKeepEarlierRecords()
{
    QFETCH(QByteArray, damaged);
    QFETCH(QString, reason);
    const QByteArray earlier = realMessage(TcpState::Listen);
    QList<SocketRecord> expected;
    QCOMPARE(parseExactly(earlier, expected).status, Status::More);
    QCOMPARE(expected.size(), 1);

    for (const bool afterASocket : {false, true}) {
        QList<SocketRecord> records;
        const auto result = parseExactly(afterASocket ? QByteArray(earlier + damaged) : damaged, records);
        QCOMPARE(result.status, Status::Error);
        QVERIFY2(result.error.contains(reason), qPrintable(result.error));
        QVERIFY(records == (afterASocket ? expected : QList<SocketRecord>()));
    }
}

void TestInetDiagParser::shouldTakeTheAnswerToTheOlderBothFamiliesRequest()
{
    // The kernel answers TCPDIAG_GETSOCK (IPv4 and IPv6 in one dump) with messages of that
    // type, each an inet_diag_msg as for SOCK_DIAG_BY_FAMILY; both dumps in one.
    QByteArray both;
    for (const QString &file : {tcp4Dump, tcp6Dump}) {
        for (const QByteArray &m : messagesOf(readFixture(file))) {
            if (headerOf(m).nlmsg_type == SOCK_DIAG_BY_FAMILY)
                both += withType(m, TCPDIAG_GETSOCK);
        }
    }
    both += realDone();
    QList<SocketRecord> expected;
    parseExactly(readFixture(tcp4Dump), expected);
    parseExactly(readFixture(tcp6Dump), expected);
    QList<SocketRecord> records;
    const auto result = parseExactly(both, records);
    QCOMPARE(result.status, Status::Done);
    QCOMPARE(records.size(), expected.size());
    QVERIFY(records == expected);
    QVERIFY(std::any_of(records.cbegin(), records.cend(), [](const SocketRecord &r) { return r.family == AddressFamily::IPv6; }));
    // Any other type is still no socket.
    QList<SocketRecord> none;
    parseExactly(withType(realMessage(TcpState::Established), TCPDIAG_GETSOCK + 1), none);
    QVERIFY(none.isEmpty());
}

void TestInetDiagParser::shouldSkipUnknownAttributesAndNoopMessages()
{
    const QByteArray socket = realMessage(TcpState::Established);
    QList<SocketRecord> plain;
    QCOMPARE(parseExactly(socket, plain).status, Status::More);
    QCOMPARE(plain.size(), 1);

    // Every attribute renamed to a type no kernel sends yet: the fixed part is all that is left.
    QByteArray renamed = socket;
    const QList<qsizetype> attributes = allAttributes(socket);
    QCOMPARE(attributes.size(), 5); // SHUTDOWN, MARK, CGROUP_ID, SOCKOPT, INFO
    for (qsizetype i = 0; i < attributes.size(); ++i)
        renamed = patched(renamed, attributes[i] + qsizetype(offsetof(rtattr, rta_type)), quint16(0x7f00 + i));
    const QByteArray noop = withType(realDone(), NLMSG_NOOP);

    QList<SocketRecord> records;
    const auto result = parseExactly(noop + renamed + noop + socket + realDone(), records);
    QCOMPARE(result.status, Status::Done);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(records.size(), 2);
    QVERIFY(records[1] == plain[0]);
    const SocketRecord &bare = records[0];
    QCOMPARE(keyOf(bare), keyOf(plain[0]));
    QCOMPARE(bare.inode, plain[0].inode);
    QCOMPARE(bare.cookie, plain[0].cookie);
    QVERIFY(!bare.rttUs.has_value());
    QVERIFY(!bare.cwnd.has_value());
    QVERIFY(bare.details.isEmpty());
}

void TestInetDiagParser::shouldTakeAMessageWithoutAttributes()
{
    // What a reader without CAP_NET_ADMIN gets for a TIME_WAIT socket: inet_diag_msg alone.
    for (const QString &file : {tcp4Dump, tcp6Dump}) {
        const QByteArray timeWait = realMessage(TcpState::TimeWait, file);
        QCOMPARE(timeWait.size(), 96); // here with INET_DIAG_MARK (root)
        QList<SocketRecord> withMark;
        QList<SocketRecord> bare;
        QCOMPARE(parseExactly(timeWait, withMark).status, Status::More);
        const auto result = parseExactly(cutTo(timeWait, attributesAt), bare);
        QCOMPARE(result.status, Status::More);
        QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
        QCOMPARE(bare.size(), 1);
        QVERIFY(bare == withMark);
    }
}

void TestInetDiagParser::shouldBuildNoPortFilterForNoPortsOrTooMany()
{
    QVERIFY(InetDiagParser::portFilter({}).isEmpty());
    QList<quint16> ports;
    for (int i = 0; i <= InetDiagParser::maxFilterPorts; ++i)
        ports.append(quint16(1000 + i));
    QVERIFY(InetDiagParser::portFilter(ports).isEmpty());
    ports.removeLast();
    QVERIFY(!InetDiagParser::portFilter(ports).isEmpty());
}

void TestInetDiagParser::shouldBuildAPortFilterTheKernelAcceptsAndRuns_data()
{
    QTest::addColumn<QList<quint16>>("ports");
    QTest::newRow("one port") << QList<quint16>{18000};
    QTest::newRow("two ports") << QList<quint16>{18000, 443};
    QTest::newRow("three ports") << QList<quint16>{22, 18000, 65535};
    QList<quint16> most;
    for (int i = 0; i < InetDiagParser::maxFilterPorts; ++i)
        most.append(quint16(2000 + 3 * i));
    QTest::newRow("as many as it holds") << most;
}

void TestInetDiagParser::shouldBuildAPortFilterTheKernelAcceptsAndRuns()
{
    QFETCH(QList<quint16>, ports);
    const QByteArray bc = InetDiagParser::portFilter(ports);
    constexpr int op = int(sizeof(inet_diag_bc_op)); // 4
    constexpr int test = 2 * op;                     // a port test and the op holding its port
    const int tests = 2 * int(ports.size());         // source and destination per port
    QCOMPARE(int(bc.size()), tests * test + (tests - 1) * op);

    // Layout: S_EQ p0, JMP, D_EQ p0, JMP, S_EQ p1, ..., D_EQ pN. A hit steps onto its JMP (or,
    // for the last test, onto the end: accept); a miss skips to the next test, and the last
    // miss lands 4 bytes past the end: reject. Every JMP goes to the end.
    qsizetype at = 0;
    for (int i = 0; i < tests; ++i) {
        const inet_diag_bc_op t = opAt(bc, at);
        QCOMPARE(int(t.code), i % 2 == 0 ? int(INET_DIAG_BC_S_EQ) : int(INET_DIAG_BC_D_EQ));
        QCOMPARE(int(opAt(bc, at + op).no), int(ports[i / 2]));
        QCOMPARE(int(t.yes), test);
        const bool last = i + 1 == tests;
        QCOMPARE(at + t.no, last ? bc.size() + 4 : at + test + op);
        at += test;
        if (last)
            break;
        const inet_diag_bc_op jump = opAt(bc, at);
        QCOMPARE(int(jump.code), int(INET_DIAG_BC_JMP));
        QCOMPARE(at + jump.no, bc.size());
        at += op;
    }
    QCOMPARE(at, bc.size());
    QVERIFY(kernelAccepts(bc));

    // Meaning: a socket passes when either of its ports is in the list.
    QList<quint16> others;
    for (const quint16 p : ports) {
        for (const int near : {p - 1, p + 1}) {
            if (near >= 0 && near <= 65535 && !ports.contains(quint16(near)))
                others.append(quint16(near));
        }
    }
    for (const quint16 candidate : {quint16(0), quint16(1), quint16(65535)}) {
        if (!ports.contains(candidate))
            others.append(candidate);
    }
    QVERIFY(!others.isEmpty());
    const quint16 other = others.constFirst();
    for (const quint16 p : ports) {
        QCOMPARE(runFilter(bc, p, other), std::optional<bool>(true));
        QCOMPARE(runFilter(bc, other, p), std::optional<bool>(true));
        QCOMPARE(runFilter(bc, p, p), std::optional<bool>(true));
    }
    for (const quint16 o : others) {
        QVERIFY2(runFilter(bc, o, other) == std::optional<bool>(false), qPrintable(QString::number(o)));
        QVERIFY2(runFilter(bc, other, o) == std::optional<bool>(false), qPrintable(QString::number(o)));
    }
}

QTEST_GUILESS_MAIN(TestInetDiagParser)
#include "tst_inetdiagparser.moc"
