// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "endpoint.h"
#include "core/tcp/tcpstate.h"

#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>

#include <optional>

namespace sockscope {

// The kernel's timer kinds, numbered as the `tr` column of /proc/net/tcp.
enum class TimerKind : quint8 {
    None = 0,
    Retransmit = 1, // also the SYN-ACK timer of a request socket; ss: "on"
    Keepalive = 2,
    TimeWait = 3,
    ZeroWindowProbe = 4, // ss: "persist"
};

QString timerName(TimerKind kind); // "off", "retransmit", "keepalive", "timewait", "probe"
std::optional<TimerKind> parseTimerName(QStringView text); // also accepts ss's "on", "persist"

// Which kernel table a row came from: this machine's own network namespace, or the lab's
// private one (LabNetwork), whose loopback only the lab's sockets use. The same 4-tuple can
// exist in both at once.
enum class Network : quint8 {
    Host = 0,
    Private = 1,
};

QString networkName(Network network); // "host", "private"
std::optional<Network> parseNetworkName(QStringView name);

// A process holding a socket: one of its /proc/<pid>/fd links reads "socket:[inode]".
struct SocketOwner
{
    qint32 pid = 0;
    QString program; // /proc/<pid>/comm, as ss -p shows it

    friend bool operator==(const SocketOwner &a, const SocketOwner &b)
    {
        return a.pid == b.pid && a.program == b.program;
    }
    friend bool operator!=(const SocketOwner &a, const SocketOwner &b) { return !(a == b); }
};

// What is known about which process holds a socket.
enum class OwnerStatus : quint8 {
    NotLooked,  // nobody looked: a saved dump, or attribution is off
    Process,    // `owners` hold it now
    Carried,    // the kernel dropped the inode (TIME_WAIT, orphaned after close()); `owners` held
                // it when it last had one: inferred, not read now
    Hidden,     // held by a process this user may not look into: unknown
    NotFound,   // it has a file, but no process this system shows holds it: one in another PID
                // namespace, a descriptor in flight, or one closed since the poll: unknown
    KernelOnly, // no file (inode 0) and no owner seen before: in the accept queue, a request
                // socket, or TIME_WAIT first seen as such
};

QString ownerStatusName(OwnerStatus status); // "not_looked", "process", "carried", "unknown", "not_found", "kernel"
std::optional<OwnerStatus> parseOwnerStatus(QStringView name);

// One row of the kernel's TCP table as a source reported it. Fields a source does not
// provide stay unset (std::nullopt) rather than pretending to be zero.
struct SocketRecord
{
    Network network = Network::Host;
    AddressFamily family = AddressFamily::IPv4;
    // The text did not say the family: a saved ss dump printed the local address as "*", which
    // meant 0.0.0.0 before iproute2 4.14 and a dual-stack IPv6 socket since; `family` is the
    // reading the rest of the file supported.
    bool familyInferred = false;
    Endpoint local;
    Endpoint remote;
    TcpState state = TcpState::Close;

    // For LISTEN rows rxQueue is the accept queue's current length (connections the kernel has
    // completed and accept() has not yet taken).
    quint32 txQueue = 0;
    quint32 rxQueue = 0;
    std::optional<quint32> listenBacklog; // LISTEN rows in ss: the backlog limit (Send-Q)

    TimerKind timer = TimerKind::None;
    qint64 timerRemainingMs = 0;
    quint32 retransmits = 0; // unrecovered retransmissions of the current segment or SYN-ACK
    quint32 probes = 0;      // unanswered zero-window or keepalive probes

    std::optional<quint32> uid;
    std::optional<quint64> inode; // 0 is a real value: no file (accept queue, TIME_WAIT, ...)
    std::optional<quint64> cookie; // the kernel's socket cookie (ss "sk:")

    std::optional<quint32> rtoMs;
    std::optional<quint32> atoMs;
    std::optional<quint32> cwnd;
    std::optional<qint32> ssthresh; // -1 while in initial slow start
    std::optional<quint32> rttUs;
    std::optional<quint32> rttVarUs;

    OwnerStatus ownerStatus = OwnerStatus::NotLooked;
    QList<SocketOwner> owners; // by pid; several after fork() or descriptor passing

    // "nginx (pid 812)", "python3 (pid 4, 5)", "was nginx (pid 812)", "unknown", "kernel", or
    // empty when nobody looked: for tables.
    QString ownerText() const;
    // One sentence on where ownerText() comes from, for tooltips.
    QString ownerExplanation() const;

    // Everything else a source reports, by its own name (ss -i tcp_info fields, "shutdown",
    // "users", ...). Flags without a value map to an empty string.
    QMap<QString, QString> details;

    bool isListener() const { return state == TcpState::Listen; }

    // A change worth pointing at: state, queues, inode, retransmits, uid, owners or timer kind;
    // not a timer counting down or round-trip estimates moving.
    bool differsVisiblyFrom(const SocketRecord &other) const;

    friend bool operator==(const SocketRecord &a, const SocketRecord &b);
    friend bool operator!=(const SocketRecord &a, const SocketRecord &b) { return !(a == b); }
};

// Identity of a connection over time: family and 4-tuple. The inode is not part of it,
// because the kernel changes it while the connection lives (0 in the accept queue, real after
// accept(), 0 again in TIME_WAIT). Sockets without a peer (listeners, bound sockets) can share
// a local address through SO_REUSEPORT, so for them the inode tells them apart.
struct ConnectionKey
{
    AddressFamily family = AddressFamily::IPv4;
    Endpoint local;
    Endpoint remote;
    quint64 unconnectedInode = 0;
    Network network = Network::Host; // the same 4-tuple in the lab's private network is another

    static ConnectionKey of(const SocketRecord &record);

    // "ipv4 127.0.0.1:8000 127.0.0.1:53422", "private ipv4 127.0.0.1:8000 127.0.0.1:53422"
    QString toString() const;

    friend bool operator==(const ConnectionKey &a, const ConnectionKey &b)
    {
        return a.network == b.network && a.family == b.family && a.local == b.local && a.remote == b.remote
            && a.unconnectedInode == b.unconnectedInode;
    }
    friend bool operator!=(const ConnectionKey &a, const ConnectionKey &b) { return !(a == b); }
    friend bool operator<(const ConnectionKey &a, const ConnectionKey &b)
    {
        return std::tie(a.network, a.family, a.local, a.remote, a.unconnectedInode)
            < std::tie(b.network, b.family, b.local, b.remote, b.unconnectedInode);
    }
    friend size_t qHash(const ConnectionKey &k, size_t seed = 0) noexcept
    {
        return qHashMulti(seed, static_cast<int>(k.family) | static_cast<int>(k.network) << 8, k.local, k.remote,
                          k.unconnectedInode);
    }
};

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::SocketRecord)
Q_DECLARE_METATYPE(sockscope::ConnectionKey)
