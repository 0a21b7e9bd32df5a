// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/session/session.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QHash>
#include <QPalette>
#include <QTimer>

namespace sockscope {

// The 4-tuple table: one row per live connection of a Session, updated incrementally from each
// delta so that selection and scrolling survive every poll. New rows are marked for a moment,
// changed rows likewise, and rows that left the kernel's table stay, marked, for the same
// moment before they go.
class SocketTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    // Who owns a socket matters more than its queues and inode, so Process follows Role; the
    // queues are in the order ss prints them.
    enum Column { Local, Remote, State, Role, Process, RecvQ, SendQ, Timer, Inode, Uid, ColumnCount };
    enum DataRole {
        SortRole = Qt::UserRole + 1, // raw value of the cell, for sorting
        ConnectionIdRole,            // the session's connection id
        PairIdRole,                  // the same for both ends of one loopback connection
        PairSortRole,                // SortRole of the pair's first end: keeps pairs together
        PairOrderRole,               // 0 for the client end, 1 for the server end
        HighlightRole,               // Highlight as int
    };
    enum class Highlight : quint8 { None, New, Changed, Vanishing };

    explicit SocketTableModel(const Session *session, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Brings the rows in line with what the session's latest delta reports.
    void apply(const TrackerDelta &delta);
    // Brings these connections' rows in line with the session at once, without marking them:
    // a replay stepping back, where nothing happened, only the moment shown moved.
    void resync(const QList<quint64> &ids);
    void clear();

    // How long new, changed and vanished rows stay marked (vanished rows then go).
    void setHighlightDuration(int ms) { m_highlightMs = ms; }
    int highlightDuration() const { return m_highlightMs; }

    int rowOf(quint64 id) const { return m_rowOfId.value(id, -1); }
    quint64 idAt(int row) const { return m_rows[row].id; }
    const SocketRecord &recordAt(int row) const { return m_rows[row].record; }
    Highlight highlightAt(int row) const { return m_rows[row].highlight; }
    QString labelAt(int row) const { return m_rows[row].label; }

    // Rows per kernel state, vanishing rows not counted.
    QMap<TcpState, int> countsByState() const;

    // The palette of the view that shows the rows: the new, changed and gone colours (and the
    // text on them) are chosen to read well on it. A model receives no palette events; the
    // view's owner calls this again when the palette changes (QEvent::PaletteChange).
    void setPalette(const QPalette &palette);

private:
    struct Row
    {
        quint64 id = 0;
        SocketRecord record;
        QString label;
        bool clientSide = true;
        Highlight highlight = Highlight::None;
        qint64 highlightUntilMs = 0;
    };

    QVariant sortValue(const Row &row, int column) const;
    Row rowFor(const ConnectionHistory &h, Highlight highlight, qint64 now) const;
    void appendRows(const QList<Row> &fresh);
    int anchorRow(int row) const; // the pair's first end, or the row itself
    void mark(int row, Highlight highlight, qint64 nowMs);
    void refreshRow(int row, const ConnectionHistory &h);
    void expireHighlights();
    void removeRows(QList<int> rows);
    void reindexFrom(int row);

    const Session *m_session;
    QList<Row> m_rows;
    QHash<quint64, int> m_rowOfId;
    QTimer m_expiry; // one shared timer for every highlight, running only while one is shown
    int m_highlightMs = 1500;
    QColor m_new, m_changed, m_vanishing;
    QColor m_newText, m_changedText, m_vanishingText;
};

} // namespace sockscope
