// SPDX-License-Identifier: GPL-3.0-or-later
#include "labpanel.h"

#include "wiregroup.h"

#include "core/lab/callvalidity.h"

#include "ui/theme/actionbutton.h"
#include "ui/theme/theme.h"

#include <QAction>
#include <QCheckBox>
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <cerrno>
#include <sys/epoll.h>

namespace sockscope {

namespace {

QSpinBox *bufferBox(QWidget *parent, const QString &name)
{
    auto *box = new QSpinBox(parent);
    box->setObjectName(name);
    box->setRange(0, 16 * 1024 * 1024);
    box->setSingleStep(4096);
    box->setSpecialValueText(QObject::tr("default"));
    box->setSuffix(QObject::tr(" B"));
    box->setToolTip(name.contains(QLatin1String("Rcv")) ? QObject::tr("SO_RCVBUF, set before connect() or listen(); the kernel doubles it")
                                                        : QObject::tr("SO_SNDBUF; the kernel doubles it"));
    return box;
}

QString socketStatus(const LabSocket &s)
{
    if (!s.open)
        return QObject::tr("closed");
    if (s.listening)
        return QObject::tr("listening");
    if (s.connecting)
        return QObject::tr("connecting");
    QStringList parts;
    if (s.connected)
        parts << QObject::tr("connected");
    if (s.shutWrite)
        parts << QObject::tr("shut down for writing");
    if (s.sawEndOfFile)
        parts << QObject::tr("peer's FIN read");
    if (parts.isEmpty())
        parts << (s.local.port != 0 ? QObject::tr("bound") : QObject::tr("new"));
    return parts.join(QStringLiteral(", "));
}

// A list that asks for no more than its minimum height: in the scroll area, where the panel
// takes its size hint when it does not fit, the calls below it stay in sight; it still grows
// with the room the dock has.
class CompactList : public QListWidget
{
public:
    using QListWidget::QListWidget;
    QSize sizeHint() const override { return {QListWidget::sizeHint().width(), minimumHeight()}; }
};

// The panel shares a laptop screen's width with the table: a number box need not be as wide
// as the largest number it takes (16777216 B) to show "default", "8000" or "100 B".
void compactNumberBoxes(QWidget *panel)
{
    const QFontMetrics metrics = panel->fontMetrics();
    const int width = metrics.horizontalAdvance(QStringLiteral("default")) + 28;
    for (QAbstractSpinBox *box : panel->findChildren<QAbstractSpinBox *>())
        box->setMinimumWidth(qMin(width, box->minimumSizeHint().width()));
    for (QComboBox *box : panel->findChildren<QComboBox *>()) {
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(8);
    }
}

} // namespace

LabPanel::LabPanel(Lab *lab, QWidget *parent) : QWidget(parent), m_lab(lab)
{
    setObjectName(QStringLiteral("labPanel"));
    auto *layout = new QVBoxLayout(this);

    // Server
    auto *server = new QGroupBox(tr("Server"), this);
    auto *serverForm = new QGridLayout;
    m_family = new QComboBox(server);
    m_family->setObjectName(QStringLiteral("familyBox"));
    m_family->addItem(tr("IPv4, 127.0.0.1"), int(AddressFamily::IPv4));
    m_family->addItem(tr("IPv6, ::1"), int(AddressFamily::IPv6));
    m_port = new QSpinBox(server);
    m_port->setObjectName(QStringLiteral("serverPortBox"));
    m_port->setRange(0, 65535);
    m_port->setValue(8000);
    m_port->setSpecialValueText(tr("any"));
    m_port->setToolTip(tr("The server's port; 0 lets the kernel choose one"));
    m_backlog = new QSpinBox(server);
    m_backlog->setObjectName(QStringLiteral("backlogBox"));
    m_backlog->setRange(0, 4096);
    m_backlog->setValue(8);
    m_backlog->setToolTip(tr("listen() backlog: how many completed connections may wait for accept() (the kernel allows one more)"));
    m_deferAccept = new QSpinBox(server);
    m_deferAccept->setObjectName(QStringLiteral("deferAcceptBox"));
    m_deferAccept->setRange(0, 600);
    m_deferAccept->setSuffix(tr(" s"));
    m_deferAccept->setSpecialValueText(tr("off"));
    m_deferAccept->setToolTip(tr("TCP_DEFER_ACCEPT: keep the server end in SYN_RECV until the client sends data"));
    m_serverRcvBuf = bufferBox(server, QStringLiteral("serverRcvBufBox"));
    m_serverSndBuf = bufferBox(server, QStringLiteral("serverSndBufBox"));
    serverForm->addWidget(new QLabel(tr("Address"), server), 0, 0);
    serverForm->addWidget(m_family, 0, 1, 1, 3);
    serverForm->addWidget(new QLabel(tr("Port"), server), 1, 0);
    serverForm->addWidget(m_port, 1, 1);
    serverForm->addWidget(new QLabel(tr("Backlog"), server), 1, 2);
    serverForm->addWidget(m_backlog, 1, 3);
    // The socket options, folded with the clients' (m_optionsToggle): on a laptop screen the
    // calls below stay in sight.
    m_serverOptions = new QWidget(server);
    auto *serverOptionsForm = new QGridLayout(m_serverOptions);
    serverOptionsForm->setContentsMargins(0, 0, 0, 0);
    serverOptionsForm->addWidget(new QLabel(tr("Defer"), m_serverOptions), 0, 0);
    serverOptionsForm->addWidget(m_deferAccept, 0, 1);
    serverOptionsForm->addWidget(new QLabel(tr("RCVBUF"), m_serverOptions), 1, 0);
    serverOptionsForm->addWidget(m_serverRcvBuf, 1, 1);
    serverOptionsForm->addWidget(new QLabel(tr("SNDBUF"), m_serverOptions), 1, 2);
    serverOptionsForm->addWidget(m_serverSndBuf, 1, 3);
    m_deferAccept->setParent(m_serverOptions);
    m_serverRcvBuf->setParent(m_serverOptions);
    m_serverSndBuf->setParent(m_serverOptions);
    serverForm->addWidget(m_serverOptions, 2, 0, 1, 4);

    m_startServer = makeAction(tr("Start server"), QKeySequence(Qt::CTRL | Qt::Key_L),
                               tr("socket(), bind() and listen(), each a call of its own"));
    m_startServer->setObjectName(QStringLiteral("startServerAction"));
    m_startServer->setIcon(QIcon(QStringLiteral(":/icons/server-start.svg")));
    m_serverSocketOnly = makeAction(tr("Server socket only"), QKeySequence(),
                                    tr("Only socket(): bind and listen step by step with the calls below"));
    m_stopServer = makeAction(tr("Stop server"), QKeySequence(Qt::CTRL | Qt::Key_K), tr("close() the listening socket"));
    m_stopServer->setObjectName(QStringLiteral("stopServerAction"));
    m_stopServer->setIcon(QIcon(QStringLiteral(":/icons/server-stop.svg")));
    connect(m_startServer, &QAction::triggered, this, [this] { startServer(true); });
    connect(m_serverSocketOnly, &QAction::triggered, this, [this] { startServer(false); });
    connect(m_stopServer, &QAction::triggered, this, &LabPanel::stopServer);
    auto *serverButtons = new QHBoxLayout;
    QToolButton *start = actionButton(m_startServer, server);
    auto *startMenu = new QMenu(start);
    startMenu->addAction(m_serverSocketOnly);
    start->setMenu(startMenu);
    start->setPopupMode(QToolButton::MenuButtonPopup);
    serverButtons->addWidget(start);
    serverButtons->addWidget(actionButton(m_stopServer, server));
    auto *serverBox = new QVBoxLayout(server);
    serverBox->addLayout(serverForm);
    serverBox->addLayout(serverButtons);
    layout->addWidget(server);

    // Clients
    auto *clients = new QGroupBox(tr("Clients"), this);
    auto *clientForm = new QGridLayout;
    m_clientRcvBuf = bufferBox(clients, QStringLiteral("clientRcvBufBox"));
    m_clientSndBuf = bufferBox(clients, QStringLiteral("clientSndBufBox"));
    m_synRetries = new QSpinBox(clients);
    m_synRetries->setObjectName(QStringLiteral("synRetriesBox"));
    m_synRetries->setRange(0, 127);
    m_synRetries->setSpecialValueText(tr("default"));
    m_synRetries->setToolTip(tr("TCP_SYNCNT: how often connect() retransmits its SYN before it fails with ETIMEDOUT"));
    m_clientOptions = new QWidget(clients);
    auto *clientOptionsForm = new QGridLayout(m_clientOptions);
    clientOptionsForm->setContentsMargins(0, 0, 0, 0);
    clientOptionsForm->addWidget(new QLabel(tr("RCVBUF"), m_clientOptions), 0, 0);
    clientOptionsForm->addWidget(m_clientRcvBuf, 0, 1);
    clientOptionsForm->addWidget(new QLabel(tr("SNDBUF"), m_clientOptions), 0, 2);
    clientOptionsForm->addWidget(m_clientSndBuf, 0, 3);
    clientOptionsForm->addWidget(new QLabel(tr("SYNCNT"), m_clientOptions), 1, 0);
    clientOptionsForm->addWidget(m_synRetries, 1, 1);
    m_clientRcvBuf->setParent(m_clientOptions);
    m_clientSndBuf->setParent(m_clientOptions);
    m_synRetries->setParent(m_clientOptions);
    clientForm->addWidget(m_clientOptions, 0, 0, 1, 4);
    m_addClient = makeAction(tr("Add client"), QKeySequence(Qt::CTRL | Qt::Key_N),
                             tr("socket() and a non-blocking connect() to the server"));
    m_addClient->setObjectName(QStringLiteral("addClientAction"));
    m_addClient->setIcon(QIcon(QStringLiteral(":/icons/client-add.svg")));
    m_selfConnect = makeAction(tr("Self-connect"), QKeySequence(),
                               tr("A client binds a port and connects to that same port: a simultaneous open with itself"));
    m_selfConnect->setIcon(QIcon(QStringLiteral(":/icons/self-connect.svg")));
    connect(m_addClient, &QAction::triggered, this, [this] { addClient(false); });
    connect(m_selfConnect, &QAction::triggered, this, [this] { addClient(true); });
    auto *clientButtons = new QHBoxLayout;
    clientButtons->addWidget(actionButton(m_addClient, clients));
    clientButtons->addWidget(actionButton(m_selfConnect, clients));
    auto *clientBox = new QVBoxLayout(clients);
    clientBox->addLayout(clientForm);
    clientBox->addLayout(clientButtons);
    layout->addWidget(clients);

    // Buffers, TCP_DEFER_ACCEPT and TCP_SYNCNT, folded until asked for: the toggle says how
    // many differ from the kernel's defaults.
    m_optionsToggle = new QToolButton(this);
    m_optionsToggle->setObjectName(QStringLiteral("socketOptionsToggle"));
    m_optionsToggle->setCheckable(true);
    m_optionsToggle->setAutoRaise(true);
    m_optionsToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_optionsToggle->setToolTip(tr("The server's TCP_DEFER_ACCEPT, SO_RCVBUF and SO_SNDBUF, and the clients' "
                                   "SO_RCVBUF, SO_SNDBUF and TCP_SYNCNT"));
    layout->addWidget(m_optionsToggle);
    connect(m_optionsToggle, &QToolButton::toggled, this, [this](bool shown) {
        m_serverOptions->setVisible(shown);
        m_clientOptions->setVisible(shown);
        updateOptionsSummary();
    });
    for (QSpinBox *box : {m_deferAccept, m_serverRcvBuf, m_serverSndBuf, m_clientRcvBuf, m_clientSndBuf, m_synRetries})
        connect(box, &QSpinBox::valueChanged, this, &LabPanel::updateOptionsSummary);
    m_serverOptions->hide();
    m_clientOptions->hide();
    updateOptionsSummary();

    // The lab's sockets and the calls on the selected one
    auto *socketsBox = new QGroupBox(tr("Lab sockets"), this);
    auto *socketsLayout = new QVBoxLayout(socketsBox);
    m_sockets = new CompactList(socketsBox);
    m_sockets->setObjectName(QStringLiteral("labSocketList"));
    // Two lines at least; it grows with the dock. The calls below stay in sight on a laptop.
    m_sockets->setMinimumHeight(m_sockets->fontMetrics().height() * 2 + 12);
    socketsLayout->addWidget(m_sockets);
    m_selectedTitle = new QLabel(socketsBox);
    m_selectedTitle->setObjectName(QStringLiteral("selectedSocketTitle"));
    m_selectedTitle->setTextFormat(Qt::PlainText);
    socketsLayout->addWidget(m_selectedTitle);

    const struct
    {
        LabCommand::Kind kind;
        QString text;
        QKeySequence key;
        QString tip;
    } calls[] = {
        {LabCommand::Kind::Bind, tr("bind()"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I), tr("Bind to the server address (a client: to any free port)")},
        {LabCommand::Kind::Listen, tr("listen()"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L), tr("Start listening with the backlog above")},
        {LabCommand::Kind::Accept, tr("accept()"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A), tr("Take one completed connection off the accept queue")},
        {LabCommand::Kind::Connect, tr("connect()"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), tr("Non-blocking connect() to the server")},
        {LabCommand::Kind::Send, tr("send()"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), tr("Send the number of bytes set beside it")},
        {LabCommand::Kind::Fill, tr("send() all"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F), tr("Send until the kernel takes no more (EAGAIN)")},
        {LabCommand::Kind::Receive, tr("recv()"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), tr("Read what has arrived (0 means the peer sent FIN)")},
        {LabCommand::Kind::Drain, tr("recv() all"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D), tr("Read until nothing is left or the peer's FIN")},
        {LabCommand::Kind::Echo, tr("echo"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E), tr("recv() what has arrived and send() it back")},
        {LabCommand::Kind::ShutdownWrite, tr("shutdown()"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_H), tr("Send FIN but keep receiving: a half-close")},
        {LabCommand::Kind::Close, tr("close()"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W), tr("Close the socket: FIN, or RST when unread data is left")},
        {LabCommand::Kind::Abort, tr("abort"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_X), tr("SO_LINGER 0 and close(): RST, no TIME_WAIT")},
    };
    auto *grid = new QGridLayout;
    grid->setSpacing(2);
    int i = 0;
    for (const auto &c : calls) {
        QAction *action = makeAction(c.text, c.key, c.tip);
        action->setObjectName(QStringLiteral("call-") + LabCommand::kindName(c.kind));
        const LabCommand::Kind kind = c.kind;
        connect(action, &QAction::triggered, this, [this, kind] { runOnSelected(kind); });
        m_socketActions.append({c.kind, action});
        if (c.kind == LabCommand::Kind::Send) {
            auto *row = new QHBoxLayout;
            row->addWidget(actionButton(action, socketsBox));
            m_sendBytes = new QSpinBox(socketsBox);
            m_sendBytes->setObjectName(QStringLiteral("sendBytesBox"));
            m_sendBytes->setRange(1, 16384);
            m_sendBytes->setValue(100);
            m_sendBytes->setSuffix(tr(" B"));
            row->addWidget(m_sendBytes);
            grid->addLayout(row, i / 3, i % 3);
        } else {
            grid->addWidget(actionButton(action, socketsBox), i / 3, i % 3);
        }
        ++i;
    }
    socketsLayout->addLayout(grid);
    layout->addWidget(socketsBox, 1);

    // epoll: an instance of its own, watching the selected socket
    auto *epollBox = new QGroupBox(tr("epoll"), this);
    epollBox->setObjectName(QStringLiteral("epollGroup"));
    auto *epollLayout = new QVBoxLayout(epollBox);
    auto *instanceRow = new QHBoxLayout;
    m_epolls = new QComboBox(epollBox);
    m_epolls->setObjectName(QStringLiteral("epollBox"));
    m_epolls->setToolTip(tr("The epoll instance the calls below use"));
    m_epollCreate = makeAction(tr("epoll_create1()"), QKeySequence(), tr("Make an epoll instance: a descriptor that watches sockets"));
    m_epollCreate->setObjectName(QStringLiteral("epollCreateAction"));
    m_epollClose = makeAction(tr("close()"), QKeySequence(), tr("Close the epoll instance; the sockets it watched stay as they are"));
    m_epollClose->setObjectName(QStringLiteral("epollCloseAction"));
    instanceRow->addWidget(m_epolls, 1);
    instanceRow->addWidget(actionButton(m_epollCreate, epollBox));
    instanceRow->addWidget(actionButton(m_epollClose, epollBox));
    epollLayout->addLayout(instanceRow);

    const struct
    {
        quint32 bit;
        QString tip;
    } events[] = {
        {EPOLLIN, tr("Readable: data or the peer's FIN; on a listener, a completed connection in the accept queue")},
        {EPOLLOUT, tr("Writable: room in the send buffer")},
        {EPOLLRDHUP, tr("The peer shut down its sending side (its FIN arrived)")},
        {quint32(EPOLLET), tr("Edge-triggered: report a change once, not for as long as it lasts")},
        {EPOLLONESHOT, tr("Report once, then nothing until epoll_ctl(MOD)")},
    };
    // Two to a row: the lab's dock is narrow.
    auto *eventGrid = new QGridLayout;
    eventGrid->setSpacing(2);
    for (const auto &e : events) {
        const QString name = LabCall::epollEventsText(e.bit);
        auto *box = new QCheckBox(name, epollBox);
        box->setObjectName(QStringLiteral("epollEvent-") + name);
        box->setToolTip(e.tip + tr(" (EPOLLERR and EPOLLHUP are always reported)"));
        box->setProperty("event", e.bit);
        box->setChecked(e.bit == EPOLLIN || e.bit == EPOLLRDHUP);
        eventGrid->addWidget(box, int(m_epollEvents.size()) / 2, int(m_epollEvents.size()) % 2);
        m_epollEvents.append(box);
    }
    epollLayout->addLayout(eventGrid);

    m_epollAdd = makeAction(tr("ADD"), QKeySequence(), tr("epoll_ctl(EPOLL_CTL_ADD): watch the selected socket for the events ticked"));
    m_epollAdd->setObjectName(QStringLiteral("epollAddAction"));
    m_epollModify = makeAction(tr("MOD"), QKeySequence(), tr("epoll_ctl(EPOLL_CTL_MOD): watch the selected socket for the events ticked instead"));
    m_epollModify->setObjectName(QStringLiteral("epollModifyAction"));
    m_epollDelete = makeAction(tr("DEL"), QKeySequence(), tr("epoll_ctl(EPOLL_CTL_DEL): stop watching the selected socket"));
    m_epollDelete->setObjectName(QStringLiteral("epollDeleteAction"));
    m_epollWait = makeAction(tr("epoll_wait()"), QKeySequence(),
                             tr("Which watched sockets are ready; with nothing ready it waits up to the timeout (the window does not)"));
    m_epollWait->setObjectName(QStringLiteral("epollWaitAction"));
    m_epollTimeout = new QSpinBox(epollBox);
    m_epollTimeout->setObjectName(QStringLiteral("epollTimeoutBox"));
    m_epollTimeout->setRange(-1, 600000);
    m_epollTimeout->setValue(5000);
    m_epollTimeout->setSingleStep(1000);
    m_epollTimeout->setSuffix(tr(" ms"));
    m_epollTimeout->setSpecialValueText(tr("no timeout"));
    m_epollTimeout->setToolTip(tr("epoll_wait() timeout: 0 returns at once"));
    connect(m_epollCreate, &QAction::triggered, this, [this] {
        const Lab::Result r = m_lab->execute(LabCommand::epollCreate());
        if (!r.ok)
            showProblem(m_lab->calls().last());
        refreshEpolls();
        m_epolls->setCurrentIndex(m_epolls->findData(r.socketId));
        Q_EMIT commandRun();
    });
    connect(m_epollAdd, &QAction::triggered, this, [this] { runEpollCtl(EpollOp::Add); });
    connect(m_epollModify, &QAction::triggered, this, [this] { runEpollCtl(EpollOp::Modify); });
    connect(m_epollDelete, &QAction::triggered, this, [this] { runEpollCtl(EpollOp::Delete); });
    connect(m_epollWait, &QAction::triggered, this, [this] {
        run(LabCommand::epollWait(selectedEpoll(), 16, m_epollTimeout->value()));
        refreshActions();
        Q_EMIT commandRun();
    });
    connect(m_epollClose, &QAction::triggered, this, [this] {
        run(LabCommand::close(selectedEpoll()));
        refreshEpolls();
        Q_EMIT commandRun();
    });
    connect(m_epolls, &QComboBox::currentIndexChanged, this, &LabPanel::refreshActions);
    auto *ctlRow = new QHBoxLayout;
    ctlRow->addWidget(new QLabel(tr("epoll_ctl()"), epollBox));
    ctlRow->addWidget(actionButton(m_epollAdd, epollBox));
    ctlRow->addWidget(actionButton(m_epollModify, epollBox));
    ctlRow->addWidget(actionButton(m_epollDelete, epollBox));
    epollLayout->addLayout(ctlRow);
    auto *waitRow = new QHBoxLayout;
    waitRow->addWidget(actionButton(m_epollWait, epollBox));
    waitRow->addWidget(m_epollTimeout);
    epollLayout->addLayout(waitRow);
    m_epollWhy = new QLabel(epollBox);
    m_epollWhy->setObjectName(QStringLiteral("epollWhy"));
    m_epollWhy->setTextFormat(Qt::PlainText);
    m_epollWhy->setWordWrap(true);
    epollLayout->addWidget(m_epollWhy);
    layout->addWidget(epollBox);

    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("labProblem"));
    // Rich for its colour; what it quotes (another process's name, say) is escaped.
    m_problem->setTextFormat(Qt::RichText);
    m_problem->setWordWrap(true);
    m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_problem->hide();
    layout->addWidget(m_problem);

