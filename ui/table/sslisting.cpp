// SPDX-License-Identifier: GPL-3.0-or-later
#include "sslisting.h"

#include "ui/models/sockettablemodel.h"

#include "core/tcp/tcpstate.h"

#include <QFontDatabase>
#include <QFontMetrics>
#include <QLabel>
#include <QHeaderView>
#include <QTableView>
#include <QVBoxLayout>

namespace sockscope {

namespace {

// ss -tan's columns at the widths its lines usually take; a longer address pushes the rest
// of its own line, as ss does when the terminal is narrow.
QString line(const QString &state, const QString &recvQ, const QString &sendQ, const QString &local, const QString &peer)
{
    return state.leftJustified(11) + recvQ.rightJustified(6) + QLatin1Char(' ') + sendQ.rightJustified(6) + QStringLiteral("  ")
        + local.leftJustified(23) + QStringLiteral("  ") + peer;
}

} // namespace

SsListingModel::SsListingModel(QObject *parent) : QIdentityProxyModel(parent) { }

QString SsListingModel::header()
{
    return line(QStringLiteral("State"), QStringLiteral("Recv-Q"), QStringLiteral("Send-Q"),
                QStringLiteral("Local Address:Port"), QStringLiteral("Peer Address:Port"));
}

QVariant SsListingModel::data(const QModelIndex &index, int role) const
{
    const QModelIndex source = mapToSource(index);
    if (!source.isValid())
        return QVariant();
    if (role != Qt::DisplayRole)
        return source.data(role); // marked as in the table: new, changed, struck out when gone
    const QAbstractItemModel *table = source.model();
    const auto cell = [&](int column) { return table->index(source.row(), column).data(); };
    const int number = table->index(source.row(), SocketTableModel::State).data(SocketTableModel::SortRole).toInt();
    const std::optional<TcpState> state = tcpStateFromKernelNumber(number);
    return line(state ? ssName(*state) : QString(), cell(SocketTableModel::RecvQ).toString(), cell(SocketTableModel::SendQ).toString(),
                cell(SocketTableModel::Local).toString(), cell(SocketTableModel::Remote).toString());
}

SsListingView::SsListingView(QAbstractItemModel *table, QWidget *parent)
    : QWidget(parent), m_table(table), m_listing(new SsListingModel(this))
{
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_header = new QLabel(SsListingModel::header(), this);
    m_header->setFont(fixed);
    m_header->setTextFormat(Qt::PlainText);
    m_header->setContentsMargins(4, 2, 4, 0);
    // A table view of the first column, not a list view: a list view lays out every line
    // whenever the table changes; a table's rows all have the header's one height.
    m_list = new QTableView(this);
    m_list->setObjectName(QStringLiteral("ssList"));
    m_list->setFont(fixed);
    m_list->setShowGrid(false);
    m_list->setWordWrap(false);
    m_list->horizontalHeader()->hide();
    m_list->verticalHeader()->hide();
    m_list->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_list->verticalHeader()->setDefaultSectionSize(QFontMetrics(fixed).height() + 2);
    m_list->horizontalHeader()->setStretchLastSection(true);
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setModel(m_listing);
    const auto onlyTheLine = [this] {
        for (int column = 1; column < m_listing->columnCount(); ++column)
            m_list->setColumnHidden(column, true);
    };
    connect(m_listing, &QAbstractItemModel::modelReset, m_list, onlyTheLine);
    onlyTheLine();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_header);
    layout->addWidget(m_list);
}

void SsListingView::showEvent(QShowEvent *event)
{
    if (m_listing->sourceModel() != m_table) {
        m_listing->setSourceModel(m_table);
        for (int column = 1; column < m_listing->columnCount(); ++column)
            m_list->setColumnHidden(column, true);
    }
    QWidget::showEvent(event);
}

void SsListingView::hideEvent(QHideEvent *event)
{
    m_listing->setSourceModel(nullptr);
    QWidget::hideEvent(event);
}

QString SsListingView::text() const
{
    QString out = SsListingModel::header() + QLatin1Char('\n');
    for (int row = 0; row < m_listing->rowCount(); ++row) {
        const QModelIndex line = m_listing->index(row, 0);
        if (line.data(SocketTableModel::HighlightRole).toInt() != int(SocketTableModel::Highlight::Vanishing))
            out += line.data().toString() + QLatin1Char('\n');
    }
    return out;
}

} // namespace sockscope
