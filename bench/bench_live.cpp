// SPDX-License-Identifier: GPL-3.0-or-later
// The real window watching every TCP socket of a machine that holds N loopback sockets, side
// by side in one run with what the kernel's answer alone costs (issue 11, DESIGN.md's
// "Performance targets"). It prints measurements and ratios, never pass or fail.
//
// For each N (default 20,000 sockets = 10,000 connections) and each poll interval (default
// 1000 and 100 ms):
//   - the baseline: the CPU time of this thread for one bare NETLINK_SOCK_DIAG dump of the
//     AF_INET TCP table (all states, no extensions, read and thrown away), averaged over
//     --dumps dumps; the same for AF_INET6, and for reference AF_INET with INET_DIAG_INFO and
//     NetlinkSource::take();
//   - a sockscope::MainWindow on the offscreen platform (source netlink, no port filter: every
//     socket), for --seconds after a warm-up: polls completed, the whole process's CPU per
//     poll (RUSAGE_SELF) and the window's thread's CPU per poll (RUSAGE_THREAD); then for
//     --seconds more a 16 ms timer on the window's thread whose late ticks and longest gap
//     stand for dropped frames (measured apart: the timer's own wake-ups cost a few ms a
//     second, as much as the target for a whole poll).
// Before the load, the window idles at 500 ms with a handful of sockets on the machine: % of
// one core.
//
// The sockets live in child processes forked before any Qt object or thread exists, so that
// this process's CPU is sockscope's alone: pairs of a server (4 listeners on 127.0.0.1, holding
// the accepted ends) and a client (the connecting ends), at most 14,000 connections a pair
// (the descriptor limit here is 20,000 a process). While measuring, the clients abort (RST, so
// nothing waits in TIME_WAIT) and reopen --churn % of the rows per second: at 20,000 sockets
// and 1 %, 50 connections closed and 50 opened a second, 200 rows changing. The children die
// with this process (PR_SET_PDEATHSIG) and reset their sockets on the way; the run is bounded
// by an alarm.
//
//   build-bench/bench/sockscope_bench_live [--sockets 20000[,60000]] [--seconds 10]
//       [--intervals 1000,100] [--churn 1] [--dumps 20] [--slack-ms 4] [--warmup 2]
//       [--idle | --no-idle] [--idle-seconds 10]
#include "core/sources/netlinksource.h"
#include "core/sources/poller.h"
#include "ui/mainwindow/mainwindow.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QStandardPaths>
#include <QTimer>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace sockscope;

namespace {

constexpr int listenersPerServer = 4;
constexpr int maxConnectionsPerPair = 14000; // 14,000 descriptors a child, under 20,000
constexpr int idleConnections = 3;
constexpr int frameMs = 16;

// ---------------------------------------------------------------------------------------------
// Options

struct Options
{
    std::vector<int> sockets{20000};
    double seconds = 10;
    std::vector<int> intervals{1000, 100};
    double churnPercent = 1;
    int dumps = 20;
    double slackMs = 4;
    double warmupSeconds = 2;
    bool idle = true;
    bool load = true;
    double idleSeconds = 10;
};

[[noreturn]] void usage(const char *problem)
{
    std::fprintf(stderr,
                 "%s%s"
                 "usage: sockscope_bench_live [--sockets 20000[,60000]] [--seconds 10] [--intervals 1000,100]\n"
                 "                            [--churn PERCENT] [--dumps 20] [--slack-ms 4] [--warmup 2]\n"
                 "                            [--idle | --no-idle] [--idle-seconds 10]\n"
                 "  --sockets       loopback sockets on the machine while the window watches (2 per connection)\n"
                 "  --seconds       how long the window is measured at each interval\n"
                 "  --intervals     the window's poll intervals, ms\n"
                 "  --churn         %% of the rows changing per second (connections reset and reopened)\n"
                 "  --dumps         bare netlink dumps averaged for the baseline\n"
                 "  --slack-ms      a frame tick later than 16 ms + this counts as late\n"
                 "  --idle          only the idle measurement; --no-idle: skip it\n",
                 problem ? "sockscope_bench_live: " : "", problem ? (std::string(problem) + "\n").c_str() : "");
    std::exit(problem ? 2 : 0);
}

double number(const char *text, double min, double max, const char *option)
{
    char *end = nullptr;
    errno = 0;
    const double value = std::strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(value >= min && value <= max)) {
        static char problem[200];
        std::snprintf(problem, sizeof problem, "%s needs a number from %g to %g, not '%s'", option, min, max, text);
        usage(problem);
    }
    return value;
}

std::vector<int> numbers(const char *text, int min, int max, const char *option)
{
    std::vector<int> values;
    std::string all(text);
    for (size_t at = 0; at <= all.size();) {
        const size_t comma = std::min(all.find(',', at), all.size());
        values.push_back(int(number(all.substr(at, comma - at).c_str(), min, max, option)));
        at = comma + 1;
    }
    return values;
}

