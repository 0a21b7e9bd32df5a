// SPDX-License-Identifier: GPL-3.0-or-later
#include "sockettablemodel.h"

#include "core/format/sockettable.h"
#include "core/tcp/stateexplainer.h"
#include "ui/text/plaintext.h"
#include "ui/theme/theme.h"

#include <QDateTime>
#include <QFont>
#include <QGuiApplication>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace sockscope {

namespace {

// Port first, then family and address bytes: what people scanning a socket table expect.
QString endpointSortKey(const Endpoint &e)
{
    const auto &bytes = e.address.bytes();
    return QString::number(e.port).rightJustified(5, QLatin1Char('0')) + QLatin1Char(e.address.isIPv4() ? '4' : '6')
        + QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(bytes.data()), int(bytes.size())).toHex());
}

// What tcp_info said, for the rows a poll asked it for (the selected connection, the lab's).
QString tcpInfoText(const SocketRecord &r)
{
    QStringList parts;
    parts << SocketTableModel::tr("round trip %1 ms (± %2 ms)")
                 .arg(double(*r.rttUs) / 1000.0, 0, 'f', 2)
                 .arg(double(r.rttVarUs.value_or(0)) / 1000.0, 0, 'f', 2);
    if (r.cwnd)
        parts << SocketTableModel::tr("congestion window %1 segments").arg(*r.cwnd);
    if (r.ssthresh && *r.ssthresh >= 0)
        parts << SocketTableModel::tr("slow-start threshold %1").arg(*r.ssthresh);
    if (r.rtoMs)
        parts << SocketTableModel::tr("retransmission timeout %1 ms").arg(*r.rtoMs);
    return SocketTableModel::tr("tcp_info: %1").arg(parts.join(QStringLiteral(", ")));
}

// "1.0 s", "200 ms": a time between two copies of a segment.
QString gapText(qint64 ns)
{
    return ns >= 1000000000 ? SocketTableModel::tr("%1 s").arg(double(ns) / 1e9, 0, 'f', 1)
                            : SocketTableModel::tr("%1 ms").arg(qRound64(double(ns) / 1e6));
}

// "a, b and c"
QString listText(const QStringList &items)
{
    if (items.size() <= 1)
        return items.value(0);
    return QStringList(items.mid(0, items.size() - 1)).join(QStringLiteral(", ")) + SocketTableModel::tr(" and ")
        + items.last();
}

