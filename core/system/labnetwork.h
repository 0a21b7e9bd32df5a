// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMutex>
#include <QObject>
#include <QString>

class QSocketNotifier;

namespace sockscope {

// The lab's private network: a loopback of its own, where port 8000 is always free, every
// segment can be captured without root and the host's thousands of sockets are not in the way.
//
// A socket belongs for life to the network namespace it was created in, so the program itself
// never enters one (a process with threads cannot): a small helper, forked from the calling
// thread, enters a new user and network namespace, brings `lo` up and, on request, creates
// sockets there and hands them back over a socket pair (SCM_RIGHTS). Everything else (bind,
// connect, accept, the sock_diag dump, capture) is ordinary calls on those descriptors.
// When the kernel allows it, the helper moves once more into a nested namespace with its own
// small connection hash table, so that dumping the lab's table does not walk the host's.
//
// The helper dies with the thread that started it (PR_SET_PDEATHSIG) and with this object;
// if it dies first, died() says so and every later request fails at once.
class LabNetwork : public QObject
{
    Q_OBJECT

public:
    explicit LabNetwork(QObject *parent = nullptr);
    ~LabNetwork() override;

    // Starts the helper; false with a one-line reason (for example, unprivileged user
    // namespaces are disabled, and by which setting) when the private network cannot exist.
    bool start(QString *error = nullptr);
    bool isRunning() const;

    // A new socket in the private network, or -1 with errno set (ESRCH once the helper is
    // gone). The caller owns the descriptor; it is close-on-exec. Any thread may ask (a
    // poller makes its sock_diag socket on its own thread).
    int createSocket(int domain, int type, int protocol);

    qint64 helperPid() const { return m_pid; }
    // The private network's tables as text, as /proc/net/tcp and tcp6 show the host's.
    QString procNetDirectory() const;
    // What runs a program inside the private network (ss, for one): nsenter into the helper's
    // namespaces, keeping this user's credentials.
    QStringList ssLauncher() const;
    // The nested namespace's connection hash size, 0 where it shares the host's.
    int ownHashEntries() const { return m_hashEntries; }
    // Why the last request or the helper failed, for the status line.
    QString lastError() const { return m_error; }

    // Whether this machine lets an ordinary user create the private network, and why not:
    // a quick look at the settings that forbid it, without starting anything.
    static QString whyUnavailable();

Q_SIGNALS:
    // The helper ended before this object did: every socket made since still works (they
    // live as long as their descriptors), but no new one can be made.
    void died(const QString &reason);

private:
    void stop();
    void helperGone(const QString &reason);

    mutable QMutex m_requests; // one request and its answer at a time, and stop() between them
    int m_control = -1;
    qint64 m_pid = -1;
    int m_hashEntries = 0;
    QString m_error;
    QSocketNotifier *m_watch = nullptr;
};

} // namespace sockscope
