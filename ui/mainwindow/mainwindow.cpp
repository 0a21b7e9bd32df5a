// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include "core/format/atomicfile.h"
#include "core/format/sockettable.h"
#include "core/session/sessionfile.h"
#include "core/session/eventwording.h"
#include "ui/lab/labpanel.h"
#include "ui/log/eventlogmodel.h"
#include "ui/models/sockettablemodel.h"
#include "ui/models/sockettableproxy.h"
#include "ui/scenario/scenariopanel.h"
#include "ui/diagram/statediagramwidget.h"
#include "ui/export/imageexport.h"
#include "ui/table/pairdelegate.h"
#include "ui/text/plaintext.h"
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
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSlider>
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
    m_replayFile = options.replayFile;
    m_preferences = Preferences::load();
    if (options.source)
        m_preferences.source = *options.source;
    if (options.intervalMs)
        m_preferences.intervalMs = *options.intervalMs;

    buildTable();
    buildDocks();
    buildToolBar();
    buildMenus();
    if (m_replay)
        buildReplayBar();
    if (options.watchPort)
        m_watchPorts->setText(QString::number(*options.watchPort));
    m_labPanel->setDefaultPort(m_preferences.defaultPort);

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
        scheduleSsView();
    });
    connect(&m_lab, &Lab::callMade, this, &MainWindow::logCall);
    // What a call learns after it was logged (who holds the port a bind() wanted) follows it.
    connect(&m_lab, &Lab::callUpdated, this, [this](const LabCall &call) {
        m_log->append({QDateTime::currentMSecsSinceEpoch(), EventLogModel::Kind::Call, call.socketLabel,
                       EventWording::callUpdate(call), call.failed()});
    });
    connect(&m_lab, &Lab::socketsChanged, this, &MainWindow::updateFilter);
    connect(&m_runner, &ScenarioRunner::pollRequested, this, &MainWindow::pollBurst);
    connect(&m_runner, &ScenarioRunner::portResolved, this, [this](quint16 port) {
        if (!m_scenarioPorts.contains(port))
            m_scenarioPorts.append(port);
        updateFilter();
        pollSoon();
    });
    connect(&m_runner, &ScenarioRunner::stepStarted, this, [this](int index) {
        m_log->append({QDateTime::currentMSecsSinceEpoch(), EventLogModel::Kind::Scenario, tr("scenario"),
                       tr("%1, step %2 of %3: %4")
                           .arg(m_runner.scenario().name)
                           .arg(index + 1)
                           .arg(m_runner.stepCount())
                           .arg(m_runner.stepAt(index).description),
                       false});
    });
    connect(&m_runner, &ScenarioRunner::finished, this, [this] {
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
    }
    if (m_replay) {
        // Read-only: nothing here touches the kernel or the lab.
        m_session.setRecording(m_replay);
        const SessionDocument &d = m_replay->document();
        setWindowTitle(PlainText::windowTitle(
            tr("%1 — recorded %2 on %3 — sockscope")
                .arg(QFileInfo(m_replayFile).fileName(),
                     QDateTime::fromMSecsSinceEpoch(d.startedWallMs).toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                     d.host.hostname.isEmpty() ? tr("an unnamed host") : d.host.hostname)));
        for (const char *name : {"labDock", "scenarioDock"}) {
            auto *dock = findChild<QDockWidget *>(QLatin1String(name));
            dock->hide();
            dock->toggleViewAction()->setEnabled(false);
        }
        findChild<QToolBar *>(QStringLiteral("sourceToolBar"))->hide();
        m_sourceName = d.source;
        // Open at the first moment something was seen; Play goes on from there.
        seek(m_replay->frames().isEmpty() ? 0 : m_replay->frames().first());
    } else {
        startPolling();
    }
}

