// SPDX-License-Identifier: GPL-3.0-or-later
#include "sockettablemodel.h"

#include "core/format/sockettable.h"

#include <algorithm>

namespace sockscope {

namespace {

// Port first, then family and address bytes: what people scanning a socket table expect.
QString endpointSortKey(const Endpoint &e)
{
    const auto &bytes = e.address.bytes();
    return QString::number(e.port).rightJustified(5, QLatin1Char('0')) + QLatin1Char(e.address.isIPv4() ? '4' : '6')
        + QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(bytes.data()), int(bytes.size())).toHex());
}

} // namespace

SocketTableModel::SocketTableModel(QObject *parent) : QAbstractTableModel(parent) { }

int SocketTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SocketTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SocketTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case State: return tr("State");
    case Local: return tr("Local address");
    case Remote: return tr("Remote address");
    case RecvQ: return tr("Recv-Q");
    case SendQ: return tr("Send-Q");
    case Timer: return tr("Timer");
    case Inode: return tr("Inode");
    case Uid: return tr("UID");
    default: return QVariant();
    }
}

QVariant SocketTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Row &row = m_rows[index.row()];
    const SocketRecord &r = row.record;

    if (role == ConnectionIdRole)
        return QVariant::fromValue(row.id);

    if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
        case RecvQ:
        case SendQ:
        case Inode:
        case Uid:
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        }
    }

    if (role == SortRole) {
        switch (index.column()) {
        case State: return kernelNumber(r.state);
        case Local: return endpointSortKey(r.local);
        case Remote: return endpointSortKey(r.remote);
        case RecvQ: return r.rxQueue;
        case SendQ: return r.txQueue;
        case Timer: return r.timerRemainingMs;
        case Inode: return QVariant::fromValue(r.inode.value_or(0));
        case Uid: return r.uid.value_or(0);
        default: return QVariant();
        }
    }

    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case State: return kernelName(r.state);
        case Local: return r.local.toString();
        case Remote: return r.remote.toString();
        case RecvQ: return r.rxQueue;
        case SendQ: return r.isListener() && r.listenBacklog ? *r.listenBacklog : r.txQueue;
        case Timer: return SocketTable::timerText(r);
        case Inode: return r.inode ? QString::number(*r.inode) : QStringLiteral("?");
        case Uid: return r.uid ? QString::number(*r.uid) : QStringLiteral("?");
        default: return QVariant();
        }
    }

    if (role == Qt::ToolTipRole && index.column() == RecvQ && r.isListener())
        return tr("%n connection(s) completed by the kernel and waiting for accept()", nullptr, int(r.rxQueue));
    if (role == Qt::ToolTipRole && index.column() == Inode && r.inode && *r.inode == 0)
        return tr("No file: in the accept queue, a request socket, or a TIME_WAIT entry");
    return QVariant();
}

void SocketTableModel::reindexFrom(int row)
{
    for (int i = row; i < m_rows.size(); ++i)
        m_rowOfId.insert(m_rows[i].id, i);
}

void SocketTableModel::removeIds(const QList<quint64> &ids)
{
    QList<int> rows;
    rows.reserve(ids.size());
    for (quint64 id : ids) {
        const int row = m_rowOfId.value(id, -1);
        if (row >= 0)
            rows.append(row);
    }
    if (rows.isEmpty())
        return;
    std::sort(rows.begin(), rows.end());

    // Remove contiguous runs from the back so earlier row numbers stay valid.
    int lowest = rows.first();
    qsizetype end = rows.size();
    while (end > 0) {
        qsizetype begin = end - 1;
        while (begin > 0 && rows[begin - 1] == rows[begin] - 1)
            --begin;
        const int first = rows[begin];
        const int last = rows[end - 1];
        beginRemoveRows(QModelIndex(), first, last);
        for (int r = first; r <= last; ++r)
            m_rowOfId.remove(m_rows[r].id);
        m_rows.remove(first, last - first + 1);
        endRemoveRows();
        end = begin;
    }
    reindexFrom(lowest);
}

void SocketTableModel::apply(const TrackerDelta &delta, const ConnectionTracker &tracker)
{
    QList<quint64> gone;
    QList<quint64> changed = delta.updated;
    QList<quint64> added;
    for (const ConnectionEvent &e : delta.events) {
        switch (e.kind) {
        case ConnectionEvent::Kind::Appeared: added.append(e.id); break;
        case ConnectionEvent::Kind::StateChanged: changed.append(e.id); break;
        case ConnectionEvent::Kind::Vanished: gone.append(e.id); break;
        }
    }

    removeIds(gone);

    for (quint64 id : changed) {
        const int row = m_rowOfId.value(id, -1);
        const ConnectionHistory *h = tracker.history(id);
        if (row < 0 || !h)
            continue;
        m_rows[row].record = h->latest;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1),
                           {Qt::DisplayRole, SortRole, Qt::ToolTipRole});
    }

    QList<Row> fresh;
    for (quint64 id : added) {
        const ConnectionHistory *h = tracker.history(id);
        if (h && h->alive)
            fresh.append({id, h->latest});
    }
    if (!fresh.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows(QModelIndex(), first, first + int(fresh.size()) - 1);
        m_rows.append(fresh);
        reindexFrom(first);
        endInsertRows();
    }
}

void SocketTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rowOfId.clear();
    endResetModel();
}

} // namespace sockscope
