// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectionhistory.h"

namespace sockscope {

namespace {

// A sample taken while the state stayed what the previous sample showed; the others (the first,
// and one at each state change) are never thinned.
bool isRowSample(const QList<RecordSample> &samples, qsizetype i)
{
    return i > 0 && samples[i].record.state == samples[i - 1].record.state;
}

} // namespace

void ConnectionHistory::addSample(qint64 steadyNs, qint64 wallTimeMs, const SocketRecord &record)
{
    samples.append({steadyNs, wallTimeMs, record});
    samples.last().record.details.clear();
    thinRowSamples(HistoryLimits::maxRowSamples);
}

void ConnectionHistory::thinRowSamples(int keep)
{
    qsizetype rowSamples = 0;
    for (qsizetype i = 1; i < samples.size(); ++i)
        rowSamples += isRowSample(samples, i) ? 1 : 0;
    while (rowSamples > keep) {
        // Drop the row sample whose neighbours are closest together: what remains stays evenly
        // spread over the connection's life. The newest is never dropped.
        qsizetype drop = -1;
        qint64 narrowest = 0;
        for (qsizetype i = 1; i + 1 < samples.size(); ++i) {
            if (!isRowSample(samples, i))
                continue;
            const qint64 gap = samples[i + 1].steadyNs - samples[i - 1].steadyNs;
            if (drop < 0 || gap < narrowest) {
                drop = i;
                narrowest = gap;
            }
        }
        if (drop < 0)
            break;
        samples.removeAt(drop);
        --rowSamples;
    }
}

void ConnectionHistory::compactClosed()
{
    thinRowSamples(HistoryLimits::maxClosedRowSamples);
    spans.squeeze();
    samples.squeeze();
    inodes.squeeze();
}

void ConnectionHistory::addSpan(const StateSpan &span)
{
    spans.append(span);
    while (spans.size() > HistoryLimits::maxSpans) {
        // The first state stays (how the connection was first seen); the next ones go with the
        // rows recorded in them, and so does a state that would repeat its predecessor.
        const qint64 from = spans[1].firstSeenNs;
        const qint64 to = spans[2].firstSeenNs;
        samples.removeIf([from, to](const RecordSample &s) { return s.steadyNs >= from && s.steadyNs < to; });
        spans.removeAt(1);
        ++droppedSpans;
        if (spans.size() > 2 && spans[1].state == spans[0].state) {
            const qint64 next = spans[2].firstSeenNs;
            const qint64 start = spans[1].firstSeenNs;
            samples.removeIf([start, next](const RecordSample &s) { return s.steadyNs >= start && s.steadyNs < next; });
            spans.removeAt(1);
            ++droppedSpans;
        }
    }
}

qsizetype ConnectionHistory::approximateBytes() const
{
    const auto recordHeap = [](const SocketRecord &r) {
        qsizetype bytes = r.owners.capacity() * qsizetype(sizeof(SocketOwner));
        for (const SocketOwner &o : r.owners)
            bytes += o.program.capacity() * 2;
        for (auto it = r.details.cbegin(); it != r.details.cend(); ++it)
            bytes += 48 + (it.key().capacity() + it.value().capacity()) * 2; // a map node and its strings
        bytes += (r.local.scope.capacity() + r.remote.scope.capacity()) * 2;
        return bytes;
    };
    qsizetype bytes = qsizetype(sizeof(ConnectionHistory)) + recordHeap(latest);
    bytes += spans.capacity() * qsizetype(sizeof(StateSpan));
    bytes += inodes.capacity() * qsizetype(sizeof(quint64));
    bytes += samples.capacity() * qsizetype(sizeof(RecordSample));
    for (const RecordSample &s : samples)
        bytes += recordHeap(s.record);
    return bytes;
}

} // namespace sockscope