// The kernel's timer in words, and what the lab's wire shows of it: the copies this end sent
// again and when, and what a wire rule kept from it. `wire`: the connection's captured segments.
QString timerToolTip(const SocketRecord &r, const QList<WireSegment> &wire)
{
    QStringList lines;
    const QString left = StateExplainer::formatDuration(r.timerRemainingMs);
    switch (r.timer) {
    case TimerKind::None: break;
    case TimerKind::Retransmit:
        lines << SocketTableModel::tr("retransmission timer, %1 left: what is not yet acknowledged is sent again when it "
                                      "runs out")
                     .arg(left);
        break;
    case TimerKind::Keepalive:
        lines << SocketTableModel::tr("keepalive timer, %1 left: then the kernel asks the idle peer whether it is still there")
                     .arg(left);
        break;
    case TimerKind::TimeWait:
        lines << SocketTableModel::tr("TIME_WAIT timer, %1 left: then the entry goes").arg(left);
        break;
    case TimerKind::ZeroWindowProbe:
        lines << SocketTableModel::tr("zero-window probe timer, %1 left: the peer's window is shut; the kernel asks again "
                                      "when it runs out")
                     .arg(left);
        break;
    }
    if (r.retransmits > 0) {
        lines << (r.retransmits == 1 ? SocketTableModel::tr("1 retransmission so far, unanswered")
                                     : SocketTableModel::tr("%1 retransmissions so far, unanswered").arg(r.retransmits));
    }

    // Copies this end sent again, by what they repeat, each timed from the first copy.
    const Endpoint local = r.local.unmapped();
    struct Repeated
    {
        QString what;
        qint64 firstNs = 0;
        QStringList after;
    };
    QList<Repeated> repeated;
    QHash<QString, qsizetype> byKey;
    QMap<QString, int> lost; // what was lost on the way to this end, or from it
    QStringList rules;
    for (const WireSegment &w : wire) {
        const Segment &s = w.segment;
        const bool sent = s.source == local;
        if (w.wasStopped()) {
            const QString what = s.flagsText() + (sent ? SocketTableModel::tr(" from it") : SocketTableModel::tr(" to it"));
            ++lost[what];
            const QString rule = SocketTableModel::tr("rule %1 (%2)").arg(QString::number(w.stoppedBy), w.stoppingRule);
            if (!rules.contains(rule))
                rules << rule;
        }
        if (!sent)
            continue;
        const QString key = s.flagsText() + QLatin1Char(' ') + QString::number(s.seq);
        if (w.repeat.retransmission == 0) {
            if (!byKey.contains(key)) {
                byKey.insert(key, repeated.size());
                repeated.append({s.payloadLength > 0 ? SocketTableModel::tr("%1 with %2 bytes").arg(s.flagsText()).arg(s.payloadLength)
                                                     : s.flagsText(),
                                 w.steadyNs, {}});
            }
        } else if (byKey.contains(key)) {
            Repeated &r = repeated[byKey.value(key)];
            r.after << gapText(w.steadyNs - r.firstNs);
        }
    }
    QStringList onWire;
    for (const Repeated &r : std::as_const(repeated)) {
        if (!r.after.isEmpty())
            onWire << SocketTableModel::tr("%1 sent again %2 after the first").arg(r.what, listText(r.after));
    }
    QStringList lostItems;
    for (auto it = lost.cbegin(); it != lost.cend(); ++it)
        lostItems << QStringLiteral("%1 %2").arg(it.value()).arg(it.key());
    if (!lostItems.isEmpty())
        onWire << SocketTableModel::tr("lost on the way, %1: %2").arg(SocketTableModel::tr("wire ") + listText(rules), listText(lostItems));
    if (!onWire.isEmpty())
        lines << SocketTableModel::tr("on the wire: ") + onWire.join(QStringLiteral("; "));
    return lines.join(QLatin1Char('\n'));
}

qint64 nowMs()
{
    return steadyNowNs() / 1000000;
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
    if (!m_shown.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_shown.size()) - 1, ColumnCount - 1),
                           {Qt::BackgroundRole, Qt::ForegroundRole});
}

int SocketTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_shown.size());
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
        case Network: return tr("lab: the lab's private network, a loopback of its own that the rest of this machine "
                                "does not see; host: this machine's own network");
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
    case Network: return tr("Net"); // "lab" or "host": a narrow column, said whole in its tooltip
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
    case Network: return int(r.network);
    default: return QVariant();
    }
}

int SocketTableModel::SortKey::compare(const SortKey &other) const
{
    if (major != other.major)
        return major < other.major ? -1 : 1;
    if (middle != other.middle)
        return middle < other.middle ? -1 : 1;
    if (minor != other.minor)
        return minor < other.minor ? -1 : 1;
    return text.compare(other.text);
}

SocketTableModel::SortKey SocketTableModel::sortKey(const Row &row, int column) const
{
    // Signed numbers with the sign bit flipped keep their order as unsigned ones.
    const auto number = [](qint64 n) { return quint64(n) ^ (quint64(1) << 63); };
    const auto endpoint = [](const Endpoint &e) {
        // endpointSortKey()'s order: port, family, then the address bytes.
        const auto &bytes = e.address.bytes();
        SortKey key;
        key.major = quint64(e.port) << 1 | (e.address.isIPv4() ? 0 : 1);
        for (std::size_t i = 0; i < bytes.size(); ++i)
            (i < 8 ? key.middle : key.minor) |= quint64(bytes[i]) << (8 * (7 - i % 8));
        return key;
    };
    const SocketRecord &r = row.record;
    SortKey key;
    switch (column) {
    case State: key.major = number(kernelNumber(r.state)); break;
    case Role: key.text = row.label; break;
    case Local: return endpoint(r.local);
    case Remote: return endpoint(r.remote);
    case RecvQ: key.major = number(r.rxQueue); break;
    case SendQ: key.major = number(r.txQueue); break;
    case Timer: key.major = number(r.timer == TimerKind::None ? -1 : r.timerRemainingMs); break;
    case Inode: key.major = r.inode.value_or(0); break;
    case Uid: key.major = number(r.uid.value_or(0)); break;
    case Process: key.text = r.ownerText(); break;
    case Network: key.major = quint64(r.network); break;
    default: break;
    }
    return key;
}

