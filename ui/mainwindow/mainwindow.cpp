// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include "core/format/sockettable.h"
#include "core/session/sessionfile.h"
#include "core/session/eventwording.h"
#include "core/sequence/sequencefigure.h"
#include "core/sources/pollinterval.h"
#include "ui/lab/labpanel.h"
#include "ui/lab/wiregroup.h"
#include "ui/log/eventlogmodel.h"
#include "ui/models/sockettablemodel.h"
#include "ui/models/sockettableproxy.h"
#include "ui/scenario/scenariopanel.h"
#include "ui/diagram/statediagramwidget.h"
#include "ui/export/exporter.h"
#include "ui/replay/replaycontroller.h"
#include "ui/table/pairdelegate.h"
#include "ui/table/sockettableview.h"
#include "ui/theme/theme.h"
#include "ui/table/textcelldelegate.h"
#include "ui/table/sslisting.h"
#include "ui/text/plaintext.h"
#include "ui/sequence/sequencewidget.h"
#include "ui/timeline/timelinewidget.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

// The icons live in the ui library, a static library: their resource needs an explicit start.
static void initResources()
{
    Q_INIT_RESOURCE(sockscope);
}

namespace sockscope {

namespace {

// "8000, 5432" -> {8000, 5432}; empty or "all" -> {} (everything). Bad parts are reported.
QList<quint16> parsePorts(const QString &text, QString *error)
{
    QList<quint16> ports;
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty() || trimmed.compare(QLatin1String("all"), Qt::CaseInsensitive) == 0)
        return ports;
    for (const QString &part : trimmed.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const uint port = part.toUInt(&ok);
        if (!ok || port < 1 || port > 65535) {
            if (error)
                *error = QObject::tr("'%1' is not a port (1–65535)").arg(part);
            continue;
        }
        if (!ports.contains(quint16(port)))
            ports.append(quint16(port));
    }
    return ports;
}

} // namespace

MainWindow::MainWindow(const MainWindowOptions &options, QWidget *parent) : QMainWindow(parent)
{
    initResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("sockscope"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/sockscope.svg")));
    setDockNestingEnabled(true);

    m_replay = options.replay;
    m_preferences = Preferences::load();
    if (options.source)
        m_preferences.source = *options.source;
    if (options.intervalMs)
        m_preferences.intervalMs = *options.intervalMs;
    const Network labNetwork = options.labNetwork.value_or(m_preferences.labNetwork);

    buildTable();
    buildDocks();
    buildToolBar();
    buildMenus();
    if (m_replay) {
        m_replayControl = new ReplayController(m_replay, &m_session, m_log, this);
        addToolBar(m_replayControl->toolBar());
        connect(m_replayControl, &ReplayController::moved, this, &MainWindow::replayMoved);
    }
    if (options.watchPort)
        m_watchPorts->setText(QString::number(*options.watchPort));
    m_labPanel->setDefaultPort(m_preferences.defaultPort);
    connect(m_firstSteps, &QLabel::linkActivated, this, [this] {
        if (auto *dock = findChild<QDockWidget *>(QStringLiteral("scenarioDock"))) {
            dock->show();
            dock->raise();
        }
    });
    connect(m_live.lab(), &Lab::socketsChanged, this, &MainWindow::updateFirstSteps);
    connect(&m_runner, &ScenarioRunner::stepStarted, this, &MainWindow::updateFirstSteps);
    updateFirstSteps();

    // The source's name comes from a session file, a problem's text from the kernel or ss.
    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
    m_statusLabel->setTextFormat(Qt::PlainText);
    m_errorBox = new QWidget(this);
    auto *errorLayout = new QHBoxLayout(m_errorBox);
    errorLayout->setContentsMargins(0, 0, 0, 0);
    auto *errorIcon = new QLabel(m_errorBox);
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize);
    errorIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(iconSize, iconSize));
    m_errorLabel = new QLabel(m_errorBox);
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_errorLabel->setTextFormat(Qt::PlainText);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    errorLayout->addWidget(errorIcon);
    errorLayout->addWidget(m_errorLabel);
    m_errorBox->hide();
    statusBar()->addWidget(m_statusLabel, 1);
    statusBar()->addPermanentWidget(m_errorBox);
    m_sourceNotice = new QLabel(this);
    m_sourceNotice->setObjectName(QStringLiteral("sourceNotice"));
    m_sourceNotice->setTextFormat(Qt::PlainText);
    m_sourceNotice->hide();
    statusBar()->addPermanentWidget(m_sourceNotice);

    connect(&m_session, &Session::updated, this, &MainWindow::sessionUpdated);
    connect(&m_session, &Session::rewound, this, [this](const QList<quint64> &ids) {
        m_model->resync(ids);
    });
    // The lab's calls, then what each poll changed: one stream, in the order it happened.
    connect(&m_live, &LiveSession::callMade, this, &MainWindow::logCall);
    // What a call learns after it was logged (who holds the port a bind() wanted) follows it.
    connect(&m_live, &LiveSession::callUpdated, this, [this](const LabCall &call) {
        m_log->append({QDateTime::currentMSecsSinceEpoch(), EventLogModel::Kind::Call, call.socketLabel,
                       EventWording::callUpdate(call), call.failed()});
    });
    connect(&m_live, &LiveSession::polled, this, &MainWindow::applyPoll);
    connect(&m_live, &LiveSession::segmentCaptured, this, &MainWindow::logSegment);
    connect(&m_live, &LiveSession::segmentStopped, this, [this](const WireSegment &w) { m_lastStopped = w; });
    connect(&m_live, &LiveSession::wireRuleActed, this, &MainWindow::logWireRuleHit);
    connect(&m_live, &LiveSession::wireRulesChanged, this, &MainWindow::logWireRules);
    // The figure grows with each call and segment, not only with each poll: at most one
    // redraw per burst (a handshake is three segments in microseconds).
    m_sequenceTimer = new QTimer(this);
    m_sequenceTimer->setSingleShot(true);
    m_sequenceTimer->setInterval(30);
    connect(m_sequenceTimer, &QTimer::timeout, this, [this] { showSequence(m_sequenceEnds); });
    const auto redrawSoon = [this] {
        if (!m_sequenceEnds.isEmpty() && !m_sequenceTimer->isActive())
            m_sequenceTimer->start();
    };
    connect(&m_live, &LiveSession::callMade, this, redrawSoon);
    connect(&m_live, &LiveSession::callUpdated, this, redrawSoon);
    connect(&m_live, &LiveSession::segmentCaptured, this, redrawSoon);
    connect(&m_live, &LiveSession::segmentStopped, this, redrawSoon);
    connect(&m_live, &LiveSession::packetStateChanged, this, [this](const PacketStateChange &c) {
        m_log->append({c.transition.atNs / 1000000, EventLogModel::Kind::Transition, c.who,
                       EventWording::packetTransition(c), false, -1, c.steadyNs, 0, int(c.transition.to)});
    });
    connect(&m_live, &LiveSession::networkChanged, this, &MainWindow::updateStatus);
    connect(&m_runner, &ScenarioRunner::stepStarted, this, [this](int index) {
        m_stepStartNs = steadyNowNs();
        showSequence(m_sequenceEnds);
        m_log->append({QDateTime::currentMSecsSinceEpoch(), EventLogModel::Kind::Scenario, tr("scenario"),
                       tr("%1, step %2 of %3: %4")
                           .arg(m_runner.scenario().name)
                           .arg(index + 1)
                           .arg(m_runner.stepCount())
                           .arg(m_runner.stepAt(index).description),
                       false});
    });
    connect(&m_runner, &ScenarioRunner::finished, this, [this] {
        m_stepStartNs = -1;
        showSequence(m_sequenceEnds);
        m_runs.append(m_runner.record());
        QStringList missing;
        for (const Expectation &e : m_runner.missing())
            missing << e.describe();
        const bool ok = m_runner.status() == ScenarioRunner::Status::Finished && missing.isEmpty();
        m_log->append({QDateTime::currentMSecsSinceEpoch(), EventLogModel::Kind::Scenario, tr("scenario"),
                       ok ? tr("%1 finished: every expected state was seen").arg(m_runner.scenario().name)
                          : tr("%1 ended: %2")
                                .arg(m_runner.scenario().name,
                                     !m_runner.failure().isEmpty() ? m_runner.failure()
                                                                   : tr("not seen: ") + missing.join(QStringLiteral("; "))),
                       !ok});
    });

    resize(1400, 900);
    if (options.restoreLayout) {
        QSettings settings;
        restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
        m_layoutRestored = restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
        m_rememberColumns = true;
        restoreHiddenColumns();
    }
    if (m_replay) {
        // Read-only: nothing here touches the kernel or the lab.
        m_session.setRecording(m_replay);
        const SessionDocument &d = m_replay->document();
        setWindowTitle(PlainText::windowTitle(
            tr("%1 — recorded %2 on %3 — sockscope")
                .arg(QFileInfo(options.replayFile).fileName(),
                     QDateTime::fromMSecsSinceEpoch(d.startedWallMs).toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                     d.host.hostname.isEmpty() ? tr("an unnamed host") : d.host.hostname)));
        for (const char *name : {"labDock", "scenarioDock"}) {
            auto *dock = findChild<QDockWidget *>(QLatin1String(name));
            dock->hide();
            dock->toggleViewAction()->setEnabled(false);
        }
        findChild<QToolBar *>(QStringLiteral("sourceToolBar"))->hide();
        m_sourceName = d.source;
        m_replayControl->setLogOtherConnections(!m_watchPorts->text().trimmed().isEmpty());
        m_replayControl->showStart();
    } else {
        moveLab(labNetwork); // starts polling
    }
}