Options parse(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> const char * {
            if (i + 1 >= argc)
                usage((arg + " needs a value").c_str());
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h")
            usage(nullptr);
        else if (arg == "--sockets")
            o.sockets = numbers(value(), 2, 200000, "--sockets");
        else if (arg == "--seconds")
            o.seconds = number(value(), 1, 600, "--seconds");
        else if (arg == "--intervals")
            o.intervals = numbers(value(), 50, 10000, "--intervals");
        else if (arg == "--churn")
            o.churnPercent = number(value(), 0, 50, "--churn");
        else if (arg == "--dumps")
            o.dumps = int(number(value(), 1, 1000, "--dumps"));
        else if (arg == "--slack-ms")
            o.slackMs = number(value(), 0, 1000, "--slack-ms");
        else if (arg == "--warmup")
            o.warmupSeconds = number(value(), 0, 120, "--warmup");
        else if (arg == "--idle-seconds")
            o.idleSeconds = number(value(), 1, 600, "--idle-seconds");
        else if (arg == "--idle")
            o.load = false;
        else if (arg == "--no-idle")
            o.idle = false;
        else
            usage(("unknown option '" + arg + "'").c_str());
    }
    if (!o.idle && !o.load)
        usage("--idle and --no-idle leave nothing to measure");
    std::sort(o.sockets.begin(), o.sockets.end());
    return o;
}

// ---------------------------------------------------------------------------------------------
// Time and CPU

double nowMs()
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double threadCpuMs()
{
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

// user + system time of RUSAGE_SELF (every thread of this process) or RUSAGE_THREAD (the caller)
double cpuMs(int who)
{
    rusage u{};
    ::getrusage(who, &u);
    const auto ms = [](const timeval &t) { return double(t.tv_sec) * 1e3 + double(t.tv_usec) / 1e3; };
    return ms(u.ru_utime) + ms(u.ru_stime);
}

double residentMiB()
{
    long pages = 0, resident = 0;
    if (FILE *f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        std::fclose(f);
    }
    return double(resident) * double(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double loadAverage()
{
    double load = -1;
    if (FILE *f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &load) != 1)
            load = -1;
        std::fclose(f);
    }
    return load;
}

// ---------------------------------------------------------------------------------------------
// The children: plain POSIX, forked before any Qt object or thread exists.

__attribute__((format(printf, 2, 3))) void say(int fd, const char *format, ...)
{
    char line[512];
    va_list args;
    va_start(args, format);
    const int n = std::vsnprintf(line, sizeof line, format, args);
    va_end(args);
    (void)!::write(fd, line, size_t(std::clamp(n, 0, int(sizeof line) - 1)));
}

void abortClose(int fd)
{
    const linger reset{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ::close(fd);
}

// The descriptors a child holds, by number, for the signal handler that resets them when the
// parent dies: allocated once, never moved.
unsigned char *g_held = nullptr;
int g_heldSize = 0;

void hold(int fd)
{
    if (fd >= 0 && fd < g_heldSize)
        g_held[fd] = 1;
}

void release(int fd)
{
    if (fd >= 0 && fd < g_heldSize)
        g_held[fd] = 0;
    abortClose(fd);
}

[[noreturn]] void resetAllAndExit(int status)
{
    for (int fd = 0; fd < g_heldSize; ++fd) {
        if (g_held[fd])
            abortClose(fd);
    }
    ::_exit(status);
}

void onParentGone(int)
{
    resetAllAndExit(0);
}

// Lines from a pipe.
struct LineReader
{
    std::string buffer;
    // false at the end of the pipe
    bool fill(int fd)
    {
        char chunk[256];
        for (;;) {
            const ssize_t n = ::read(fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return false;
            buffer.append(chunk, size_t(n));
            return true;
        }
    }
    bool next(std::string &line)
    {
        const size_t end = buffer.find('\n');
        if (end == std::string::npos)
            return false;
        line = buffer.substr(0, end);
        buffer.erase(0, end + 1);
        return true;
    }
};

void becomeChild(pid_t parent, int command, int status)
{
    // SIGTERM rather than SIGKILL: the handler resets the sockets, or they would close with FIN
    // and leave thousands of TIME_WAIT rows for the next run to see.
    ::signal(SIGTERM, onParentGone);
    ::signal(SIGINT, SIG_IGN); // Ctrl+C ends the parent, whose death ends this
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGALRM, SIG_DFL);
    ::alarm(0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent)
        ::_exit(1);
    // Only the parent may hold the other children's pipes, or their end would go unnoticed.
    const int top = int(::sysconf(_SC_OPEN_MAX));
    for (int fd = 3; fd < top; ++fd) {
        if (fd != command && fd != status)
            ::close(fd);
    }
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    g_heldSize = int(std::min<rlim_t>(limit.rlim_max, 1 << 20));
    g_held = static_cast<unsigned char *>(std::calloc(size_t(g_heldSize), 1));
}

int listenOnLoopback()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(fd, 4096) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// A server: four listeners; accepts every connection and holds it until the client resets it.
//   -> "ports P1 P2 P3 P4"       once listening
//   <- "count N"  -> "ok M"      once it holds M >= N connections
[[noreturn]] void serverChild(int command, int status)
{
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    std::vector<int> listeners;
    std::string ports;
    for (int i = 0; i < listenersPerServer; ++i) {
        const int fd = listenOnLoopback();
        if (fd < 0) {
            say(status, "error listen on 127.0.0.1: %s\n", std::strerror(errno));
            ::_exit(1);
        }
        hold(fd);
        sockaddr_in a{};
        socklen_t length = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &length);
        ports += ' ' + std::to_string(ntohs(a.sin_port));
        listeners.push_back(fd);
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.fd = fd;
        ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &e);
    }
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = command;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, command, &e);
    say(status, "ports%s\n", ports.c_str());

    LineReader reader;
    long held = 0;
    long wanted = -1;
    epoll_event events[512];
    for (;;) {
        const int n = ::epoll_wait(epoll, events, 512, -1);
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == command) {
                if (!reader.fill(command))
                    resetAllAndExit(0);
                std::string line;
                while (reader.next(line)) {
                    if (line.rfind("count ", 0) == 0)
                        wanted = std::atol(line.c_str() + 6);
                }
            } else if (std::find(listeners.begin(), listeners.end(), fd) != listeners.end()) {
                for (;;) {
                    const int accepted = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
                    if (accepted < 0)
                        break;
                    hold(accepted);
                    ++held;
                    epoll_event a{};
                    a.events = EPOLLRDHUP; // and EPOLLERR | EPOLLHUP, always: the client's reset
                    a.data.fd = accepted;
                    ::epoll_ctl(epoll, EPOLL_CTL_ADD, accepted, &a);
                }
            } else {
                release(fd); // reset by the client (closing also leaves the epoll set)
                --held;
            }
        }
        if (wanted >= 0 && held >= wanted) {
            say(status, "ok %ld\n", held);
            wanted = -1;
        }
    }
}