    connect(m_sockets, &QListWidget::currentRowChanged, this, [this](int row) {
        const int id = row >= 0 ? m_sockets->item(row)->data(Qt::UserRole).toInt() : 0;
        if (id == m_selected)
            return;
        m_selected = id;
        refreshActions();
        Q_EMIT selectedSocketChanged(id);
    });
    connect(m_lab, &Lab::socketsChanged, this, &LabPanel::refreshSockets);
    // Who holds a port comes a moment after the failed bind(): the problem shown says it then.
    connect(m_lab, &Lab::callUpdated, this, [this](const LabCall &call) {
        if (m_problemCall != 0 && call.sequence == m_problemCall)
            showProblem(call);
    });
    refreshSockets();
    compactNumberBoxes(this);
}

void LabPanel::updateOptionsSummary()
{
    int set = 0;
    for (const QSpinBox *box : {m_deferAccept, m_serverRcvBuf, m_serverSndBuf, m_clientRcvBuf, m_clientSndBuf, m_synRetries})
        set += box->value() != box->minimum() ? 1 : 0;
    const bool shown = m_optionsToggle->isChecked();
    m_optionsToggle->setArrowType(shown ? Qt::DownArrow : Qt::RightArrow);
    m_optionsToggle->setText(set == 0 ? tr("Socket options: the kernel's defaults")
                                      : tr("Socket options: %n set", nullptr, set));
}

