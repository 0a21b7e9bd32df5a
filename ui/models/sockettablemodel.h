// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/session/session.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QMap>
#include <QPalette>
#include <QSet>
#include <QTimer>

#include <deque>
#include <unordered_map>

namespace sockscope {

// The 4-tuple table: one row per live connection of a Session, in the order shown (sorted,
// filtered, the two ends of a loopback connection side by side), updated from each delta so
// that selection and scrolling survive every poll. New rows are marked for a moment, changed
// rows likewise, and rows that left the kernel's table stay, marked, for the same moment
// before they go.
//
// It sorts and filters itself rather than behind a QSortFilterProxyModel: a poll's changes
// (and the rows whose marks end) are put in place together, as one layout change, so that a
// poll costs a view the same whether one row changed or hundreds, at any table size. The
// rows the poll did not touch are not looked at.
class SocketTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    // Who owns a socket matters more than its queues and inode, so Process follows Role; the
    // queues are in the order ss prints them. Network (the lab's private one or this
    // machine's) matters only while both are shown: last here, placed first by the view.
    enum Column { Local, Remote, State, Role, Process, RecvQ, SendQ, Timer, Inode, Uid, Network, ColumnCount };
    enum DataRole {
        SortRole = Qt::UserRole + 1, // raw value of the cell, for sorting
        ConnectionIdRole,            // the session's connection id
        PairIdRole,                  // the same for both ends of one loopback connection
        PairSortRole,                // SortRole of the pair's first end: keeps pairs together
        PairOrderRole,               // 0 for the client end, 1 for the server end
        HighlightRole,               // Highlight as int
        RevisionRole,                // changes whenever anything the row shows changes
    };
    enum class Highlight : quint8 { None, New, Changed, Vanishing };

    explicit SocketTableModel(const Session *session, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    // By a column's SortRole, pairs kept together, the client end first; column -1: in the
    // order connections appeared.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    // Which rows are shown: any column containing `text` (case-insensitive), in `state`, on
    // `port` (local or remote).
    void setTextFilter(const QString &text);
    void setStateFilter(std::optional<TcpState> state);
    void setPortFilter(std::optional<quint16> port);
    QString textFilter() const { return m_text; }

    // Brings the rows in line with what the session's latest delta reports.
    void apply(const TrackerDelta &delta);
    // Brings these connections' rows in line with the session at once, without marking them:
    // a replay stepping back, where nothing happened, only the moment shown moved.
    void resync(const QList<quint64> &ids);
    void clear();

    // How long new, changed and vanished rows stay marked (vanished rows then go).
    void setHighlightDuration(int ms) { m_highlightMs = ms; }
    int highlightDuration() const { return m_highlightMs; }

    int rowOf(quint64 id) const; // -1 when not shown
    quint64 idAt(int row) const { return m_shown[row]->id; }
    const SocketRecord &recordAt(int row) const { return m_shown[row]->record; }
    Highlight highlightAt(int row) const { return m_shown[row]->highlight; }
    QString labelAt(int row) const { return m_shown[row]->label; }

    // Rows per kernel state, filtered-out rows included, vanishing ones not. Kept as rows
    // change, not counted.
    QMap<TcpState, int> countsByState() const { return m_stateCounts; }
    // Whether rows of this network are here (filtered out or not, vanishing ones not).
    bool hasRowsOf(sockscope::Network network) const { return m_networkCounts[int(network)] > 0; }

    // The palette of the view that shows the rows: the new, changed and gone colours (and the
    // text on them) are chosen to read well on it. A model receives no palette events; the
    // view's owner calls this again when the palette changes (QEvent::PaletteChange).
    void setPalette(const QPalette &palette);

private:
    // A column's sort value as numbers and text, in the order SortRole gives: compared with no
    // QVariant dispatch, as placing a poll's changed rows does thousands of times.
    struct SortKey
    {
        quint64 major = 0;
        quint64 middle = 0;
        quint64 minor = 0;
        QString text;
        int compare(const SortKey &other) const;
    };

    struct Row
    {
        quint64 id = 0;
        SocketRecord record;
        QString label;
        bool clientSide = true;
        Highlight highlight = Highlight::None;
        qint64 highlightUntilMs = 0;
        quint64 sequence = 0; // when it came: the order without a sort column
        // In m_shown (not filtered out). Its position is found by binary search, not stored:
        // a stored one would change in every row below each row a poll adds or removes.
        bool shown = false;
        quint64 revision = 0; // RevisionRole: bumped by changed()
        // Where the pair sorts: its first end's sort value and id, and which end this is. Set
        // when the row is placed and unchanged until it is placed again, so that m_shown stays
        // ordered by them between layout changes.
        SortKey pairKey;
        quint64 pairId = 0;
        int pairOrder = 0;
    };

    Row *find(quint64 id);
    const Row *find(quint64 id) const;
    const Row *anchorOf(const Row &row) const; // the pair's first end, or the row itself
    QVariant sortValue(const Row &row, int column) const;
    SortKey sortKey(const Row &row, int column) const; // sortValue(), for ordering
    int positionOf(const Row &row) const;             // in m_shown, -1 when not shown
    QVariant displayValue(const Row &row, int column) const; // what a cell shows, and what the text filter searches
    bool accepts(const Row &row) const;
    bool less(const Row *a, const Row *b) const;
    void updatePairKeys(Row &row);
    Row &create(const ConnectionHistory &h, Highlight highlight, qint64 now);
    void mark(Row &row, Highlight highlight, qint64 nowMs);
    void refresh(Row &row, const ConnectionHistory &h);
    void changed(Row &row) { row.revision = ++m_revision; } // anything it shows, or its neighbours
    void count(const Row &row, int sign); // keeps m_stateCounts and m_labelled
    // Puts these rows (new, changed, or going) in place, and drops `gone`, in one layout change.
    void relayout(const QSet<quint64> &touched, const QSet<quint64> &gone = {});
    void rebuild(); // every row: a new sort or filter
    void expireHighlights();

    const Session *m_session;
    std::unordered_map<quint64, Row> m_rows; // by id; nodes stay put, so m_shown can point at them
    QList<Row *> m_shown;                    // the rows shown, in order
    quint64 m_sequence = 0;
    quint64 m_revision = 0;
    int m_sortColumn = -1;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    QString m_text;
    std::optional<TcpState> m_state;
    std::optional<quint16> m_port;
    QMap<TcpState, int> m_stateCounts; // rows per state, vanishing ones not counted
    int m_networkCounts[2] = {0, 0};   // rows per Network, counted like m_stateCounts
    QSet<quint64> m_labelled;          // rows with a lab label: their role can change without a poll
    // When each mark ends, in the order they were set (one duration for all): expiring them
    // looks at the ones due, not at every row.
    std::deque<std::pair<qint64, quint64>> m_expiring;
    QSet<quint64> m_dueToGo;  // gone rows whose mark ended: removed with the next layout change
    qint64 m_lastLayoutMs = 0;
    QTimer m_expiry; // runs only while a mark is shown
    int m_highlightMs = 1500;
    QColor m_new, m_changed, m_vanishing;
    QColor m_newText, m_changedText, m_vanishingText;
};

} // namespace sockscope