MainWindow::~MainWindow()
{
    m_live.stop();
    // What the lab says as it closes its sockets, and the docks as QWidget's destructor hides
    // them, comes after this window's members are gone: it must not reach the window.
    m_live.disconnect(this);
    for (QDockWidget *dock : std::as_const(m_docks))
        dock->disconnect(this);
}

QDockWidget *MainWindow::addDock(QWidget *widget, const QString &title, const QString &name, Qt::DockWidgetArea area)
{
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(name);
    dock->setWidget(widget);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
    addDockWidget(area, dock);
    m_docks.append(dock);
    return dock;
}

void MainWindow::buildTable()
{
    m_model = new SocketTableModel(&m_session, this);
    m_proxy = new SocketTableProxy(this);
    m_proxy->setSourceModel(m_model);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 0);
    auto *filters = new QHBoxLayout;
    m_textFilter = new QLineEdit(central);
    m_textFilter->setObjectName(QStringLiteral("textFilter"));
    m_textFilter->setPlaceholderText(tr("Filter rows (%1): address, role, state…")
                                         .arg(QKeySequence(QKeySequence::Find).toString(QKeySequence::NativeText)));
    m_textFilter->setClearButtonEnabled(true);
    m_stateFilter = new QComboBox(central);
    m_stateFilter->setObjectName(QStringLiteral("stateFilter"));
    m_stateFilter->addItem(tr("All states"), 0);
    for (TcpState s : allTcpStates())
        m_stateFilter->addItem(kernelName(s), kernelNumber(s));
    m_portFilter = new QSpinBox(central);
    m_portFilter->setObjectName(QStringLiteral("portFilter"));
    m_portFilter->setRange(0, 65535);
    m_portFilter->setSpecialValueText(tr("any port"));
    m_portFilter->setToolTip(tr("Show only rows with this local or remote port"));
    filters->addWidget(m_textFilter, 1);
    filters->addWidget(m_stateFilter);
    filters->addWidget(m_portFilter);
    layout->addLayout(filters);
    // A first run says what to do, where the eye lands, until the lab has something to show.
    m_firstSteps = new QLabel(central);
    m_firstSteps->setObjectName(QStringLiteral("firstSteps"));
    m_firstSteps->setWordWrap(true);
    m_firstSteps->setFrameShape(QFrame::StyledPanel);
    m_firstSteps->setMargin(6);
    m_firstSteps->setTextFormat(Qt::RichText);
    // A link in a light palette's blue is hard to read on a dark panel: the client end's blue,
    // lightened, there.
    const Theme theme(m_firstSteps->palette());
    const QColor link = theme.isDark() ? theme.clientEnd().lighter(140) : m_firstSteps->palette().color(QPalette::Link);
    m_firstSteps->setText(tr("<b>Start here:</b> start a server (<b>%1</b>), then add clients (<b>%2</b>) — or pick "
                             "a scenario on the <a href=\"scenario\" style=\"color: %3\">Scenario</a> tab.")
                              .arg(QKeySequence(Qt::CTRL | Qt::Key_L).toString(QKeySequence::NativeText),
                                   QKeySequence(Qt::CTRL | Qt::Key_N).toString(QKeySequence::NativeText),
                                   link.name()));
    layout->addWidget(m_firstSteps);

    m_table = new SocketTableView(central);
    m_table->setObjectName(QStringLiteral("socketTable"));
    m_table->setModel(m_proxy);
    m_model->setPalette(m_table->palette());
    m_table->installEventFilter(this);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(SocketTableModel::Local, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->setItemDelegate(new TextCellDelegate(m_table));
    // Addresses keep both ends when their column is narrow: "[2001:db8:…:1]:443".
    auto *local = new PairDelegate(m_table);
    local->setElideMode(Qt::ElideMiddle);
    m_table->setItemDelegateForColumn(SocketTableModel::Local, local);
    auto *remote = new TextCellDelegate(m_table);
    remote->setElideMode(Qt::ElideMiddle);
    m_table->setItemDelegateForColumn(SocketTableModel::Remote, remote);
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);
    // Sized for what most rows hold (IPv4 loopback, a short role and process), so that address,
    // peer, state, role and process fit beside the docks on a 1366-pixel screen; longer texts
    // are elided, whole in their tooltips, and a double click on a border fits a column.
    const QFontMetrics metrics = m_table->fontMetrics();
    const auto widthOf = [&metrics](const QString &sample) { return metrics.horizontalAdvance(sample) + 12; };
    header->resizeSection(SocketTableModel::State, widthOf(QStringLiteral("ESTABLISHED")));
    header->resizeSection(SocketTableModel::Role, widthOf(QStringLiteral("accepted #10")));
    header->resizeSection(SocketTableModel::Local, widthOf(QStringLiteral("127.0.0.1:65535")) + PairDelegate::bracketWidth);
    header->resizeSection(SocketTableModel::Remote, widthOf(QStringLiteral("127.0.0.1:65535")));
    header->resizeSection(SocketTableModel::Process, widthOf(QStringLiteral("nginx (pid 12345)")));
    header->resizeSection(SocketTableModel::RecvQ, widthOf(QStringLiteral("Recv-Q 00000")));
    header->resizeSection(SocketTableModel::SendQ, widthOf(QStringLiteral("Send-Q 00000")));
    header->resizeSection(SocketTableModel::Timer, widthOf(QStringLiteral("retransmit 120.00s")));
    header->resizeSection(SocketTableModel::Inode, widthOf(QStringLiteral("00000000")));
    header->resizeSection(SocketTableModel::Uid, widthOf(QStringLiteral("UID 00000")));
    header->resizeSection(SocketTableModel::Network, widthOf(QStringLiteral("host")));
    // First, and shown only while rows of both networks are (updateNetworkColumn()).
    header->moveSection(header->visualIndex(SocketTableModel::Network), 0);
    m_table->setColumnHidden(SocketTableModel::Network, true);
    // Columns few need (inode, uid) start hidden; the header's context menu shows or hides
    // any column but the address, and the choice is remembered.
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, this, [this, header](const QPoint &at) {
        QMenu menu(this);
        for (int column = 0; column < SocketTableModel::ColumnCount; ++column) {
            if (column == SocketTableModel::Local || column == SocketTableModel::Network)
                continue; // the address is the row; the network column shows itself when needed
            QAction *toggle = menu.addAction(m_model->headerData(column, Qt::Horizontal).toString());
            toggle->setCheckable(true);
            toggle->setChecked(!m_table->isColumnHidden(column));
            connect(toggle, &QAction::toggled, this, [this, column](bool shown) {
                m_table->setColumnHidden(column, !shown);
                saveHiddenColumns();
            });
        }
        menu.exec(header->mapToGlobal(at));
    });
    for (int column : hiddenColumnsByDefault())
        m_table->setColumnHidden(column, true);
    layout->addWidget(m_table, 1);
    setCentralWidget(central);
    // The keyboard starts in the table (arrows pick a connection); Ctrl+F goes to the filter.
    m_table->setFocus(Qt::OtherFocusReason);

    connect(m_textFilter, &QLineEdit::textChanged, m_proxy, &SocketTableProxy::setTextFilter);
    connect(m_stateFilter, &QComboBox::currentIndexChanged, this, [this] {
        const int number = m_stateFilter->currentData().toInt();
        m_proxy->setStateFilter(tcpStateFromKernelNumber(number));
    });
    connect(m_portFilter, &QSpinBox::valueChanged, this, [this](int port) {
        m_proxy->setPortFilter(port > 0 ? std::optional<quint16>(quint16(port)) : std::nullopt);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MainWindow::selectionFromTable);
}

