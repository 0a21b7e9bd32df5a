// SPDX-License-Identifier: GPL-3.0-or-later
// The lab panel's epoll group on real sockets: each call offered only where it makes sense,
// with the reason where it does not, and a wait that leaves the window free. Its wire group:
// nothing offered on this machine's network, and in the lab's private network rules made from
// the choices or typed, a wrong word named, rules removed and cleared, the delay where the
// kernel has netem.
#include "core/lab/scenario.h"
#include "core/live/livesession.h"
#include "core/system/labnetwork.h"
#include "ui/lab/labpanel.h"
#include "ui/lab/wiregroup.h"

#include <QAction>
#include <QCheckBox>
#include <QSignalSpy>
#include <QToolButton>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

#include <sys/epoll.h>

using namespace sockscope;

class TestLabPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldDriveAnEpollInstanceStepByStep();
    void shouldOfferNoWireOnThisMachinesNetwork();
    void shouldPutRulesOnTheWireFromChoicesAndText();
    void shouldSayWhatChangedOnTheWire();
};

namespace {

QAction *action(const LabPanel &panel, const char *name)
{
    auto *a = panel.findChild<QAction *>(QLatin1String(name));
    if (!a)
        qFatal("no action %s", name);
    return a;
}

LabCall lastCall(const Lab &lab)
{
    return lab.calls().last();
}

template<typename T>
T *child(const QObject &parent, const char *name)
{
    auto *c = parent.findChild<T *>(QLatin1String(name));
    if (!c)
        qFatal("no child %s", name);
    return c;
}

void choose(QComboBox *box, int value)
{
    box->setCurrentIndex(box->findData(value));
}

QStringList listed(const QListWidget *list)
{
    QStringList out;
    for (int row = 0; row < list->count(); ++row)
        out << list->item(row)->text().section(QLatin1Char('\n'), 0, 0);
    return out;
}

} // namespace

void TestLabPanel::shouldDriveAnEpollInstanceStepByStep()
{
    Lab lab;
    LabPanel panel(&lab);
    panel.setDefaultPort(0); // the kernel chooses: a test never depends on a free port
    auto *why = panel.findChild<QLabel *>(QStringLiteral("epollWhy"));
    QVERIFY(why);

    // nothing to call on yet
    QVERIFY(action(panel, "epollCreateAction")->isEnabled());
    QVERIFY(!action(panel, "epollAddAction")->isEnabled());
    QVERIFY(!action(panel, "epollWaitAction")->isEnabled());
    QCOMPARE(why->text(), QStringLiteral("no epoll instance: epoll_create1() makes one"));
    QVERIFY(action(panel, "epollWaitAction")->toolTip().contains(QStringLiteral("not now: no epoll instance")));

    action(panel, "startServerAction")->trigger();
    const int listener = panel.selectedSocket();
    QVERIFY(lab.socket(listener) && lab.socket(listener)->listening);
    action(panel, "epollCreateAction")->trigger();
    QCOMPARE(lastCall(lab).kind, LabCall::Kind::EpollCreate);
    QCOMPARE(panel.findChild<QComboBox *>(QStringLiteral("epollBox"))->currentText(), QStringLiteral("epoll #1"));
    QVERIFY(action(panel, "epollAddAction")->isEnabled());
    QVERIFY(!action(panel, "epollModifyAction")->isEnabled());
    QCOMPARE(why->text(), QStringLiteral("epoll #1 does not watch listener: ADD it first"));

    // ADD with the events ticked: EPOLLIN alone
    panel.findChild<QCheckBox *>(QStringLiteral("epollEvent-EPOLLRDHUP"))->setChecked(false);
    panel.findChild<QCheckBox *>(QStringLiteral("epollEvent-EPOLLIN"))->setChecked(true);
    action(panel, "epollAddAction")->trigger();
    QCOMPARE(lastCall(lab).kind, LabCall::Kind::EpollCtl);
    QCOMPARE(lastCall(lab).argumentsText(), QStringLiteral("epoll #1, EPOLL_CTL_ADD, listener, EPOLLIN"));
    QCOMPARE(lastCall(lab).result, 0);
    QVERIFY(!action(panel, "epollAddAction")->isEnabled());
    QVERIFY(action(panel, "epollModifyAction")->isEnabled());
    QVERIFY(action(panel, "epollDeleteAction")->isEnabled());
    QCOMPARE(why->text(), QStringLiteral("epoll #1 already watches listener: MOD changes its events"));

    // a wait with a timeout: logged as waiting, and no second one while it waits
    panel.findChild<QSpinBox *>(QStringLiteral("epollTimeoutBox"))->setValue(10000);
    action(panel, "epollWaitAction")->trigger();
    QVERIFY(lastCall(lab).waiting);
    QVERIFY(!action(panel, "epollWaitAction")->isEnabled());
    QVERIFY(panel.findChild<QComboBox *>(QStringLiteral("epollBox"))->currentText().contains(QStringLiteral("waiting")));

    // a client connects: the wait returns with the listener readable, and may be called again
    action(panel, "addClientAction")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(action(panel, "epollWaitAction")->isEnabled(), 5000);
    LabCall woken;
    for (const LabCall &c : lab.calls()) {
        if (c.kind == LabCall::Kind::EpollWait)
            woken = c; // the last one
    }
    QVERIFY(woken.asynchronous);
    QCOMPARE(woken.readyText(), QStringLiteral("listener EPOLLIN"));

    // closing the instance leaves nothing to call on
    action(panel, "epollCloseAction")->trigger();
    QCOMPARE(lastCall(lab).kind, LabCall::Kind::Close);
    QCOMPARE(lastCall(lab).socketLabel, QStringLiteral("epoll #1"));
    QVERIFY(!action(panel, "epollWaitAction")->isEnabled());
    QVERIFY(!action(panel, "epollCloseAction")->isEnabled());
    lab.abortAll();
}

