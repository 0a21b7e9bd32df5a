// SPDX-License-Identifier: GPL-3.0-or-later
// Session files: written from a real session, read back losslessly, and refused with a clear
// message when damaged or hostile.
#include "../../common/capturedsegments.h"
#include "../../common/fixtures.h"

#include "core/capture/segmentcapture.h"
#include "core/format/atomicfile.h"
#include "core/sequence/sequencefigure.h"
#include "core/session/session.h"
#include "core/session/sessionfile.h"
#include "core/sources/procsource.h"
#include "core/system/socketowners.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>

using namespace sockscope;

namespace {

Endpoint loopback(quint16 port)
{
    return {IpAddress::fromIPv4(0x7f000001), port, QString()};
}

// A real session: a listener, a client that connects, is accepted, sends, and closes first,
// polled between the calls; an epoll instance watches the listener and the accepted socket,
// its first epoll_wait() waiting for the connection.
SessionDocument recordRealSession()
{
    Lab lab;
    Session session(&lab);
    const int listener = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4)).socketId;
    lab.execute(LabCommand::bind(listener, loopback(0)));
    lab.execute(LabCommand::listen(listener, 4));
    const quint16 port = lab.socket(listener)->local.port;
    const int epoll = lab.execute(LabCommand::epollCreate()).socketId;
    lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, listener, EPOLLIN));
    lab.execute(LabCommand::epollWait(epoll, 8, 5000)); // waits: nothing is ready
    SocketFilter filter;
    filter.port = port;
    SocketOwners owners;
    const auto poll = [&] {
        Snapshot snapshot = ProcSource().take(filter);
        owners.attribute(snapshot.records);
        session.apply(snapshot);
        QTest::qWait(20);
    };
    poll();
    const int client = lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4)).socketId;
    lab.execute(LabCommand::connect(client, loopback(port)));
    (void)QTest::qWaitFor([&] { return lab.socket(client)->connected && !lab.epoll(epoll)->waiting; }, 5000);
    poll();
    const int accepted = lab.execute(LabCommand::accept(listener)).socketId;
    lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, accepted, EPOLLIN | EPOLLRDHUP));
    lab.execute(LabCommand::send(client, 100));
    poll();
    lab.execute(LabCommand::epollWait(epoll, 8, 0)); // accepted #1 EPOLLIN
    lab.execute(LabCommand::receive(accepted)); // unread data would turn close() into RST
    poll();
    lab.execute(LabCommand::close(client));
    poll();
    lab.execute(LabCommand::epollWait(epoll, 8, 0)); // accepted #1 EPOLLIN|EPOLLRDHUP
    lab.execute(LabCommand::epollCtl(epoll, EpollOp::Delete, accepted));
    lab.execute(LabCommand::close(accepted));
    lab.execute(LabCommand::close(epoll));
    poll();
    poll();
    ScenarioRunRecord run;
    run.name = QStringLiteral("time-wait");
    run.title = QStringLiteral("Active close to TIME_WAIT");
    run.status = QStringLiteral("finished");
    run.outcomes = {{QStringLiteral("client #1 in TIME_WAIT"), true, 120}};
    return session.toDocument(QStringLiteral("0.1.0"), QStringLiteral("proc"), 200, {port}, {run});
}

// The outgoing segments of the real loopback captures in tests/data/capture, IPv4 then IPv6,
// as a live session keeps them: numbered in capture order, their repeats found (the "sack"
// scenario retransmits), timed on the document's clock from the first, sent and received by
// their endpoints, each SYN caused by a connect().
QList<WireSegment> capturedWire()
{
    QList<WireSegment> wire;
    SequenceNumbering numbering;
    SegmentRepeats repeats;
    qint64 firstNs = -1;
    for (const QString &file : {QStringLiteral("capture/lo-ipv4.txt"), QStringLiteral("capture/lo-ipv6.txt")}) {
        for (const test::CapturedScenario &scenario : test::capturedScenarios(file)) {
            for (qsizetype i = 0; i < scenario.segments.size(); ++i) {
                WireSegment w;
                w.segment = scenario.segments[i];
                w.frame = scenario.frames[i];
                w.bases = numbering.take(w.segment);
                w.repeat = repeats.take(w.segment, w.segment.timestampNs);
                if (firstNs < 0)
                    firstNs = w.segment.timestampNs;
                w.steadyNs = (w.segment.timestampNs - firstNs) / 1000 * 1000; // the file's clock is in microseconds
                w.sender = w.segment.source.toString();
                w.receiver = w.segment.destination.toString();
                if (w.segment.has(SegmentFlag::Syn) && !w.segment.has(SegmentFlag::Ack))
                    w.cause = QStringLiteral("client #1: connect(%1)").arg(w.segment.destination.toString());
                wire.append(w);
            }
        }
    }
    return wire;
}

// The session with a connection of the lab's private network added: a copy of its client end
// moved to the 4-tuple of the capture's "transfer" scenario, whose segments the wire holds.
SessionDocument withPrivateClient(SessionDocument d)
{
    const Endpoint local{IpAddress::fromIPv4(0x7f000001), 40001, QString()};
    const Endpoint remote{IpAddress::fromIPv4(0x7f000001), 8001, QString()};
    const auto moved = [&](SocketRecord r) {
        r.network = Network::Private;
        r.local = local;
        r.remote = remote;
        return r;
    };
    for (const RecordedConnection &c : std::as_const(d.connections)) {
        if (!c.clientSide || !c.label.startsWith(QLatin1String("client #1")))
            continue;
        RecordedConnection copy = c;
        ConnectionHistory &h = copy.history;
        h.id = quint64(d.connections.size()) + 1;
        h.key.network = Network::Private;
        h.key.local = local;
        h.key.remote = remote;
        h.latest = moved(h.latest);
        for (RecordSample &sample : h.samples)
            sample.record = moved(sample.record);
        copy.label = QStringLiteral("client #2");
        copy.peer = 0;
        d.connections.append(copy);
        if (h.alive)
            d.table.append(h.latest);
        break;
    }
    return d;
}

QJsonObject rootOf(const QByteArray &bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

QByteArray withRoot(const QJsonObject &root)
{
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

} // namespace

class TestSessionFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shouldHoldEverythingTheSessionSaw();
    void shouldReadBackWhatItWrote();
    void shouldKeepCallsAsDataThatOlderReadersStillRead();
    void shouldKeepEpollCallsAsData();
    void shouldDrawAReplayedEpollServer();
    void shouldReadCallsWrittenBeforeTheyWereData();
    void shouldReadEveryOldFormOfACall_data();
    void shouldReadEveryOldFormOfACall();
    void shouldReplayTheTableAsItWas();
    void shouldSeekEitherWayToTheSameTable();
    void shouldStepInProportionToWhatChanged();
    void shouldRefuseDamagedFiles_data();
    void shouldRefuseDamagedFiles();
    void shouldRefuseEveryTruncation();
    void shouldRefuseHugeAndDeepFiles();
    void shouldOpenOnlyARegularFile();
    void shouldNotLoseAnythingWhenWritingFails();
    void shouldKeepTheWireFrameByFrame();
    void shouldKeepWhichWireRuleStoppedASegment();
    void shouldStillOpenFilesWithoutAWire();
    void shouldBoundEachFrame();
    void shouldKeepWhichNetworkEachConnectionWasOn();
    void shouldReplayTheWireUpToTheMomentShown();

private:
    SessionDocument m_document;
    QByteArray m_bytes;
};

void TestSessionFile::initTestCase()
{
    m_document = recordRealSession();
    // The lab's wire, from real captures: the session above ran on this machine's loopback,
    // where nothing is captured.
    m_document.wire = capturedWire();
    QVERIFY(m_document.wire.size() > 50);
    QVERIFY(std::any_of(m_document.wire.cbegin(), m_document.wire.cend(),
                        [](const WireSegment &w) { return w.repeat.retransmission > 0; }));
    m_document.wireDropped = 7;
    m_document.durationNs = qMax(m_document.durationNs, m_document.wire.last().steadyNs);
    m_bytes = SessionFile::toBytes(m_document);
}

void TestSessionFile::shouldHoldEverythingTheSessionSaw()
{
    const QJsonObject root = rootOf(m_bytes);
    QCOMPARE(root.value(QStringLiteral("format")).toString(), QStringLiteral("sockscope-session"));
    QCOMPARE(root.value(QStringLiteral("format_version")).toInt(), 2);
    QCOMPARE(root.value(QStringLiteral("program")).toObject().value(QStringLiteral("version")).toString(), QStringLiteral("0.1.0"));
    QVERIFY(!root.value(QStringLiteral("host")).toObject().value(QStringLiteral("kernel")).toString().isEmpty());
    QCOMPARE(root.value(QStringLiteral("capture")).toObject().value(QStringLiteral("source")).toString(), QStringLiteral("proc"));

    // the client end: ESTABLISHED, then its close, kept with times and durations
    const RecordedConnection *client = nullptr;
    for (const RecordedConnection &c : m_document.connections) {
        if (c.label.startsWith(QStringLiteral("client #1")))
            client = &c;
    }
    QVERIFY(client);
    QVERIFY(client->clientSide);
    QVERIFY(client->labSocket > 0);
    QVERIFY(client->peer != 0);
    QCOMPARE(client->history.spans.first().state, TcpState::Established);
    QCOMPARE(client->history.state(), TcpState::TimeWait);
    QVERIFY(client->history.samples.size() >= 2);
    // this process held it; in TIME_WAIT that is carried forward, and marked as such
    QCOMPARE(client->history.samples.first().record.ownerStatus, OwnerStatus::Process);
    QCOMPARE(client->history.samples.first().record.owners.value(0).pid, qint32(QCoreApplication::applicationPid()));
    QCOMPARE(client->history.latest.ownerStatus, OwnerStatus::Carried);
    QCOMPARE(client->history.latest.owners, client->history.samples.first().record.owners);
    const QJsonArray connections = root.value(QStringLiteral("connections")).toArray();
    bool durations = false;
    for (const QJsonValue &c : connections) {
        for (const QJsonValue &span : c.toObject().value(QStringLiteral("spans")).toArray())
            durations |= span.toObject().value(QStringLiteral("duration_us")).toDouble() > 0;
    }
    QVERIFY(durations);

    // the lab's calls, with errno names for readers
    QVERIFY(m_document.calls.size() >= 8);
    const QJsonArray calls = root.value(QStringLiteral("lab_calls")).toArray();
    bool einprogress = false;
    for (const QJsonValue &c : calls)
        einprogress |= c.toObject().value(QStringLiteral("errno_name")).toString() == QLatin1String("EINPROGRESS");
    QVERIFY(einprogress);
    QCOMPARE(m_document.scenarioRuns.size(), 1);
}

