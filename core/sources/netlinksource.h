// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "socketsource.h"

#include <QByteArray>

#include <functional>

namespace sockscope {

// Asks the kernel directly, the way ss does: a NETLINK_SOCK_DIAG dump per address family,
// filtered in the kernel by state and port. It alone also shows sockets that are bound but
// neither listen nor connect (state CLOSE), on kernels that report them (6.8 and later).
class NetlinkSource final : public SocketSource
{
public:
    NetlinkSource();
    // Dumps the table of the network namespace `openSocket` makes its NETLINK_SOCK_DIAG
    // socket in (LabNetwork::createSocket: the lab's private network). Called on the thread
    // that polls, again after an error; -1 with errno set when it cannot.
    explicit NetlinkSource(std::function<int()> openSocket);
    ~NetlinkSource() override;

    QString name() const override { return QStringLiteral("netlink"); }
    Snapshot take(const SocketFilter &filter) override;

    // Whether this machine answers a sock_diag dump (some containers do not).
    static bool isAvailable(QString *error = nullptr);

    // The dump alone, without parsing: for benchmarks. Returns the bytes received.
    qint64 dumpBytes(const SocketFilter &filter, QString *error);

private:
    bool ensureSocket(QString &error);
    QString dump(int family, const SocketFilter &filter, QList<SocketRecord> *records, qint64 *bytes);
    // One socket's row with tcp_info, asked by its 4-tuple; false when it is gone.
    bool queryOne(const ConnectionKey &key, SocketRecord &out);
    Snapshot finish(const SocketFilter &filter, Snapshot &snapshot); // the filters the kernel could not apply
    void addTcpInfo(const SocketFilter &filter, QList<SocketRecord> &records);

    std::function<int()> m_openSocket; // empty: this process's own network
    int m_fd = -1;
    bool m_bothAtOnce = true; // the kernel answers TCPDIAG_GETSOCK: both families in one dump
    quint32 m_sequence = 0;
    qsizetype m_lastRows = 0; // the last dump's size: the next one is sized for it up front
    QByteArray m_buffer;
};

} // namespace sockscope