// A client: connections to its server's listeners, opened and reset on command.
//   <- "open N"   -> "ok N" | "error ..."   holds exactly N connections
//   <- "churn R"  -> "ok"                   resets and reopens R connections a second (oldest first)
//   <- "stats"    -> "stats RESET OPENED"
[[noreturn]] void clientChild(int command, int status, const std::vector<quint16> &ports)
{
    std::deque<int> held;
    size_t nextPort = 0;
    long long resets = 0, opened = 0;
    std::string failure;
    const auto openOne = [&]() -> bool {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            failure = std::string("socket: ") + std::strerror(errno);
            return false;
        }
        hold(fd);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        to.sin_port = htons(ports[nextPort++ % ports.size()]);
        if (::connect(fd, reinterpret_cast<sockaddr *>(&to), sizeof to) != 0) {
            failure = "connect to 127.0.0.1:" + std::to_string(ntohs(to.sin_port)) + ": " + std::strerror(errno);
            release(fd);
            return false;
        }
        held.push_back(fd);
        ++opened;
        return true;
    };
    const auto resetOne = [&] {
        release(held.front());
        held.pop_front();
        ++resets;
    };

    LineReader reader;
    double rate = 0; // connections a second
    double due = 0;
    double last = nowMs();
    for (;;) {
        pollfd p{command, POLLIN, 0};
        const int ready = ::poll(&p, 1, rate > 0 ? 20 : -1);
        if (ready > 0) {
            if (!reader.fill(command))
                resetAllAndExit(0);
            std::string line;
            while (reader.next(line)) {
                if (line.rfind("open ", 0) == 0) {
                    const size_t want = size_t(std::atol(line.c_str() + 5));
                    while (held.size() > want)
                        resetOne();
                    bool ok = true;
                    while (ok && held.size() < want)
                        ok = openOne();
                    if (ok)
                        say(status, "ok %zu\n", held.size());
                    else
                        say(status, "error %s (after %zu connections)\n", failure.c_str(), held.size());
                } else if (line.rfind("churn ", 0) == 0) {
                    rate = std::atof(line.c_str() + 6);
                    due = 0;
                    last = nowMs();
                    say(status, "ok\n");
                } else if (line == "stats") {
                    say(status, "stats %lld %lld\n", resets, opened);
                }
            }
        }
        if (rate > 0) {
            const double now = nowMs();
            due += rate * (now - last) / 1000;
            last = now;
            // A child that was not scheduled for a while does not make up for more than a second.
            due = std::min(due, rate);
            for (; due >= 1; due -= 1) {
                if (!held.empty())
                    resetOne();
                if (!openOne())
                    say(2, "sockscope_bench_live: churn: %s\n", failure.c_str());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The children as the parent sees them

struct Child
{
    pid_t pid = -1;
    int command = -1; // parent writes
    int status = -1;  // parent reads
    LineReader reader;

    void send(const std::string &line) const { (void)!::write(command, (line + '\n').data(), line.size() + 1); }

    // The child's next line, or nothing if it did not answer in time or is gone.
    std::optional<std::string> reply(int timeoutMs)
    {
        const double end = nowMs() + timeoutMs;
        std::string line;
        while (!reader.next(line)) {
            pollfd p{status, POLLIN, 0};
            const int left = int(std::max(0.0, end - nowMs()));
            if (::poll(&p, 1, left) <= 0 || !reader.fill(status))
                return std::nullopt;
        }
        return line;
    }
};

struct Pair
{
    Child server;
    Child client;
    std::vector<quint16> ports;
};

std::vector<std::unique_ptr<Pair>> g_pairs;

Child spawn(const std::function<void(int command, int status)> &body)
{
    int command[2], status[2];
    if (::pipe2(command, O_CLOEXEC) != 0 || ::pipe2(status, O_CLOEXEC) != 0) {
        std::perror("sockscope_bench_live: pipe");
        std::exit(1);
    }
    std::fflush(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        std::perror("sockscope_bench_live: fork");
        std::exit(1);
    }
    if (pid == 0) {
        becomeChild(parent, command[0], status[1]);
        body(command[0], status[1]);
        ::_exit(0);
    }
    ::close(command[0]);
    ::close(status[1]);
    Child child;
    child.pid = pid;
    child.command = command[1];
    child.status = status[0];
    return child;
}

void endChildren()
{
    // Closing their pipes tells them to reset their sockets and go.
    for (auto &pair : g_pairs) {
        ::close(pair->client.command);
        ::close(pair->server.command);
    }
    for (auto &pair : g_pairs) {
        ::waitpid(pair->client.pid, nullptr, 0);
        ::waitpid(pair->server.pid, nullptr, 0);
    }
    g_pairs.clear();
}

[[noreturn]] void fail(const std::string &what)
{
    std::fprintf(stderr, "sockscope_bench_live: %s\n", what.c_str());
    endChildren();
    std::exit(1);
}

void startPairs(int count)
{
    for (int i = 0; i < count; ++i) {
        auto pair = std::make_unique<Pair>();
        pair->server = spawn([](int command, int status) { serverChild(command, status); });
        const std::optional<std::string> ports = pair->server.reply(10000);
        if (!ports || ports->rfind("ports ", 0) != 0)
            fail("a server child did not listen: " + ports.value_or("no answer"));
        for (size_t at = 6; at < ports->size();) {
            size_t end = ports->find(' ', at);
            end = end == std::string::npos ? ports->size() : end;
            pair->ports.push_back(quint16(std::atoi(ports->substr(at, end - at).c_str())));
            at = end + 1;
        }
        const std::vector<quint16> portList = pair->ports;
        pair->client = spawn([portList](int command, int status) { clientChild(command, status, portList); });
        g_pairs.push_back(std::move(pair));
    }
}

// `connections` spread over the pairs, each pair's share
std::vector<int> shares(int connections)
{
    std::vector<int> s;
    const int n = int(g_pairs.size());
    for (int i = 0; i < n; ++i)
        s.push_back(connections / n + (i < connections % n ? 1 : 0));
    return s;
}

void setChurn(double connectionsPerSecond, int connections)
{
    const std::vector<int> share = shares(connections);
    for (size_t i = 0; i < g_pairs.size(); ++i) {
        const double rate = connections > 0 ? connectionsPerSecond * share[i] / connections : 0;
        char line[64];
        std::snprintf(line, sizeof line, "churn %.3f", rate);
        g_pairs[i]->client.send(line);
    }
    for (auto &pair : g_pairs) {
        if (pair->client.reply(10000) != std::string("ok"))
            fail("a client child did not take its churn rate");
    }
}

long long churned()
{
    long long resets = 0;
    for (auto &pair : g_pairs) {
        pair->client.send("stats");
        const std::optional<std::string> line = pair->client.reply(10000);
        long long r = 0, o = 0;
        if (line && std::sscanf(line->c_str(), "stats %lld %lld", &r, &o) == 2)
            resets += r;
    }
    return resets;
}

void holdConnections(int connections)
{
    const std::vector<int> share = shares(connections);
    for (size_t i = 0; i < g_pairs.size(); ++i) {
        g_pairs[i]->client.send("open " + std::to_string(share[i]));
        g_pairs[i]->server.send("count " + std::to_string(share[i]));
    }
    for (auto &pair : g_pairs) {
        const std::optional<std::string> c = pair->client.reply(300000);
        if (!c || c->rfind("ok ", 0) != 0)
            fail("a client child could not open its connections: " + c.value_or("no answer in 300 s"));
        const std::optional<std::string> s = pair->server.reply(300000);
        if (!s || s->rfind("ok ", 0) != 0)
            fail("a server child did not accept its connections: " + s.value_or("no answer in 300 s"));
    }
}

// ---------------------------------------------------------------------------------------------
// The baseline

// The kernel's TCPF_* bits for every state, and TCPF_BOUND_INACTIVE (bound-only sockets, 6.8+):
// what NetlinkSource asks for.
constexpr quint32 allStates = 0xfff | (1u << 13);

// One netlink socket asking for the whole TCP table of one family, as bare as it gets.
class BareDump
{
public:
    // `extensions`: INET_DIAG_* bits as inet_diag_req_v2::idiag_ext wants them; none for the baseline.
    explicit BareDump(int family, quint8 extensions = 0)
        : m_family(family), m_extensions(extensions), m_buffer(64 * 1024)
    {
        m_fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (m_fd < 0)
            return;
        // As NetlinkSource: a big receive buffer, a timeout.
        const int size = 1024 * 1024;
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        const timeval timeout{5, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    ~BareDump()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    BareDump(const BareDump &) = delete;
    BareDump &operator=(const BareDump &) = delete;

    // SOCK_DIAG_BY_FAMILY, inet_diag_req_v2, all states, the extensions asked (none for the
    // baseline); the answer is read and thrown away, only the message headers walked to find its
    // end. The sockets dumped, or -1.
    long dump()
    {
        if (m_fd < 0)
            return -1;
        struct
        {
            nlmsghdr header;
            inet_diag_req_v2 request;
        } message{};
        message.header.nlmsg_len = sizeof message;
        message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        message.header.nlmsg_seq = ++m_sequence;
        message.request.sdiag_family = quint8(m_family);
        message.request.sdiag_protocol = IPPROTO_TCP;
        message.request.idiag_states = allStates;
        message.request.idiag_ext = m_extensions;
        sockaddr_nl kernel{};
        kernel.nl_family = AF_NETLINK;
        if (::sendto(m_fd, &message, sizeof message, 0, reinterpret_cast<sockaddr *>(&kernel), sizeof kernel) < 0)
            return broken();
        long rows = 0;
        for (;;) {
            const ssize_t n = ::recv(m_fd, m_buffer.data(), m_buffer.size(), 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return broken();
            for (size_t at = 0; at + sizeof(nlmsghdr) <= size_t(n);) {
                nlmsghdr header;
                std::memcpy(&header, m_buffer.data() + at, sizeof header);
                if (header.nlmsg_type == NLMSG_DONE)
                    return rows;
                if (header.nlmsg_type == NLMSG_ERROR || header.nlmsg_len < sizeof header)
                    return broken();
                ++rows;
                at += NLMSG_ALIGN(header.nlmsg_len);
            }
        }
    }

private:
    long broken()
    {
        ::close(m_fd); // a socket left mid-dump would answer the next request with leftovers
        m_fd = -1;
        return -1;
    }

    int m_family;
    quint8 m_extensions;
    int m_fd = -1;
    quint32 m_sequence = 0;
    std::vector<char> m_buffer;
};

struct Baseline
{
    double v4Ms = 0, v6Ms = 0, takeMs = 0; // this thread's CPU per dump / take
    double v4WallMs = 0;
    double v4InfoMs = 0; // with INET_DIAG_INFO (tcp_info for every socket), as NetlinkSource asks
    long v4Rows = 0, v6Rows = 0;
};

// The three interleaved, `count` times each after one of each unmeasured, on this thread.
Baseline measureBaseline(int count)
{
    BareDump v4(AF_INET), v6(AF_INET6), v4Info(AF_INET, 1 << (INET_DIAG_INFO - 1));
    NetlinkSource source;
    Baseline b;
    if (v4.dump() < 0 || v6.dump() < 0 || v4Info.dump() < 0 || !source.take(SocketFilter()).ok())
        fail("netlink sock_diag dump failed");
    for (int i = 0; i < count; ++i) {
        double cpu = threadCpuMs();
        const double wall = nowMs();
        b.v4Rows = v4.dump();
        b.v4WallMs += nowMs() - wall;
        b.v4Ms += threadCpuMs() - cpu;
        cpu = threadCpuMs();
        b.v6Rows = v6.dump();
        b.v6Ms += threadCpuMs() - cpu;
        cpu = threadCpuMs();
        if (v4Info.dump() < 0)
            fail("netlink sock_diag dump failed");
        b.v4InfoMs += threadCpuMs() - cpu;
        cpu = threadCpuMs();
        if (!source.take(SocketFilter()).ok())
            fail("NetlinkSource::take() failed");
        b.takeMs += threadCpuMs() - cpu;
        if (b.v4Rows < 0 || b.v6Rows < 0)
            fail("netlink sock_diag dump failed");
    }
    b.v4Ms /= count;
    b.v6Ms /= count;
    b.v4InfoMs /= count;
    b.takeMs /= count;
    b.v4WallMs /= count;
    return b;
}

long kernelRows()
{
    BareDump v4(AF_INET), v6(AF_INET6);
    return v4.dump() + v6.dump();
}

// ---------------------------------------------------------------------------------------------
// The window

// Each poll the window takes in: the live session's polled() stream (LiveSession::polled,
// after the session and the scenario runner took the changes).
QMetaObject::Connection onPollArrived(MainWindow &window, const std::function<void()> &onPoll)
{
    return QObject::connect(window.live(), &LiveSession::polled, &window, [onPoll](const PollChanges &) { onPoll(); });
}

// A 16 ms timer on the window's thread standing for the display's frames: a tick later than
// 16 ms + slack after the one before is a frame the window's thread could have missed.
class FrameProbe
{
public:
    explicit FrameProbe(double lateMs) : m_lateMs(lateMs)
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(frameMs);
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] {
            const double now = nowMs();
            const double gap = now - m_last;
            m_last = now;
            m_longest = std::max(m_longest, gap);
            if (gap > m_lateMs) {
                ++m_late;
                // A gap of several frames is several frames the display did not get.
                m_missed += std::max(1, int(std::ceil((gap - (m_lateMs - frameMs)) / frameMs)) - 1);
            }
        });
    }
    void start()
    {
        reset();
        m_timer.start();
    }
    void reset()
    {
        m_last = nowMs();
        m_longest = 0;
        m_late = 0;
        m_missed = 0;
    }
    int late() const { return m_late; }
    int missed() const { return m_missed; }
    double longestMs() const { return m_longest; }

private:
    QTimer m_timer;
    double m_lateMs;
    double m_last = 0;
    double m_longest = 0;
    int m_late = 0;
    int m_missed = 0;
};

// Runs the event loop until `done` or `timeoutMs`; whether `done` became true.
bool runUntil(const std::function<bool()> &done, int timeoutMs)
{
    QEventLoop loop;
    QTimer check;
    QElapsedTimer elapsed;
    elapsed.start();
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done() || elapsed.elapsed() >= timeoutMs)
            loop.quit();
    });
    check.start(10);
    if (!done())
        loop.exec();
    return done();
}