void TestSessionFile::shouldReadBackWhatItWrote()
{
    const SessionFile::Loaded loaded = SessionFile::fromBytes(m_bytes, QStringLiteral("session.json"));
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    QVERIFY(*loaded.document == m_document);
    // export -> open -> export gives the same bytes
    QCOMPARE(SessionFile::toBytes(*loaded.document), m_bytes);
}

void TestSessionFile::shouldKeepCallsAsDataThatOlderReadersStillRead()
{
    const QJsonArray calls = rootOf(m_bytes).value(QStringLiteral("lab_calls")).toArray();
    QCOMPARE(calls.size(), m_document.calls.size());
    const QStringList oldNames{QStringLiteral("socket"), QStringLiteral("setsockopt"), QStringLiteral("bind"),
                               QStringLiteral("listen"), QStringLiteral("accept"), QStringLiteral("connect"),
                               QStringLiteral("send"), QStringLiteral("recv"), QStringLiteral("shutdown"),
                               QStringLiteral("close")};
    bool sawConnect = false;
    for (qsizetype i = 0; i < calls.size(); ++i) {
        const QJsonObject c = calls[i].toObject();
        const LabCall &call = m_document.calls[i];
        // what sockscope before typed calls reads: a known name and the arguments as text. The
        // epoll calls came later: a sockscope before them refuses such a file, naming the entry
        // ("lab_calls[4].call: 'epoll_create1' is not a call the lab makes"), rather than
        // misreading it.
        QVERIFY(oldNames.contains(c.value(QStringLiteral("call")).toString()) || LabCall::isEpoll(call.kind));
        QVERIFY(c.value(QStringLiteral("arguments")).isString());
        QCOMPARE(c.value(QStringLiteral("arguments")).toString(), call.argumentsText());
        // and the arguments as data
        QVERIFY(c.value(QStringLiteral("args")).isObject());
        if (call.kind == LabCall::Kind::Connect && !call.asynchronous) {
            const QJsonObject args = c.value(QStringLiteral("args")).toObject();
            QCOMPARE(args.value(QStringLiteral("address")).toString(), QStringLiteral("127.0.0.1"));
            QCOMPARE(args.value(QStringLiteral("port")).toInt(), int(call.endpoint.port));
            sawConnect = true;
        }
    }
    QVERIFY(sawConnect);

    // Loaded from `args` alone: the text beside them is for readers.
    QJsonObject root = rootOf(m_bytes);
    QJsonArray blanked;
    for (const QJsonValue &v : root.value(QStringLiteral("lab_calls")).toArray()) {
        QJsonObject c = v.toObject();
        c.insert(QStringLiteral("arguments"), QStringLiteral("(for readers)"));
        blanked.append(c);
    }
    root.insert(QStringLiteral("lab_calls"), blanked);
    const SessionFile::Loaded loaded = SessionFile::fromBytes(withRoot(root));
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    QVERIFY(*loaded.document == m_document);
}

void TestSessionFile::shouldKeepEpollCallsAsData()
{
    QList<LabCall> epollCalls;
    for (const LabCall &c : m_document.calls) {
        if (LabCall::isEpoll(c.kind))
            epollCalls.append(c);
    }
    QCOMPARE(epollCalls.size(), 8); // and close(), which is the same call on any descriptor
    const LabCall &create = epollCalls[0];
    QCOMPARE(create.kind, LabCall::Kind::EpollCreate);
    QCOMPARE(create.socketLabel, QStringLiteral("epoll #1"));
    const LabCall &add = epollCalls[1];
    QCOMPARE(add.argumentsText(), QStringLiteral("epoll #1, EPOLL_CTL_ADD, listener, EPOLLIN"));
    QVERIFY(epollCalls[2].waiting);
    QVERIFY(epollCalls[3].asynchronous);
    QCOMPARE(epollCalls[3].readyText(), QStringLiteral("listener EPOLLIN"));
    QCOMPARE(epollCalls[5].readyText(), QStringLiteral("accepted #1 EPOLLIN"));
    QCOMPARE(epollCalls[6].readyText(), QStringLiteral("accepted #1 EPOLLIN|EPOLLRDHUP"));
    QCOMPARE(epollCalls[7].epollOp, EpollOp::Delete);

    // as data: the operation and events by name, what epoll_wait() reported as a list
    const QJsonArray calls = rootOf(m_bytes).value(QStringLiteral("lab_calls")).toArray();
    QJsonObject ctl;
    QJsonObject woken;
    for (const QJsonValue &v : calls) {
        const QJsonObject c = v.toObject();
        if (ctl.isEmpty() && c.value(QStringLiteral("call")) == QLatin1String("epoll_ctl"))
            ctl = c;
        if (woken.isEmpty() && c.value(QStringLiteral("call")) == QLatin1String("epoll_wait")
            && c.value(QStringLiteral("asynchronous")).toBool())
            woken = c;
    }
    const QJsonObject args = ctl.value(QStringLiteral("args")).toObject();
    QCOMPARE(args.value(QStringLiteral("op")).toString(), QStringLiteral("ADD"));
    QCOMPARE(args.value(QStringLiteral("events")).toArray(), QJsonArray{QStringLiteral("EPOLLIN")});
    QCOMPARE(args.value(QStringLiteral("epoll_label")).toString(), QStringLiteral("epoll #1"));
    QCOMPARE(woken.value(QStringLiteral("args")).toObject().value(QStringLiteral("timeout_ms")).toInt(), 5000);
    QCOMPARE(woken.value(QStringLiteral("waiting")).toBool(), false);
    const QJsonObject ready = woken.value(QStringLiteral("ready")).toArray().first().toObject();
    QCOMPARE(ready.value(QStringLiteral("socket_label")).toString(), QStringLiteral("listener"));
    QCOMPARE(ready.value(QStringLiteral("events")).toArray(), QJsonArray{QStringLiteral("EPOLLIN")});

    // read back as they were made (shouldReadBackWhatItWrote compares the whole document)
    const SessionFile::Loaded loaded = SessionFile::fromBytes(m_bytes);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    qsizetype n = 0;
    for (const LabCall &c : loaded.document->calls) {
        if (LabCall::isEpoll(c.kind)) {
            QVERIFY(c.sameCall(epollCalls[n]));
            QCOMPARE(c.epollId, epollCalls[n].epollId);
            ++n;
        }
    }
    QCOMPARE(n, epollCalls.size());

    // the committed scenario run, written by sockscope scenario epoll-echo --export, opens
    const SessionFile::Loaded echo = SessionFile::fromBytes(test::readFixture(QStringLiteral("sessions/epoll-echo.json")),
                                                            QStringLiteral("epoll-echo.json"));
    QVERIFY2(echo.document, qPrintable(echo.error));
    int reports = 0;
    for (const LabCall &c : echo.document->calls)
        reports += c.kind == LabCall::Kind::EpollWait ? int(c.ready.size()) : 0;
    QVERIFY(reports >= 7); // the listener, three messages, three FINs
    QCOMPARE(echo.document->scenarioRuns.value(0).name, QStringLiteral("epoll-echo"));
}

void TestSessionFile::shouldDrawAReplayedEpollServer()
{
    // The committed epoll-echo run, replayed to its end: client #1's figure has the server's
    // epoll calls that concern it, and none about the other clients' sockets.
    const SessionFile::Loaded loaded = SessionFile::fromBytes(test::readFixture(QStringLiteral("sessions/epoll-echo.json")));
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    const auto replay = std::make_shared<const Replay>(*loaded.document);
    Session session(nullptr);
    session.setRecording(replay);
    qint64 at = -1;
    for (qint64 frame : replay->frames()) {
        session.apply(replay->step(at, frame));
        at = frame;
    }
    quint64 client = 0;
    for (quint64 id : session.connections().ids()) {
        if (session.isClientSide(id) && session.labelOf(id).startsWith(QLatin1String("client #1")))
            client = id;
    }
    QVERIFY(client != 0);
    const SequenceLayout layout = SequenceFigure::of(session, client).layout();
    QStringList texts;
    QString woken;
    for (const SequenceLayout::CallBox &box : layout.calls()) {
        texts << box.text;
        if (box.waits() && woken.isEmpty())
            woken = box.text + QStringLiteral(" -> ") + box.endText;
    }
    const QString all = texts.join(QLatin1Char('|'));
    QVERIFY2(all.contains(QLatin1String("epoll_create1(EPOLL_CLOEXEC) = ")), qPrintable(all));
    QVERIFY2(texts.contains(QStringLiteral("epoll_ctl(ADD, listener, EPOLLIN) = 0")), qPrintable(all));
    QVERIFY2(texts.contains(QStringLiteral("epoll_ctl(ADD, accepted #1, EPOLLIN|EPOLLRDHUP) = 0")), qPrintable(all));
    QVERIFY2(texts.contains(QStringLiteral("epoll_ctl(DEL, accepted #1) = 0")), qPrintable(all));
    QVERIFY2(!all.contains(QLatin1String("accepted #2) = 0")) && !all.contains(QLatin1String("ADD, accepted #3")), qPrintable(all));
    // the connect() spans too; the first wait that spans on the listener's lifeline is the epoll server's
    QVERIFY2(all.contains(QLatin1String("epoll_wait(10000 ms) waits")), qPrintable(all));
    bool listenerWoken = false;
    for (const SequenceLayout::CallBox &box : layout.calls())
        listenerWoken |= box.lifeline == 1 && box.text == QLatin1String("epoll_wait(10000 ms) waits")
            && box.endText == QLatin1String("epoll_wait() = 1: listener EPOLLIN");
    QVERIFY2(listenerWoken, qPrintable(woken));
}