QVariant SocketTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return QVariant();
    const Row &row = *m_shown[index.row()];
    const SocketRecord &r = row.record;

    switch (role) {
    case ConnectionIdRole:
        return QVariant::fromValue(row.id);
    case SortRole:
        return sortValue(row, index.column());
    case PairIdRole:
        return QVariant::fromValue(anchorOf(row)->id);
    case PairSortRole:
        return sortValue(*anchorOf(row), index.column());
    case PairOrderRole:
        return anchorOf(row) == &row ? 0 : 1;
    case HighlightRole:
        return int(row.highlight);
    case RevisionRole:
        return QVariant::fromValue(row.revision);
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
        if (index.column() == Local && r.familyInferred)
            return tr("A saved ss table printed \"*\" here: 0.0.0.0 before iproute2 4.14, a dual-stack IPv6 "
                      "socket since. The family shown was inferred from the rest of that file.");
        if (index.column() == RecvQ && r.isListener())
            return tr("%n connection(s) completed by the kernel and waiting for accept()", nullptr, int(r.rxQueue));
        if (index.column() == Inode && r.inode && *r.inode == 0)
            return tr("No file: in the accept queue, a request socket, a TIME_WAIT entry, or orphaned by close()");
        if (index.column() == Process)
            return PlainText::toolTip(r.ownerExplanation());
        if (index.column() == State && r.rttUs)
            return tcpInfoText(r);
        // Asked only when the mouse rests on it: the connection's segments are looked up then.
        if (index.column() == Timer && (r.timer != TimerKind::None || r.retransmits > 0))
            return PlainText::toolTip(timerToolTip(r, m_session->wireSegmentsOf(row.id)));
        return QVariant();
    case Qt::DisplayRole:
        return displayValue(row, index.column());
    default:
        return QVariant();
    }
}

SocketTableModel::Row *SocketTableModel::find(quint64 id)
{
    const auto it = m_rows.find(id);
    return it == m_rows.end() ? nullptr : &it->second;
}

const SocketTableModel::Row *SocketTableModel::find(quint64 id) const
{
    const auto it = m_rows.find(id);
    return it == m_rows.end() ? nullptr : &it->second;
}

int SocketTableModel::rowOf(quint64 id) const
{
    const Row *row = find(id);
    return row ? positionOf(*row) : -1;
}

int SocketTableModel::positionOf(const Row &row) const
{
    if (!row.shown)
        return -1;
    const auto at = std::lower_bound(m_shown.cbegin(), m_shown.cend(), &row,
                                     [this](const Row *a, const Row *b) { return less(a, b); });
    if (at != m_shown.cend() && *at == &row)
        return int(at - m_shown.cbegin());
    // Only a row whose sort keys changed without it being placed again can miss: a fault here,
    // never a wrong row on screen.
    Q_ASSERT_X(false, "SocketTableModel::positionOf", "m_shown is out of order");
    const auto found = std::find(m_shown.cbegin(), m_shown.cend(), &row);
    return found == m_shown.cend() ? -1 : int(found - m_shown.cbegin());
}

const SocketTableModel::Row *SocketTableModel::anchorOf(const Row &row) const
{
    const quint64 peerId = m_session->peerOf(row.id);
    const Row *peer = peerId != 0 ? find(peerId) : nullptr;
    if (!peer)
        return &row;
    // The client end leads its pair; between two equal ends, the older connection does.
    if (row.clientSide != peer->clientSide)
        return row.clientSide ? &row : peer;
    return row.id < peer->id ? &row : peer;
}

void SocketTableModel::updatePairKeys(Row &row)
{
    const Row *anchor = anchorOf(row);
    row.pairId = anchor->id;
    row.pairOrder = anchor == &row ? 0 : 1;
    row.pairKey = m_sortColumn >= 0 ? sortKey(*anchor, m_sortColumn) : SortKey();
}