void TestLabPanel::shouldOfferNoWireOnThisMachinesNetwork()
{
    LiveSession live;
    QCOMPARE(live.network(), Network::Host);
    LabPanel panel(live.lab());
    panel.setLiveSession(&live);
    panel.show();
    WireGroup *wire = panel.wireGroup();
    QVERIFY(wire);
    QCOMPARE(wire, panel.findChild<WireGroup *>(QStringLiteral("wireGroup")));
    // Below the calls: the epoll group comes first.
    QVERIFY(wire->mapTo(&panel, QPoint()).y() > child<QWidget>(panel, "epollGroup")->mapTo(&panel, QPoint()).y());
    QVERIFY(!wire->isEnabled());
    QVERIFY(!child<QPushButton>(*wire, "wireAddButton")->isEnabled());
    QVERIFY(!child<QLineEdit>(*wire, "wireRuleText")->isEnabled());
    auto *why = child<QLabel>(*wire, "wireWhy");
    QVERIFY(why->isVisible());
    QVERIFY(!live.whyNoWire().isEmpty());
    QVERIFY2(why->text().contains(live.whyNoWire()), qPrintable(why->text()));
    QVERIFY(wire->toolTip().contains(QStringLiteral("private network only")));
}

void TestLabPanel::shouldPutRulesOnTheWireFromChoicesAndText()
{
    LiveSession live;
    QString why;
    if (!live.setNetwork(Network::Private, &why)) {
        if (!LabNetwork::whyUnavailable().isEmpty())
            QSKIP(qPrintable(why));
        QFAIL(qPrintable(QStringLiteral("no private network, and no setting says why: ") + why));
    }
    if (!live.whyNoWire().isEmpty())
        QSKIP(qPrintable(QStringLiteral("no wire rules here: ") + live.whyNoWire()));
    LabPanel panel(live.lab());
    panel.setLiveSession(&live);
    panel.show();
    WireGroup *wire = panel.wireGroup();
    QVERIFY(wire->isEnabled());
    QVERIFY(!child<QLabel>(*wire, "wireWhy")->isVisible());
    // Folded at first: one line, saying what is on the wire.
    QVERIFY(!wire->isOpen());
    QVERIFY(!child<QWidget>(*wire, "wireBody")->isVisible());
    QCOMPARE(child<QLabel>(*wire, "wireSummary")->text(), QStringLiteral("no rules"));
    child<QToolButton>(*wire, "wireToggle")->click();
    QVERIFY(wire->isOpen());
    QVERIFY(child<QWidget>(*wire, "wireBody")->isVisible());
    auto *list = child<QListWidget>(*wire, "wireRuleList");
    auto *text = child<QLineEdit>(*wire, "wireRuleText");
    auto *problem = child<QLabel>(*wire, "wireRuleProblem");
    QVERIFY(!text->placeholderText().isEmpty());
    QVERIFY(text->toolTip().contains(QStringLiteral("drop next fin from server")));
    QSignalSpy changed(&live, &LiveSession::wireRulesChanged);

    // From the choices: drop the next FIN from the server.
    choose(child<QComboBox>(*wire, "wireActionBox"), int(WireRule::Action::DropNext));
    choose(child<QComboBox>(*wire, "wireKindBox"), int(WireRule::Kind::Fin));
    choose(child<QComboBox>(*wire, "wireDirectionBox"), int(WireRule::Direction::FromServer));
    QVERIFY(!child<QSpinBox>(*wire, "wirePercentBox")->isEnabled());
    QCOMPARE(wire->chosenRule().text(), QStringLiteral("drop next fin from server"));
    child<QPushButton>(*wire, "wireAddButton")->click();
    QCOMPARE(live.wireRules(), WireRule::parse(QStringLiteral("drop next fin from server")));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(listed(list), QStringList({QStringLiteral("1. drop next fin from server   (took 0 segments)")}));
    QVERIFY(list->item(0)->text().contains(QStringLiteral("drop the next FIN from the server")));
    // A share, from the choices.
    choose(child<QComboBox>(*wire, "wireActionBox"), int(WireRule::Action::DropPercent));
    QVERIFY(child<QSpinBox>(*wire, "wirePercentBox")->isEnabled());
    child<QSpinBox>(*wire, "wirePercentBox")->setValue(30);
    choose(child<QComboBox>(*wire, "wireKindBox"), int(WireRule::Kind::Data));
    choose(child<QComboBox>(*wire, "wireDirectionBox"), int(WireRule::Direction::FromClient));
    child<QPushButton>(*wire, "wireAddButton")->click();
    QCOMPARE(live.wireRules().size(), 2);
    QCOMPARE(live.wireRules().last().text(), QStringLiteral("drop 30% data from client"));

    // Typed: two at once, then the field is empty for the next.
    text->setText(QStringLiteral("reject syn; drop synack"));
    QTest::keyClick(text, Qt::Key_Return);
    QCOMPARE(live.wireRules().size(), 4);
    QVERIFY(text->text().isEmpty());
    QVERIFY(!problem->isVisible());
    QCOMPARE(listed(list).last(), QStringLiteral("4. drop synack   (took 0 segments)"));
    QCOMPARE(child<QLabel>(*wire, "wireSummary")->text(), QStringLiteral("4 rules, 0 segments taken"));

    // A wrong word: named where the rule was typed, and what was typed stays to be corrected.
    text->setText(QStringLiteral("drop synak"));
    QTest::keyClick(text, Qt::Key_Return);
    QVERIFY(problem->isVisible());
    QVERIFY2(problem->text().startsWith(QStringLiteral("'synak' is not a segment kind")), qPrintable(problem->text()));
    QCOMPARE(text->text(), QStringLiteral("drop synak"));
    QCOMPARE(live.wireRules().size(), 4);
    QTest::keyClick(text, Qt::Key_Backspace); // editing takes the message away
    QVERIFY(!problem->isVisible());
    // A choice the grammar refuses, refused in its words.
    choose(child<QComboBox>(*wire, "wireActionBox"), int(WireRule::Action::Drop));
    choose(child<QComboBox>(*wire, "wireKindBox"), int(WireRule::Kind::HandshakeAck));
    choose(child<QComboBox>(*wire, "wireDirectionBox"), int(WireRule::Direction::FromServer));
    child<QPushButton>(*wire, "wireAddButton")->click();
    QVERIFY(problem->isVisible());
    QVERIFY2(problem->text().contains(QStringLiteral("the final ACK of a handshake is the client's")), qPrintable(problem->text()));
    QCOMPARE(live.wireRules().size(), 4);

    // Remove the selected one: the others move up.
    auto *remove = child<QPushButton>(*wire, "wireRemoveButton");
    QVERIFY(!remove->isEnabled());
    list->setCurrentRow(0);
    QVERIFY(remove->isEnabled());
    remove->click();
    QCOMPARE(live.wireRules().size(), 3);
    QCOMPARE(live.wireRules().first().text(), QStringLiteral("drop 30% data from client"));
    QCOMPARE(listed(list).first(), QStringLiteral("1. drop 30% data from client   (took 0 segments)"));
    // Clear: nothing on the wire.
    child<QPushButton>(*wire, "wireClearButton")->click();
    QVERIFY(live.wireRules().isEmpty());
    QVERIFY(live.activeWireRules().isEmpty());
    QCOMPARE(listed(list), QStringList({QStringLiteral("No rules: every segment gets through.")}));
    QVERIFY(!child<QPushButton>(*wire, "wireClearButton")->isEnabled());

    // The delay: where this kernel has no netem, offered disabled with tc's reason, in sight.
    auto *delay = child<QSpinBox>(*wire, "wireDelayBox");
    auto *delayWhy = child<QLabel>(*wire, "wireDelayWhy");
    const QString noDelay = live.wireDelay()->whyUnavailable();
    if (noDelay.isEmpty()) {
        QVERIFY(delay->isEnabled());
        QVERIFY(!delayWhy->isVisible());
        delay->setValue(20);
        child<QPushButton>(*wire, "wireDelayButton")->click();
        QCOMPARE(live.wireDelay()->delayMs(), 20);
        live.wireDelay()->setDelay(0);
    } else {
        QVERIFY(!delay->isEnabled());
        QVERIFY(!child<QPushButton>(*wire, "wireDelayButton")->isEnabled());
        QVERIFY(delayWhy->isVisible());
        QVERIFY2(delayWhy->text().contains(noDelay), qPrintable(delayWhy->text()));
        QVERIFY(delay->toolTip().contains(noDelay.left(30)));
        qInfo("no delay here: %s", qPrintable(noDelay));
    }

    // A scenario's own rules come after the user's, numbered on, marked, and not the user's to remove.
    text->setText(QStringLiteral("drop syn"));
    QTest::keyClick(text, Qt::Key_Return);
    QCOMPARE(live.wireRules().size(), 1);
    Scenario scenario;
    scenario.name = QStringLiteral("wire-test");
    scenario.steps = [](const ScenarioConfig &) {
        ScenarioStep step;
        step.description = QStringLiteral("refuse the clients");
        step.action = [](ScenarioContext &ctx) { return ctx.setWireRules(QStringLiteral("reject syn")); };
        return QList<ScenarioStep>{step};
    };
    ScenarioConfig config;
    config.port = 0;
    live.runner()->load(scenario, config);
    live.runner()->step();
    QTRY_COMPARE(live.scenarioWireRules().size(), 1);
    QCOMPARE(listed(list), QStringList({QStringLiteral("1. drop syn   (took 0 segments)"),
                                        QStringLiteral("2. reject syn   (the scenario's, took 0 segments)")}));
    list->setCurrentRow(1);
    QVERIFY(!remove->isEnabled());
    list->setCurrentRow(0);
    QVERIFY(remove->isEnabled());
    QCOMPARE(child<QLabel>(*wire, "wireSummary")->text(), QStringLiteral("2 rules, 0 segments taken"));

    // Back on this machine's network the rules are gone and nothing is offered.
    QVERIFY(live.setNetwork(Network::Host));
    QVERIFY(!wire->isEnabled());
    QVERIFY(child<QLabel>(*wire, "wireWhy")->isVisible());
    QVERIFY(live.activeWireRules().isEmpty());
}