MainWindow::~MainWindow()
{
    // The poller's thread must stop before the session it feeds goes away.
    m_poller.reset();
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
    m_textFilter->setPlaceholderText(tr("Filter rows: address, role, state…"));
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

    m_table = new QTableView(central);
    m_table->setObjectName(QStringLiteral("socketTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(SocketTableModel::Local, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->setItemDelegateForColumn(SocketTableModel::Local, new PairDelegate(m_table));
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);
    const QFontMetrics metrics = m_table->fontMetrics();
    const auto widthOf = [&metrics](const QString &sample) { return metrics.horizontalAdvance(sample) + 24; };
    header->resizeSection(SocketTableModel::State, widthOf(QStringLiteral("ESTABLISHED")));
    header->resizeSection(SocketTableModel::Role, widthOf(QStringLiteral("accepted #10 (closed)")));
    header->resizeSection(SocketTableModel::Local, widthOf(QStringLiteral("[::ffff:127.0.0.1]:65535")) + PairDelegate::bracketWidth);
    header->resizeSection(SocketTableModel::Remote, widthOf(QStringLiteral("[::ffff:127.0.0.1]:65535")));
    header->resizeSection(SocketTableModel::Process, widthOf(QStringLiteral("was sockscope (pid 1234567)")));
    header->resizeSection(SocketTableModel::RecvQ, widthOf(QStringLiteral("Recv-Q 00000")));
    header->resizeSection(SocketTableModel::SendQ, widthOf(QStringLiteral("Send-Q 00000")));
    header->resizeSection(SocketTableModel::Timer, widthOf(QStringLiteral("retransmit 120.00s")));
    header->resizeSection(SocketTableModel::Inode, widthOf(QStringLiteral("00000000")));
    header->resizeSection(SocketTableModel::Uid, widthOf(QStringLiteral("UID 00000")));
    layout->addWidget(m_table, 1);
    setCentralWidget(central);

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
    connect(m_log, &QAbstractItemModel::rowsInserted, m_logView, [this] {
        // Follow new entries unless the user scrolled up to read.
        QScrollBar *bar = m_logView->verticalScrollBar();
        if (bar->value() >= bar->maximum() - 2)
            m_logView->scrollToBottom();
    });
    m_diagram = new StateDiagramWidget(this);
    addDock(m_diagram, tr("State diagram"), QStringLiteral("diagramDock"), Qt::RightDockWidgetArea);

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

    m_ssView = new QPlainTextEdit(this);
    m_ssView->setObjectName(QStringLiteral("ssView"));
    m_ssView->setReadOnly(true);
    m_ssView->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_ssView->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_ssDock = addDock(m_ssView, tr("As ss -tan prints it"), QStringLiteral("ssDock"), Qt::BottomDockWidgetArea);
    tabifyDockWidget(logDock, m_ssDock);
    logDock->raise();
    connect(m_ssDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (visible)
            updateSsView();
    });
    // The listing prints every row: at most a few times a second, however often the table
    // changes (a replay played back, a burst of polls), and not while it is hidden.
    m_ssRefresh = new QTimer(this);
    m_ssRefresh->setSingleShot(true);
    m_ssRefresh->setInterval(200);
    connect(m_ssRefresh, &QTimer::timeout, this, [this] {
        if (m_ssDock->isVisible())
            updateSsView();
    });

    connect(m_labPanel, &LabPanel::selectedSocketChanged, this, &MainWindow::selectionFromLab);
    connect(m_labPanel, &LabPanel::commandRun, this, &MainWindow::pollBurst);
    connect(m_scenarioPanel, &ScenarioPanel::loading, this, [this] {
        m_scenarioPorts.clear();
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
    m_intervalBox->setRange(50, 10000);
    m_intervalBox->setSingleStep(50);
    m_intervalBox->setSuffix(tr(" ms"));
    m_intervalBox->setValue(m_preferences.intervalMs);
    bar->addWidget(m_intervalBox);
    bar->addWidget(new QLabel(tr("  watch ports "), bar));
    m_watchPorts = new QLineEdit(bar);
    m_watchPorts->setObjectName(QStringLiteral("watchPorts"));
    m_watchPorts->setPlaceholderText(tr("all"));
    m_watchPorts->setToolTip(tr("Read only the sockets on these ports, e.g. 8000, 5432 — the lab's own ports are always included. Empty: every TCP socket on this machine."));
    m_watchPorts->setMaximumWidth(180);
    bar->addWidget(m_watchPorts);
    QAction *pollNow = bar->addAction(style()->standardIcon(QStyle::SP_BrowserReload), tr("Poll now"));
    pollNow->setObjectName(QStringLiteral("pollNowAction"));
    pollNow->setShortcut(QKeySequence::Refresh);
    pollNow->setToolTip(tr("Read the kernel's table now (%1)").arg(pollNow->shortcut().toString(QKeySequence::NativeText)));
    connect(pollNow, &QAction::triggered, this, &MainWindow::pollSoon);

    connect(m_sourceBox, &QComboBox::currentIndexChanged, this, &MainWindow::startPolling);
    connect(m_intervalBox, &QSpinBox::valueChanged, this, [this](int ms) {
        if (m_poller)
            m_poller->setInterval(ms);
        updateStatus();
    });
    connect(m_watchPorts, &QLineEdit::editingFinished, this, &MainWindow::updateFilter);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open session…"), this, &MainWindow::openSession);
    open->setShortcut(QKeySequence::Open);
    open->setObjectName(QStringLiteral("openSessionAction"));
    QMenu *exports = file->addMenu(tr("&Export"));
    QAction *exportSessionAction = exports->addAction(tr("Session (JSON)…"), this, [this] {
        exportWithDialog(tr("Export session"), tr("sockscope session (*.json)"), &MainWindow::exportSession);
    });
    exportSessionAction->setShortcut(QKeySequence::Save);
    exportSessionAction->setObjectName(QStringLiteral("exportSessionAction"));
    exports->addAction(tr("Table as CSV or ss text…"), this, [this] {
        exportWithDialog(tr("Export table"), tr("CSV (*.csv);;ss -tan text (*.txt)"), &MainWindow::exportTable);
    });
    exports->addAction(tr("State diagram as PNG or SVG…"), this, [this] {
        exportWithDialog(tr("Export state diagram"), tr("PNG image (*.png);;SVG drawing (*.svg)"), &MainWindow::exportDiagram);
    });
    exports->addAction(tr("Timeline as PNG or SVG…"), this, [this] {
        exportWithDialog(tr("Export timeline"), tr("PNG image (*.png);;SVG drawing (*.svg)"), &MainWindow::exportTimeline);
    });
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

    QMenu *scenario = menuBar()->addMenu(tr("&Scenario"));
    scenario->setEnabled(!m_replay);
    scenario->addAction(m_scenarioPanel->stepAction());
    scenario->addAction(m_scenarioPanel->runAction());
    scenario->addAction(m_scenarioPanel->resetAction());

    QMenu *view = menuBar()->addMenu(tr("&View"));
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

void MainWindow::applyDefaultDockSizes()
{
    // Room for the diagram on the right and for two timeline lanes with their ladder below.
    const auto dock = [this](const char *name) { return findChild<QDockWidget *>(QLatin1String(name)); };
    resizeDocks({dock("labDock"), dock("diagramDock")}, {width() / 4, width() * 3 / 8}, Qt::Horizontal);
    resizeDocks({dock("timelineDock")}, {height() * 3 / 10}, Qt::Vertical);
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
    std::unique_ptr<SocketSource> source = SocketSource::create(name, &error);
    if (!source)
        source = SocketSource::create(QStringLiteral("proc"));
    m_sourceName = source->name();
    // Some containers refuse netlink; the default then reads /proc, and says why once here.
    const SocketSource::DefaultChoice choice = SocketSource::defaultChoice();
    m_sourceNotice->setText(m_sourceName == choice.name && !choice.netlinkError.isEmpty()
                                ? tr("netlink sock_diag is not available here (%1); reading /proc/net/tcp instead")
                                      .arg(choice.netlinkError)
                                : QString());
    m_sourceNotice->setVisible(!m_sourceNotice->text().isEmpty());

    // A new source starts a new table: the old histories came from another view of the kernel.
    m_poller.reset();
    m_session.clear();
    m_model->clear();
    m_lastError.clear();
    m_selected = 0;

    m_poller = std::make_unique<Poller>(std::move(source));
    m_poller->setInterval(m_intervalBox->value());
    // The diff runs on the poller's thread; this thread only takes in what changed.
    m_poller->setTracking(true);
    connect(m_poller.get(), &Poller::tracked, this, &MainWindow::applyPoll);
    updateFilter();
    m_poller->start();
    updateStatus();
}

void MainWindow::pollSoon()
{
    if (m_poller)
        m_poller->pollNow();
}

void MainWindow::pollBurst()
{
    // A lab call changes sockets now, and the states it passes through may last only
    // milliseconds: poll fast for a moment, then relax to the interval.
    if (m_poller)
        m_poller->burst();
}

void MainWindow::updateFilter()
{
    if (!m_poller)
        return;
    QString error;
    QList<quint16> ports = parsePorts(m_watchPorts->text(), &error);
    if (!ports.isEmpty()) {
        // The lab's own sockets always show.
        for (const LabSocket &s : m_lab.sockets()) {
            if (s.role == LabSocket::Role::Listener && s.local.port != 0 && !ports.contains(s.local.port))
                ports.append(s.local.port);
            if (s.role == LabSocket::Role::Client && s.remote.port != 0 && !ports.contains(s.remote.port))
                ports.append(s.remote.port);
            if (s.role == LabSocket::Role::Client && s.local.port != 0 && s.local == s.remote && !ports.contains(s.local.port))
                ports.append(s.local.port);
        }
        for (quint16 p : std::as_const(m_scenarioPorts)) {
            if (!ports.contains(p))
                ports.append(p);
        }
    }
    m_watchPorts->setToolTip(error.isEmpty() ? m_watchPorts->toolTip() : PlainText::toolTip(error));
    SocketFilter filter;
    filter.ports = ports;
    m_poller->setFilter(filter);
    m_poller->pollNow();
}

void MainWindow::applyPoll(const TrackedPoll &poll)
{
    m_lastError = poll.snapshot.error;
    m_issueCount = int(poll.snapshot.issues.size());
    m_notes = poll.snapshot.notes;
    if (poll.snapshot.ok()) {
        m_session.apply(poll);
        m_runner.observe(poll.snapshot);
    }
    updateStatus();
}

void MainWindow::sessionUpdated(const TrackerDelta &delta)
{
    m_model->apply(delta);
    const bool watching = !m_watchPorts->text().trimmed().isEmpty();
    // A replay logs its steps itself, merged with the recorded calls (logReplayStep()).
    for (const ConnectionEvent &e : m_replay ? QList<ConnectionEvent>() : delta.events) {
        const QString label = m_session.labelOf(e.id);
        // Every lab row, and other sockets when the user watches particular ports; not the
        // whole machine's churn.
        if (label.isEmpty() && !watching)
            continue;
        m_log->append({e.wallTimeMs, EventLogModel::Kind::Transition,
                       label.isEmpty() ? e.key.local.toString() : label, EventWording::transition(m_session, e), false});
    }
    scheduleSsView();
    if (m_selected != 0)
        showSelection();
}

void MainWindow::logCall(const LabCall &call)
{
    m_log->append({call.wallTimeMs, EventLogModel::Kind::Call, call.socketLabel, EventWording::call(call),
                   call.failed() && call.error != EINPROGRESS && call.error != EAGAIN});
    pollBurst();
}

void MainWindow::scheduleSsView()
{
    if (m_ssDock->isVisible() && !m_ssRefresh->isActive())
        m_ssRefresh->start();
}

void MainWindow::updateSsView()
{
    QList<SocketRecord> records;
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        const int source = m_proxy->mapToSource(m_proxy->index(row, 0)).row();
        if (m_model->highlightAt(source) != SocketTableModel::Highlight::Vanishing)
            records.append(m_model->recordAt(source));
    }
    const QString text = SocketTable::format(records, SocketTable::Style::SsTan);
    if (m_ssView->toPlainText() != text) {
        const int scroll = m_ssView->verticalScrollBar()->value();
        m_ssView->setPlainText(text);
        m_ssView->verticalScrollBar()->setValue(scroll);
    }
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
    m_statusLabel->setText(status);
    QString problem = m_lastError;
    if (!problem.isEmpty() && m_sourceName != QLatin1String("proc"))
        problem += tr(" Choose /proc/net/tcp as the source to go on.");
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
        diagramEnds.append({lane.history, lane.label, lane.clientSide});
    }
    m_diagram->showConnection(diagramEnds);
    m_timeline->setLanes(lanes);
    m_timeline->setNow(m_replay ? m_replayNs : steadyNowNs());
    if (!m_replay && m_timeline->isLive() && !m_liveTimer->isActive())
        m_liveTimer->start();
}

void MainWindow::buildReplayBar()
{
    QToolBar *bar = addToolBar(tr("Replay"));
    bar->setObjectName(QStringLiteral("replayToolBar"));
    m_playAction = bar->addAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Play"));
    m_playAction->setObjectName(QStringLiteral("replayPlayAction"));
    m_playAction->setCheckable(true);
    m_playAction->setShortcut(Qt::Key_Space);
    m_playAction->setToolTip(tr("Play or pause the recording (Space)"));
    connect(m_playAction, &QAction::toggled, this, &MainWindow::setPlaying);
    QAction *next = bar->addAction(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Next change"));
    next->setObjectName(QStringLiteral("replayNextAction"));
    next->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Right));
    next->setToolTip(tr("Jump to the next moment the table changed (Ctrl+Right)"));
    connect(next, &QAction::triggered, this, &MainWindow::stepReplay);

    m_scrubber = new QSlider(Qt::Horizontal, bar);
    m_scrubber->setObjectName(QStringLiteral("replayScrubber"));
    m_scrubber->setRange(0, int(qMin<qint64>(m_replay->endNs() / 1000000, std::numeric_limits<int>::max())));
    m_scrubber->setMinimumWidth(360);
    bar->addWidget(m_scrubber);
    connect(m_scrubber, &QSlider::valueChanged, this, [this](int ms) {
        if (qint64(ms) != m_replayNs / 1000000)
            seek(qint64(ms) * 1000000);
    });
    m_replayTime = new QLabel(bar);
    m_replayTime->setObjectName(QStringLiteral("replayTime"));
    m_replayTime->setMinimumWidth(m_replayTime->fontMetrics().horizontalAdvance(QStringLiteral("  0000.000 s of 0000.000 s  ")));
    bar->addWidget(m_replayTime);
    m_speed = new QComboBox(bar);
    m_speed->setObjectName(QStringLiteral("replaySpeed"));
    for (double factor : {0.25, 0.5, 1.0, 2.0, 5.0, 10.0})
        m_speed->addItem(QStringLiteral("%1×").arg(factor), factor);
    m_speed->setCurrentIndex(2);
    bar->addWidget(m_speed);

    m_playTimer = new QTimer(this);
    m_playTimer->setInterval(40);
    connect(m_playTimer, &QTimer::timeout, this, [this] {
        const qint64 step = qint64(m_playTimer->interval() * 1000000.0 * m_speed->currentData().toDouble());
        const qint64 next = qMin(m_replayNs + step, m_replay->endNs());
        seek(next);
        if (next >= m_replay->endNs())
            setPlaying(false);
    });
}

