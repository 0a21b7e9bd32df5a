// SPDX-License-Identifier: GPL-3.0-or-later
#include "sockettable.h"

#include <algorithm>

namespace sockscope {

QList<SocketRecord> SocketTable::sorted(QList<SocketRecord> records)
{
    std::stable_sort(records.begin(), records.end(), [](const SocketRecord &a, const SocketRecord &b) {
        return std::tie(a.local.port, a.family, a.local.address, a.remote.address, a.remote.port)
            < std::tie(b.local.port, b.family, b.local.address, b.remote.address, b.remote.port);
    });
    return records;
}

QString SocketTable::timerText(const SocketRecord &record)
{
    if (record.timer == TimerKind::None)
        return QString();
    return timerName(record.timer) + QLatin1Char(' ')
        + QString::number(double(record.timerRemainingMs) / 1000.0, 'f', 2) + QLatin1Char('s');
}

QString SocketTable::localText(const SocketRecord &record)
{
    if (!record.familyInferred)
        return record.local.toString();
    return record.local.toString() + QStringLiteral(" (inferred from *)");
}

QString SocketTable::alignColumns(const QList<QStringList> &rows, const QList<bool> &rightAligned)
{
    QList<qsizetype> widths;
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i) {
            if (widths.size() <= i)
                widths.append(0);
            widths[i] = qMax(widths[i], row[i].size());
        }
    }
    QString out;
    for (const QStringList &row : rows) {
        QString line;
        for (qsizetype i = 0; i < row.size(); ++i) {
            if (i > 0)
                line += QStringLiteral("  ");
            const bool right = i < rightAligned.size() && rightAligned[i];
            line += right ? row[i].rightJustified(widths[i]) : row[i].leftJustified(widths[i]);
        }
        while (line.endsWith(QLatin1Char(' ')))
            line.chop(1);
        out += line + QLatin1Char('\n');
    }
    return out;
}

QString SocketTable::csv(const QList<SocketRecord> &records)
{
    const auto field = [](const QString &text) -> QString {
        if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n')))
            return text;
        QString quoted = text;
        quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        return QLatin1Char('"') + quoted + QLatin1Char('"');
    };
    QString out = QStringLiteral("family,local_address,local_port,remote_address,remote_port,state,tx_queue,rx_queue,"
                                 "timer,timer_remaining_ms,retransmits,inode,uid,process\n");
    for (const SocketRecord &r : records) {
        const QStringList row{familyName(r.family),
                              field(r.local.addressText()),
                              QString::number(r.local.port),
                              field(r.remote.addressText()),
                              QString::number(r.remote.port),
                              kernelName(r.state),
                              QString::number(r.txQueue),
                              QString::number(r.rxQueue),
                              timerName(r.timer),
                              QString::number(r.timerRemainingMs),
                              QString::number(r.retransmits),
                              r.inode ? QString::number(*r.inode) : QString(),
                              r.uid ? QString::number(*r.uid) : QString(),
                              field(r.ownerText())};
        out += row.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    return out;
}

QString SocketTable::format(const QList<SocketRecord> &records, Style style)
{
    QList<QStringList> rows;
    rows.reserve(records.size() + 1);
    if (style == Style::SsTan) {
        rows.append({QStringLiteral("State"), QStringLiteral("Recv-Q"), QStringLiteral("Send-Q"),
                     QStringLiteral("Local Address:Port"), QStringLiteral("Peer Address:Port")});
        for (const SocketRecord &r : records) {
            const quint32 sendQ = r.isListener() ? r.listenBacklog.value_or(r.txQueue) : r.txQueue;
            rows.append({ssName(r.state), QString::number(r.rxQueue), QString::number(sendQ),
                         r.local.toString(), r.remote.toString()});
        }
        return alignColumns(rows, {false, true, true, false, false});
    }

    rows.append({QStringLiteral("State"), QStringLiteral("Recv-Q"), QStringLiteral("Send-Q"),
                 QStringLiteral("Local Address:Port"), QStringLiteral("Peer Address:Port"),
                 QStringLiteral("Timer"), QStringLiteral("Retrans"), QStringLiteral("Inode"),
                 QStringLiteral("UID"), QStringLiteral("Process")});
    const QString unknown = QStringLiteral("?");
    for (const SocketRecord &r : records) {
        const QString timer = timerText(r);
        rows.append({kernelName(r.state), QString::number(r.rxQueue), QString::number(r.txQueue),
                     localText(r), r.remote.toString(),
                     timer.isEmpty() ? QStringLiteral("-") : timer, QString::number(r.retransmits),
                     r.inode ? QString::number(*r.inode) : unknown,
                     r.uid ? QString::number(*r.uid) : unknown,
                     r.ownerText().isEmpty() ? QStringLiteral("-") : r.ownerText()});
    }
    return alignColumns(rows, {false, true, true, false, false, false, true, true, true, false});
}

} // namespace sockscope