void MainWindow::buildDocks()
{
    m_labPanel = new LabPanel(&m_lab, this);
    m_labPanel->setLiveSession(&m_live);
    auto *labScroll = new QScrollArea(this);
    labScroll->setWidget(m_labPanel);
    labScroll->setWidgetResizable(true);
    labScroll->setFrameShape(QFrame::NoFrame);
    QDockWidget *labDock = addDock(labScroll, tr("Lab"), QStringLiteral("labDock"), Qt::LeftDockWidgetArea);

    m_scenarioPanel = new ScenarioPanel(&m_runner, this);
    QDockWidget *scenarioDock = addDock(m_scenarioPanel, tr("Scenario"), QStringLiteral("scenarioDock"), Qt::LeftDockWidgetArea);
    tabifyDockWidget(labDock, scenarioDock);
    labDock->raise();

    m_log = new EventLogModel(this);
    m_logView = new QTreeView(this);
    m_logView->setObjectName(QStringLiteral("eventLog"));
    m_logView->setModel(m_log);
    m_logView->setRootIsDecorated(false);
    m_logView->setUniformRowHeights(true);
    m_logView->setAlternatingRowColors(true);
    m_logView->header()->setStretchLastSection(true);
    m_logView->header()->resizeSection(EventLogModel::Time, m_logView->fontMetrics().horizontalAdvance(QStringLiteral("00:00:00.000")) + 24);
    m_logView->header()->resizeSection(EventLogModel::Who, m_logView->fontMetrics().horizontalAdvance(QStringLiteral("in accept queue (client #10)")) + 16);
    connect(m_logView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MainWindow::selectionFromLog);
    connect(m_log, &QAbstractItemModel::rowsInserted, m_logView, [this] {
        // Follow new entries unless the user scrolled up to read.
        QScrollBar *bar = m_logView->verticalScrollBar();
        if (bar->value() >= bar->maximum() - 2)
            m_logView->scrollToBottom();
    });
    m_diagram = new StateDiagramWidget(this);
    QDockWidget *diagramDock = addDock(m_diagram, tr("State diagram"), QStringLiteral("diagramDock"), Qt::RightDockWidgetArea);
    // The call flow of the same connection, a tab beside the diagram: both want height.
    m_sequence = new SequenceWidget(this);
    m_sequence->setObjectName(QStringLiteral("sequence"));
    QDockWidget *sequenceDock = addDock(m_sequence, tr("Sequence"), QStringLiteral("sequenceDock"), Qt::RightDockWidgetArea);
    tabifyDockWidget(diagramDock, sequenceDock);
    diagramDock->raise();
    connect(m_sequence, &SequenceWidget::clicked, this, &MainWindow::sequenceClicked);
    // Drawn only while it can be seen: a figure per poll costs nothing behind another tab.
    // (A dock behind another's tab keeps isVisible(); its visibilityChanged() says the truth.)
    connect(sequenceDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        m_sequenceShown = visible;
        if (visible && m_sequenceStale)
            showSequence(m_sequenceEnds);
    });

    m_timeline = new TimelineWidget(this);
    QDockWidget *timelineDock = addDock(m_timeline, tr("Timeline"), QStringLiteral("timelineDock"), Qt::BottomDockWidgetArea);
    m_liveTimer = new QTimer(this);
    m_liveTimer->setInterval(200);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        if (m_timeline->isLive())
            m_timeline->setNow(steadyNowNs());
        else
            m_liveTimer->stop();
    });

    QDockWidget *logDock = addDock(m_logView, tr("Event log"), QStringLiteral("eventLogDock"), Qt::BottomDockWidgetArea);
    splitDockWidget(timelineDock, logDock, Qt::Horizontal);

    // Lines are printed as they scroll into view, and only while the tab is shown.
    m_ssView = new SsListingView(m_proxy, this);
    m_ssView->setObjectName(QStringLiteral("ssView"));
    m_ssDock = addDock(m_ssView, tr("As ss -tan prints it"), QStringLiteral("ssDock"), Qt::BottomDockWidgetArea);
    tabifyDockWidget(logDock, m_ssDock);
    logDock->raise();

    connect(m_labPanel, &LabPanel::selectedSocketChanged, this, &MainWindow::selectionFromLab);
    connect(m_scenarioPanel, &ScenarioPanel::loading, this, [this] {
        ScenarioConfig config;
        config.port = m_labPanel->serverPort();
        m_scenarioPanel->setConfig(config);
    });
}