// Runs the event loop for `ms`, with one timer: nothing else of ours wakes the thread.
void runFor(double ms)
{
    QEventLoop loop;
    QTimer::singleShot(int(ms), Qt::PreciseTimer, &loop, &QEventLoop::quit);
    loop.exec();
}

struct WindowRun
{
    int intervalMs = 0;
    // The CPU period, without the frame timer: it costs the thread a few ms a second itself.
    double seconds = 0;     // measured, wall
    int polls = 0;
    double processMs = 0;   // RUSAGE_SELF
    double guiMs = 0;       // RUSAGE_THREAD of the window's thread
    // The frame period right after it, with the frame timer.
    double frameSeconds = 0;
    int framePolls = 0;
    int lateFrames = 0;
    int missedFrames = 0;
    double longestGapMs = 0;
    double rssMiB = 0;      // resident at the end, before the window closes
    double warmupSeconds = 0;
    bool warmedUp = true;
};

WindowRun measureWindow(int intervalMs, double seconds, const Options &o, bool probeFrames)
{
    WindowRun run;
    run.intervalMs = intervalMs;
    MainWindowOptions options;
    options.source = QStringLiteral("netlink");
    options.intervalMs = intervalMs;
    options.restoreLayout = false; // the default layout, as a new user sees it
    const double created = nowMs();
    auto window = std::make_unique<MainWindow>(options);
    int polls = 0;
    onPollArrived(*window, [&polls] { ++polls; });
    window->show();

    // The first poll takes in the whole table; it is not what a poll costs afterwards.
    run.warmedUp = runUntil([&] { return polls >= 3 && nowMs() - created >= o.warmupSeconds * 1000; }, 120000);
    run.warmupSeconds = (nowMs() - created) / 1000;

    int polls0 = polls;
    const double process0 = cpuMs(RUSAGE_SELF), gui0 = cpuMs(RUSAGE_THREAD);
    double wall0 = nowMs();
    runFor(seconds * 1000);
    run.processMs = cpuMs(RUSAGE_SELF) - process0;
    run.guiMs = cpuMs(RUSAGE_THREAD) - gui0;
    run.seconds = (nowMs() - wall0) / 1000;
    run.polls = polls - polls0;

    if (probeFrames) {
        FrameProbe frames(frameMs + o.slackMs);
        polls0 = polls;
        wall0 = nowMs();
        frames.start();
        runFor(seconds * 1000);
        run.frameSeconds = (nowMs() - wall0) / 1000;
        run.framePolls = polls - polls0;
        run.lateFrames = frames.late();
        run.missedFrames = frames.missed();
        run.longestGapMs = frames.longestMs();
    }
    run.rssMiB = residentMiB();
    window.reset();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCoreApplication::processEvents();
    return run;
}