void TestSessionFile::shouldReadCallsWrittenBeforeTheyWereData()
{
    // Written by sockscope before calls were kept as data: names and arguments as text only.
    const QByteArray bytes = test::readFixture(QStringLiteral("sessions/handshake.json"));
    QVERIFY(!rootOf(bytes).value(QStringLiteral("lab_calls")).toArray().first().toObject().contains(QStringLiteral("args")));
    const SessionFile::Loaded loaded = SessionFile::fromBytes(bytes, QStringLiteral("handshake.json"));
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    const QList<LabCall> &calls = loaded.document->calls;
    QCOMPARE(calls.size(), 8);
    QCOMPARE(calls[0].kind, LabCall::Kind::Socket);
    QCOMPARE(calls[0].family, AddressFamily::IPv4);
    QCOMPARE(calls[0].createdSocketId, 1);
    QCOMPARE(calls[1].kind, LabCall::Kind::SetOption);
    QCOMPARE(calls[1].option, LabOption::ReuseAddress);
    QCOMPARE(calls[1].value, 1);
    QCOMPARE(calls[2].kind, LabCall::Kind::Bind);
    QCOMPARE(calls[2].endpoint, loopback(0));
    QCOMPARE(calls[3].kind, LabCall::Kind::Listen);
    QCOMPARE(calls[3].value, 8);
    QCOMPARE(calls[5].kind, LabCall::Kind::Connect);
    QCOMPARE(calls[5].endpoint, loopback(41799));
    QCOMPARE(calls[5].error, EINPROGRESS);
    QVERIFY(calls[6].asynchronous);
    QCOMPARE(calls[7].kind, LabCall::Kind::Accept);

    // The words made from the data are the words that file kept for its readers.
    for (const QString &name : {QStringLiteral("sessions/handshake.json"), QStringLiteral("sessions/accept-queue-ipv6.json")}) {
        const QByteArray old = test::readFixture(name);
        const SessionFile::Loaded read = SessionFile::fromBytes(old, name);
        QVERIFY2(read.document, qPrintable(read.error));
        const QJsonArray texts = rootOf(old).value(QStringLiteral("lab_calls")).toArray();
        QCOMPARE(read.document->calls.size(), texts.size());
        for (qsizetype i = 0; i < texts.size(); ++i)
            QCOMPARE(read.document->calls[i].toString(), texts[i].toObject().value(QStringLiteral("text")).toString());
        // written again, they are data, and read back the same
        const QByteArray again = SessionFile::toBytes(*read.document);
        QVERIFY(rootOf(again).value(QStringLiteral("lab_calls")).toArray().first().toObject().contains(QStringLiteral("args")));
        const SessionFile::Loaded reread = SessionFile::fromBytes(again);
        QVERIFY2(reread.document, qPrintable(reread.error));
        QVERIFY(*reread.document == *read.document);
    }
    // the fuzzer's seeds derived from it (sessions/derive-seeds.py) load whole, to their last list
    for (const QString &name : {QStringLiteral("sessions/markup.json"), QStringLiteral("sessions/limits.json")}) {
        const SessionFile::Loaded seed = SessionFile::fromBytes(test::readFixture(name), name);
        QVERIFY2(seed.document, qPrintable(seed.error));
        QCOMPARE(seed.document->calls.size(), 8);
    }
    // and the one written since, with its arguments as data, reads to the same calls
    const SessionFile::Loaded typed = SessionFile::fromBytes(test::readFixture(QStringLiteral("sessions/handshake-typed.json")));
    QVERIFY2(typed.document, qPrintable(typed.error));
    QCOMPARE(typed.document->calls.size(), calls.size());
    for (qsizetype i = 0; i < calls.size(); ++i) {
        QCOMPARE(typed.document->calls[i].kind, calls[i].kind);
        QCOMPARE(typed.document->calls[i].argumentsText().section(QLatin1Char(':'), 0, 0),
                 calls[i].argumentsText().section(QLatin1Char(':'), 0, 0)); // ports differ between the runs
    }
    const SessionFile::Loaded ipv6 = SessionFile::fromBytes(test::readFixture(QStringLiteral("sessions/accept-queue-ipv6.json")));
    QCOMPARE(ipv6.document->calls[0].family, AddressFamily::IPv6);
    QCOMPARE(ipv6.document->calls[2].endpoint.address, *IpAddress::fromString(u"::1"));
}

void TestSessionFile::shouldReadEveryOldFormOfACall_data()
{
    QTest::addColumn<QString>("call");
    QTest::addColumn<QString>("arguments");
    QTest::addColumn<bool>("notCalled");
    QTest::addColumn<QString>("text"); // as the call is worded once read; empty: refused

    QTest::newRow("socket v6") << "socket" << "AF_INET6, SOCK_STREAM | SOCK_NONBLOCK" << false
                               << "socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK) = 0";
    QTest::newRow("setsockopt") << "setsockopt" << "TCP_DEFER_ACCEPT, 5" << false << "setsockopt(TCP_DEFER_ACCEPT, 5) = 0";
    QTest::newRow("linger") << "setsockopt" << "SO_LINGER, {on, 0 s}" << false << "setsockopt(SO_LINGER, {on, 0 s}) = 0";
    QTest::newRow("bind v6") << "bind" << "[::1]:8000" << false << "bind([::1]:8000) = 0";
    QTest::newRow("bind scoped") << "bind" << "[fe80::1%eth0]:22" << false << "bind([fe80::1%eth0]:22) = 0";
    QTest::newRow("connect mapped") << "connect" << "[::ffff:127.0.0.1]:8000" << false
                                    << "connect([::ffff:127.0.0.1]:8000) = 0";
    QTest::newRow("listen") << "listen" << "0" << false << "listen(0) = 0";
    QTest::newRow("send") << "send" << "100 bytes" << false << "send(100 bytes) = 0";
    QTest::newRow("fill") << "send" << "until the kernel takes no more" << false << "send(until the kernel takes no more) = 0";
    QTest::newRow("recv") << "recv" << "up to 65536 bytes" << false << "recv(up to 65536 bytes) = 0";
    QTest::newRow("drain") << "recv" << "until nothing is left" << false << "recv(until nothing is left) = 0";
    QTest::newRow("shutdown") << "shutdown" << "SHUT_WR" << false << "shutdown(SHUT_WR) = 0";
    QTest::newRow("close") << "close" << "" << false << "close() = 0";
    // refused calls were logged without arguments, some by their command's name
    QTest::newRow("refused send") << "send" << "" << true << "send() — not called";
    QTest::newRow("refused fill") << "fill" << "" << true << "send() — not called";
    QTest::newRow("refused drain") << "drain" << "" << true << "recv() — not called";
    QTest::newRow("refused echo") << "echo" << "" << true << "recv() — not called";
    QTest::newRow("refused abort") << "abort" << "" << true << "close() — not called";
    QTest::newRow("refused socket") << "socket" << "AF_INET, SOCK_STREAM | SOCK_NONBLOCK" << true << "socket() — not called";
    // what the lab never wrote is refused, naming the field
    QTest::newRow("unknown call") << "ioctl" << "" << false << "";
    QTest::newRow("command not refused") << "abort" << "" << false << "";
    QTest::newRow("bad endpoint") << "connect" << "localhost:80" << false << "";
    QTest::newRow("v6 unbracketed") << "bind" << "::1:80" << false << "";
    QTest::newRow("bad option") << "setsockopt" << "SO_BROADCAST, 1" << false << "";
    QTest::newRow("bad count") << "send" << "many bytes" << false << "";
    QTest::newRow("accept with arguments") << "accept" << "x" << false << "";
}

void TestSessionFile::shouldReadEveryOldFormOfACall()
{
    QFETCH(QString, call);
    QFETCH(QString, arguments);
    QFETCH(bool, notCalled);
    QFETCH(QString, text);
    QJsonObject root = rootOf(m_bytes);
    QJsonArray calls = root.value(QStringLiteral("lab_calls")).toArray();
    QJsonObject c = calls[0].toObject();
    c.remove(QStringLiteral("args"));
    c.insert(QStringLiteral("call"), call);
    c.insert(QStringLiteral("arguments"), arguments);
    c.insert(QStringLiteral("result"), 0);
    c.insert(QStringLiteral("errno"), 0);
    c.insert(QStringLiteral("not_called"), notCalled);
    c.insert(QStringLiteral("detail"), notCalled ? QStringLiteral("not called") : QString());
    calls[0] = c;
    root.insert(QStringLiteral("lab_calls"), calls);
    const SessionFile::Loaded loaded = SessionFile::fromBytes(withRoot(root), QStringLiteral("old.json"));
    if (text.isEmpty()) {
        QVERIFY(!loaded.document);
        QVERIFY2(loaded.error.contains(QStringLiteral("lab_calls[0].")), qPrintable(loaded.error));
        return;
    }
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    const LabCall &read = loaded.document->calls.first();
    QCOMPARE(read.toString(), text);
    // and as data, it survives being written and read again
    const SessionFile::Loaded again = SessionFile::fromBytes(SessionFile::toBytes(*loaded.document));
    QVERIFY2(again.document, qPrintable(again.error));
    QVERIFY(again.document->calls.first().sameCall(read));
}