void MainWindow::buildToolBar()
{
    QToolBar *bar = addToolBar(tr("Source"));
    bar->setObjectName(QStringLiteral("sourceToolBar"));
    bar->addWidget(new QLabel(tr(" Source "), bar));
    m_sourceBox = new QComboBox(bar);
    m_sourceBox->setObjectName(QStringLiteral("sourceBox"));
    m_sourceBox->addItem(tr("netlink"), QStringLiteral("netlink"));
    m_sourceBox->setItemData(0, tr("Ask the kernel over NETLINK_SOCK_DIAG, as ss does: the cheapest, and the "
                                   "only source that shows bound-only sockets (CLOSE)"), Qt::ToolTipRole);
    m_sourceBox->addItem(tr("/proc/net/tcp"), QStringLiteral("proc"));
    m_sourceBox->addItem(tr("ss program"), QStringLiteral("ss"));
    m_sourceBox->setCurrentIndex(qMax(0, m_sourceBox->findData(m_preferences.source)));
    bar->addWidget(m_sourceBox);
    bar->addWidget(new QLabel(tr("  every "), bar));
    m_intervalBox = new QSpinBox(bar);
    m_intervalBox->setObjectName(QStringLiteral("intervalBox"));
    m_intervalBox->setRange(minIntervalMs, maxIntervalMs);
    m_intervalBox->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
    m_intervalBox->setSuffix(tr(" ms"));
    m_intervalBox->setValue(m_preferences.intervalMs);
    bar->addWidget(m_intervalBox);
    bar->addWidget(new QLabel(tr("  watch ports "), bar));
    m_watchPorts = new QLineEdit(bar);
    m_watchPorts->setObjectName(QStringLiteral("watchPorts"));
    m_watchPorts->setPlaceholderText(tr("all"));
    m_watchPortsHelp = tr("Read only the sockets on these ports, e.g. 8000, 5432 — the lab's own ports are always included. Empty: every TCP socket on this machine.");
    m_watchPorts->setToolTip(m_watchPortsHelp);
    m_watchPorts->setMaximumWidth(180);
    bar->addWidget(m_watchPorts);
    QAction *pollNow = bar->addAction(style()->standardIcon(QStyle::SP_BrowserReload), tr("Poll now"));
    pollNow->setObjectName(QStringLiteral("pollNowAction"));
    pollNow->setShortcut(QKeySequence::Refresh);
    pollNow->setToolTip(tr("Read the kernel's table now (%1)").arg(pollNow->shortcut().toString(QKeySequence::NativeText)));
    connect(pollNow, &QAction::triggered, this, &MainWindow::pollSoon);

    connect(m_sourceBox, &QComboBox::currentIndexChanged, this, &MainWindow::startPolling);
    connect(m_intervalBox, &QSpinBox::valueChanged, this, [this](int ms) {
        m_live.setInterval(ms);
        updateStatus();
    });
    connect(m_watchPorts, &QLineEdit::editingFinished, this, &MainWindow::updateFilter);
    connect(m_watchPorts, &QLineEdit::textChanged, this, &MainWindow::showWatchPortsProblem);
}

void MainWindow::showWatchPortsProblem()
{
    // What is wrong with the ports typed so far, above the help; only the help once they read
    // as ports again.
    QString error;
    parsePorts(m_watchPorts->text(), &error);
    m_watchPorts->setToolTip(error.isEmpty() ? m_watchPortsHelp
                                             : PlainText::toolTip(error + QStringLiteral("\n\n") + m_watchPortsHelp));
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open session…"), this, &MainWindow::openSession);
    open->setShortcut(QKeySequence::Open);
    open->setObjectName(QStringLiteral("openSessionAction"));
    m_exporter = new Exporter({[this] { return sessionDocument(); }, m_model, m_proxy, m_diagram, m_timeline, m_sequence}, this);
    connect(m_exporter, &Exporter::saved, this, [this](const QString &path) {
        statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
    });
    QMenu *exports = file->addMenu(tr("&Export"));
    exports->addActions(m_exporter->actions());
    file->addSeparator();
    QAction *preferences = file->addAction(tr("&Preferences…"), this, &MainWindow::editPreferences);
    preferences->setShortcut(QKeySequence::Preferences);
    preferences->setObjectName(QStringLiteral("preferencesAction"));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *lab = menuBar()->addMenu(tr("&Lab"));
    lab->setEnabled(!m_replay);
    lab->addActions(m_labPanel->serverActions());
    lab->addSeparator();
    lab->addActions(m_labPanel->socketActions());
    lab->addSeparator();
    QMenu *epoll = lab->addMenu(tr("&epoll"));
    epoll->addActions(m_labPanel->epollActions());
    m_privateNetworkAction = lab->addAction(tr("&Private network"));
    m_privateNetworkAction->setObjectName(QStringLiteral("privateNetworkAction"));
    m_privateNetworkAction->setCheckable(true);
    m_privateNetworkAction->setToolTip(
        tr("The lab in a network of its own: a loopback the rest of this machine does not see, where every "
           "segment is captured. Off: the lab uses this machine's loopback."));
    connect(m_privateNetworkAction, &QAction::triggered, this, [this](bool on) {
        moveLab(on ? Network::Private : Network::Host, true);
    });

    QMenu *scenario = menuBar()->addMenu(tr("&Scenario"));
    scenario->setEnabled(!m_replay);
    scenario->addAction(m_scenarioPanel->stepAction());
    scenario->addAction(m_scenarioPanel->runAction());
    scenario->addAction(m_scenarioPanel->resetAction());

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *find = view->addAction(tr("&Filter rows"), this, [this] {
        m_textFilter->setFocus(Qt::ShortcutFocusReason);
        m_textFilter->selectAll();
    });
    find->setObjectName(QStringLiteral("filterRowsAction"));
    find->setShortcut(QKeySequence::Find);
    view->addSeparator();
    for (QDockWidget *dock : std::as_const(m_docks))
        view->addAction(dock->toggleViewAction());
    view->addSeparator();
    view->addAction(tr("Reset layout"), this, &MainWindow::resetLayout);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("About sockscope"), this, [this] {
        QMessageBox::about(this, tr("About sockscope"),
                           tr("<p><b>sockscope %1</b></p><p>The life of TCP connections as the Linux kernel "
                              "reports them: every state, queue and timer on screen was read from the kernel.</p>")
                               .arg(QCoreApplication::applicationVersion()));
    });
}

