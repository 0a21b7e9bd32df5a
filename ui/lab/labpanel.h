// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/lab/lab.h"

#include <QWidget>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QSpinBox;
class QToolButton;

namespace sockscope {

class LiveSession;
class WireGroup;

// The lab's controls: start and stop a server, add clients, and for the selected lab socket
// one button per socket API call, enabled only where the call makes sense in the socket's
// current state (CallValidity). Every button runs one LabCommand; every call shows up in the
// lab's log. An epoll group makes epoll instances and drives them on the selected socket:
// epoll_ctl() with the events ticked, epoll_wait() with a timeout (the lab never blocks the
// window: a wait that finds nothing ready is logged as waiting and completes later). Given the
// live session, a wire group at the bottom puts rules and a delay on the lab's private wire.
class LabPanel : public QWidget
{
    Q_OBJECT

public:
    explicit LabPanel(Lab *lab, QWidget *parent = nullptr);

    int selectedSocket() const { return m_selected; }
    void selectSocket(int socketId); // 0: none

    // Adds the lab's wire under the other groups (WireGroup): its rules and its delay.
    void setLiveSession(LiveSession *live);
    WireGroup *wireGroup() const { return m_wire; }

    void setDefaultPort(quint16 port);
    quint16 serverPort() const; // the running listener's port, else the port field

    // The panel's actions, for the window's Lab menu (they carry the keyboard shortcuts).
    QList<QAction *> serverActions() const;
    QList<QAction *> socketActions() const;
    QList<QAction *> epollActions() const;

Q_SIGNALS:
    void selectedSocketChanged(int socketId);
    void commandRun(); // a command ran: the table should look again now

protected:
    void changeEvent(QEvent *event) override;

private:
    void startServer(bool listenNow);
    void stopServer();
    void addClient(bool selfConnect);
    void run(const LabCommand &command);
    void runOnSelected(LabCommand::Kind kind);
    void refreshSockets();
    void refreshActions();
    void refreshEpolls();
    void runEpollCtl(EpollOp op);
    int selectedEpoll() const;
    quint32 checkedEvents() const;
    void showProblem(const LabCall &call);
    Endpoint serverEndpoint() const;
    const LabSocket *runningListener() const;
    QAction *makeAction(const QString &text, const QKeySequence &shortcut, const QString &tip);

    Lab *m_lab;
    int m_selected = 0;

    QComboBox *m_family = nullptr;
    QSpinBox *m_port = nullptr;
    QSpinBox *m_backlog = nullptr;
    QSpinBox *m_deferAccept = nullptr;
    QWidget *m_serverOptions = nullptr; // TCP_DEFER_ACCEPT and the server's buffers
    QWidget *m_clientOptions = nullptr; // the clients' buffers and TCP_SYNCNT
    QToolButton *m_optionsToggle = nullptr;
    void updateOptionsSummary();
    QSpinBox *m_serverRcvBuf = nullptr;
    QSpinBox *m_serverSndBuf = nullptr;
    QSpinBox *m_clientRcvBuf = nullptr;
    QSpinBox *m_clientSndBuf = nullptr;
    QSpinBox *m_synRetries = nullptr;
    QSpinBox *m_sendBytes = nullptr;
    QListWidget *m_sockets = nullptr;
    QLabel *m_selectedTitle = nullptr;
    QLabel *m_problem = nullptr;
    quint64 m_problemCall = 0; // the sequence number of the call m_problem shows, 0 for none

    QAction *m_startServer = nullptr;
    QAction *m_serverSocketOnly = nullptr;
    QAction *m_stopServer = nullptr;
    QAction *m_addClient = nullptr;
    QAction *m_selfConnect = nullptr;
    struct SocketAction
    {
        LabCommand::Kind kind;
        QAction *action;
    };
    QList<SocketAction> m_socketActions;

    QComboBox *m_epolls = nullptr;
    QList<QCheckBox *> m_epollEvents; // each with its event's bit as the "event" property
    QSpinBox *m_epollTimeout = nullptr;
    QLabel *m_epollWhy = nullptr;
    QAction *m_epollCreate = nullptr;
    QAction *m_epollAdd = nullptr;
    QAction *m_epollModify = nullptr;
    QAction *m_epollDelete = nullptr;
    QAction *m_epollWait = nullptr;
    QAction *m_epollClose = nullptr;

    WireGroup *m_wire = nullptr;
};

} // namespace sockscope