void LabPanel::setLiveSession(LiveSession *live)
{
    if (m_wire)
        return;
    m_wire = new WireGroup(live, this);
    // Below the calls, folded: the call buttons stay where they were.
    auto *box = static_cast<QVBoxLayout *>(layout());
    box->insertWidget(box->indexOf(m_problem), m_wire);
    compactNumberBoxes(m_wire);
}

QAction *LabPanel::makeAction(const QString &text, const QKeySequence &shortcut, const QString &tip)
{
    auto *action = new QAction(text, this);
    action->setShortcut(shortcut);
    action->setShortcutContext(Qt::WindowShortcut);
    action->setToolTip(shortcut.isEmpty() ? tip : tip + QStringLiteral(" (") + shortcut.toString(QKeySequence::NativeText) + QLatin1Char(')'));
    action->setStatusTip(tip);
    addAction(action);
    return action;
}

QList<QAction *> LabPanel::serverActions() const
{
    return {m_startServer, m_serverSocketOnly, m_stopServer, m_addClient, m_selfConnect};
}

QList<QAction *> LabPanel::epollActions() const
{
    return {m_epollCreate, m_epollAdd, m_epollModify, m_epollDelete, m_epollWait, m_epollClose};
}

QList<QAction *> LabPanel::socketActions() const
{
    QList<QAction *> out;
    for (const SocketAction &a : m_socketActions)
        out.append(a.action);
    return out;
}