void TestLabPanel::shouldSayWhatChangedOnTheWire()
{
    const auto entry = [](int number, const char *rule, bool scenario = false, bool spent = false) {
        WireGroup::Entry e;
        e.number = number;
        e.rule = WireRule::parse(QString::fromLatin1(rule)).value(0);
        e.scenario = scenario;
        e.spent = spent;
        return e;
    };
    const QList<WireGroup::Entry> none;
    const QList<WireGroup::Entry> one = {entry(1, "drop next syn")};
    QCOMPARE(WireGroup::changes(none, one),
             QStringList({QStringLiteral("rule 1 added: drop next syn (drop the next SYN)")}));
    // A scenario's rule after the user's.
    const QList<WireGroup::Entry> two = {entry(1, "drop next syn"), entry(2, "reject syn from client", true)};
    QCOMPARE(WireGroup::changes(one, two),
             QStringList({QStringLiteral("the scenario's rule 2 added: reject syn from client "
                                         "(answer every SYN with a reset from the client, instead of delivering it)")}));
    // Spent, then removed: the scenario's moves up and is the same rule, not a new one.
    const QList<WireGroup::Entry> spent = {entry(1, "drop next syn", false, true), entry(2, "reject syn from client", true)};
    QCOMPARE(WireGroup::changes(two, spent),
             QStringList({QStringLiteral("rule 1 spent: drop next syn acted once and is off the wire")}));
    const QList<WireGroup::Entry> moved = {entry(1, "reject syn from client", true)};
    QCOMPARE(WireGroup::changes(spent, moved), QStringList({QStringLiteral("rule 1 removed: drop next syn")}));
    QCOMPARE(WireGroup::changes(moved, moved), QStringList());
}

QTEST_MAIN(TestLabPanel)
#include "tst_labpanel.moc"
