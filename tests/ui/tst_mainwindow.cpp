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
    QTRY_COMPARE(model->rowCount(), 1);
    QCOMPARE(model->index(0, SocketTableModel::State).data().toString(), QStringLiteral("LISTEN"));

    // a client: both ends of the connection appear, the listener's queue counts it
    Fd client = Loopback::connect(AddressFamily::IPv4, listener.localPort());
    QVERIFY(client.isValid());
    QTRY_COMPARE(model->rowCount(), 3);
    auto *status = window.findChild<QLabel *>(QStringLiteral("statusLabel"));
    QVERIFY(status);
    QTRY_VERIFY2(status->text().contains(QStringLiteral("2 ESTABLISHED, 1 LISTEN")), qPrintable(status->text()));
    const int listenerRow = [&] {
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->recordAt(row).state == TcpState::Listen)
                return row;
        }
        return -1;
    }();
    QTRY_COMPARE(model->index(listenerRow, SocketTableModel::RecvQ).data().toInt(), 1);

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