void MainWindow::setPlaying(bool playing)
{
    if (!m_replay)
        return;
    if (playing && m_replayNs >= m_replay->endNs())
        seek(0); // from the start again
    if (playing)
        m_playTimer->start();
    else
        m_playTimer->stop();
    const QSignalBlocker blocker(m_playAction);
    m_playAction->setChecked(playing);
    m_playAction->setText(playing ? tr("Pause") : tr("Play"));
    m_playAction->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
}

void MainWindow::stepReplay()
{
    if (const qint64 next = m_replay->nextFrame(m_replayNs); next >= 0)
        seek(next);
}

void MainWindow::seek(qint64 ns)
{
    if (!m_replay)
        return;
    ns = qBound<qint64>(0, ns, m_replay->endNs());
    // Only what changed between the two moments is applied, in either direction.
    const Replay::Step step = m_replay->step(m_replayNs, ns);
    m_replayNs = ns;
    if (step.toNs < step.fromNs) {
        m_log->removeAfter(ns);
        m_session.apply(step); // rewound() brings the table's rows back to that moment
    } else {
        m_session.apply(step);
        logReplayStep(step);
    }
    if (m_selected != 0 && !m_session.connections().history(m_selected))
        m_selected = 0; // not seen yet at that moment
    showSelection();
    updateReplayPosition();
    updateStatus();
}

