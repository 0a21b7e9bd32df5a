// SPDX-License-Identifier: GPL-3.0-or-later
#include "sockettablemodel.h"

#include "core/format/sockettable.h"
#include "ui/text/plaintext.h"
#include "ui/theme/theme.h"

#include <QDateTime>
#include <QFont>
#include <QGuiApplication>

#include <algorithm>
#include <cmath>

namespace sockscope {

namespace {

// Port first, then family and address bytes: what people scanning a socket table expect.
QString endpointSortKey(const Endpoint &e)
{
    const auto &bytes = e.address.bytes();
    return QString::number(e.port).rightJustified(5, QLatin1Char('0')) + QLatin1Char(e.address.isIPv4() ? '4' : '6')
        + QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(bytes.data()), int(bytes.size())).toHex());
}

qint64 nowMs()
{
    return steadyNowNs() / 1000000;
}

// The columns whose text or sort value differ between two rows of one connection.
std::pair<int, int> changedColumns(const SocketRecord &a, const SocketRecord &b)
{
    int first = SocketTableModel::ColumnCount;
    int last = -1;
    const auto note = [&](bool changed, int column) {
        if (!changed)
            return;
        first = qMin(first, column);
        last = qMax(last, column);
    };
    note(a.local != b.local, SocketTableModel::Local);
    note(a.remote != b.remote, SocketTableModel::Remote);
    note(a.state != b.state, SocketTableModel::State);
    note(a.txQueue != b.txQueue || a.listenBacklog != b.listenBacklog, SocketTableModel::SendQ);
    note(a.rxQueue != b.rxQueue, SocketTableModel::RecvQ);
    note(a.timer != b.timer || a.timerRemainingMs != b.timerRemainingMs, SocketTableModel::Timer);
    note(a.inode != b.inode, SocketTableModel::Inode);
    note(a.uid != b.uid, SocketTableModel::Uid);
    note(a.ownerStatus != b.ownerStatus || a.owners != b.owners, SocketTableModel::Process);
    return {first, last};
}

} // namespace

SocketTableModel::SocketTableModel(const Session *session, QObject *parent)
    : QAbstractTableModel(parent), m_session(session)
{
    m_expiry.setInterval(250);
    connect(&m_expiry, &QTimer::timeout, this, &SocketTableModel::expireHighlights);
    setPalette(QGuiApplication::palette());
}

void SocketTableModel::setPalette(const QPalette &palette)
{
    const Theme theme(palette);
    m_new = theme.rowNew();
    m_changed = theme.rowChanged();
    m_vanishing = theme.rowVanishing();
    // The palette's text where it reads well on the row's colour (WCAG's 4.5:1), else black
    // or white, whichever reads better: a palette's text need not suit colours it never chose.
    const auto luminance = [](const QColor &c) {
        const auto linear = [](float v) { return v <= 0.04045f ? v / 12.92f : std::pow((v + 0.055f) / 1.055f, 2.4f); };
        return 0.2126f * linear(c.redF()) + 0.7152f * linear(c.greenF()) + 0.0722f * linear(c.blueF());
    };
    const auto contrast = [&](const QColor &a, const QColor &b) {
        const float la = luminance(a), lb = luminance(b);
        return (qMax(la, lb) + 0.05f) / (qMin(la, lb) + 0.05f);
    };
    const QColor text = palette.color(QPalette::Text);
    const auto textOn = [&](const QColor &background) {
        if (contrast(text, background) >= 4.5f)
            return text;
        return contrast(Qt::black, background) >= contrast(Qt::white, background) ? QColor(Qt::black) : QColor(Qt::white);
    };
    m_newText = textOn(m_new);
    m_changedText = textOn(m_changed);
    m_vanishingText = textOn(m_vanishing);
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1),
                           {Qt::BackgroundRole, Qt::ForegroundRole});
}

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
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case RecvQ: return tr("Bytes received and not yet read; for a listener, connections waiting for accept()");
        case SendQ: return tr("Bytes sent and not yet acknowledged; for a listener (ss), its backlog");
        case Timer: return tr("The kernel's timer for this connection and the time it has left");
        case Inode: return tr("0 while the connection has no file: in the accept queue, a request socket, TIME_WAIT, or orphaned");
        case Role: return tr("What the socket is to the lab: listener, client, accepted, or still in the accept queue");
        case Process: return tr("The process whose descriptor refers to the socket (/proc/<pid>/fd); \"was\" marks "
                                "the last one, carried forward after the kernel dropped the inode");
        default: return QVariant();
        }
    }
    if (role != Qt::DisplayRole)
        return QVariant();
    switch (section) {
    case State: return tr("State");
    case Role: return tr("Role");
    case Local: return tr("Local address");
    case Remote: return tr("Remote address");
    case RecvQ: return tr("Recv-Q");
    case SendQ: return tr("Send-Q");
    case Timer: return tr("Timer");
    case Inode: return tr("Inode");
    case Uid: return tr("UID");
    case Process: return tr("Process");
    default: return QVariant();
    }
}