struct Control
{
    double seconds = 3;
    int late = 0;
    double longestMs = 0;
    double cpuMsPerSecond = 0; // what the probe itself costs the window's thread
};

// The frame probe alone, no window: how late its ticks are on this machine anyway.
Control controlFrames(const Options &o)
{
    Control c;
    FrameProbe frames(frameMs + o.slackMs);
    const double cpu = cpuMs(RUSAGE_THREAD);
    frames.start();
    runFor(c.seconds * 1000);
    c.cpuMsPerSecond = (cpuMs(RUSAGE_THREAD) - cpu) / c.seconds;
    c.late = frames.late();
    c.longestMs = frames.longestMs();
    return c;
}

// ---------------------------------------------------------------------------------------------
// Printing

std::string ms(double v)
{
    char s[32];
    if (v >= 100)
        std::snprintf(s, sizeof s, "%.0f ms", v);
    else if (v >= 10)
        std::snprintf(s, sizeof s, "%.1f ms", v);
    else
        std::snprintf(s, sizeof s, "%.2f ms", v);
    return s;
}

std::string thousands(long v)
{
    std::string digits = std::to_string(v);
    for (int at = int(digits.size()) - 3; at > (v < 0 ? 1 : 0); at -= 3)
        digits.insert(size_t(at), ",");
    return digits;
}

