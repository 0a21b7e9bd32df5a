// SPDX-License-Identifier: GPL-3.0-or-later
#include "labnetwork.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSocketNotifier>
#include <QThread>

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sockscope {

namespace {

// What the helper says once, after setting up its network: which step failed, if any.
enum class Stage : qint32 { Ready, UserNamespace, SetGroups, UidMap, GidMap, Loopback };

struct Hello
{
    Stage stage = Stage::Ready;
    qint32 error = 0;       // errno of the failed step
    qint32 hashEntries = 0; // the nested namespace's own hash size, 0 without one
};

struct Request
{
    qint32 domain = 0;
    qint32 type = 0;
    qint32 protocol = 0;
};

struct Reply
{
    qint32 error = 0; // errno, or 0 with the descriptor attached
};

constexpr int helloTimeoutMs = 5000;
constexpr int replyTimeoutMs = 2000;

// ---------------------------------------------------------------------------------------------
// The helper. It runs in a child forked from a process with threads, so until it exits it
// makes only system calls: no allocation, no locks, no Qt.

bool writeText(const char *path, const char *text)
{
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const size_t length = std::strlen(text);
    const bool written = ::write(fd, text, length) == ssize_t(length);
    ::close(fd);
    return written;
}

// "0 <id> 1\n": the namespace's root is the caller's own id, and nobody else exists there.
void mapLine(char *out, unsigned id)
{
    char digits[16];
    int n = 0;
    do {
        digits[n++] = char('0' + id % 10);
        id /= 10;
    } while (id != 0);
    *out++ = '0';
    *out++ = ' ';
    while (n > 0)
        *out++ = digits[--n];
    *out++ = ' ';
    *out++ = '1';
    *out++ = '\n';
    *out = '\0';
}

int readNumber(const char *path)
{
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char text[32] = {};
    const ssize_t n = ::read(fd, text, sizeof text - 1);
    ::close(fd);
    int value = 0;
    for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9'; ++i)
        value = value * 10 + (text[i] - '0');
    return value;
}

bool bringLoopbackUp()
{
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return false;
    ifreq request{};
    std::memcpy(request.ifr_name, "lo", 3);
    bool up = ::ioctl(s, SIOCGIFFLAGS, &request) == 0;
    if (up) {
        request.ifr_flags = short(request.ifr_flags | IFF_UP);
        up = ::ioctl(s, SIOCSIFFLAGS, &request) == 0;
    }
    ::close(s);
    return up;
}

[[noreturn]] void fail(int control, Stage stage, int error)
{
    Hello hello;
    hello.stage = stage;
    hello.error = error;
    ::send(control, &hello, sizeof hello, MSG_NOSIGNAL);
    ::_exit(1);
}

[[noreturn]] void helperMain(int control, uid_t uid, gid_t gid, pid_t parent)
{
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
        ::_exit(0); // the parent is already gone
    // Every descriptor the program had is open here too: a lab socket the program closes
    // would stay open in the helper, and its FIN never be sent. Keep only the control socket.
    if (control != 3) {
        ::dup2(control, 3);
        control = 3;
    }
    if (::syscall(SYS_close_range, 4u, ~0u, 0u) != 0) {
        rlimit limit{};
        const rlim_t last = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 1024;
        for (rlim_t fd = 4; fd < last; ++fd)
            ::close(int(fd));
    }

    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
        fail(control, Stage::UserNamespace, errno);
    // Without setgroups denied an unprivileged user may not map its group; a kernel without
    // the file needs nothing.
    if (!writeText("/proc/self/setgroups", "deny") && errno != ENOENT)
        fail(control, Stage::SetGroups, errno);
    char line[32];
    mapLine(line, uid);
    if (!writeText("/proc/self/uid_map", line))
        fail(control, Stage::UidMap, errno);
    mapLine(line, gid);
    if (!writeText("/proc/self/gid_map", line))
        fail(control, Stage::GidMap, errno);

    Hello hello;
    // A namespace created from here gets a connection hash of its own (Linux 6.1+): dumping
    // the lab's table then walks 1024 buckets, not the host's hundreds of thousands.
    if (writeText("/proc/sys/net/ipv4/tcp_child_ehash_entries", "1024") && ::unshare(CLONE_NEWNET) == 0)
        hello.hashEntries = readNumber("/proc/sys/net/ipv4/tcp_ehash_entries");
    if (!bringLoopbackUp())
        fail(control, Stage::Loopback, errno);
    if (::send(control, &hello, sizeof hello, MSG_NOSIGNAL) != ssize_t(sizeof hello))
        ::_exit(1);

    for (;;) {
        Request request;
        const ssize_t n = ::recv(control, &request, sizeof request, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != ssize_t(sizeof request))
            ::_exit(0); // the program closed its end (or sent nonsense): done
        const int fd = ::socket(request.domain, request.type | SOCK_CLOEXEC, request.protocol);
        Reply reply;
        reply.error = fd < 0 ? errno : 0;
        iovec part{&reply, sizeof reply};
        msghdr message{};
        message.msg_iov = &part;
        message.msg_iovlen = 1;
        alignas(cmsghdr) char room[CMSG_SPACE(sizeof(int))] = {};
        if (fd >= 0) {
            message.msg_control = room;
            message.msg_controllen = sizeof room;
            cmsghdr *header = CMSG_FIRSTHDR(&message);
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_RIGHTS;
            header->cmsg_len = CMSG_LEN(sizeof(int));
            std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
        }
        const ssize_t sent = ::sendmsg(control, &message, MSG_NOSIGNAL);
        if (fd >= 0)
            ::close(fd);
        if (sent < 0)
            ::_exit(0);
    }
}

// ---------------------------------------------------------------------------------------------

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

// Waits for the control socket to become readable (or to report the helper gone).
bool readable(int fd, int timeoutMs)
{
    pollfd p{fd, POLLIN, 0};
    for (;;) {
        const int n = ::poll(&p, 1, timeoutMs);
        if (n < 0 && errno == EINTR)
            continue;
        return n > 0;
    }
}

QString firstLine(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QString();
    return QString::fromLatin1(file.readLine()).trimmed();
}

} // namespace

LabNetwork::LabNetwork(QObject *parent) : QObject(parent) {}

LabNetwork::~LabNetwork()
{
    stop();
}

QString LabNetwork::whyUnavailable()
{
    if (firstLine(QStringLiteral("/proc/sys/user/max_user_namespaces")) == QLatin1String("0"))
        return tr("user namespaces are turned off (user.max_user_namespaces = 0)");
    if (::geteuid() == 0)
        return QString(); // root needs no unprivileged permission
    if (firstLine(QStringLiteral("/proc/sys/kernel/unprivileged_userns_clone")) == QLatin1String("0"))
        return tr("unprivileged user namespaces are turned off (kernel.unprivileged_userns_clone = 0)");
    if (firstLine(QStringLiteral("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")) == QLatin1String("1"))
        return tr("AppArmor keeps unprivileged programs out of user namespaces "
                  "(kernel.apparmor_restrict_unprivileged_userns = 1)");
    return QString();
}

bool LabNetwork::start(QString *error)
{
    if (isRunning())
        return true;
    const auto failed = [this, error](const QString &why) {
        m_error = why;
        if (error)
            *error = why;
        return false;
    };
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        return failed(tr("socketpair() for the lab network's helper: %1").arg(errnoText(errno)));
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        ::close(pair[0]);
        ::close(pair[1]);
        return failed(tr("fork() for the lab network's helper: %1").arg(errnoText(e)));
    }
    if (pid == 0) {
        ::close(pair[0]);
        helperMain(pair[1], uid, gid, parent);
    }
    ::close(pair[1]);
    m_control = pair[0];
    m_pid = pid;

    Hello hello;
    ssize_t n = -1;
    if (readable(m_control, helloTimeoutMs))
        n = ::recv(m_control, &hello, sizeof hello, 0);
    if (n != ssize_t(sizeof hello) || hello.stage != Stage::Ready) {
        QString why;
        switch (n == ssize_t(sizeof hello) ? hello.stage : Stage::Ready) {
        case Stage::UserNamespace: {
            const QString setting = whyUnavailable();
            why = setting.isEmpty() ? tr("a private network needs a user namespace, and the kernel refused one: %1")
                                          .arg(errnoText(hello.error))
                                    : tr("a private network needs a user namespace: %1").arg(setting);
            break;
        }
        case Stage::SetGroups:
        case Stage::UidMap:
        case Stage::GidMap:
            why = tr("the private network's user namespace could not map this user: %1").arg(errnoText(hello.error));
            break;
        case Stage::Loopback:
            why = tr("the private network's loopback could not be brought up: %1").arg(errnoText(hello.error));
            break;
        case Stage::Ready:
            why = n == 0 ? tr("the lab network's helper ended while starting")
                         : tr("the lab network's helper did not answer within %1 s").arg(helloTimeoutMs / 1000);
            break;
        }
        stop();
        return failed(why);
    }
    m_hashEntries = hello.hashEntries;
    m_error.clear();
    // Between requests nothing arrives on the control socket: readable means the helper ended.
    m_watch = new QSocketNotifier(qintptr(m_control), QSocketNotifier::Read, this);
    connect(m_watch, &QSocketNotifier::activated, this, [this] {
        char byte;
        const ssize_t got = ::recv(m_control, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
            helperGone(tr("the lab network's helper (pid %1) ended").arg(m_pid));
    });
    return true;
}

bool LabNetwork::isRunning() const
{
    QMutexLocker locked(&m_requests);
    return m_control >= 0;
}

int LabNetwork::createSocket(int domain, int type, int protocol)
{
    QMutexLocker locked(&m_requests);
    // A failure seen here is reported on this object's thread, where the watch lives.
    const auto gone = [this, &locked](const QString &reason) {
        locked.unlock();
        if (QThread::currentThread() == thread())
            helperGone(reason);
        else
            QMetaObject::invokeMethod(this, [this, reason] { helperGone(reason); }, Qt::QueuedConnection);
    };
    if (m_control < 0) {
        errno = ESRCH;
        return -1;
    }
    Request request;
    request.domain = domain;
    request.type = type;
    request.protocol = protocol;
    if (::send(m_control, &request, sizeof request, MSG_NOSIGNAL) != ssize_t(sizeof request)) {
        gone(tr("the lab network's helper (pid %1) ended").arg(m_pid));
        errno = ESRCH;
        return -1;
    }
    if (!readable(m_control, replyTimeoutMs)) {
        gone(tr("the lab network's helper (pid %1) stopped answering").arg(m_pid));
        errno = ETIMEDOUT;
        return -1;
    }
    Reply reply;
    iovec part{&reply, sizeof reply};
    msghdr message{};
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    alignas(cmsghdr) char room[CMSG_SPACE(sizeof(int))] = {};
    message.msg_control = room;
    message.msg_controllen = sizeof room;
    const ssize_t n = ::recvmsg(m_control, &message, MSG_CMSG_CLOEXEC);
    if (n != ssize_t(sizeof reply)) {
        gone(tr("the lab network's helper (pid %1) ended").arg(m_pid));
        errno = ESRCH;
        return -1;
    }
    if (reply.error != 0) {
        errno = reply.error;
        return -1;
    }
    const cmsghdr *header = CMSG_FIRSTHDR(&message);
    if (!header || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS
        || header->cmsg_len != CMSG_LEN(sizeof(int))) {
        errno = EPROTO;
        return -1;
    }
    int fd;
    std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
    return fd;
}

QString LabNetwork::procNetDirectory() const
{
    return m_pid > 0 ? QStringLiteral("/proc/%1/net").arg(m_pid) : QString();
}

QStringList LabNetwork::ssLauncher() const
{
    return {QStringLiteral("nsenter"), QStringLiteral("-t"), QString::number(m_pid), QStringLiteral("-U"),
            QStringLiteral("-n"), QStringLiteral("--preserve-credentials")};
}

void LabNetwork::helperGone(const QString &reason)
{
    if (!isRunning())
        return;
    stop();
    m_error = reason;
    Q_EMIT died(reason);
}

void LabNetwork::stop()
{
    delete m_watch;
    m_watch = nullptr;
    QMutexLocker locked(&m_requests);
    if (m_control >= 0) {
        ::close(m_control); // the helper reads end-of-file and exits
        m_control = -1;
    }
    if (m_pid > 0) {
        QElapsedTimer waited;
        waited.start();
        int status = 0;
        while (::waitpid(pid_t(m_pid), &status, WNOHANG) == 0) {
            if (waited.elapsed() > 500) {
                ::kill(pid_t(m_pid), SIGKILL);
                ::waitpid(pid_t(m_pid), &status, 0);
                break;
            }
            ::usleep(1000);
        }
        m_pid = -1;
    }
}

} // namespace sockscope
