// SPDX-License-Identifier: GPL-3.0-or-later
#include "labnetworksource.h"

namespace sockscope {

LabNetworkSource::LabNetworkSource(std::unique_ptr<SocketSource> lab, std::unique_ptr<SocketSource> host)
    : m_lab(std::move(lab)), m_host(std::move(host))
{
}

Snapshot LabNetworkSource::take(const SocketFilter &filter)
{
    // The private network whole (only the lab lives there), with tcp_info for the lab's keys
    // as the inner source knows them: without the network tag, which it does not set.
    SocketFilter labFilter = filter;
    labFilter.port.reset();
    labFilter.ports.clear();
    labFilter.tcpInfoFor.clear();
    SocketFilter hostFilter = filter;
    hostFilter.tcpInfoFor.clear();
    hostFilter.boundInactive = true;
    for (ConnectionKey key : filter.tcpInfoFor) {
        const bool isPrivate = key.network == Network::Private;
        key.network = Network::Host;
        (isPrivate ? labFilter : hostFilter).tcpInfoFor.append(key);
    }

    Snapshot snapshot = m_lab->take(labFilter);
    if (!snapshot.ok()) {
        snapshot.error = QStringLiteral("the lab's private network: ") + snapshot.error;
        return snapshot;
    }
    for (SocketRecord &r : snapshot.records)
        r.network = Network::Private;
    for (QString &note : snapshot.notes)
        note = QStringLiteral("the lab's private network: ") + note;
    if (!m_host || !filter.hostTable)
        return snapshot;

    Snapshot host = m_host->take(hostFilter);
    if (!host.ok()) {
        snapshot.records.clear();
        snapshot.error = QStringLiteral("this machine's network: ") + host.error;
        return snapshot;
    }
    snapshot.records.reserve(snapshot.records.size() + host.records.size());
    snapshot.records.append(host.records);
    snapshot.issues.append(host.issues);
    snapshot.notes.append(host.notes);
    return snapshot;
}

} // namespace sockscope