QVariant SocketTableModel::sortValue(const Row &row, int column) const
{
    const SocketRecord &r = row.record;
    switch (column) {
    case State: return kernelNumber(r.state);
    case Role: return row.label;
    case Local: return endpointSortKey(r.local);
    case Remote: return endpointSortKey(r.remote);
    case RecvQ: return r.rxQueue;
    case SendQ: return r.txQueue;
    case Timer: return r.timer == TimerKind::None ? -1 : r.timerRemainingMs;
    case Inode: return QVariant::fromValue(r.inode.value_or(0));
    case Uid: return r.uid.value_or(0);
    case Process: return r.ownerText();
    default: return QVariant();
    }
}

int SocketTableModel::anchorRow(int row) const
{
    const Row &r = m_rows[row];
    const int peer = rowOf(m_session->peerOf(r.id));
    if (peer < 0)
        return row;
    // The client end leads its pair; between two equal ends, the older connection does.
    const Row &p = m_rows[peer];
    if (r.clientSide != p.clientSide)
        return r.clientSide ? row : peer;
    return r.id < p.id ? row : peer;
}

QVariant SocketTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Row &row = m_rows[index.row()];
    const SocketRecord &r = row.record;

    switch (role) {
    case ConnectionIdRole:
        return QVariant::fromValue(row.id);
    case SortRole:
        return sortValue(row, index.column());
    case PairIdRole:
        return QVariant::fromValue(m_rows[anchorRow(index.row())].id);
    case PairSortRole:
        return sortValue(m_rows[anchorRow(index.row())], index.column());
    case PairOrderRole:
        return anchorRow(index.row()) == index.row() ? 0 : 1;
    case HighlightRole:
        return int(row.highlight);
    case Qt::BackgroundRole:
        switch (row.highlight) {
        case Highlight::None: return QVariant();
        case Highlight::New: return m_new;
        case Highlight::Changed: return m_changed;
        case Highlight::Vanishing: return m_vanishing;
        }
        return QVariant();
    case Qt::ForegroundRole:
        switch (row.highlight) {
        case Highlight::None: return QVariant();
        case Highlight::New: return m_newText;
        case Highlight::Changed: return m_changedText;
        case Highlight::Vanishing: return m_vanishingText;
        }
        return QVariant();
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case RecvQ:
        case SendQ:
        case Inode:
        case Uid:
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        }
    case Qt::FontRole: {
        // Struck out when gone; an owner carried forward is inferred, and drawn in italics.
        const bool carried = index.column() == Process && r.ownerStatus == OwnerStatus::Carried;
        if (row.highlight != Highlight::Vanishing && !carried)
            return QVariant();
        QFont font;
        font.setStrikeOut(row.highlight == Highlight::Vanishing);
        font.setItalic(carried);
        return font;
    }
    case Qt::ToolTipRole:
        if (row.highlight == Highlight::Vanishing)
            return tr("Gone from the kernel's table");
        if (index.column() == Role && !row.label.isEmpty())
            return PlainText::toolTip(row.label); // a session file's, when replayed
        if (index.column() == RecvQ && r.isListener())
            return tr("%n connection(s) completed by the kernel and waiting for accept()", nullptr, int(r.rxQueue));
        if (index.column() == Inode && r.inode && *r.inode == 0)
            return tr("No file: in the accept queue, a request socket, a TIME_WAIT entry, or orphaned by close()");
        if (index.column() == Process)
            return PlainText::toolTip(r.ownerExplanation());
        return QVariant();
    case Qt::DisplayRole:
        switch (index.column()) {
        case State: return kernelName(r.state);
        case Role: return row.label.isEmpty() ? QStringLiteral("–") : row.label;
        case Local: return r.local.toString();
        case Remote: return r.remote.toString();
        case RecvQ: return r.rxQueue;
        case SendQ: return r.isListener() && r.listenBacklog ? *r.listenBacklog : r.txQueue;
        case Timer: return SocketTable::timerText(r);
        case Inode: return r.inode ? QString::number(*r.inode) : QStringLiteral("?");
        case Uid: return r.uid ? QString::number(*r.uid) : QStringLiteral("?");
        case Process: return r.ownerText();
        default: return QVariant();
        }
    default:
        return QVariant();
    }
}