void LabPanel::setDefaultPort(quint16 port)
{
    m_port->setValue(port);
}

const LabSocket *LabPanel::runningListener() const
{
    const QList<LabSocket> sockets = m_lab->sockets();
    for (qsizetype i = sockets.size() - 1; i >= 0; --i) {
        if (sockets[i].role == LabSocket::Role::Listener && sockets[i].open && sockets[i].listening)
            return m_lab->socket(sockets[i].id);
    }
    return nullptr;
}

quint16 LabPanel::serverPort() const
{
    if (const LabSocket *l = runningListener())
        return l->local.port;
    return quint16(m_port->value());
}

Endpoint LabPanel::serverEndpoint() const
{
    if (const LabSocket *l = runningListener())
        return l->local;
    Endpoint e;
    e.address = AddressFamily(m_family->currentData().toInt()) == AddressFamily::IPv4
        ? IpAddress::fromIPv4(0x7f000001)
        : *IpAddress::fromString(u"::1");
    e.port = quint16(m_port->value());
    return e;
}

void LabPanel::run(const LabCommand &command)
{
    const qsizetype before = m_lab->calls().size();
    m_lab->execute(command);
    const QList<LabCall> calls = m_lab->calls();
    for (qsizetype i = before; i < calls.size(); ++i) {
        const LabCall &c = calls[i];
        // EINPROGRESS and EAGAIN are how non-blocking calls answer, not problems.
        if (c.notCalled || (c.failed() && c.error != EINPROGRESS && c.error != EAGAIN)) {
            showProblem(c);
            return;
        }
    }
    m_problem->hide();
    m_problemCall = 0;
}

