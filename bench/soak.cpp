// SPDX-License-Identifier: GPL-3.0-or-later
// How much memory a sockscope command holds while connections churn, and whether it gets it
// back: N loopback connections to a server that never reads, each client sending a few bytes
// every interval so that every connection's Recv-Q changes on every poll (the production
// symptom of a stuck reader). The command under test runs beside it; its resident memory is
// read from /proc/<pid>/status every second.
//
// Each round opens N connections, churns them for the given seconds and closes them with RST
// (nothing lingers in TIME_WAIT); a second round shows whether memory is reused. At the end
// the command gets SIGTERM, and the time it takes to exit is measured.
//
//   build/bench/sockscope_soak [--connections 1000] [--seconds 60] [--send-every 100] [--rounds 2]
//                              -- build/app/sockscope watch --interval 100 --port {port}
//
// {port} in the command is replaced by the server's port. Sockets only on 127.0.0.1; at most
// 10,000 connections and an hour per round.
#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options
{
    int connections = 1000;
    double seconds = 60;
    int sendEveryMs = 100;
    int rounds = 2;
    double settleSeconds = 3;
    std::vector<std::string> command;
};

[[noreturn]] void usage(const char *problem)
{
    std::fprintf(stderr,
                 "sockscope_soak: %s\n"
                 "usage: sockscope_soak [--connections N] [--seconds S] [--send-every MS] [--rounds R] [--settle S]\n"
                 "                      -- COMMAND ARGS...   ({port} in ARGS is the server's port)\n",
                 problem);
    std::exit(2);
}

double number(const char *text, double min, double max, const char *option)
{
    char *end = nullptr;
    const double value = std::strtod(text, &end);
    if (end == text || *end != '\0' || !(value >= min && value <= max)) {
        std::string problem = std::string(option) + " is out of range or not a number: " + text;
        usage(problem.c_str());
    }
    return value;
}

Options parse(int argc, char **argv)
{
    Options o;
    int i = 1;
    for (; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (i + 1 >= argc)
            usage(("missing value for " + a).c_str());
        if (a == "--connections")
            o.connections = int(number(argv[++i], 1, 10000, "--connections"));
        else if (a == "--seconds")
            o.seconds = number(argv[++i], 1, 3600, "--seconds");
        else if (a == "--send-every")
            o.sendEveryMs = int(number(argv[++i], 10, 60000, "--send-every"));
        else if (a == "--rounds")
            o.rounds = int(number(argv[++i], 1, 10, "--rounds"));
        else if (a == "--settle")
            o.settleSeconds = number(argv[++i], 0.5, 60, "--settle");
        else
            usage(("unknown option " + a).c_str());
    }
    for (; i < argc; ++i)
        o.command.emplace_back(argv[i]);
    if (o.command.empty())
        usage("name the command to measure after --");
    return o;
}

long residentKiB(pid_t pid)
{
    const std::string path = "/proc/" + std::to_string(pid) + "/status";
    FILE *f = std::fopen(path.c_str(), "re");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, "VmRSS:", 6) == 0)
            kib = std::strtol(line + 6, nullptr, 10);
    }
    std::fclose(f);
    return kib;
}

int listener(unsigned short &port, int backlog)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(fd, backlog) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
        std::perror("sockscope_soak: listener on 127.0.0.1");
        std::exit(1);
    }
    port = ntohs(a.sin_port);
    return fd;
}

struct Round
{
    std::vector<int> clients;
    std::vector<int> servers;
};

Round connectAll(int listenFd, unsigned short port, int n)
{
    Round r;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    for (int i = 0; i < n; ++i) {
        const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0 || ::connect(c, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
            std::perror("sockscope_soak: connect to 127.0.0.1");
            std::exit(1);
        }
        const int s = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
        if (s < 0) {
            std::perror("sockscope_soak: accept");
            std::exit(1);
        }
        r.clients.push_back(c);
        r.servers.push_back(s); // never read: Recv-Q grows with every send
    }
    return r;
}