void SocketTableModel::reindexFrom(int row)
{
    for (int i = row; i < m_rows.size(); ++i)
        m_rowOfId.insert(m_rows[i].id, i);
}

void SocketTableModel::mark(int row, Highlight highlight, qint64 now)
{
    Row &r = m_rows[row];
    r.highlight = highlight;
    r.highlightUntilMs = now + m_highlightMs;
    if (!m_expiry.isActive())
        m_expiry.start();
}

void SocketTableModel::refreshRow(int row, const ConnectionHistory &h)
{
    Row &r = m_rows[row];
    r.record = h.latest;
    r.label = m_session->labelOf(h.id);
}

void SocketTableModel::removeRows(QList<int> rows)
{
    if (rows.isEmpty())
        return;
    std::sort(rows.begin(), rows.end());
    const int lowest = rows.first();
    // Contiguous runs from the back, so earlier row numbers stay valid; ranges are inclusive.
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

void SocketTableModel::apply(const TrackerDelta &delta)
{
    const ConnectionStore &tracker = m_session->connections();
    const qint64 now = nowMs();
    QList<quint64> added;
    QSet<quint64> touched;

    for (const ConnectionEvent &e : delta.events) {
        const int row = rowOf(e.id);
        switch (e.kind) {
        case ConnectionEvent::Kind::Appeared:
            added.append(e.id);
            break;
        case ConnectionEvent::Kind::StateChanged:
            if (row >= 0) {
                refreshRow(row, *tracker.history(e.id));
                mark(row, Highlight::Changed, now);
                touched.insert(e.id);
            }
            break;
        case ConnectionEvent::Kind::Vanished:
            if (row >= 0) {
                mark(row, Highlight::Vanishing, now);
                touched.insert(e.id);
            }
            break;
        }
    }
    for (quint64 id : delta.updated) {
        const int row = rowOf(id);
        const ConnectionHistory *h = tracker.history(id);
        if (row < 0 || !h)
            continue;
        const bool visible = h->latest.differsVisiblyFrom(m_rows[row].record);
        const auto [first, last] = changedColumns(m_rows[row].record, h->latest);
        refreshRow(row, *h);
        if (visible) {
            mark(row, Highlight::Changed, now);
            touched.insert(id); // the whole row changes colour
        } else if (last >= first) {
            // Only these cells: a proxy sorted by another column need not move the row.
            Q_EMIT dataChanged(index(row, first), index(row, last), {Qt::DisplayRole, SortRole, PairSortRole});
        }
    }
    // Lab rows can change their role without a new kernel row: accept() takes a queued
    // connection, close() leaves the kernel's entry behind. They are few; look at all of them.
    // A recording's roles are fixed.
    for (int row = 0; !m_session->recording() && row < m_rows.size(); ++row) {
        Row &r = m_rows[row];
        if (r.label.isEmpty() || touched.contains(r.id) || r.highlight == Highlight::Vanishing)
            continue;
        const QString label = m_session->labelOf(r.id);
        if (label != r.label) {
            r.label = label;
            touched.insert(r.id);
        }
    }

    for (quint64 id : std::as_const(touched)) {
        const int row = rowOf(id);
        if (row >= 0)
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }

    QList<Row> fresh;
    for (quint64 id : added) {
        const ConnectionHistory *h = tracker.history(id);
        if (!h || !h->alive || rowOf(id) >= 0)
            continue;
        fresh.append(rowFor(*h, Highlight::New, now));
    }
    appendRows(fresh);
    if (m_highlightMs <= 0)
        expireHighlights();
}

SocketTableModel::Row SocketTableModel::rowFor(const ConnectionHistory &h, Highlight highlight, qint64 now) const
{
    Row r;
    r.id = h.id;
    r.record = h.latest;
    r.label = m_session->labelOf(h.id);
    r.clientSide = m_session->isClientSide(h.id);
    r.highlight = highlight;
    r.highlightUntilMs = now + m_highlightMs;
    return r;
}

void SocketTableModel::appendRows(const QList<Row> &fresh)
{
    if (fresh.isEmpty())
        return;
    const int first = int(m_rows.size());
    beginInsertRows(QModelIndex(), first, first + int(fresh.size()) - 1);
    m_rows.append(fresh);
    reindexFrom(first);
    endInsertRows();
    bool marked = false;
    for (const Row &r : fresh)
        marked = marked || r.highlight != Highlight::None;
    if (marked && !m_expiry.isActive())
        m_expiry.start();
    // A new end may complete a pair: its partner's pair roles changed too.
    for (const Row &r : fresh) {
        const int peer = rowOf(m_session->peerOf(r.id));
        if (peer >= 0 && peer < first)
            Q_EMIT dataChanged(index(peer, 0), index(peer, ColumnCount - 1), {PairIdRole, PairSortRole, PairOrderRole});
    }
}

void SocketTableModel::resync(const QList<quint64> &ids)
{
    const ConnectionStore &store = m_session->connections();
    QList<int> gone;
    QList<Row> fresh;
    for (quint64 id : ids) {
        const ConnectionHistory *h = store.history(id);
        const int row = rowOf(id);
        if (!h || !h->alive) {
            if (row >= 0)
                gone.append(row);
            continue;
        }
        if (row < 0) {
            fresh.append(rowFor(*h, Highlight::None, 0));
            continue;
        }
        refreshRow(row, *h);
        m_rows[row].highlight = Highlight::None;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    removeRows(gone);
    appendRows(fresh);
}

void SocketTableModel::expireHighlights()
{
    const qint64 now = nowMs();
    QList<int> gone;
    bool active = false;
    for (int row = 0; row < m_rows.size(); ++row) {
        Row &r = m_rows[row];
        if (r.highlight == Highlight::None)
            continue;
        if (r.highlightUntilMs > now) {
            active = true;
            continue;
        }
        if (r.highlight == Highlight::Vanishing) {
            gone.append(row);
            continue;
        }
        r.highlight = Highlight::None;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1), {Qt::BackgroundRole, Qt::ForegroundRole, HighlightRole});
    }
    removeRows(gone);
    if (!active)
        m_expiry.stop();
}

void SocketTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rowOfId.clear();
    m_expiry.stop();
    endResetModel();
}

QMap<TcpState, int> SocketTableModel::countsByState() const
{
    QMap<TcpState, int> counts;
    for (const Row &r : m_rows) {
        if (r.highlight != Highlight::Vanishing)
            ++counts[r.record.state];
    }
    return counts;
}

} // namespace sockscope