struct LoadRun
{
    int sockets = 0;
    double churnPerSecond = 0; // connections reset (and as many opened) a second, asked
    double churnedPerSecond = 0;
    Baseline baseline;
    WindowRun window;
    Control control;
};

struct IdleRun
{
    WindowRun window;
    Baseline baseline;
    long rows = 0;
    long rowsAfter = 0;
};

// "12", or "12 then 20,011" when something else opened sockets meanwhile
std::string idleRows(const IdleRun &r)
{
    std::string text = thousands(r.rows);
    if (r.rowsAfter > r.rows * 2 + 20 || r.rowsAfter * 2 + 20 < r.rows)
        text += " then " + thousands(r.rowsAfter) + " (other programs: not idle)";
    return text;
}

void printDetail(const LoadRun &r, const Options &o)
{
    const WindowRun &w = r.window;
    const double polls = std::max(1, w.polls);
    std::printf("  baseline (this thread's CPU, mean of %d): AF_INET dump %s (%ld rows, %s wall), AF_INET6 dump %s "
                "(%ld rows), AF_INET dump with INET_DIAG_INFO %s, NetlinkSource::take() %s (both families, "
                "INET_DIAG_INFO, parsed)\n",
                o.dumps, ms(r.baseline.v4Ms).c_str(), r.baseline.v4Rows, ms(r.baseline.v4WallMs).c_str(),
                ms(r.baseline.v6Ms).c_str(), r.baseline.v6Rows, ms(r.baseline.v4InfoMs).c_str(),
                ms(r.baseline.takeMs).c_str());
    std::printf("  no window, %.0f s: %d frame ticks later than %.0f ms, longest gap %s; the frame timer costs %.2f ms "
                "of CPU a second\n",
                r.control.seconds, r.control.late, frameMs + o.slackMs, ms(r.control.longestMs).c_str(),
                r.control.cpuMsPerSecond);
    std::printf("  window at %d ms%s (warm-up %.1f s): %d polls in %.1f s = %.2f/s (asked %.2f/s); process %s/poll = "
                "%.1f× the AF_INET dump; window's thread %s/poll; then %.1f s with the frame timer: %d polls, %d ticks > "
                "%.0f ms (%.2f/poll), %d frames missed, longest gap %s; churn %.0f connections/s (asked %.0f); resident "
                "%.0f MiB\n",
                w.intervalMs, w.warmedUp ? "" : " — NOT WARMED UP: fewer than 3 polls in 120 s", w.warmupSeconds,
                w.polls, w.seconds, w.polls / w.seconds, 1000.0 / w.intervalMs, ms(w.processMs / polls).c_str(),
                w.processMs / polls / r.baseline.v4Ms, ms(w.guiMs / polls).c_str(), w.frameSeconds, w.framePolls,
                w.lateFrames, frameMs + o.slackMs, w.lateFrames / std::max(1.0, double(w.framePolls)), w.missedFrames,
                ms(w.longestGapMs).c_str(),
                r.churnedPerSecond, r.churnPerSecond, w.rssMiB);
    std::fflush(stdout);
}