void LabPanel::showProblem(const LabCall &call)
{
    m_problemCall = call.sequence;
    const Theme theme(palette());
    m_problem->setText(QStringLiteral("<span style='color:%1'>%2</span>")
                           .arg(theme.failure().name(), QString(call.socketLabel + QStringLiteral(": ") + call.toString()).toHtmlEscaped()));
    m_problem->show();
}

void LabPanel::startServer(bool listenNow)
{
    const auto family = AddressFamily(m_family->currentData().toInt());
    const Lab::Result created = m_lab->execute(LabCommand::socket(LabSocket::Role::Listener, family));
    if (!created.ok) {
        showProblem(m_lab->calls().last());
        return;
    }
    const int id = created.socketId;
    run(LabCommand::setOption(id, LabOption::ReuseAddress, 1));
    if (m_deferAccept->value() > 0)
        run(LabCommand::setOption(id, LabOption::DeferAccept, m_deferAccept->value()));
    if (m_serverRcvBuf->value() > 0)
        run(LabCommand::setOption(id, LabOption::ReceiveBuffer, m_serverRcvBuf->value()));
    if (m_serverSndBuf->value() > 0)
        run(LabCommand::setOption(id, LabOption::SendBuffer, m_serverSndBuf->value()));
    if (listenNow) {
        Endpoint e;
        e.address = family == AddressFamily::IPv4 ? IpAddress::fromIPv4(0x7f000001) : *IpAddress::fromString(u"::1");
        e.port = quint16(m_port->value());
        run(LabCommand::bind(id, e));
        if (m_lab->calls().last().failed()) {
            // Nothing to listen on: leave no half-made server behind.
            const LabCall failed = m_lab->calls().last();
            m_lab->execute(LabCommand::close(id));
            showProblem(failed);
        } else {
            run(LabCommand::listen(id, m_backlog->value()));
        }
    }
    selectSocket(id);
    Q_EMIT commandRun();
}

