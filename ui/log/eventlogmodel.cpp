// SPDX-License-Identifier: GPL-3.0-or-later
#include "eventlogmodel.h"

#include "ui/text/plaintext.h"
#include "ui/theme/theme.h"

#include <QDateTime>
#include <QFont>
#include <QGuiApplication>

namespace sockscope {

EventLogModel::EventLogModel(QObject *parent) : QAbstractTableModel(parent) { }

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time: return tr("Time");
    case Who: return tr("Who");
    case What: return tr("What happened");
    default: return QVariant();
    }
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Entry &e = m_entries[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time: return QDateTime::fromMSecsSinceEpoch(e.wallTimeMs).toString(QStringLiteral("HH:mm:ss.zzz"));
        case Who: return e.who;
        case What: return e.text;
        default: return QVariant();
        }
    case Qt::ToolTipRole:
        // Calls carry a session file's values and other processes' names.
        return index.column() == What ? PlainText::toolTip(e.text) : QVariant();
    case Qt::ForegroundRole:
        if (e.failed || e.kind == Kind::Problem)
            return Theme(QGuiApplication::palette()).failure();
        if ((e.kind == Kind::Transition || e.kind == Kind::Wire || e.kind == Kind::WireRule) && index.column() == Who)
            return Theme(QGuiApplication::palette()).muted();
        return QVariant();
    case Qt::FontRole:
        if (e.kind == Kind::Scenario) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return QVariant();
    case KindRole:
        return int(e.kind);
    case WallTimeRole:
        return e.wallTimeMs;
    default:
        return QVariant();
    }
}

void EventLogModel::append(const Entry &entry)
{
    append(QList<Entry>{entry});
}

void EventLogModel::append(const QList<Entry> &entries)
{
    if (entries.isEmpty())
        return;
    const qsizetype incoming = qMin<qsizetype>(entries.size(), m_limit);
    if (m_entries.size() + incoming > m_limit) {
        // Drop at least a tenth at once rather than one row per append.
        const qsizetype drop = qMin(m_entries.size(), qMax(m_entries.size() + incoming - m_limit, qsizetype(m_limit / 10)));
        beginRemoveRows(QModelIndex(), 0, int(drop) - 1);
        m_entries.remove(0, drop);
        endRemoveRows();
    }
    const int row = int(m_entries.size());
    beginInsertRows(QModelIndex(), row, row + int(incoming) - 1);
    m_entries.append(entries.mid(entries.size() - incoming));
    endInsertRows();
}

void EventLogModel::removeAfter(qint64 ns)
{
    qsizetype keep = m_entries.size();
    while (keep > 0 && m_entries[keep - 1].atNs > ns)
        --keep;
    if (keep == m_entries.size())
        return;
    beginRemoveRows(QModelIndex(), int(keep), int(m_entries.size()) - 1);
    m_entries.resize(keep);
    endRemoveRows();
}

void EventLogModel::clear()
{
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

QString EventLogModel::toText() const
{
    QString out;
    for (const Entry &e : m_entries) {
        out += QDateTime::fromMSecsSinceEpoch(e.wallTimeMs).toString(QStringLiteral("HH:mm:ss.zzz"))
            + QStringLiteral("  ") + e.who.leftJustified(14) + QStringLiteral("  ") + e.text + QLatin1Char('\n');
    }
    return out;
}

} // namespace sockscope