void printTable(const std::vector<LoadRun> &runs, const std::optional<IdleRun> &idle, const Options &o,
                double loadStart, double loadEnd)
{
    utsname u{};
    ::uname(&u);
    if (!runs.empty()) {
        std::printf("\nsockscope_bench_live: the window watching every socket, %g %% of the rows changing per second; "
                    "%ld cores, Linux %s, load average %.2f at the start, %.2f at the end\n\n",
                    o.churnPercent, ::sysconf(_SC_NPROCESSORS_ONLN), u.release, loadStart, loadEnd);
        std::printf("| TCP sockets | interval | polls/s (asked) | process CPU/poll | ÷ bare AF_INET dump | window's thread/poll "
                    "| frame ticks > %.0f ms per poll (no window) | frames missed per poll | longest frame gap (no window) "
                    "| bare dump AF_INET / AF_INET6 | NetlinkSource::take() |\n",
                    frameMs + o.slackMs);
        std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (const LoadRun &r : runs) {
            const WindowRun &w = r.window;
            const double polls = std::max(1, w.polls);
            const double rate = w.polls / w.seconds;
            const double framePolls = std::max(1, w.framePolls);
            // The ticks that were late anyway, with no window, in the time of one poll.
            const double noise = r.control.late / r.control.seconds * (w.frameSeconds / framePolls);
            const long listed = r.baseline.v4Rows + r.baseline.v6Rows;
            std::string sockets = thousands(listed);
            if (listed > r.sockets * 21 / 20 + 100)
                sockets += " (" + thousands(r.sockets) + " ours)";
            std::printf("| %s | %d ms | %.2f (%.4g) | %s | %.1f× | %s | %.2f (%.2f) | %.1f | %s (%s) | %s / %s | %s |\n",
                        sockets.c_str(), w.intervalMs, rate,
                        1000.0 / w.intervalMs, ms(w.processMs / polls).c_str(), w.processMs / polls / r.baseline.v4Ms,
                        ms(w.guiMs / polls).c_str(), w.lateFrames / framePolls, noise, w.missedFrames / framePolls,
                        ms(w.longestGapMs).c_str(),
                        ms(r.control.longestMs).c_str(),
                        ms(r.baseline.v4Ms).c_str(), ms(r.baseline.v6Ms).c_str(), ms(r.baseline.takeMs).c_str());
        }
        std::printf("\nTCP sockets: all the kernel listed (AF_INET + AF_INET6); \"ours\" where other programs "
                    "held many of them. CPU is user + system time: the whole process's (RUSAGE_SELF) and the window's thread's "
                    "(RUSAGE_THREAD) over %g s after a warm-up, per poll that reached the window; a bare dump's is this "
                    "thread's, mean of %d, just before each window. Frames: the next %g s, with a %d ms timer on the "
                    "window's thread: a tick more than %g ms late is a late frame, a gap of n frames n − 1 missed ones; "
                    "\"no window\": the same timer for %.0f s before the window opened. Targets "
                    "(DESIGN.md): process ≤ 2.5× the AF_INET dump, window's thread ≤ 4 ms/poll, no frame missed because "
                    "of a poll.\n",
                    o.seconds, o.dumps, o.seconds, frameMs, o.slackMs, runs.front().control.seconds);
    }
    if (idle) {
        const WindowRun &w = idle->window;
        std::printf("\nIdle: %s TCP sockets on the machine, the window at %d ms: %.2f %% of one core (window's thread "
                    "%.2f %%) over %.0f s, %.2f polls/s; %s of CPU per poll, where a bare AF_INET dump costs %s. "
                    "Target: under 2 %%.\n",
                    idleRows(*idle).c_str(), w.intervalMs, w.processMs / (w.seconds * 10), w.guiMs / (w.seconds * 10), w.seconds,
                    w.polls / w.seconds, ms(w.processMs / std::max(1, w.polls)).c_str(), ms(idle->baseline.v4Ms).c_str());
    }
    std::fflush(stdout);
}