void LabPanel::stopServer()
{
    for (const LabSocket &s : m_lab->sockets()) {
        if (s.role == LabSocket::Role::Listener && s.open)
            run(LabCommand::close(s.id));
    }
    Q_EMIT commandRun();
}

void LabPanel::addClient(bool selfConnect)
{
    const Endpoint server = serverEndpoint();
    const AddressFamily family = selfConnect ? AddressFamily(m_family->currentData().toInt()) : server.address.family();
    const Lab::Result created = m_lab->execute(LabCommand::socket(LabSocket::Role::Client, family));
    if (!created.ok) {
        showProblem(m_lab->calls().last());
        return;
    }
    const int id = created.socketId;
    if (m_clientRcvBuf->value() > 0)
        run(LabCommand::setOption(id, LabOption::ReceiveBuffer, m_clientRcvBuf->value()));
    if (m_clientSndBuf->value() > 0)
        run(LabCommand::setOption(id, LabOption::SendBuffer, m_clientSndBuf->value()));
    if (m_synRetries->value() > 0)
        run(LabCommand::setOption(id, LabOption::SynRetries, m_synRetries->value()));
    if (selfConnect) {
        Endpoint any = server;
        any.address = family == AddressFamily::IPv4 ? IpAddress::fromIPv4(0x7f000001) : *IpAddress::fromString(u"::1");
        any.port = 0;
        run(LabCommand::bind(id, any));
        run(LabCommand::connect(id, m_lab->socket(id)->local));
    } else {
        run(LabCommand::connect(id, server));
    }
    selectSocket(id);
    Q_EMIT commandRun();
}