void TestSessionFile::shouldReplayTheTableAsItWas()
{
    const Replay replay(m_document);
    QVERIFY(replay.frames().size() >= 4);
    // At each frame, every recorded connection seen by then and not gone is in the table, in
    // the state its history had then.
    for (qint64 frame : replay.frames()) {
        const Snapshot s = replay.snapshotAt(frame);
        QCOMPARE(s.steadyNs, frame);
        for (const SocketRecord &r : s.records) {
            const ConnectionKey key = ConnectionKey::of(r);
            bool found = false;
            for (const RecordedConnection &c : m_document.connections) {
                if (c.history.key == key && c.history.spans.first().firstSeenNs <= frame)
                    found = true;
            }
            QVERIFY(found);
        }
    }
    // Played through a session one frame at a time, the histories come back: same states,
    // first seen at the same moments, with the recorded labels.
    Session session(nullptr);
    session.setRecording(std::make_shared<Replay>(m_document));
    qint64 at = -1;
    for (qint64 frame : replay.frames()) {
        session.apply(replay.step(at, frame));
        at = frame;
    }
    int matched = 0;
    for (quint64 id : session.connections().ids()) {
        const ConnectionHistory *h = session.connections().history(id);
        const RecordedConnection *r = replay.connection(id);
        QVERIFY(r);
        QCOMPARE(h->key, r->history.key);
        QCOMPARE(h->spans.size(), r->history.spans.size());
        for (qsizetype i = 0; i < h->spans.size(); ++i) {
            QCOMPARE(h->spans[i].state, r->history.spans[i].state);
            QCOMPARE(h->spans[i].firstSeenNs, r->history.spans[i].firstSeenNs);
        }
        QCOMPARE(session.labelOf(id), r->label);
        ++matched;
    }
    QCOMPARE(matched, m_document.connections.size());
}

void TestSessionFile::shouldSeekEitherWayToTheSameTable()
{
    const auto replay = std::make_shared<const Replay>(m_document);
    const QList<qint64> &frames = replay->frames();
    QVERIFY(frames.size() >= 4);
    // Every moment, reached from every other (forward or back, near or far), shows the table
    // the recording held then, with the histories as they were then.
    for (qint64 from : frames) {
        for (qint64 to : frames) {
            Session session(nullptr);
            session.setRecording(replay);
            QList<quint64> rewound;
            connect(&session, &Session::rewound, &session, [&](const QList<quint64> &ids) { rewound = ids; });
            session.apply(replay->step(-1, from));
            session.apply(replay->step(from, to));
            QList<SocketRecord> live;
            for (quint64 id : session.connections().liveIds())
                live.append(session.connections().history(id)->latest);
            QList<SocketRecord> expected = replay->snapshotAt(to).records;
            const auto byKey = [](const SocketRecord &a, const SocketRecord &b) {
                return ConnectionKey::of(a) < ConnectionKey::of(b);
            };
            std::sort(live.begin(), live.end(), byKey);
            std::sort(expected.begin(), expected.end(), byKey);
            QCOMPARE(live, expected);
            for (quint64 id : session.connections().ids()) {
                const std::optional<ConnectionHistory> now = replay->historyAt(id, to);
                QVERIFY2(now, "a connection not yet seen is still held");
                const ConnectionHistory *h = session.connections().history(id);
                QCOMPARE(h->spans.size(), now->spans.size());
                QCOMPARE(h->samples, now->samples);
                QCOMPARE(h->alive, now->alive);
            }
            const Replay::Step step = replay->step(from, to);
            QCOMPARE(!rewound.isEmpty(), to < from && (!step.histories.isEmpty() || !step.removed.isEmpty()));
        }
    }
}

void TestSessionFile::shouldStepInProportionToWhatChanged()
{
    // 2,000 connections, first seen 1 ms apart, each alive for 5 ms: any step touches only the
    // connections that changed between its two moments.
    SessionDocument d = m_document;
    d.connections.clear();
    d.calls.clear();
    const RecordedConnection &model = m_document.connections.first();
    for (int i = 0; i < 2000; ++i) {
        RecordedConnection c = model;
        ConnectionHistory &h = c.history;
        h.id = quint64(i + 1);
        h.key.local.port = quint16(10000 + i);
        const qint64 start = qint64(i) * 1000000;
        h.spans = {StateSpan{TcpState::Established, start, start + 4000000, 0, 0, 5}};
        h.samples = {RecordSample{start, 0, h.latest}};
        h.samples.first().record.state = TcpState::Established;
        h.alive = false;
        h.vanishedNs = start + 5000000;
        d.connections.append(c);
    }
    const Replay replay(d);
    const Replay::Step toEnd = replay.step(-1, replay.endNs());
    QCOMPARE(toEnd.histories.size(), 2000);
    QCOMPARE(toEnd.delta.events.size(), 4000); // each appeared and left
    const Replay::Step small = replay.step(1000 * 1000000LL, 1001 * 1000000LL);
    QVERIFY2(small.histories.size() <= 3, qPrintable(QString::number(small.histories.size())));
    const Replay::Step back = replay.step(1001 * 1000000LL, 1000 * 1000000LL);
    QVERIFY2(back.histories.size() + back.removed.size() <= 3, qPrintable(QString::number(back.histories.size())));
    QVERIFY(back.delta.events.isEmpty());

    // Halfway through a state, the polls that saw it so far follow the recorded spacing (five
    // polls over 4 ms: one every millisecond), not only the moments something changed.
    const std::optional<ConnectionHistory> half = replay.historyAt(Replay::idOf(1000), 1002 * 1000000LL);
    QVERIFY(half && half->alive);
    QCOMPARE(half->spans.last().polls, 3);
    QCOMPARE(half->spans.last().lastSeenNs, 1002 * 1000000LL);
    QCOMPARE(replay.historyAt(Replay::idOf(1000), 1004 * 1000000LL)->spans.last().polls, 5);
    // between two moments of change, the last poll is the one the spacing puts before it
    const std::optional<ConnectionHistory> between = replay.historyAt(Replay::idOf(1000), 1002 * 1000000LL + 500000);
    QCOMPARE(between->spans.last().polls, 3);
    QCOMPARE(between->spans.last().lastSeenNs, 1002 * 1000000LL);
}

