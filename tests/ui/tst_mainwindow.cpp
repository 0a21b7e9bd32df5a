// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/mainwindow/mainwindow.h"
#include "ui/models/sockettablemodel.h"

#include "../core/loopbackpair.h"

#include <QComboBox>
#include <QLabel>
#include <QSpinBox>
#include <QTest>

using namespace sockscope;
using namespace sockscope::test;

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldShowTheLiveTableOfTheWatchedPort();
    void shouldShowASourceFailureAndRecover();
};

void TestMainWindow::shouldShowTheLiveTableOfTheWatchedPort()
{
    Fd listener = Loopback::listen(AddressFamily::IPv4, 4);
    QVERIFY(listener.isValid());
    MainWindowOptions options;
    options.intervalMs = 50;
    options.port = listener.localPort();
    MainWindow window(options);
    window.show();
    SocketTableModel *model = window.socketModel();
    const quint16 port = listener.localPort();
    // The row of the table with these ports, or -1. (Rows that only name the port as their
    // remote end can be TIME_WAIT entries of an earlier listener with the same port.)
    const auto rowOf = [model](quint16 local, quint16 remote) {
        for (int row = 0; row < model->rowCount(); ++row) {
            const SocketRecord &r = model->recordAt(row);
            if (r.local.port == local && r.remote.port == remote)
                return row;
        }
        return -1;
    };
    QTRY_VERIFY(rowOf(port, 0) >= 0);
    QCOMPARE(model->index(rowOf(port, 0), SocketTableModel::State).data().toString(), QStringLiteral("LISTEN"));

    // a client: both ends of the connection appear, the listener's queue counts it
    Fd client = Loopback::connect(AddressFamily::IPv4, port);
    QVERIFY(client.isValid());
    QTRY_VERIFY(rowOf(port, client.localPort()) >= 0 && rowOf(client.localPort(), port) >= 0);
    QCOMPARE(model->recordAt(rowOf(client.localPort(), port)).state, TcpState::Established);
    QTRY_COMPARE(model->index(rowOf(port, 0), SocketTableModel::RecvQ).data().toInt(), 1);
    auto *status = window.findChild<QLabel *>(QStringLiteral("statusLabel"));
    QVERIFY(status);
    QTRY_VERIFY2(status->text().contains(QStringLiteral(" ESTABLISHED")) && status->text().contains(QStringLiteral("1 LISTEN")),
                 qPrintable(status->text()));

    // watching another port empties the table
    auto *portBox = window.findChild<QSpinBox *>(QStringLiteral("portBox"));
    portBox->setValue(1);
    QTRY_COMPARE(model->rowCount(), 0);
}

void TestMainWindow::shouldShowASourceFailureAndRecover()
{
    const QByteArray path = qgetenv("PATH");
    MainWindowOptions options;
    options.intervalMs = 50;
    MainWindow window(options);
    window.show();
    auto *sourceBox = window.findChild<QComboBox *>(QStringLiteral("sourceBox"));
    auto *error = window.findChild<QLabel *>(QStringLiteral("errorLabel"));
    QVERIFY(sourceBox && error);

    qputenv("PATH", "/nonexistent");
    sourceBox->setCurrentIndex(sourceBox->findData(QStringLiteral("ss")));
    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QStringLiteral("could not run 'ss'")), qPrintable(error->text()));
    qputenv("PATH", path);

    sourceBox->setCurrentIndex(sourceBox->findData(QStringLiteral("proc")));
    QTRY_VERIFY(!error->isVisible());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
