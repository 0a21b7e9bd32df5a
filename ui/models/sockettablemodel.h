// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/tracking/connectiontracker.h"

#include <QAbstractTableModel>
#include <QHash>

namespace sockscope {

// The 4-tuple table: one row per live connection of a ConnectionTracker, updated
// incrementally from each TrackerDelta so that selection and scrolling survive every poll.
class SocketTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { State, Local, Remote, RecvQ, SendQ, Timer, Inode, Uid, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1, // raw value of the cell, for sorting
        ConnectionIdRole,            // the tracker's connection id
    };

    explicit SocketTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Brings the rows in line with what `delta` reports; `tracker` is the one that made it.
    void apply(const TrackerDelta &delta, const ConnectionTracker &tracker);
    void clear();

    int rowOf(quint64 id) const { return m_rowOfId.value(id, -1); }
    const SocketRecord &recordAt(int row) const { return m_rows[row].record; }

private:
    struct Row
    {
        quint64 id;
        SocketRecord record;
    };

    void removeIds(const QList<quint64> &ids);
    void reindexFrom(int row);

    QList<Row> m_rows;
    QHash<quint64, int> m_rowOfId;
};

} // namespace sockscope