void LabPanel::runOnSelected(LabCommand::Kind kind)
{
    const LabSocket *s = m_lab->socket(m_selected);
    if (!s)
        return;
    const int id = s->id;
    switch (kind) {
    case LabCommand::Kind::Bind: {
        Endpoint e = serverEndpoint();
        e.address = s->family == AddressFamily::IPv4 ? IpAddress::fromIPv4(0x7f000001) : *IpAddress::fromString(u"::1");
        e.port = s->role == LabSocket::Role::Listener ? quint16(m_port->value()) : 0;
        run(LabCommand::bind(id, e));
        break;
    }
    case LabCommand::Kind::Listen: run(LabCommand::listen(id, m_backlog->value())); break;
    case LabCommand::Kind::Accept: {
        const Lab::Result r = m_lab->execute(LabCommand::accept(id));
        if (r.ok)
            selectSocket(r.socketId);
        break;
    }
    case LabCommand::Kind::Connect: run(LabCommand::connect(id, serverEndpoint())); break;
    case LabCommand::Kind::Send: run(LabCommand::send(id, m_sendBytes->value())); break;
    case LabCommand::Kind::Fill: run(LabCommand::fill(id)); break;
    case LabCommand::Kind::Receive: run(LabCommand::receive(id)); break;
    case LabCommand::Kind::Drain: run(LabCommand::drain(id)); break;
    case LabCommand::Kind::Echo: run(LabCommand::echo(id)); break;
    case LabCommand::Kind::ShutdownWrite: run(LabCommand::shutdownWrite(id)); break;
    case LabCommand::Kind::Close: run(LabCommand::close(id)); break;
    case LabCommand::Kind::Abort: run(LabCommand::abort(id)); break;
    case LabCommand::Kind::Socket:
    case LabCommand::Kind::SetOption:
    case LabCommand::Kind::EpollCreate: // the epoll group's own buttons
    case LabCommand::Kind::EpollCtl:
    case LabCommand::Kind::EpollWait: break;
    }
    refreshActions();
    Q_EMIT commandRun();
}

void LabPanel::selectSocket(int socketId)
{
    for (int row = 0; row < m_sockets->count(); ++row) {
        if (m_sockets->item(row)->data(Qt::UserRole).toInt() == socketId) {
            m_sockets->setCurrentRow(row);
            return;
        }
    }
    if (socketId == 0)
        m_sockets->setCurrentRow(-1);
}