void TestSessionFile::shouldRefuseDamagedFiles_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("message");
    const QJsonObject root = rootOf(m_bytes);
    const auto edited = [&](const std::function<void(QJsonObject &)> &edit) {
        QJsonObject copy = root;
        edit(copy);
        return withRoot(copy);
    };
    const auto editFirstConnection = [&](const std::function<void(QJsonObject &)> &edit) {
        return edited([&](QJsonObject &r) {
            QJsonArray connections = r.value(QStringLiteral("connections")).toArray();
            QJsonObject c = connections[0].toObject();
            edit(c);
            connections[0] = c;
            r.insert(QStringLiteral("connections"), connections);
        });
    };

    QTest::newRow("empty") << QByteArray() << "not valid JSON";
    QTest::newRow("not json") << QByteArray("PNG\x89\x00\x01garbage", 14) << "not valid JSON";
    QTest::newRow("a list") << QByteArray("[1,2,3]") << "the JSON is not an object";
    QTest::newRow("another json") << QByteArray("{\"name\": \"x\"}") << "is not a sockscope session";
    QTest::newRow("newer version") << edited([](QJsonObject &r) { r.insert(QStringLiteral("format_version"), 3); })
                                   << "written by a newer sockscope (format 3); this one reads formats 1 to 2";
    QTest::newRow("older version") << edited([](QJsonObject &r) { r.insert(QStringLiteral("format_version"), 0); })
                                   << "has format 0, which this sockscope does not read (it reads formats 1 to 2)";
    QTest::newRow("fractional version") << edited([](QJsonObject &r) { r.insert(QStringLiteral("format_version"), 1.5); })
                                        << "format_version is not a number";
    QTest::newRow("version as text") << edited([](QJsonObject &r) { r.insert(QStringLiteral("format_version"), QStringLiteral("1")); })
                                     << "format_version is not a number";
    QTest::newRow("no connections") << edited([](QJsonObject &r) { r.remove(QStringLiteral("connections")); })
                                    << "connections: expected a list";
    QTest::newRow("port as text") << editFirstConnection([](QJsonObject &c) { c.insert(QStringLiteral("local_port"), QStringLiteral("8000")); })
                                  << "connections[0].local_port: expected a whole number from 0 to 65535";
    QTest::newRow("port too big") << editFirstConnection([](QJsonObject &c) { c.insert(QStringLiteral("remote_port"), 70000); })
                                  << "connections[0].remote_port: expected a whole number from 0 to 65535";
    QTest::newRow("fractional id") << editFirstConnection([](QJsonObject &c) { c.insert(QStringLiteral("id"), 1.5); })
                                   << "connections[0].id: expected a whole number";
    QTest::newRow("absurd time") << editFirstConnection([](QJsonObject &c) {
        QJsonArray spans = c.value(QStringLiteral("spans")).toArray();
        QJsonObject span = spans[0].toObject();
        span.insert(QStringLiteral("first_seen_us"), 1e300);
        spans[0] = span;
        c.insert(QStringLiteral("spans"), spans);
    }) << "connections[0].spans[0].first_seen_us: expected a whole number from 0 to";
    QTest::newRow("negative time") << editFirstConnection([](QJsonObject &c) { c.insert(QStringLiteral("alive"), false); c.insert(QStringLiteral("vanished_us"), -5); })
                                   << "connections[0].vanished_us: expected a whole number from 0";
    QTest::newRow("unknown state") << editFirstConnection([](QJsonObject &c) {
        QJsonArray spans = c.value(QStringLiteral("spans")).toArray();
        QJsonObject span = spans[0].toObject();
        span.insert(QStringLiteral("state"), QStringLiteral("HALF_OPEN"));
        spans[0] = span;
        c.insert(QStringLiteral("spans"), spans);
    }) << "connections[0].spans[0].state: 'HALF_OPEN' is not a kernel state name";
    QTest::newRow("no states") << editFirstConnection([](QJsonObject &c) { c.insert(QStringLiteral("spans"), QJsonArray()); })
                               << "connections[0].spans: a connection has at least one state";
    QTest::newRow("bad address") << editFirstConnection([](QJsonObject &c) { c.insert(QStringLiteral("local_address"), QStringLiteral("localhost")); })
                                 << "connections[0].local_address: 'localhost' is not an IP address";
    QTest::newRow("family mismatch") << editFirstConnection([](QJsonObject &c) { c.insert(QStringLiteral("local_address"), QStringLiteral("::1")); })
                                     << "connections[0].local_address: '::1' is not an ipv4 address";
    QTest::newRow("object for list") << editFirstConnection([](QJsonObject &c) { c.insert(QStringLiteral("samples"), QJsonObject()); })
                                     << "connections[0].samples: expected a list";
    QTest::newRow("null record") << editFirstConnection([](QJsonObject &c) { c.insert(QStringLiteral("latest"), QJsonValue()); })
                                 << "connections[0].latest: expected an object";
    const auto editLatest = [&](const std::function<void(QJsonObject &)> &edit) {
        return editFirstConnection([&](QJsonObject &c) {
            QJsonObject latest = c.value(QStringLiteral("latest")).toObject();
            edit(latest);
            c.insert(QStringLiteral("latest"), latest);
        });
    };
    QTest::newRow("unknown owner status") << editLatest([](QJsonObject &l) { l.insert(QStringLiteral("owner_status"), QStringLiteral("root")); })
                                          << "connections[0].latest.owner_status: 'root' is not one of";
    QTest::newRow("owners without status") << editLatest([](QJsonObject &l) {
        l.remove(QStringLiteral("owner_status"));
        l.insert(QStringLiteral("owners"), QJsonArray{QJsonObject{{QStringLiteral("pid"), 1}, {QStringLiteral("program"), QStringLiteral("init")}}});
    }) << "connections[0].latest.owners: owners without owner_status";
    QTest::newRow("process without owners") << editLatest([](QJsonObject &l) {
        l.insert(QStringLiteral("owner_status"), QStringLiteral("process"));
        l.insert(QStringLiteral("owners"), QJsonArray());
    }) << "connections[0].latest.owners: owner_status 'process' needs at least one owner";
    QTest::newRow("pid zero") << editLatest([](QJsonObject &l) {
        l.insert(QStringLiteral("owner_status"), QStringLiteral("process"));
        l.insert(QStringLiteral("owners"), QJsonArray{QJsonObject{{QStringLiteral("pid"), 0}, {QStringLiteral("program"), QStringLiteral("x")}}});
    }) << "connections[0].latest.owners[0].pid";
    QTest::newRow("owner as text") << editLatest([](QJsonObject &l) {
        l.insert(QStringLiteral("owner_status"), QStringLiteral("carried"));
        l.insert(QStringLiteral("owners"), QJsonArray{QStringLiteral("nginx")});
    }) << "connections[0].latest.owners[0]: expected an object";
    QTest::newRow("too many samples") << editFirstConnection([](QJsonObject &c) {
        QJsonArray samples;
        for (int i = 0; i < ConnectionHistory::maxSamples + 1; ++i)
            samples.append(QJsonObject());
        c.insert(QStringLiteral("samples"), samples);
    }) << "connections[0].samples: 513 entries, more than the 512 a session file may hold";
    QTest::newRow("polls past an int") << editFirstConnection([](QJsonObject &c) {
        QJsonArray spans = c.value(QStringLiteral("spans")).toArray();
        QJsonObject span = spans[0].toObject();
        span.insert(QStringLiteral("polls"), 2147483648.0); // used to wrap to a negative count
        spans[0] = span;
        c.insert(QStringLiteral("spans"), spans);
    }) << "connections[0].spans[0].polls: expected a whole number from 1 to 2147483647";
    QTest::newRow("errno out of range") << edited([](QJsonObject &r) {
        QJsonArray calls = r.value(QStringLiteral("lab_calls")).toArray();
        QJsonObject call = calls[0].toObject();
        call.insert(QStringLiteral("errno"), 99999);
        calls[0] = call;
        r.insert(QStringLiteral("lab_calls"), calls);
    }) << "lab_calls[0].errno: expected a whole number from 0 to 4095";
    const auto editFirstCall = [&](const std::function<void(QJsonObject &)> &edit) {
        return edited([&](QJsonObject &r) {
            QJsonArray calls = r.value(QStringLiteral("lab_calls")).toArray();
            QJsonObject call = calls[0].toObject();
            edit(call);
            calls[0] = call;
            r.insert(QStringLiteral("lab_calls"), calls);
        });
    };
    QTest::newRow("unknown call") << editFirstCall([](QJsonObject &c) { c.insert(QStringLiteral("call"), QStringLiteral("<b>x</b>")); })
                                  << "lab_calls[0].call: '<b>x</b>' is not a call the lab makes";
    QTest::newRow("family of a call") << editFirstCall([](QJsonObject &c) {
        c.insert(QStringLiteral("args"), QJsonObject{{QStringLiteral("family"), QStringLiteral("ipx")}});
    }) << "lab_calls[0].args.family: expected ipv4 or ipv6";
    QTest::newRow("args as text") << editFirstCall([](QJsonObject &c) { c.insert(QStringLiteral("args"), QStringLiteral("AF_INET")); })
                                  << "lab_calls[0].args: expected an object";
    QTest::newRow("old arguments") << editFirstCall([](QJsonObject &c) {
        c.remove(QStringLiteral("args"));
        c.insert(QStringLiteral("arguments"), QStringLiteral("AF_UNIX, SOCK_DGRAM"));
    }) << "lab_calls[0].arguments: 'AF_UNIX, SOCK_DGRAM' is not what the lab writes for socket()";

    // Epoll calls: the operation, the events by name, and a ready list as long as the result.
    const auto editCall = [&](const QString &name, bool asynchronous, const std::function<void(QJsonObject &)> &edit) {
        return edited([&](QJsonObject &r) {
            QJsonArray calls = r.value(QStringLiteral("lab_calls")).toArray();
            for (qsizetype i = 0; i < calls.size(); ++i) {
                QJsonObject call = calls[i].toObject();
                if (call.value(QStringLiteral("call")).toString() == name
                    && call.value(QStringLiteral("asynchronous")).toBool() == asynchronous) {
                    edit(call);
                    calls[i] = call;
                    break;
                }
            }
            r.insert(QStringLiteral("lab_calls"), calls);
        });
    };
    const auto indexOf = [&](const QString &name, bool asynchronous) {
        const QJsonArray calls = root.value(QStringLiteral("lab_calls")).toArray();
        for (qsizetype i = 0; i < calls.size(); ++i) {
            const QJsonObject call = calls[i].toObject();
            if (call.value(QStringLiteral("call")).toString() == name
                && call.value(QStringLiteral("asynchronous")).toBool() == asynchronous)
                return QStringLiteral("lab_calls[%1]").arg(i);
        }
        return QString();
    };
    const QString ctl = indexOf(QStringLiteral("epoll_ctl"), false);
    const QString woken = indexOf(QStringLiteral("epoll_wait"), true);
    const auto editArgs = [](const QString &key, const QJsonValue &value) {
        return [key, value](QJsonObject &c) {
            QJsonObject args = c.value(QStringLiteral("args")).toObject();
            args.insert(key, value);
            c.insert(QStringLiteral("args"), args);
        };
    };
    QTest::newRow("epoll op") << editCall(QStringLiteral("epoll_ctl"), false, editArgs(QStringLiteral("op"), QStringLiteral("PUT")))
                              << ctl + ".args.op: 'PUT' is not ADD, MOD or DEL";
    QTest::newRow("epoll event") << editCall(QStringLiteral("epoll_ctl"), false,
                                             editArgs(QStringLiteral("events"), QJsonArray{QStringLiteral("EPOLLIN"), QStringLiteral("POLLIN")}))
                                 << ctl + ".args.events[1]: 'POLLIN' is not an epoll event";
    QTest::newRow("epoll event as a number") << editCall(QStringLiteral("epoll_ctl"), false, editArgs(QStringLiteral("events"), QJsonArray{1}))
                                             << ctl + ".args.events[0]: expected an event name";
    QTest::newRow("epoll events as text") << editCall(QStringLiteral("epoll_ctl"), false,
                                                      editArgs(QStringLiteral("events"), QStringLiteral("EPOLLIN|EPOLLET")))
                                          << ctl + ".args.events: expected a list";
    QTest::newRow("epoll without instance") << editCall(QStringLiteral("epoll_ctl"), false, [](QJsonObject &c) {
        QJsonObject args = c.value(QStringLiteral("args")).toObject();
        args.remove(QStringLiteral("epoll"));
        c.insert(QStringLiteral("args"), args);
    }) << ctl + ".args.epoll: missing";
    QTest::newRow("epoll timeout") << editCall(QStringLiteral("epoll_wait"), true, editArgs(QStringLiteral("timeout_ms"), -2))
                                   << woken + ".args.timeout_ms: expected a whole number from -1 to";
    QTest::newRow("epoll max events") << editCall(QStringLiteral("epoll_wait"), true, editArgs(QStringLiteral("max_events"), 0))
                                      << woken + ".args.max_events: expected a whole number from 1 to";
    QTest::newRow("epoll ready list short") << editCall(QStringLiteral("epoll_wait"), true, [](QJsonObject &c) {
        c.insert(QStringLiteral("ready"), QJsonArray());
    }) << woken + ".ready: 0 entries, but epoll_wait() returned 1";
    QTest::newRow("epoll ready entry") << editCall(QStringLiteral("epoll_wait"), true, [](QJsonObject &c) {
        QJsonArray ready = c.value(QStringLiteral("ready")).toArray();
        QJsonObject entry = ready[0].toObject();
        entry.insert(QStringLiteral("socket"), QStringLiteral("listener"));
        ready[0] = entry;
        c.insert(QStringLiteral("ready"), ready);
    }) << woken + ".ready[0].socket: expected a whole number";
    QTest::newRow("epoll without waiting") << editCall(QStringLiteral("epoll_wait"), true, [](QJsonObject &c) {
        c.remove(QStringLiteral("waiting"));
    }) << woken + ".waiting: missing";

    // The network a row was on: host or private, nothing else.
    QTest::newRow("unknown network") << editFirstConnection([](QJsonObject &c) { c.insert(QStringLiteral("network"), QStringLiteral("lan")); })
                                     << "connections[0].network: \"lan\" is not a network (host or private)";
    QTest::newRow("network as a number") << editFirstConnection([](QJsonObject &c) { c.insert(QStringLiteral("network"), 1); })
                                         << "connections[0].network: expected text";
    QTest::newRow("unknown network of a row") << editLatest([](QJsonObject &l) { l.insert(QStringLiteral("network"), QStringLiteral("Private")); })
                                              << "connections[0].latest.network: \"Private\" is not a network (host or private)";
    QTest::newRow("unknown network in the table") << edited([](QJsonObject &r) {
        QJsonArray table = r.value(QStringLiteral("table")).toArray();
        QJsonObject row = table[0].toObject();
        row.insert(QStringLiteral("network"), QStringLiteral("netns"));
        table[0] = row;
        r.insert(QStringLiteral("table"), table);
    }) << "table[0].network: \"netns\" is not a network (host or private)";

    // The wire: each entry's fields, its frame decoded again, and the list's length.
    const auto editWire = [&](const std::function<void(QJsonObject &)> &edit) {
        return edited([&](QJsonObject &r) {
            QJsonArray wire = r.value(QStringLiteral("wire")).toArray();
            QJsonObject w = wire[1].toObject();
            edit(w);
            wire[1] = w;
            r.insert(QStringLiteral("wire"), wire);
        });
    };
    const QByteArray frame = m_document.wire[1].frame;
    const auto withFrame = [&](const QByteArray &bytes) {
        return editWire([bytes](QJsonObject &w) { w.insert(QStringLiteral("frame"), QString::fromLatin1(bytes.toBase64())); });
    };
    QTest::newRow("frame cut short") << withFrame(frame.left(30))
                                     << "wire[1].frame: cannot decode: truncated IPv4 header (16 of 20 bytes), at byte 14";
    QByteArray udp = frame;
    udp[14 + 9] = 17;
    QTest::newRow("frame not tcp") << withFrame(udp) << "wire[1].frame: cannot decode: not TCP (protocol 17), at byte 23";
    QTest::newRow("empty frame") << withFrame(QByteArray()) << "wire[1].frame: cannot decode: truncated";
    QTest::newRow("frame not base64") << editWire([](QJsonObject &w) { w.insert(QStringLiteral("frame"), QStringLiteral("AAAA*AAA")); })
                                      << "wire[1].frame: not base64";
    QTest::newRow("frame in hex") << editWire([&](QJsonObject &w) { w.insert(QStringLiteral("frame"), QString::fromLatin1(frame.toHex())); })
                                  << "wire[1].frame: cannot decode";
    QTest::newRow("frame as a list") << editWire([](QJsonObject &w) { w.insert(QStringLiteral("frame"), QJsonArray{0, 1}); })
                                     << "wire[1].frame: expected text";
    QTest::newRow("timestamp as a number") << editWire([](QJsonObject &w) { w.insert(QStringLiteral("captured_ns"), 1796553623790626010.0); })
                                           << "wire[1].captured_ns: expected text";
    for (const char *bad : {"-1", "+1796553623790626010", "9223372036854775808", "1.7e18", " 1796553623790626010", "0x10", ""}) {
        QTest::addRow("timestamp '%s'", bad)
            << editWire([bad](QJsonObject &w) { w.insert(QStringLiteral("captured_ns"), QString::fromLatin1(bad)); })
            << QStringLiteral("wire[1].captured_ns: '%1' is not nanoseconds since 1970 (a whole number from 0 to 9223372036854775807, as text)")
                   .arg(QLatin1String(bad));
    }
    for (const char *field : {"at_us", "captured_ns", "sender", "receiver", "frame"}) {
        QTest::addRow("wire without %s", field)
            << editWire([field](QJsonObject &w) { w.remove(QLatin1String(field)); })
            << QStringLiteral("wire[1].%1: missing").arg(QLatin1String(field));
    }
    QTest::newRow("wire time before the start") << editWire([](QJsonObject &w) { w.insert(QStringLiteral("at_us"), -1); })
                                                << "wire[1].at_us: expected a whole number from 0 to";
    QTest::newRow("cause not text") << editWire([](QJsonObject &w) { w.insert(QStringLiteral("cause"), true); })
                                    << "wire[1].cause: expected text";
    QTest::newRow("stopping rule 0") << editWire([](QJsonObject &w) { w.insert(QStringLiteral("stopped_by_rule"), 0); })
                                     << "wire[1].stopped_by_rule: expected a whole number from 1 to 1000000";
    QTest::newRow("stopping rule as text")
        << editWire([](QJsonObject &w) { w.insert(QStringLiteral("stopped_by_rule"), QStringLiteral("1")); })
        << "wire[1].stopped_by_rule: expected a whole number";
    QTest::newRow("stopping rule's text not text") << editWire([](QJsonObject &w) {
        w.insert(QStringLiteral("stopped_by_rule"), 1);
        w.insert(QStringLiteral("stopping_rule"), 3);
    }) << "wire[1].stopping_rule: expected text";
    QTest::newRow("reset not a boolean") << editWire([](QJsonObject &w) {
        w.insert(QStringLiteral("stopped_by_rule"), 1);
        w.insert(QStringLiteral("answered_with_reset"), QStringLiteral("yes"));
    }) << "wire[1].answered_with_reset: expected true or false";
    QTest::newRow("long sender") << editWire([](QJsonObject &w) { w.insert(QStringLiteral("sender"), QString(257, QLatin1Char('x'))); })
                                 << "wire[1].sender: text longer than 256 characters";
    QTest::newRow("wire entry not an object")
        << edited([](QJsonObject &r) { r.insert(QStringLiteral("wire"), QJsonArray{QStringLiteral("SYN")}); })
        << "wire[0]: expected an object";
    QTest::newRow("no wire") << edited([](QJsonObject &r) { r.remove(QStringLiteral("wire")); }) << "wire: expected a list";
    QTest::newRow("no wire_dropped") << edited([](QJsonObject &r) { r.remove(QStringLiteral("wire_dropped")); })
                                     << "wire_dropped: missing";
    QTest::newRow("negative wire_dropped") << edited([](QJsonObject &r) { r.insert(QStringLiteral("wire_dropped"), -1); })
                                           << "wire_dropped: expected a whole number from 0";
    QTest::newRow("too many segments") << edited([](QJsonObject &r) {
        QJsonArray wire;
        for (qsizetype i = 0; i <= SessionFile::maxWireSegments; ++i)
            wire.append(0);
        r.insert(QStringLiteral("wire"), wire);
    }) << "wire: 100001 entries, more than the 100000 a session file may hold";
}

