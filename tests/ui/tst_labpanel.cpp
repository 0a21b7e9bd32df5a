// SPDX-License-Identifier: GPL-3.0-or-later
// The lab panel's epoll group on real sockets: each call offered only where it makes sense,
// with the reason where it does not, and a wait that leaves the window free.
#include "ui/lab/labpanel.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QSpinBox>
#include <QTest>

#include <sys/epoll.h>

using namespace sockscope;

class TestLabPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldDriveAnEpollInstanceStepByStep();
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

QTEST_MAIN(TestLabPanel)
#include "tst_labpanel.moc"