void MainWindow::updateFirstSteps()
{
    // Once the lab made a socket or a scenario ran, the hint has done its work.
    m_firstStepsDone = m_firstStepsDone || m_replay || !m_live.lab()->sockets().isEmpty()
        || m_runner.status() != ScenarioRunner::Status::Idle;
    m_firstSteps->setVisible(!m_firstStepsDone);
    m_table->setPlaceholderText(m_firstStepsDone
                                    ? tr("No socket to show: none matches the filters above, or none is on the ports "
                                         "watched.")
                                    : tr("Start a server (%1), then add clients (%2) — or pick a scenario on the "
                                         "Scenario tab.")
                                          .arg(QKeySequence(Qt::CTRL | Qt::Key_L).toString(QKeySequence::NativeText),
                                               QKeySequence(Qt::CTRL | Qt::Key_N).toString(QKeySequence::NativeText)));
}

QList<int> MainWindow::hiddenColumnsByDefault()
{
    return {SocketTableModel::Inode, SocketTableModel::Uid};
}

void MainWindow::restoreHiddenColumns()
{
    QSettings settings;
    if (!settings.contains(QStringLiteral("table/hiddenColumns")))
        return;
    const QStringList hidden = settings.value(QStringLiteral("table/hiddenColumns")).toStringList();
    for (int column = 0; column < SocketTableModel::ColumnCount; ++column) {
        if (column == SocketTableModel::Local || column == SocketTableModel::Network)
            continue;
        m_table->setColumnHidden(column, hidden.contains(m_model->headerData(column, Qt::Horizontal).toString()));
    }
}

void MainWindow::saveHiddenColumns()
{
    if (!m_rememberColumns)
        return;
    QStringList hidden;
    for (int column = 0; column < SocketTableModel::ColumnCount; ++column) {
        if (column != SocketTableModel::Local && column != SocketTableModel::Network && m_table->isColumnHidden(column))
            hidden << m_model->headerData(column, Qt::Horizontal).toString();
    }
    QSettings settings;
    settings.setValue(QStringLiteral("table/hiddenColumns"), hidden);
}

void MainWindow::applyDefaultDockSizes()
{
    // Room for the diagram on the right and for two timeline lanes with their ladder below.
    const auto dock = [this](const char *name) { return findChild<QDockWidget *>(QLatin1String(name)); };
    // On a 1366-pixel screen the table keeps room for address, peer, state, role and process.
    const int lab = qBound(350, int(width() * 0.25), 440);
    const int diagram = int(width() * 0.265);
    resizeDocks({dock("labDock")}, {lab}, Qt::Horizontal);
    resizeDocks({dock("diagramDock")}, {diagram}, Qt::Horizontal);
    resizeDocks({dock("timelineDock")}, {height() * 23 / 100}, Qt::Vertical);
    resizeDocks({dock("timelineDock"), dock("eventLogDock")}, {width() / 2, width() / 2}, Qt::Horizontal);
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (m_defaultState.isEmpty()) {
        // Dock sizes only mean something once the window has its size.
        if (!m_layoutRestored)
            applyDefaultDockSizes();
        m_defaultState = saveState();
    }
}

void MainWindow::resetLayout()
{
    for (QDockWidget *dock : std::as_const(m_docks)) {
        dock->setFloating(false);
        dock->show();
    }
    restoreState(m_defaultState);
    applyDefaultDockSizes();
}

void MainWindow::startPolling()
{
    const QString name = m_sourceBox->currentData().toString();
    QString error;
    // The lab's private network's table, and this machine's beside it, or this machine's alone.
    std::unique_ptr<SocketSource> source = m_live.createSource(name, &error);
    if (!source)
        source = m_live.createSource(QStringLiteral("proc"));
    m_sourceName = source->name();
    // Some containers refuse netlink; the default then reads /proc, and says why once here.
    const SocketSource::DefaultChoice choice = SocketSource::defaultChoice();
    m_sourceNotice->setText(m_sourceName == choice.name && !choice.netlinkError.isEmpty()
                                ? tr("netlink sock_diag is not available here (%1); reading /proc/net/tcp instead")
                                      .arg(choice.netlinkError)
                                : QString());
    m_sourceNotice->setVisible(!m_sourceNotice->text().isEmpty());

    // A new source starts a new table: the old histories came from another view of the kernel.
    m_live.setSource(std::move(source));
    m_model->clear();
    m_lastError.clear();
    m_selected = 0;
    m_live.setInterval(m_intervalBox->value());
    updateFilter();
    m_live.start();
    updateStatus();
}

void MainWindow::pollSoon()
{
    m_live.pollNow();
}

void MainWindow::updateFilter()
{
    if (m_replay)
        return;
    QString error;
    const QList<quint16> ports = parsePorts(m_watchPorts->text(), &error);
    // Watching chosen ports still shows the lab's own sockets (LiveSession's rule).
    m_live.setWatchedPorts(ports.isEmpty() ? std::nullopt : std::optional<QList<quint16>>(ports));
}

void MainWindow::applyPoll(const PollChanges &poll)
{
    // The session and the scenario runner took the changes already (Session::updated()).
    m_lastError = poll.error;
    m_issueCount = int(poll.issues.size());
    m_notes = poll.notes;
    updateStatus();
}