void TestSessionFile::shouldRefuseDamagedFiles()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    const SessionFile::Loaded loaded = SessionFile::fromBytes(bytes, QStringLiteral("lesson.json"));
    QVERIFY(!loaded.document);
    QVERIFY2(loaded.error.startsWith(QStringLiteral("lesson.json")), qPrintable(loaded.error));
    QVERIFY2(loaded.error.contains(message), qPrintable(loaded.error));
}

void TestSessionFile::shouldRefuseEveryTruncation()
{
    // Cut anywhere, the file is refused, never half-read.
    for (qsizetype n = 0; n < m_bytes.size(); n += qMax<qsizetype>(1, m_bytes.size() / 300)) {
        const SessionFile::Loaded loaded = SessionFile::fromBytes(m_bytes.left(n));
        QVERIFY2(!loaded.document, qPrintable(QString::number(n)));
        QVERIFY(!loaded.error.isEmpty());
    }
}

void TestSessionFile::shouldRefuseHugeAndDeepFiles()
{
    // a list longer than the format allows is refused by its size, before its entries are read
    QByteArray huge = "{\"format\":\"sockscope-session\",\"format_version\":1,\"program\":{\"version\":\"1\"},"
                      "\"host\":{\"hostname\":\"\",\"kernel\":\"\",\"machine\":\"\",\"os\":\"\"},"
                      "\"capture\":{\"source\":\"proc\",\"interval_ms\":1,\"ports\":[],\"started_at_ms\":0,\"duration_us\":0},"
                      "\"connections\":[";
    huge.reserve(huge.size() + 2 * (SessionFile::maxConnections + 1));
    for (qsizetype i = 0; i <= SessionFile::maxConnections; ++i)
        huge += i ? ",0" : "0";
    huge += "]}";
    SessionFile::Loaded loaded = SessionFile::fromBytes(huge);
    QVERIFY(!loaded.document);
    QVERIFY2(loaded.error.contains(QStringLiteral("connections: 1000001 entries")), qPrintable(loaded.error));

    // deep nesting is refused by the JSON parser itself
    const QByteArray deep = QByteArray(100000, '[') + QByteArray(100000, ']');
    loaded = SessionFile::fromBytes(deep);
    QVERIFY(!loaded.document);
    QVERIFY(loaded.error.contains(QStringLiteral("not valid JSON")));

    // a file too big to be a session is refused without being read
    QTemporaryDir dir;
    QFile big(dir.filePath(QStringLiteral("big.json")));
    QVERIFY(big.open(QIODevice::WriteOnly));
    QVERIFY(big.resize(SessionFile::maxFileBytes + 1)); // sparse: costs no disk
    big.close();
    loaded = SessionFile::load(big.fileName());
    QVERIFY(!loaded.document);
    const QString limit = QString::number(SessionFile::maxFileBytes / (1024 * 1024)) + QStringLiteral(" MiB");
    QCOMPARE(loaded.error, QStringLiteral("cannot read %1: more than %2; a session file is at most %2").arg(big.fileName(), limit));

    loaded = SessionFile::load(dir.filePath(QStringLiteral("missing.json")));
    QVERIFY(loaded.error.startsWith(QStringLiteral("cannot read ")));
}