void MainWindow::logReplayStep(const Replay::Step &step)
{
    // The recorded calls and the step's transitions, merged in time order; of a long jump only
    // what the log keeps is worded.
    const SessionDocument &d = m_replay->document();
    const bool watching = !m_watchPorts->text().trimmed().isEmpty();
    QList<EventLogModel::Entry> entries;
    qsizetype call = step.calls.size() - 1;
    qsizetype event = step.delta.events.size() - 1;
    while ((call >= 0 || event >= 0) && entries.size() < m_log->limit()) {
        const bool takeCall = event < 0 || (call >= 0 && d.calls[step.calls[call]].steadyNs > step.eventNs[event]);
        if (takeCall) {
            const LabCall &c = d.calls[step.calls[call--]];
            entries.append({c.wallTimeMs, EventLogModel::Kind::Call, c.socketLabel, EventWording::call(c),
                            c.failed() && c.error != EINPROGRESS && c.error != EAGAIN, c.steadyNs});
            continue;
        }
        const qint64 at = step.eventNs[event];
        const ConnectionEvent &e = step.delta.events[event--];
        const QString label = m_session.labelOf(e.id);
        if (label.isEmpty() && !watching)
            continue;
        entries.append({e.wallTimeMs, EventLogModel::Kind::Transition, label.isEmpty() ? e.key.local.toString() : label,
                        EventWording::transition(m_session, e), false, at});
    }
    std::reverse(entries.begin(), entries.end());
    m_log->append(entries);
}