void MainWindow::sessionUpdated(const TrackerDelta &delta)
{
    m_model->apply(delta);
    updateNetworkColumn();
    const bool watching = !m_watchPorts->text().trimmed().isEmpty();
    // A replay logs its steps itself, merged with the recorded calls (logReplayStep()).
    for (const ConnectionEvent &e : m_replay ? QList<ConnectionEvent>() : delta.events) {
        const QString label = m_session.labelOf(e.id);
        // Every lab row, and other sockets when the user watches particular ports; not the
        // whole machine's churn.
        if (label.isEmpty() && !watching)
            continue;
        m_log->append({e.wallTimeMs, EventLogModel::Kind::Transition, label.isEmpty() ? e.key.local.toString() : label,
                       EventWording::transition(m_session, e), false, -1, -1, e.id, e.to ? int(*e.to) : -1});
    }
    // While a scenario runs, its first client's connection is shown until the user picks a
    // connection of their own.
    const bool running = m_runner.status() == ScenarioRunner::Status::Waiting || m_runner.status() == ScenarioRunner::Status::Ready;
    if (!m_replay && running && (m_selected == 0 || m_session.labSocketOf(m_session.endsOf(m_selected).value(0)) == 0)) {
        for (quint64 id : m_session.connections().liveIds()) {
            const RowRole role = m_session.roleOf(id);
            if (role.kind == RowRole::Kind::Client && role.ordinal == 1 && id != m_selected) {
                selectConnection(id); // selectionFromTable() shows it
                break;
            }
        }
    }
    if (m_selected != 0)
        showSelection();
}

bool MainWindow::moveLab(Network network, bool ask)
{
    if (m_replay)
        return false;
    const QList<LabSocket> sockets = m_lab.sockets();
    const auto open = std::count_if(sockets.cbegin(), sockets.cend(), [](const LabSocket &s) { return s.open; });
    if (ask && network != m_live.network() && open > 0) {
        const auto answer = QMessageBox::question(
            this, tr("Move the lab"),
            tr("Sockets cannot move between networks: the lab's %n open socket(s) will be closed with RST, and the "
               "table starts over.",
               nullptr, int(open)),
            QMessageBox::Ok | QMessageBox::Cancel, QMessageBox::Ok);
        if (answer != QMessageBox::Ok) {
            m_privateNetworkAction->setChecked(m_live.network() == Network::Private);
            return false;
        }
    }
    QString why;
    m_networkNotice.clear();
    if (!m_live.setNetwork(network, &why))
        m_networkNotice = tr("No private network here (%1): the lab uses this machine's loopback.").arg(why);
    else if (network == Network::Private && !m_live.setCapturing(true, &why))
        m_networkNotice = tr("The lab's wire is not captured: %1.").arg(why);
    m_privateNetworkAction->setChecked(m_live.network() == Network::Private);
    if (!m_networkNotice.isEmpty())
        m_log->append({QDateTime::currentMSecsSinceEpoch(), EventLogModel::Kind::Problem, tr("lab"), m_networkNotice, true});
    startPolling(); // the table of the network the lab is in now
    return m_live.network() == network;
}

void MainWindow::logSegment(const WireSegment &w)
{
    if (w.wasStopped())
        m_lastStopped = w;
    m_log->append({w.segment.timestampNs / 1000000, EventLogModel::Kind::Wire,
                   QStringLiteral("%1 → %2").arg(w.sender, w.receiver), w.line(), w.wasStopped(), -1,
                   w.steadyNs});
}

void MainWindow::logWireRuleHit(const WireRuleHit &hit, const QString &text)
{
    // The segment it took, as the session keeps it (captured just before), for finding its
    // arrow from this row; -1 when it was not captured.
    const Segment &s = hit.segment;
    const Segment &m = m_lastStopped.segment;
    const bool same = m_lastStopped.stoppedBy == hit.rule && m.source == s.source && m.destination == s.destination
        && m.seq == s.seq && m.ack == s.ack && m.flags == s.flags;
    m_log->append({s.timestampNs / 1000000, EventLogModel::Kind::WireRule, tr("wire rule %1").arg(hit.rule), text, true, -1,
                   same ? m_lastStopped.steadyNs : -1});
}

void MainWindow::logWireRules()
{
    const QList<WireGroup::Entry> now = WireGroup::entriesOf(m_live);
    QList<EventLogModel::Entry> entries;
    for (const QString &change : WireGroup::changes(m_wireRules, now))
        entries.append({QDateTime::currentMSecsSinceEpoch(), EventLogModel::Kind::WireRule, tr("wire"), change, false});
    m_log->append(entries);
    m_wireRules = now;
}

void MainWindow::updateNetworkColumn()
{
    // Which network a row is in matters only while rows of both are shown.
    const bool both = m_model->hasRowsOf(Network::Private) && m_model->hasRowsOf(Network::Host);
    if (m_table->isColumnHidden(SocketTableModel::Network) == both)
        m_table->setColumnHidden(SocketTableModel::Network, !both);
}

void MainWindow::logCall(const LabCall &call)
{
    m_log->append({call.wallTimeMs, EventLogModel::Kind::Call, call.socketLabel, EventWording::call(call),
                   call.failed() && call.error != EINPROGRESS && call.error != EAGAIN, -1, call.steadyNs});
}

void MainWindow::updateStatus()
{
    QStringList counts;
    const QMap<TcpState, int> perState = m_model->countsByState();
    int total = 0;
    for (auto it = perState.cbegin(); it != perState.cend(); ++it) {
        counts << QStringLiteral("%1 %2").arg(it.value()).arg(kernelName(it.key()));
        total += it.value();
    }
    // One arg() call for both: a "%1" in a replayed file's source name stays as it is.
    const QString where = m_replay ? tr("replay of %1, polled every %2 ms").arg(m_sourceName, QString::number(m_replay->document().intervalMs))
                                   : tr("%1 · every %2 ms").arg(m_sourceName, QString::number(m_intervalBox->value()));
    QString status = tr("%1 · %n socket(s)%2", nullptr, total)
                         .arg(where, counts.isEmpty() ? QString() : QStringLiteral(": ") + counts.join(QStringLiteral(", ")));
    if (const qint64 forgotten = m_session.forgottenConnections(); forgotten > 0)
        status += tr(" · %1 older closed connections not kept").arg(forgotten);
    if (!m_replay && m_live.network() == Network::Private) {
        status += m_live.isCapturing() ? tr(" · lab: private network, %n segment(s) captured", nullptr,
                                            int(qMin<qint64>(m_live.capture().capturedCount(), INT_MAX)))
                                       : tr(" · lab: private network");
        if (const qint64 dropped = m_session.wireSegmentsDropped(); dropped > 0)
            status += tr(" (the oldest %1 not kept)").arg(dropped);
    } else if (!m_replay) {
        status += tr(" · lab: this machine's loopback");
    }
    if (!m_live.networkFailure().isEmpty())
        status += QStringLiteral(" · ") + m_live.networkFailure();
    m_statusLabel->setText(status);
    QString problem = m_lastError;
    if (!problem.isEmpty() && m_sourceName != QLatin1String("proc"))
        problem += tr(" Choose /proc/net/tcp as the source to go on.");
    if (problem.isEmpty())
        problem = m_networkNotice;
    if (problem.isEmpty() && m_issueCount > 0)
        problem = tr("%n line(s) of kernel text could not be parsed", nullptr, m_issueCount);
    // Not a failure, but what the table lacks: an unreadable /proc/net/tcp6.
    if (problem.isEmpty())
        problem = m_notes.join(QStringLiteral("; "));
    m_errorLabel->setText(problem);
    m_errorBox->setVisible(!problem.isEmpty());
}