QtMessageHandler g_standardHandler = nullptr;

// The offscreen platform's notes on what it cannot do are not results.
void quietOffscreen(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg
        && (message.contains(QLatin1String("propagateSizeHints")) || message.contains(QLatin1String("XDG_RUNTIME_DIR"))))
        return;
    if (g_standardHandler)
        g_standardHandler(type, context, message);
}

void onAlarm(int)
{
    const char message[] = "sockscope_bench_live: out of time; stopping (the children reset their sockets)\n";
    (void)!::write(2, message, sizeof message - 1);
    ::_exit(3);
}

} // namespace

int main(int argc, char **argv)
{
    const Options o = parse(argc, argv);
    ::signal(SIGPIPE, SIG_IGN);

    // Bounded: whatever hangs, the run ends, and with it the children.
    double budget = 120 + (o.idle ? o.idleSeconds + o.warmupSeconds + 60 : 0);
    if (o.load)
        budget += double(o.sockets.size()) * (300 + double(o.intervals.size()) * (2 * o.seconds + 150));
    ::signal(SIGALRM, onAlarm);
    ::alarm(unsigned(budget));

    const double loadStart = loadAverage();
    const int maxConnections = o.load ? o.sockets.back() / 2 : idleConnections;
    const int pairCount = std::max(1, (maxConnections + maxConnectionsPerPair - 1) / maxConnectionsPerPair);
    std::printf("sockscope_bench_live: %d child pair(s) for up to %s connections; load average %.2f\n", pairCount,
                thousands(maxConnections).c_str(), loadStart);
    // Every child exists before the first Qt object or thread.
    startPairs(pairCount);

    qputenv("QT_QPA_PLATFORM", "offscreen");
    g_standardHandler = qInstallMessageHandler(quietOffscreen);
    int qtArgc = 1;
    QApplication app(qtArgc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("sockscope"));
    QCoreApplication::setApplicationName(QStringLiteral("sockscope-bench-live"));
    QStandardPaths::setTestModeEnabled(true); // no saved preferences or layout, and none written
    QString error;
    if (!NetlinkSource::isAvailable(&error))
        fail("this machine does not answer netlink sock_diag: " + error.toStdString());

    std::optional<IdleRun> idle;
    if (o.idle) {
        holdConnections(idleConnections);
        IdleRun r;
        r.rows = kernelRows();
        std::printf("\n== idle: %ld TCP sockets on the machine, the window at 500 ms for %g s\n", r.rows, o.idleSeconds);
        std::fflush(stdout);
        r.baseline = measureBaseline(o.dumps);
        // No frame probe: its 60 wake-ups a second would be counted as the window's.
        r.window = measureWindow(500, o.idleSeconds, o, false);
        r.rowsAfter = kernelRows();
        std::printf("  %.2f %% of one core (window's thread %.2f %%), %d polls, %s per poll; bare dumps: AF_INET %s, "
                    "AF_INET6 %s; %s TCP sockets at the end\n",
                    r.window.processMs / (r.window.seconds * 10), r.window.guiMs / (r.window.seconds * 10), r.window.polls,
                    ms(r.window.processMs / std::max(1, r.window.polls)).c_str(), ms(r.baseline.v4Ms).c_str(),
                    ms(r.baseline.v6Ms).c_str(), thousands(r.rowsAfter).c_str());
        idle = r;
    }

    std::vector<LoadRun> runs;
    if (o.load) {
        for (int sockets : o.sockets) {
            const int connections = sockets / 2;
            setChurn(0, connections);
            const double opening = nowMs();
            holdConnections(connections);
            const long rows = kernelRows();
            // A reset and an open each change 2 rows.
            const double churn = sockets * o.churnPercent / 100 / 4;
            std::printf("\n== %s sockets: %s connections open in %.1f s; the kernel lists %s TCP sockets; churn %.1f "
                        "connections reset and %.1f opened a second\n",
                        thousands(sockets).c_str(), thousands(connections).c_str(), (nowMs() - opening) / 1000,
                        thousands(rows).c_str(), churn, churn);
            std::fflush(stdout);
            setChurn(churn, connections);
            runFor(1000);
            for (int interval : o.intervals) {
                LoadRun r;
                r.sockets = sockets;
                r.churnPerSecond = churn;
                r.baseline = measureBaseline(o.dumps);
                r.control = controlFrames(o);
                const long long churned0 = churned();
                const double start = nowMs();
                r.window = measureWindow(interval, o.seconds, o, true);
                r.churnedPerSecond = double(churned() - churned0) / ((nowMs() - start) / 1000);
                printDetail(r, o);
                runs.push_back(r);
            }
        }
        setChurn(0, 0);
    }
    const double loadEnd = loadAverage();
    printTable(runs, idle, o, loadStart, loadEnd);
    endChildren();
    return 0;
}