bool SocketTableModel::less(const Row *a, const Row *b) const
{
    if (m_sortColumn < 0)
        return a->sequence < b->sequence;
    const bool ascending = m_sortOrder == Qt::AscendingOrder;
    if (const int order = a->pairKey.compare(b->pairKey); order != 0)
        return order < 0 ? ascending : !ascending;
    if (a->pairId != b->pairId)
        return ascending ? a->pairId < b->pairId : a->pairId > b->pairId;
    // Within a pair the client end comes first, whichever way the column is sorted.
    if (a->pairOrder != b->pairOrder)
        return a->pairOrder < b->pairOrder;
    return a->id < b->id;
}

bool SocketTableModel::accepts(const Row &row) const
{
    const SocketRecord &r = row.record;
    if (m_state && r.state != *m_state)
        return false;
    if (m_port && r.local.port != *m_port && r.remote.port != *m_port)
        return false;
    if (m_text.isEmpty())
        return true;
    // What the cells show, as a user would search them.
    for (int column = 0; column < ColumnCount; ++column) {
        if (displayValue(row, column).toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

QVariant SocketTableModel::displayValue(const Row &row, int column) const
{
    const SocketRecord &r = row.record;
    switch (column) {
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
    case Network: return r.network == sockscope::Network::Private ? QStringLiteral("lab") : QStringLiteral("host");
    default: return QVariant();
    }
}

void SocketTableModel::count(const Row &row, int sign)
{
    if (row.highlight != Highlight::Vanishing) {
        int &n = m_stateCounts[row.record.state];
        n += sign;
        if (n <= 0)
            m_stateCounts.remove(row.record.state);
        m_networkCounts[int(row.record.network)] += sign;
    }
    if (sign > 0 && !row.label.isEmpty())
        m_labelled.insert(row.id);
    else if (sign < 0)
        m_labelled.remove(row.id);
}

SocketTableModel::Row &SocketTableModel::create(const ConnectionHistory &h, Highlight highlight, qint64 now)
{
    Row &r = m_rows[h.id];
    r.id = h.id;
    r.record = h.latest;
    r.label = m_session->labelOf(h.id);
    r.clientSide = m_session->isClientSide(h.id);
    r.sequence = ++m_sequence;
    r.highlight = highlight;
    r.highlightUntilMs = now + m_highlightMs;
    count(r, +1);
    changed(r);
    if (highlight != Highlight::None) {
        m_expiring.emplace_back(r.highlightUntilMs, r.id);
        if (!m_expiry.isActive())
            m_expiry.start();
    }
    return r;
}

void SocketTableModel::mark(Row &r, Highlight highlight, qint64 now)
{
    count(r, -1);
    r.highlight = highlight;
    r.highlightUntilMs = now + m_highlightMs;
    count(r, +1);
    changed(r);
    m_expiring.emplace_back(r.highlightUntilMs, r.id);
    if (!m_expiry.isActive())
        m_expiry.start();
}

void SocketTableModel::refresh(Row &r, const ConnectionHistory &h)
{
    count(r, -1);
    r.record = h.latest;
    r.label = m_session->labelOf(h.id);
    count(r, +1);
    changed(r);
}

void SocketTableModel::relayout(const QSet<quint64> &touched, const QSet<quint64> &gone)
{
    // A row sorts by its pair's first end: when one end comes, changes or goes, the other
    // end's place may change with it.
    QList<Row *> moving;
    QSet<quint64> seen;
    seen.reserve(touched.size() * 2);
    const auto move = [&](quint64 id) {
        if (Row *r = find(id); r && !seen.contains(id)) {
            seen.insert(id);
            moving.append(r);
        }
    };
    for (quint64 id : touched) {
        move(id);
        if (const quint64 peer = m_session->peerOf(id); peer != 0)
            move(peer);
    }
    for (quint64 id : gone) {
        move(id);
        if (const quint64 peer = m_session->peerOf(id); peer != 0)
            move(peer);
    }
    if (moving.isEmpty())
        return;
    Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    // Persistent indexes (the selection, the current row) follow their connection.
    const QModelIndexList before = persistentIndexList();
    QList<std::pair<quint64, int>> held;
    held.reserve(before.size());
    for (const QModelIndex &index : before)
        held.append({m_shown[index.row()]->id, index.column()});

    // Take the moving rows out by position, found while the keys they were placed by still
    // hold. Only the list of pointers is walked: reading every row would cost a cache miss per
    // row of the table. When all of them move (a new sort or filter), the old order may no
    // longer be the one less() describes, and nothing stays anyway.
    const qsizetype movingShown = std::count_if(moving.cbegin(), moving.cend(), [](const Row *r) { return r->shown; });
    if (movingShown == m_shown.size()) {
        m_shown.clear();
    } else {
        QList<int> leaving;
        for (const Row *r : std::as_const(moving)) {
            if (const int at = positionOf(*r); at >= 0)
                leaving.append(at);
        }
        std::sort(leaving.begin(), leaving.end());
        qsizetype to = leaving.isEmpty() ? m_shown.size() : leaving.first();
        for (qsizetype i = 0; i < leaving.size(); ++i) {
            const qsizetype end = i + 1 < leaving.size() ? leaving[i + 1] : m_shown.size();
            for (qsizetype from = leaving[i] + 1; from < end; ++from)
                m_shown[to++] = m_shown[from];
        }
        m_shown.resize(to);
    }
    // The rows that went first: a row whose pair's other end went sorts by its own key now.
    for (Row *&r : moving) {
        r->shown = false;
        if (gone.contains(r->id)) {
            count(*r, -1);
            m_rows.erase(r->id);
            r = nullptr;
        }
    }
    QList<Row *> placed;
    for (Row *r : std::as_const(moving)) {
        if (r && accepts(*r)) {
            updatePairKeys(*r);
            changed(*r); // its pair, and so the bracket joining it, may be new
            placed.append(r);
        }
    }
    const auto before_ = [this](const Row *a, const Row *b) { return less(a, b); };
    std::sort(placed.begin(), placed.end(), before_);
    // Each placed row's spot by binary search (k log n comparisons, not a merge's n), then
    // the rows that stayed are copied across in runs.
    QList<Row *> merged;
    merged.reserve(m_shown.size() + placed.size());
    auto from = m_shown.cbegin();
    for (Row *r : std::as_const(placed)) {
        const auto at = std::upper_bound(from, m_shown.cend(), r, before_);
        std::copy(from, at, std::back_inserter(merged));
        merged.append(r);
        from = at;
    }
    std::copy(from, m_shown.cend(), std::back_inserter(merged));
    m_shown.swap(merged);
    for (Row *r : std::as_const(placed))
        r->shown = true;
    QModelIndexList after;
    after.reserve(held.size());
    for (const auto &[id, column] : std::as_const(held)) {
        const int row = rowOf(id);
        after.append(row >= 0 ? index(row, column) : QModelIndex());
    }
    changePersistentIndexList(before, after);
    Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void SocketTableModel::rebuild()
{
    QSet<quint64> all;
    all.reserve(qsizetype(m_rows.size()));
    for (auto &[id, row] : m_rows)
        all.insert(id);
    relayout(all);
}

void SocketTableModel::sort(int column, Qt::SortOrder order)
{
    m_sortColumn = column >= 0 && column < ColumnCount ? column : -1;
    m_sortOrder = order;
    rebuild();
}

void SocketTableModel::setTextFilter(const QString &text)
{
    m_text = text.trimmed();
    rebuild();
}

void SocketTableModel::setStateFilter(std::optional<TcpState> state)
{
    m_state = state;
    rebuild();
}

void SocketTableModel::setPortFilter(std::optional<quint16> port)
{
    m_port = port;
    rebuild();
}

void SocketTableModel::apply(const TrackerDelta &delta)
{
    const ConnectionStore &store = m_session->connections();
    const qint64 now = nowMs();
    QSet<quint64> touched;
    const auto touch = [&](quint64 id) { touched.insert(id); };

    for (const ConnectionEvent &e : delta.events) {
        Row *row = find(e.id);
        const ConnectionHistory *h = store.history(e.id);
        switch (e.kind) {
        case ConnectionEvent::Kind::Appeared:
            if (!row && h && h->alive) {
                create(*h, Highlight::New, now);
                touch(e.id);
            }
            break;
        case ConnectionEvent::Kind::StateChanged:
            if (row && h) {
                refresh(*row, *h);
                mark(*row, Highlight::Changed, now);
                touch(e.id);
            }
            break;
        case ConnectionEvent::Kind::Vanished:
            if (row) {
                mark(*row, Highlight::Vanishing, now);
                touch(e.id);
            }
            break;
        }
    }
    for (quint64 id : delta.updated) {
        Row *row = find(id);
        const ConnectionHistory *h = store.history(id);
        if (!row || !h)
            continue;
        const bool visible = h->latest.differsVisiblyFrom(row->record);
        refresh(*row, *h);
        if (visible)
            mark(*row, Highlight::Changed, now);
        touch(id);
    }
    // Lab rows can change their role without a new kernel row: accept() takes a queued
    // connection, close() leaves the kernel's entry behind. They are few; look at all of them.
    // A recording's roles are fixed.
    const QList<quint64> labelled = m_session->recording() ? QList<quint64>() : m_labelled.values();
    for (quint64 id : labelled) {
        Row *r = find(id);
        if (!r || touched.contains(id) || r->highlight == Highlight::Vanishing)
            continue;
        const QString label = m_session->labelOf(id);
        if (label != r->label) {
            count(*r, -1);
            r->label = label;
            count(*r, +1);
            changed(*r);
            touch(id);
        }
    }
    // Rows whose time to go came since the last layout change go with this one.
    QSet<quint64> gone;
    gone.swap(m_dueToGo);
    for (quint64 id : std::as_const(gone))
        touched.insert(id);
    relayout(touched, gone);
    m_lastLayoutMs = now;
    if (m_highlightMs <= 0)
        expireHighlights();
}

void SocketTableModel::resync(const QList<quint64> &ids)
{
    const ConnectionStore &store = m_session->connections();
    QSet<quint64> touched;
    QSet<quint64> gone;
    for (quint64 id : ids) {
        const ConnectionHistory *h = store.history(id);
        Row *row = find(id);
        if (!h || !h->alive) {
            if (row) {
                touched.insert(id);
                gone.insert(id);
            }
            continue;
        }
        if (!row) {
            row = &create(*h, Highlight::None, 0);
        } else {
            refresh(*row, *h);
            count(*row, -1);
            row->highlight = Highlight::None;
            count(*row, +1);
            changed(*row);
        }
        touched.insert(id);
    }
    relayout(touched, gone);
}

void SocketTableModel::expireHighlights()
{
    const qint64 now = nowMs();
    while (!m_expiring.empty() && (m_expiring.front().first <= now || m_highlightMs <= 0)) {
        const quint64 id = m_expiring.front().second;
        m_expiring.pop_front();
        Row *r = find(id);
        // Gone already, marked again since (a later entry stands for it), or plain already.
        if (!r || r->highlight == Highlight::None || r->highlightUntilMs > now)
            continue;
        if (r->highlight == Highlight::Vanishing) {
            m_dueToGo.insert(id);
            continue;
        }
        // A mark that ends repaints its row, not the table.
        r->highlight = Highlight::None;
        changed(*r);
        if (const int at = positionOf(*r); at >= 0)
            Q_EMIT dataChanged(index(at, 0), index(at, ColumnCount - 1),
                               {Qt::BackgroundRole, Qt::ForegroundRole, HighlightRole});
    }
    // Rows that left go with the next poll's layout change, or within a second when none
    // comes: removing rows changes the layout, which costs a view a repaint of everything shown.
    if (!m_dueToGo.isEmpty() && (now - m_lastLayoutMs >= 1000 || m_highlightMs <= 0)) {
        QSet<quint64> gone;
        gone.swap(m_dueToGo);
        relayout(gone, gone);
        m_lastLayoutMs = now;
    }
    if (m_expiring.empty() && m_dueToGo.isEmpty())
        m_expiry.stop();
}

void SocketTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_shown.clear();
    m_stateCounts.clear();
    m_networkCounts[0] = m_networkCounts[1] = 0;
    m_labelled.clear();
    m_expiring.clear();
    m_dueToGo.clear();
    m_expiry.stop();
    endResetModel();
}

} // namespace sockscope
