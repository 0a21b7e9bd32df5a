// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractTableModel>
#include <QList>

namespace sockscope {

// What happened, in order: lab calls with their results, segments on the lab's wire, kernel
// transitions, scenario steps, and the lab's wire rules: put on, taken off, and each segment
// they took.
// Append-only; the oldest entries go once it holds more than its limit.
class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Time, Who, What, ColumnCount };
    enum class Kind : quint8 { Call, Transition, Scenario, Problem, Wire, WireRule };
    enum DataRole { KindRole = Qt::UserRole + 1, WallTimeRole };

    struct Entry
    {
        qint64 wallTimeMs = 0;
        Kind kind = Kind::Call;
        QString who;
        QString text;
        bool failed = false; // a call failed, or a wire rule took a segment: drawn in the failure colour
        qint64 atNs = -1; // a replay's moment (document clock); -1 when live
        // What the entry is about, for finding it from a figure and a figure's item from it:
        // the event's moment on the session's clock (a call's, a segment's, a transition timed
        // by packet), and for a transition the connection and the state it reached. -1 and 0
        // where unknown.
        qint64 sessionNs = -1;
        quint64 connection = 0;
        int toState = -1;
    };

    explicit EventLogModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void append(const Entry &entry);
    // Many at once, in order, as one insertion; only the newest `limit` of them are kept.
    void append(const QList<Entry> &entries);
    // A replay stepping back: drops the newest entries, those after `ns`.
    void removeAfter(qint64 ns);
    void clear();
    int limit() const { return m_limit; }
    const QList<Entry> &entries() const { return m_entries; }
    void setLimit(int entries) { m_limit = qMax(100, entries); }

    // The log as text, one line per entry, for copying.
    QString toText() const;

private:
    QList<Entry> m_entries;
    int m_limit = 20000;
};

} // namespace sockscope
