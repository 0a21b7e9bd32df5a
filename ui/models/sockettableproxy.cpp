// SPDX-License-Identifier: GPL-3.0-or-later
#include "sockettableproxy.h"

#include "sockettablemodel.h"

namespace sockscope {

SocketTableProxy::SocketTableProxy(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(SocketTableModel::PairSortRole);
    setDynamicSortFilter(true);
}

void SocketTableProxy::setTextFilter(const QString &text)
{
    m_text = text.trimmed();
    invalidateFilter();
}

void SocketTableProxy::setStateFilter(std::optional<TcpState> state)
{
    m_state = state;
    invalidateFilter();
}

void SocketTableProxy::setPortFilter(std::optional<quint16> port)
{
    m_port = port;
    invalidateFilter();
}

bool SocketTableProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QPartialOrdering order = QVariant::compare(left.data(SocketTableModel::PairSortRole),
                                                     right.data(SocketTableModel::PairSortRole));
    if (order == QPartialOrdering::Less)
        return true;
    if (order == QPartialOrdering::Greater)
        return false;
    const quint64 leftPair = left.data(SocketTableModel::PairIdRole).toULongLong();
    const quint64 rightPair = right.data(SocketTableModel::PairIdRole).toULongLong();
    if (leftPair != rightPair)
        return leftPair < rightPair;
    // Within a pair the client end comes first, whichever way the column is sorted.
    const int leftOrder = left.data(SocketTableModel::PairOrderRole).toInt();
    const int rightOrder = right.data(SocketTableModel::PairOrderRole).toInt();
    return sortOrder() == Qt::AscendingOrder ? leftOrder < rightOrder : leftOrder > rightOrder;
}

bool SocketTableProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const auto *model = qobject_cast<const SocketTableModel *>(sourceModel());
    if (!model)
        return true;
    const SocketRecord &r = model->recordAt(sourceRow);
    if (m_state && r.state != *m_state)
        return false;
    if (m_port && r.local.port != *m_port && r.remote.port != *m_port)
        return false;
    if (m_text.isEmpty())
        return true;
    for (int column = 0; column < SocketTableModel::ColumnCount; ++column) {
        const QString text = model->index(sourceRow, column, sourceParent).data().toString();
        if (text.contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

} // namespace sockscope