void closeAll(Round &r)
{
    const linger hard{1, 0}; // RST: nothing stays behind in TIME_WAIT
    for (int fd : r.clients) {
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        ::close(fd);
    }
    for (int fd : r.servers)
        ::close(fd);
    r.clients.clear();
    r.servers.clear();
}

void sleepSeconds(double s)
{
    std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

} // namespace

int main(int argc, char **argv)
{
    const Options o = parse(argc, argv);

    rlimit files{};
    ::getrlimit(RLIMIT_NOFILE, &files);
    const rlim_t needed = rlim_t(2 * o.connections + 64);
    if (files.rlim_cur < needed) {
        files.rlim_cur = std::min(needed, files.rlim_max);
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
    if (files.rlim_cur < needed) {
        std::fprintf(stderr, "sockscope_soak: %d connections need %lu descriptors; the limit is %lu\n", o.connections,
                     static_cast<unsigned long>(needed), static_cast<unsigned long>(files.rlim_cur));
        return 1;
    }

    unsigned short port = 0;
    const int listenFd = listener(port, o.connections + 16);
    Round round = connectAll(listenFd, port, o.connections);

    std::vector<std::string> args = o.command;
    for (std::string &a : args) {
        for (size_t at = a.find("{port}"); at != std::string::npos; at = a.find("{port}"))
            a.replace(at, 6, std::to_string(port));
    }
    const pid_t child = ::fork();
    if (child == 0) {
        // The command's own descriptor limit is what the user would have.
        const int devNull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        ::dup2(devNull, STDOUT_FILENO);
        std::vector<char *> argvChild;
        for (std::string &a : args)
            argvChild.push_back(a.data());
        argvChild.push_back(nullptr);
        ::execvp(argvChild[0], argvChild.data());
        std::perror("sockscope_soak: exec");
        ::_exit(127);
    }

    sleepSeconds(o.settleSeconds);
    const long baseline = residentKiB(child);
    std::printf("command: pid %d, port %u, %d connections, %d round(s) of %.0f s, a send every %d ms\n", int(child),
                unsigned(port), o.connections, o.rounds, o.seconds, o.sendEveryMs);
    std::printf("%-28s %10ld KiB\n", "resident at start", baseline);

    const char chunk[64] = {};
    for (int n = 1; n <= o.rounds; ++n) {
        if (n > 1)
            round = connectAll(listenFd, port, o.connections);
        long peak = 0;
        const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
        auto nextSample = Clock::now();
        while (Clock::now() < end) {
            for (int fd : round.clients)
                ::send(fd, chunk, sizeof chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (Clock::now() >= nextSample) {
                peak = std::max(peak, residentKiB(child));
                nextSample += std::chrono::seconds(1);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(o.sendEveryMs));
            int status = 0;
            if (::waitpid(child, &status, WNOHANG) == child) {
                std::fprintf(stderr, "sockscope_soak: the command ended during round %d (status %d)\n", n, status);
                return 1;
            }
        }
        peak = std::max(peak, residentKiB(child));
        closeAll(round);
        sleepSeconds(o.settleSeconds);
        const long after = residentKiB(child);
        std::printf("round %d: %-20s %10ld KiB  (%+ld KiB from the start)\n", n, "peak", peak, peak - baseline);
        std::printf("round %d: %-20s %10ld KiB  (%+ld KiB from the start)\n", n, "after closing", after, after - baseline);
        std::fflush(stdout);
    }

    const auto quitStart = Clock::now();
    ::kill(child, SIGTERM);
    int status = 0;
    bool ended = false;
    while (Clock::now() - quitStart < std::chrono::seconds(30)) {
        if (::waitpid(child, &status, WNOHANG) == child) {
            ended = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const auto quitMs = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - quitStart).count();
    if (!ended) {
        ::kill(child, SIGKILL);
        ::waitpid(child, &status, 0);
        std::printf("quit: still running %lld ms after SIGTERM; killed\n", static_cast<long long>(quitMs));
        return 1;
    }
    std::printf("quit: exited %lld ms after SIGTERM (%s %d)\n", static_cast<long long>(quitMs),
                WIFEXITED(status) ? "status" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    ::close(listenFd);
    return 0;
}