void TestSessionFile::shouldOpenOnlyARegularFile()
{
    // A FIFO used to block open() for ever, and /dev/zero to be read until memory ran out.
    QTemporaryDir dir;
    const QString fifo = dir.filePath(QStringLiteral("session.json"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    SessionFile::Loaded loaded = SessionFile::load(fifo);
    QVERIFY(!loaded.document);
    QCOMPARE(loaded.error, QStringLiteral("cannot read %1: it is a FIFO, not a regular file").arg(fifo));
    loaded = SessionFile::load(QStringLiteral("/dev/zero"));
    QCOMPARE(loaded.error, QStringLiteral("cannot read /dev/zero: it is a character device, not a regular file"));
    loaded = SessionFile::load(dir.path());
    QCOMPARE(loaded.error, QStringLiteral("cannot read %1: it is a directory, not a regular file").arg(dir.path()));
}

void TestSessionFile::shouldNotLoseAnythingWhenWritingFails()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("session.json"));
    QCOMPARE(SessionFile::save(m_document, path), QString());
    QCOMPARE(SessionFile::load(path).document.has_value(), true);

    // too big to be opened again: nothing written, the old file kept
    const qint64 size = SessionFile::toBytes(m_document).size();
    QString tooBig = SessionFile::save(m_document, path, size - 1);
    QVERIFY2(tooBig.startsWith(QStringLiteral("cannot write ") + path) && tooBig.contains(QStringLiteral("could not be opened again")),
             qPrintable(tooBig));
    QCOMPARE(SessionFile::save(m_document, path, size), QString());

    // a directory that does not exist
    const QString nowhere = dir.filePath(QStringLiteral("missing/session.json"));
    QString error = SessionFile::save(m_document, nowhere);
    QVERIFY2(error.startsWith(QStringLiteral("cannot write ") + nowhere), qPrintable(error));

    // a full disk: a file-size limit makes the write fail the same way
    struct rlimit old;
    QCOMPARE(::getrlimit(RLIMIT_FSIZE, &old), 0);
    const auto previous = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old;
    small.rlim_cur = 1024;
    QCOMPARE(::setrlimit(RLIMIT_FSIZE, &small), 0);
    error = SessionFile::save(m_document, path);
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, previous);
    QVERIFY2(error.startsWith(QStringLiteral("cannot write ") + path), qPrintable(error));
    // small files too, which used to sit in a write buffer and be committed cut short
    const QString small4k = dir.filePath(QStringLiteral("table.csv"));
    QCOMPARE(writeFileAtomically(small4k, QByteArray("old\n")), QString());
    QCOMPARE(::setrlimit(RLIMIT_FSIZE, &small), 0);
    std::signal(SIGXFSZ, SIG_IGN);
    error = writeFileAtomically(small4k, QByteArray(4000, 'x'));
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, previous);
    QVERIFY2(error.startsWith(QStringLiteral("cannot write ") + small4k), qPrintable(error));
    QFile kept4k(small4k);
    QVERIFY(kept4k.open(QIODevice::ReadOnly));
    QCOMPARE(kept4k.readAll(), QByteArray("old\n"));
    // the earlier file is still whole
    const SessionFile::Loaded kept = SessionFile::load(path);
    QVERIFY2(kept.document, qPrintable(kept.error));
    QVERIFY(*kept.document == m_document);
}

void TestSessionFile::shouldKeepWhichWireRuleStoppedASegment()
{
    SessionDocument document = m_document;
    document.wire[1].stoppedBy = 1;
    document.wire[1].stoppingRule = QStringLiteral("drop synack");
    document.wire[2].stoppedBy = 2;
    document.wire[2].stoppingRule = QStringLiteral("reject ack from client");
    document.wire[2].answeredWithReset = true;
    const QByteArray bytes = SessionFile::toBytes(document);
    const QJsonArray wire = rootOf(bytes).value(QStringLiteral("wire")).toArray();
    QCOMPARE(wire[1].toObject().value(QStringLiteral("stopped_by_rule")).toInt(), 1);
    QCOMPARE(wire[1].toObject().value(QStringLiteral("stopping_rule")).toString(), QStringLiteral("drop synack"));
    QVERIFY(!wire[1].toObject().contains(QStringLiteral("answered_with_reset")));
    QCOMPARE(wire[2].toObject().value(QStringLiteral("answered_with_reset")).toBool(), true);
    // A segment that got through says nothing of rules.
    QVERIFY(!wire[0].toObject().contains(QStringLiteral("stopped_by_rule")));
    QVERIFY(!wire[0].toObject().contains(QStringLiteral("stopping_rule")));

    const SessionFile::Loaded loaded = SessionFile::fromBytes(bytes);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    QVERIFY(loaded.document->wire == document.wire);
    QCOMPARE(loaded.document->wire[1].line().right(31), QStringLiteral("DROPPED by rule 1 (drop synack)"));
    QVERIFY(loaded.document->wire[2].line().endsWith(
        QLatin1String("REFUSED by rule 2 (reject ack from client), answered with RST")));
    QVERIFY(!(loaded.document->wire == m_document.wire));
}

void TestSessionFile::shouldKeepTheWireFrameByFrame()
{
    const QJsonObject root = rootOf(m_bytes);
    QCOMPARE(root.value(QStringLiteral("wire_dropped")).toInt(), 7);
    const QJsonArray wire = root.value(QStringLiteral("wire")).toArray();
    QCOMPARE(wire.size(), m_document.wire.size());
    int causes = 0;
    for (qsizetype i = 0; i < wire.size(); ++i) {
        const QJsonObject o = wire[i].toObject();
        const WireSegment &w = m_document.wire[i];
        QCOMPARE(qint64(o.value(QStringLiteral("at_us")).toDouble()), w.steadyNs / 1000);
        // past 2^53: kept as text, to the nanosecond
        QVERIFY(w.segment.timestampNs > (1LL << 53));
        QCOMPARE(o.value(QStringLiteral("captured_ns")).toString(), QString::number(w.segment.timestampNs));
        QCOMPARE(o.value(QStringLiteral("sender")).toString(), w.sender);
        QCOMPARE(o.value(QStringLiteral("receiver")).toString(), w.receiver);
        QCOMPARE(o.contains(QStringLiteral("cause")), !w.cause.isEmpty());
        causes += o.contains(QStringLiteral("cause")) ? 1 : 0;
        QCOMPARE(QByteArray::fromBase64(o.value(QStringLiteral("frame")).toString().toLatin1()), w.frame);
    }
    QVERIFY(causes > 0 && causes < wire.size());

    // Read back: every segment decoded again from its frame, numbered again in capture order.
    const SessionFile::Loaded loaded = SessionFile::fromBytes(m_bytes);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    const QList<WireSegment> &read = loaded.document->wire;
    QCOMPARE(read.size(), m_document.wire.size());
    for (qsizetype i = 0; i < read.size(); ++i) {
        QVERIFY2(read[i].segment == m_document.wire[i].segment, qPrintable(QString::number(i)));
        QVERIFY2(read[i].bases == m_document.wire[i].bases, qPrintable(QString::number(i)));
        QVERIFY2(read[i] == m_document.wire[i], qPrintable(QString::number(i)));
    }
    QCOMPARE(loaded.document->wireDropped, 7);
    // the numbers relative as Wireshark shows them: a handshake from 0, then 1
    QVERIFY(read[0].segment.has(SegmentFlag::Syn) && !read[0].segment.has(SegmentFlag::Ack));
    QCOMPARE(read[0].bases.relativeSeq(read[0].segment), 0u);
    QCOMPARE(read[1].bases.relativeAck(read[1].segment), 1u);
    QCOMPARE(read[2].bases.relativeSeq(read[2].segment), 1u);
    QVERIFY(read[2].bases.seq != 0);

    // a document differs by its wire
    SessionDocument other = m_document;
    other.wire[3].cause = QStringLiteral("listener: close()");
    QVERIFY(!(other == m_document));
    other = m_document;
    other.wireDropped = 0;
    QVERIFY(!(other == m_document));
    other = m_document;
    other.wire.removeLast();
    QVERIFY(!(other == m_document));

    // The fuzzer's seed from a real run in the private network holds a wire that reads whole.
    const SessionFile::Loaded seed = SessionFile::fromBytes(test::readFixture(QStringLiteral("sessions/handshake-wire.json")));
    QVERIFY2(seed.document, qPrintable(seed.error));
    QVERIFY(seed.document->wire.size() >= 3);
    QCOMPARE(seed.document->wire.first().bases.relativeSeq(seed.document->wire.first().segment), 0u);
    bool privateRow = false;
    for (const RecordedConnection &c : seed.document->connections)
        privateRow |= c.history.key.network == Network::Private;
    QVERIFY(privateRow);
}