void MainWindow::selectConnection(quint64 id)
{
    const int sourceRow = m_model->rowOf(id);
    if (sourceRow < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(sourceRow, 0));
    if (index.isValid()) {
        m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_table->scrollTo(index);
    }
}

void MainWindow::selectionFromTable()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    m_selected = current.isValid() ? current.data(SocketTableModel::ConnectionIdRole).toULongLong() : 0;
    if (!m_replay) {
        // The connection looked at gets its tcp_info read by each poll (the tooltip shows it).
        QList<ConnectionKey> keys;
        for (quint64 id : m_session.endsOf(m_selected)) {
            if (const ConnectionHistory *h = m_session.connections().history(id))
                keys.append(h->key);
        }
        m_live.setLookedAt(keys);
    }
    const RowRole role = m_session.roleOf(m_selected);
    if (role.socketId != 0 && role.socketId != m_labPanel->selectedSocket()) {
        const QSignalBlocker blocker(m_labPanel);
        m_labPanel->selectSocket(role.socketId);
    }
    showSelection();
}

void MainWindow::selectionFromLab(int socketId)
{
    if (socketId == 0 || m_session.roleOf(m_selected).socketId == socketId)
        return;
    for (quint64 id : m_session.connections().liveIds()) {
        if (m_session.roleOf(id).socketId == socketId) {
            selectConnection(id);
            return;
        }
    }
}

void MainWindow::showSelection()
{
    const QList<quint64> ends = m_session.endsOf(m_selected);
    showSequence(ends);
    if (ends.isEmpty()) {
        m_timeline->clear();
        m_diagram->clear();
        return;
    }
    QList<TimelineLane> lanes;
    QList<StateDiagramWidget::End> diagramEnds;
    for (quint64 id : ends) {
        const std::optional<ConnectionHistory> h = m_session.historyNow(id);
        if (!h)
            continue;
        TimelineLane lane;
        lane.label = m_session.labelOf(id);
        if (lane.label.isEmpty())
            lane.label = h->key.local.toString();
        lane.history = *h;
        lane.calls = m_session.callsOf(id);
        lane.clientSide = m_session.isClientSide(id);
        lanes.append(lane);
        diagramEnds.append({lane.history, lane.label, lane.clientSide, m_session.packetTransitionsOf(id)});
    }
    m_diagram->showConnection(diagramEnds);
    m_timeline->setLanes(lanes, m_session.wireSegmentsOf(m_selected));
    m_timeline->setNow(m_replayControl ? m_replayControl->position() : steadyNowNs());
    if (!m_replay && m_timeline->isLive() && !m_liveTimer->isActive())
        m_liveTimer->start();
}

void MainWindow::showSequence(const QList<quint64> &ends)
{
    m_sequenceEnds = ends;
    m_sequenceStale = !m_sequenceShown;
    if (m_sequenceStale)
        return;
    const quint64 clientEnd = ends.value(0);
    if (clientEnd == 0) {
        m_sequence->clear();
        return;
    }
    const SequenceFigure figure =
        SequenceFigure::of(m_session, clientEnd, m_replayControl ? m_replayControl->position() : std::numeric_limits<qint64>::max());
    if (figure.lifelines.isEmpty()) {
        m_sequence->clear(tr("The sequence diagram draws a lab client's connection: select a client, its accepted "
                             "socket or its end in the accept queue."));
        return;
    }
    m_sequence->setFigure(figure);
    // The scenario's current step: the rows since it began.
    QSet<int> step;
    if (m_stepStartNs >= 0 && !m_replay) {
        const SequenceLayout &layout = m_sequence->view()->layout();
        for (int r = 0; r < layout.rowCount(); ++r) {
            if (layout.rows()[r].atNs >= m_stepStartNs)
                step.insert(r);
        }
    }
    m_sequence->view()->setHighlightedRows(step);
}

quint64 MainWindow::connectionOfLifeline(int lifeline) const
{
    // SequenceFigure's order: the client, the listener (when found), the server's end.
    const SequenceLayout &layout = m_sequence->view()->layout();
    if (lifeline == 0)
        return m_sequenceEnds.value(0);
    if (lifeline == layout.lifelines().size() - 1 && layout.lifelines().size() > 1)
        return m_sequenceEnds.value(1);
    return 0;
}

int MainWindow::logRowOf(const SequenceGeometry::Hit &item) const
{
    const SequenceFigure &figure = m_sequence->view()->figure();
    const SequenceLayout &layout = m_sequence->view()->layout();
    const QList<EventLogModel::Entry> &entries = m_log->entries();
    const auto find = [&entries](const std::function<bool(const EventLogModel::Entry &)> &is) {
        for (int row = int(entries.size()) - 1; row >= 0; --row) {
            if (is(entries[row]))
                return row;
        }
        return -1;
    };
    switch (item.kind) {
    case SequenceGeometry::Hit::Kind::None: return -1;
    case SequenceGeometry::Hit::Kind::Call: {
        const LabCall &call = figure.calls[layout.calls()[item.index].call];
        return find([&call](const EventLogModel::Entry &e) {
            return e.kind == EventLogModel::Kind::Call && e.sessionNs == call.steadyNs && e.who == call.socketLabel;
        });
    }
    case SequenceGeometry::Hit::Kind::Arrow: {
        const SequenceLayout::SegmentSpec &spec = figure.segments[layout.arrows()[item.index].segment];
        if (!spec.captured)
            return -1;
        return find([&spec](const EventLogModel::Entry &e) {
            return e.kind == EventLogModel::Kind::Wire && e.sessionNs == spec.wire.steadyNs;
        });
    }
    case SequenceGeometry::Hit::Kind::Band: {
        const SequenceLayout::Band &band = layout.bands()[item.index];
        const qint64 at = layout.rows().value(band.firstRow).atNs;
        const quint64 id = connectionOfLifeline(band.lifeline);
        return find([&](const EventLogModel::Entry &e) {
            return e.kind == EventLogModel::Kind::Transition && e.toState == int(band.state)
                && ((id != 0 && e.connection == id) || (e.sessionNs >= 0 && e.sessionNs == at));
        });
    }
    }
    return -1;
}

