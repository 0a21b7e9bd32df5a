// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include "ui/models/sockettablemodel.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QMap>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QToolBar>

namespace sockscope {

MainWindow::MainWindow(const MainWindowOptions &options, QWidget *parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("sockscope"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/sockscope.svg")));

    m_model = new SocketTableModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(SocketTableModel::SortRole);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("socketTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(SocketTableModel::Local, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);
    // Wide enough for the longest value each column can hold, so nothing is cut off.
    const QFontMetrics metrics = m_table->fontMetrics();
    const auto widthOf = [&metrics](const QString &sample) { return metrics.horizontalAdvance(sample) + 24; };
    header->resizeSection(SocketTableModel::State, widthOf(QStringLiteral("ESTABLISHED")));
    header->resizeSection(SocketTableModel::Local, widthOf(QStringLiteral("[::ffff:127.0.0.1]:65535")));
    header->resizeSection(SocketTableModel::Remote, widthOf(QStringLiteral("[::ffff:127.0.0.1]:65535")));
    header->resizeSection(SocketTableModel::RecvQ, widthOf(QStringLiteral("Recv-Q 0000")));
    header->resizeSection(SocketTableModel::SendQ, widthOf(QStringLiteral("Send-Q 0000")));
    header->resizeSection(SocketTableModel::Timer, widthOf(QStringLiteral("retransmit 120.00s")));
    header->resizeSection(SocketTableModel::Inode, widthOf(QStringLiteral("00000000")));
    setCentralWidget(m_table);

    QToolBar *bar = addToolBar(tr("Source"));
    bar->setObjectName(QStringLiteral("sourceToolBar"));
    bar->setMovable(false);

    bar->addWidget(new QLabel(tr("Source "), bar));
    m_sourceBox = new QComboBox(bar);
    m_sourceBox->setObjectName(QStringLiteral("sourceBox"));
    m_sourceBox->addItem(tr("/proc/net/tcp"), QStringLiteral("proc"));
    m_sourceBox->addItem(tr("ss program"), QStringLiteral("ss"));
    m_sourceBox->setCurrentIndex(qMax(0, m_sourceBox->findData(options.source)));
    bar->addWidget(m_sourceBox);

    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" Every "), bar));
    m_intervalBox = new QSpinBox(bar);
    m_intervalBox->setObjectName(QStringLiteral("intervalBox"));
    m_intervalBox->setRange(50, 10000);
    m_intervalBox->setSingleStep(50);
    m_intervalBox->setSuffix(tr(" ms"));
    m_intervalBox->setValue(options.intervalMs);
    bar->addWidget(m_intervalBox);

    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" Port "), bar));
    m_portBox = new QSpinBox(bar);
    m_portBox->setObjectName(QStringLiteral("portBox"));
    m_portBox->setRange(0, 65535);
    m_portBox->setSpecialValueText(tr("all"));
    m_portBox->setValue(options.port);
    m_portBox->setToolTip(tr("Show only sockets with this local or remote port (0: all)"));
    bar->addWidget(m_portBox);

    QAction *refresh = bar->addAction(tr("Poll now"));
    refresh->setObjectName(QStringLiteral("pollNowAction"));
    refresh->setShortcut(QKeySequence::Refresh);
    refresh->setToolTip(tr("Read the kernel's table now (%1)").arg(refresh->shortcut().toString()));
    connect(refresh, &QAction::triggered, this, [this] { m_poller->pollNow(); });

    QAction *quit = new QAction(tr("Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);
    addAction(quit);

    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
    // A source problem shows where the user looks, with the style's own warning icon.
    m_errorBox = new QWidget(this);
    auto *errorLayout = new QHBoxLayout(m_errorBox);
    errorLayout->setContentsMargins(0, 0, 0, 0);
    auto *errorIcon = new QLabel(m_errorBox);
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize);
    errorIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(iconSize, iconSize));
    m_errorLabel = new QLabel(m_errorBox);
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    errorLayout->addWidget(errorIcon);
    errorLayout->addWidget(m_errorLabel);
    m_errorBox->hide();
    statusBar()->addWidget(m_statusLabel, 1);
    statusBar()->addPermanentWidget(m_errorBox);

    connect(m_sourceBox, &QComboBox::currentIndexChanged, this, &MainWindow::startPolling);
    connect(m_intervalBox, &QSpinBox::valueChanged, this, [this](int ms) {
        m_poller->setInterval(ms);
        updateStatus();
    });
    connect(m_portBox, &QSpinBox::valueChanged, this, [this] {
        m_poller->setFilter(currentFilter());
        m_poller->pollNow();
    });

    resize(1100, 650);
    startPolling();
}

MainWindow::~MainWindow() = default;

SocketFilter MainWindow::currentFilter() const
{
    SocketFilter filter;
    if (m_portBox->value() > 0)
        filter.port = quint16(m_portBox->value());
    return filter;
}

void MainWindow::startPolling()
{
    QString error;
    std::unique_ptr<SocketSource> source = SocketSource::create(m_sourceBox->currentData().toString(), &error);
    if (!source)
        source = SocketSource::create(QStringLiteral("proc"));

    // A new source starts a new table: the old histories came from another view of the kernel.
    m_poller.reset();
    m_tracker.clear();
    m_model->clear();
    m_lastError.clear();

    m_poller = std::make_unique<Poller>(std::move(source));
    m_poller->setInterval(m_intervalBox->value());
    m_poller->setFilter(currentFilter());
    connect(m_poller.get(), &Poller::snapshotTaken, this, &MainWindow::applySnapshot);
    m_poller->start();
    updateStatus();
}

void MainWindow::applySnapshot(const Snapshot &snapshot)
{
    m_lastError = snapshot.error;
    m_issueCount = int(snapshot.issues.size());
    if (snapshot.ok()) {
        const TrackerDelta delta = m_tracker.update(snapshot);
        m_model->apply(delta, m_tracker);
    }
    updateStatus();
}

void MainWindow::updateStatus()
{
    QMap<int, int> perState;
    for (int row = 0; row < m_model->rowCount(); ++row)
        ++perState[kernelNumber(m_model->recordAt(row).state)];
    QStringList counts;
    for (auto it = perState.cbegin(); it != perState.cend(); ++it)
        counts << QStringLiteral("%1 %2").arg(it.value()).arg(kernelName(TcpState(it.key())));

    m_statusLabel->setText(tr("%1 · every %2 ms · %3 sockets%4")
                               .arg(m_poller ? m_poller->sourceName() : QString())
                               .arg(m_intervalBox->value())
                               .arg(m_model->rowCount())
                               .arg(counts.isEmpty() ? QString() : QStringLiteral(": ") + counts.join(QStringLiteral(", "))));

    QString problem = m_lastError;
    if (!problem.isEmpty() && m_poller && m_poller->sourceName() != QLatin1String("proc"))
        problem += tr(" Choose /proc/net/tcp as the source to go on.");
    if (problem.isEmpty() && m_issueCount > 0)
        problem = tr("%n line(s) of kernel text could not be parsed", nullptr, m_issueCount);
    m_errorLabel->setText(problem);
    m_errorBox->setVisible(!problem.isEmpty());
}

} // namespace sockscope