void MainWindow::updateReplayPosition()
{
    if (!m_scrubber)
        return;
    const QSignalBlocker blocker(m_scrubber);
    m_scrubber->setValue(int(m_replayNs / 1000000));
    m_replayTime->setText(tr("  %1 s of %2 s  ")
                              .arg(double(m_replayNs) / 1e9, 0, 'f', 3)
                              .arg(double(m_replay->endNs()) / 1e9, 0, 'f', 3));
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
    return SessionFile::save(sessionDocument(), path);
}

QString MainWindow::exportTable(const QString &path)
{
    QList<SocketRecord> records;
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        const int source = m_proxy->mapToSource(m_proxy->index(row, 0)).row();
        if (m_model->highlightAt(source) != SocketTableModel::Highlight::Vanishing)
            records.append(m_model->recordAt(source));
    }
    const QString text = path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)
        ? SocketTable::csv(records)
        : SocketTable::format(records, SocketTable::Style::SsTan);
    return writeFileAtomically(path, text.toUtf8());
}

QString MainWindow::exportDiagram(const QString &path)
{
    return ImageExport::save(m_diagram->scene(), path, tr("sockscope: TCP state diagram"));
}

QString MainWindow::exportTimeline(const QString &path)
{
    return ImageExport::save(m_timeline, path, tr("sockscope: connection timeline"));
}

void MainWindow::exportWithDialog(const QString &what, const QString &filter,
                                  QString (MainWindow::*save)(const QString &))
{
    QString selectedFilter;
    QString path = QFileDialog::getSaveFileName(this, what, QString(), filter, &selectedFilter);
    if (path.isEmpty())
        return;
    // Add the extension of the chosen filter when the name has none.
    const QRegularExpressionMatch ext = QRegularExpression(QStringLiteral("\\*(\\.[a-z]+)")).match(selectedFilter);
    if (QFileInfo(path).suffix().isEmpty() && ext.hasMatch())
        path += ext.captured(1);
    const QString error = (this->*save)(path);
    if (error.isEmpty()) {
        statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
        return;
    }
    PlainText::messageBox(QMessageBox::Warning, tr("Export failed"),
                          tr("%1\n\nNothing was lost: everything is still here. Choose another place to save it.").arg(error), this)
        ->open();
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