void TestSessionFile::shouldStillOpenFilesWithoutAWire()
{
    // The files sockscope wrote before it captured a wire are format 1, and open as they did.
    for (const QString &name : {QStringLiteral("handshake.json"), QStringLiteral("handshake-typed.json"),
                                QStringLiteral("accept-queue-ipv6.json"), QStringLiteral("markup.json"),
                                QStringLiteral("limits.json")}) {
        const QByteArray bytes = test::readFixture(QStringLiteral("sessions/") + name);
        QCOMPARE(rootOf(bytes).value(QStringLiteral("format_version")).toInt(), 1);
        const SessionFile::Loaded loaded = SessionFile::fromBytes(bytes, name);
        QVERIFY2(loaded.document, qPrintable(loaded.error));
        QVERIFY(!loaded.document->connections.isEmpty());
        QVERIFY(loaded.document->wire.isEmpty());
        QCOMPARE(loaded.document->wireDropped, 0);
    }

    // Today's file as format 1 wrote it: everything but the wire.
    QJsonObject root = rootOf(m_bytes);
    root.insert(QStringLiteral("format_version"), 1);
    root.remove(QStringLiteral("wire"));
    root.remove(QStringLiteral("wire_dropped"));
    const SessionFile::Loaded loaded = SessionFile::fromBytes(withRoot(root));
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    SessionDocument expected = m_document;
    expected.wire.clear();
    expected.wireDropped = 0;
    QVERIFY(*loaded.document == expected);
    // written again, it is format 2 with an empty wire
    const QJsonObject again = rootOf(SessionFile::toBytes(*loaded.document));
    QCOMPARE(again.value(QStringLiteral("format_version")).toInt(), 2);
    QCOMPARE(again.value(QStringLiteral("wire")).toArray().size(), 0);
    QCOMPARE(again.value(QStringLiteral("wire_dropped")).toInt(), 0);
}

void TestSessionFile::shouldBoundEachFrame()
{
    // The longest frame a capture reads is read back whole; a longer one was never captured.
    // The decoder takes what follows the IP packet as the link's padding.
    SessionDocument d = m_document;
    d.wire = {m_document.wire.first()};
    d.wire[0].frame.append(QByteArray(SegmentCapture::maxFrameBytes - d.wire[0].frame.size(), '\0'));
    const SessionFile::Loaded longest = SessionFile::fromBytes(SessionFile::toBytes(d));
    QVERIFY2(longest.document, qPrintable(longest.error));
    QCOMPARE(longest.document->wire.first().frame.size(), SegmentCapture::maxFrameBytes);
    QVERIFY(longest.document->wire.first().segment == m_document.wire.first().segment);
    QVERIFY(*longest.document == d);

    d.wire[0].frame.append('\0');
    const SessionFile::Loaded tooLong = SessionFile::fromBytes(SessionFile::toBytes(d), QStringLiteral("lesson.json"));
    QVERIFY(!tooLong.document);
    QCOMPARE(tooLong.error, QStringLiteral("lesson.json is damaged: wire[0].frame: %1 bytes, more than the %2 a captured frame may have")
                                .arg(SegmentCapture::maxFrameBytes + 1)
                                .arg(SegmentCapture::maxFrameBytes));
}

void TestSessionFile::shouldKeepWhichNetworkEachConnectionWasOn()
{
    const SessionDocument d = withPrivateClient(m_document);
    QCOMPARE(d.connections.size(), m_document.connections.size() + 1);
    const QByteArray bytes = SessionFile::toBytes(d);
    const QJsonObject root = rootOf(bytes);
    // "network" is written for the private network's rows only
    const QJsonArray connections = root.value(QStringLiteral("connections")).toArray();
    for (qsizetype i = 0; i < connections.size(); ++i) {
        const QJsonObject c = connections[i].toObject();
        const bool isPrivate = i == connections.size() - 1;
        QCOMPARE(c.value(QStringLiteral("network")).toString(), isPrivate ? QStringLiteral("private") : QString());
        QCOMPARE(c.value(QStringLiteral("latest")).toObject().value(QStringLiteral("network")).toString(),
                 isPrivate ? QStringLiteral("private") : QString());
        for (const QJsonValue &sample : c.value(QStringLiteral("samples")).toArray()) {
            QCOMPARE(sample.toObject().value(QStringLiteral("record")).toObject().contains(QStringLiteral("network")), isPrivate);
        }
    }
    const QJsonArray table = root.value(QStringLiteral("table")).toArray();
    QCOMPARE(table.last().toObject().value(QStringLiteral("network")).toString(), QStringLiteral("private"));
    QVERIFY(!table.first().toObject().contains(QStringLiteral("network")));

    const SessionFile::Loaded loaded = SessionFile::fromBytes(bytes);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    QVERIFY(*loaded.document == d);
    QCOMPARE(loaded.document->connections.last().history.key.network, Network::Private);
    QCOMPARE(loaded.document->table.last().network, Network::Private);
    QCOMPARE(loaded.document->connections.first().history.key.network, Network::Host);
    QCOMPARE(SessionFile::toBytes(*loaded.document), bytes);

    // "host" may be written too; it is what a row without "network" is
    QJsonObject host = root;
    QJsonArray hostConnections = connections;
    QJsonObject first = hostConnections[0].toObject();
    first.insert(QStringLiteral("network"), QStringLiteral("host"));
    hostConnections[0] = first;
    host.insert(QStringLiteral("connections"), hostConnections);
    const SessionFile::Loaded explicitHost = SessionFile::fromBytes(withRoot(host));
    QVERIFY2(explicitHost.document, qPrintable(explicitHost.error));
    QVERIFY(*explicitHost.document == d);
}

void TestSessionFile::shouldReplayTheWireUpToTheMomentShown()
{
    // Saved and opened again, as File -> Open does.
    const QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("wire.json"));
    const SessionDocument saved = withPrivateClient(m_document);
    QCOMPARE(SessionFile::save(saved, path), QString());
    const SessionFile::Loaded loaded = SessionFile::load(path);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    const auto replay = std::make_shared<const Replay>(*loaded.document);
    const QList<WireSegment> &all = replay->document().wire;
    QCOMPARE(all.size(), m_document.wire.size());
    QVERIFY(replay->endNs() >= all.last().steadyNs);

    Session session(nullptr);
    session.setRecording(replay);
    QVERIFY(session.wireSegments().isEmpty()); // nothing shown yet
    QCOMPARE(session.wireSegmentsDropped(), 7);
    const auto capturedBy = [&](qint64 ns) {
        QList<WireSegment> shown;
        for (const WireSegment &w : all) {
            if (w.steadyNs <= ns)
                shown.append(w);
        }
        return shown;
    };
    const qint64 middle = all[all.size() / 2].steadyNs;
    qint64 at = -1;
    // forward to the first segment, the middle, the end; back to the middle and the start
    for (qint64 ns : {qint64(0), middle, replay->endNs(), middle - 1, qint64(0)}) {
        session.apply(replay->step(at, ns));
        at = ns;
        const QList<WireSegment> shown = session.wireSegments();
        const QList<WireSegment> expected = capturedBy(ns);
        QVERIFY2(shown == expected,
                 qPrintable(QStringLiteral("at %1 ns: %2 segments, expected %3").arg(ns).arg(shown.size()).arg(expected.size())));
        QVERIFY(!shown.isEmpty());
        if (ns == middle)
            QVERIFY(shown.size() < all.size());
        if (ns == replay->endNs())
            QCOMPARE(shown.size(), all.size());
    }

    // The private connection's own segments: the capture's "transfer" scenario, both ways.
    session.apply(replay->step(at, replay->endNs()));
    const quint64 id = Replay::idOf(replay->document().connections.size() - 1);
    QCOMPARE(replay->connection(id)->history.key.network, Network::Private);
    const QList<WireSegment> own = session.wireSegmentsOf(id);
    QList<QByteArray> transfer;
    for (const test::CapturedScenario &scenario : test::capturedScenarios(QStringLiteral("capture/lo-ipv4.txt"))) {
        if (scenario.name == QLatin1String("transfer"))
            transfer = scenario.frames;
    }
    QCOMPARE(own.size(), transfer.size());
    QVERIFY(own.size() >= 10);
    for (qsizetype i = 0; i < own.size(); ++i)
        QCOMPARE(own[i].frame, transfer[i]);
    QCOMPARE(own.first().bases.relativeSeq(own.first().segment), 0u);
    // a connection of this machine's own network has none
    QVERIFY(session.wireSegmentsOf(Replay::idOf(0)).isEmpty());
}

QTEST_GUILESS_MAIN(TestSessionFile)
#include "tst_sessionfile.moc"