void LabPanel::refreshSockets()
{
    const QSignalBlocker blocker(m_sockets);
    m_sockets->clear();
    const Theme theme(palette());
    int selectedRow = -1;
    for (const LabSocket &s : m_lab->sockets()) {
        QString where = s.local.port != 0 ? s.local.toString() : tr("unbound");
        if (s.remote.port != 0 && s.role != LabSocket::Role::Listener)
            where += QStringLiteral(" → ") + s.remote.toString();
        auto *item = new QListWidgetItem(QStringLiteral("%1   %2   %3").arg(s.label(), where, socketStatus(s)), m_sockets);
        item->setData(Qt::UserRole, s.id);
        if (!s.open)
            item->setForeground(theme.muted());
        else
            item->setForeground(s.role == LabSocket::Role::Client ? theme.clientEnd() : theme.serverEnd());
        if (s.id == m_selected)
            selectedRow = m_sockets->count() - 1;
    }
    m_sockets->setCurrentRow(selectedRow);
    if (selectedRow < 0 && m_selected != 0) {
        m_selected = 0;
        Q_EMIT selectedSocketChanged(0);
    }
    refreshEpolls();
    refreshActions();
}

int LabPanel::selectedEpoll() const
{
    return m_epolls->currentData().toInt();
}

quint32 LabPanel::checkedEvents() const
{
    quint32 events = 0;
    for (const QCheckBox *box : m_epollEvents) {
        if (box->isChecked())
            events |= box->property("event").toUInt();
    }
    return events;
}

void LabPanel::runEpollCtl(EpollOp op)
{
    run(LabCommand::epollCtl(selectedEpoll(), op, m_selected, op == EpollOp::Delete ? 0 : checkedEvents()));
    refreshActions();
    Q_EMIT commandRun();
}

void LabPanel::refreshEpolls()
{
    const QSignalBlocker blocker(m_epolls);
    const int current = selectedEpoll();
    m_epolls->clear();
    for (const LabEpoll &e : m_lab->epolls()) {
        if (!e.open)
            continue;
        QString text = e.label();
        if (!e.interest.isEmpty())
            text += tr(", watching %n socket(s)", nullptr, int(e.interest.size()));
        if (e.waiting)
            text += tr(", waiting in epoll_wait()");
        m_epolls->addItem(text, e.id);
    }
    const int index = m_epolls->findData(current);
    m_epolls->setCurrentIndex(index >= 0 ? index : m_epolls->count() - 1);
}

void LabPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        refreshSockets(); // the list's colours come from the palette
}

void LabPanel::refreshActions()
{
    const LabSocket *s = m_lab->socket(m_selected);
    const bool listening = runningListener() != nullptr;
    const QList<LabSocket> sockets = m_lab->sockets();
    m_stopServer->setEnabled(listening || std::any_of(sockets.cbegin(), sockets.cend(), [](const LabSocket &x) {
                                 return x.role == LabSocket::Role::Listener && x.open;
                             }));
    m_selectedTitle->setText(s ? tr("Calls on %1 (%2)").arg(s->label(), socketStatus(*s)) : tr("Select a lab socket to call on it"));

    for (const SocketAction &a : std::as_const(m_socketActions))
        a.action->setEnabled(s && CallValidity::allows(*s, a.kind));

    // The epoll calls, each disabled with the reason CallValidity gives.
    const LabEpoll *e = m_lab->epoll(selectedEpoll());
    QStringList why;
    const auto offer = [&why](QAction *action, const QString &reason) {
        action->setEnabled(reason.isEmpty());
        if (!reason.isEmpty() && !why.contains(reason))
            why << reason;
    };
    const QString ctlWhy = CallValidity::whyNotEpollCtl(e, s, EpollOp::Add);
    offer(m_epollAdd, ctlWhy);
    offer(m_epollModify, CallValidity::whyNotEpollCtl(e, s, EpollOp::Modify));
    offer(m_epollDelete, CallValidity::whyNotEpollCtl(e, s, EpollOp::Delete));
    offer(m_epollWait, CallValidity::whyNotEpollWait(e));
    m_epollClose->setEnabled(e && e->open);
    // Only the first reason a call is not offered; the same for every epoll_ctl() is said once.
    m_epollWhy->setText(why.isEmpty() ? QString() : why.first());
    m_epollWhy->setVisible(!why.isEmpty());
    for (QAction *a : {m_epollAdd, m_epollModify, m_epollDelete, m_epollWait}) {
        const QString base = a->statusTip();
        a->setToolTip(a->isEnabled() ? base : base + QStringLiteral(" — ") + tr("not now: ")
                          + (a == m_epollWait ? CallValidity::whyNotEpollWait(e)
                                              : CallValidity::whyNotEpollCtl(e, s, a == m_epollAdd ? EpollOp::Add
                                                                                   : a == m_epollModify ? EpollOp::Modify
                                                                                                        : EpollOp::Delete)));
    }
}

} // namespace sockscope