SequenceGeometry::Hit MainWindow::sequenceItemOf(const EventLogModel::Entry &entry) const
{
    const SequenceFigure &figure = m_sequence->view()->figure();
    const SequenceLayout &layout = m_sequence->view()->layout();
    SequenceGeometry::Hit hit;
    switch (entry.kind) {
    case EventLogModel::Kind::Call:
        for (int i = 0; i < layout.calls().size(); ++i) {
            const LabCall &call = figure.calls[layout.calls()[i].call];
            const qsizetype end = layout.calls()[i].endCall;
            if ((call.steadyNs == entry.sessionNs && call.socketLabel == entry.who)
                || (end >= 0 && figure.calls[end].steadyNs == entry.sessionNs)) {
                hit.kind = SequenceGeometry::Hit::Kind::Call;
                hit.index = i;
            }
        }
        break;
    case EventLogModel::Kind::Wire:
    case EventLogModel::Kind::WireRule: // a rule that took a captured segment: that segment's
        if (entry.sessionNs < 0)
            break;
        for (int i = 0; i < layout.arrows().size(); ++i) {
            const SequenceLayout::SegmentSpec &spec = figure.segments[layout.arrows()[i].segment];
            if (spec.captured && spec.wire.steadyNs == entry.sessionNs) {
                hit.kind = SequenceGeometry::Hit::Kind::Arrow;
                hit.index = i;
            }
        }
        break;
    case EventLogModel::Kind::Transition:
        for (int i = 0; i < layout.bands().size(); ++i) {
            const SequenceLayout::Band &band = layout.bands()[i];
            if (int(band.state) != entry.toState)
                continue;
            const quint64 id = connectionOfLifeline(band.lifeline);
            if ((entry.connection != 0 && entry.connection == id)
                || (entry.sessionNs >= 0 && layout.rows().value(band.firstRow).atNs == entry.sessionNs)) {
                hit.kind = SequenceGeometry::Hit::Kind::Band;
                hit.index = i;
                break;
            }
        }
        break;
    case EventLogModel::Kind::Scenario:
    case EventLogModel::Kind::Problem: break;
    }
    return hit;
}

void MainWindow::sequenceClicked(const SequenceGeometry::Hit &item)
{
    if (m_syncingSelection)
        return;
    m_syncingSelection = true;
    const int row = logRowOf(item);
    if (row >= 0) {
        const QModelIndex index = m_log->index(row, 0);
        m_logView->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_logView->scrollTo(index);
    }
    // The table's row of the end the item is on, when it is one of this connection's ends.
    int lifeline = -1;
    const SequenceLayout &layout = m_sequence->view()->layout();
    if (item.kind == SequenceGeometry::Hit::Kind::Call)
        lifeline = layout.calls()[item.index].lifeline;
    else if (item.kind == SequenceGeometry::Hit::Kind::Band)
        lifeline = layout.bands()[item.index].lifeline;
    else if (item.kind == SequenceGeometry::Hit::Kind::Arrow)
        lifeline = layout.arrows()[item.index].fromLifeline;
    if (const quint64 id = connectionOfLifeline(lifeline); id != 0 && id != m_selected)
        selectConnection(id);
    m_syncingSelection = false;
}

void MainWindow::selectionFromLog()
{
    if (m_syncingSelection)
        return;
    const QModelIndex current = m_logView->selectionModel()->currentIndex();
    if (!current.isValid() || current.row() >= m_log->entries().size())
        return;
    const SequenceGeometry::Hit hit = sequenceItemOf(m_log->entries()[current.row()]);
    if (hit.kind != SequenceGeometry::Hit::Kind::None) {
        m_syncingSelection = true;
        m_sequence->view()->setSelected(hit);
        m_syncingSelection = false;
    }
}

qint64 MainWindow::replayPosition() const
{
    return m_replayControl ? m_replayControl->position() : -1;
}

void MainWindow::seek(qint64 ns)
{
    if (m_replayControl)
        m_replayControl->seek(ns);
}

void MainWindow::setPlaying(bool playing)
{
    if (m_replayControl)
        m_replayControl->setPlaying(playing);
}

void MainWindow::replayMoved()
{
    if (m_selected != 0 && !m_session.connections().history(m_selected))
        m_selected = 0; // not seen yet at that moment
    showSelection();
    updateStatus();
}

QString MainWindow::exportWire(const QString &path)
{
    return m_exporter->saveWire(path);
}

SessionDocument MainWindow::sessionDocument() const
{
    if (m_replay)
        return m_replay->document(); // what was opened, unchanged: export after open is lossless
    QString error;
    return m_session.toDocument(QCoreApplication::applicationVersion(), m_sourceName, m_intervalBox->value(),
                                parsePorts(m_watchPorts->text(), &error), m_runs);
}

QString MainWindow::exportSession(const QString &path)
{
    return m_exporter->saveSession(path);
}

QString MainWindow::exportTable(const QString &path)
{
    return m_exporter->saveTable(path);
}

QString MainWindow::exportDiagram(const QString &path)
{
    return m_exporter->saveDiagram(path);
}

QString MainWindow::exportTimeline(const QString &path)
{
    return m_exporter->saveTimeline(path);
}

QString MainWindow::exportSequence(const QString &path)
{
    return m_exporter->saveSequence(path);
}

void MainWindow::openSession()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open session"), QString(), tr("sockscope session (*.json);;All files (*)"));
    if (!path.isEmpty())
        openSessionFile(path);
}

void MainWindow::openSessionFile(const QString &path)
{
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const SessionFile::Loaded loaded = SessionFile::load(path);
    QApplication::restoreOverrideCursor();
    if (!loaded.document) {
        // The reason quotes the file, whose every value may be markup.
        QMessageBox *box = PlainText::messageBox(QMessageBox::Warning, tr("Cannot open session"), loaded.error, this);
        box->setObjectName(QStringLiteral("openSessionError"));
        box->open();
        return;
    }
    MainWindowOptions options;
    options.replay = std::make_shared<const Replay>(*loaded.document);
    options.replayFile = path;
    auto *window = new MainWindow(options);
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->show();
}

void MainWindow::editPreferences()
{
    PreferencesDialog dialog(m_preferences, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_preferences = dialog.preferences();
    m_preferences.save();
    m_labPanel->setDefaultPort(m_preferences.defaultPort);
    m_intervalBox->setValue(m_preferences.intervalMs);
    m_sourceBox->setCurrentIndex(qMax(0, m_sourceBox->findData(m_preferences.source)));
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        updateStatus();
    QMainWindow::changeEvent(event);
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    // The table's row colours are chosen for the palette it is drawn with; a model gets no
    // palette events of its own. The table's own event: the window's may come before the
    // table has taken the new palette.
    if (watched == m_table && event->type() == QEvent::PaletteChange)
        m_model->setPalette(m_table->palette());
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // A replay hides the lab's panels; that is not the layout to remember.
    if (!m_replay) {
        QSettings settings;
        settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
        settings.setValue(QStringLiteral("window/state"), saveState());
    }
    m_runner.stop();
    QMainWindow::closeEvent(event);
}

} // namespace sockscope
