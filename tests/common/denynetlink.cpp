// SPDX-License-Identifier: GPL-3.0-or-later
// deny-netlink PROGRAM [ARGUMENT...]: runs PROGRAM where socket(AF_NETLINK, ...) fails with
// EACCES, as it does in containers whose seccomp profile refuses netlink, so that tests can see
// what sockscope does there. A seccomp filter, unlike an LD_PRELOAD shim, holds for any
// program, including one built with AddressSanitizer, and survives execve(). It needs no
// privileges (PR_SET_NO_NEW_PRIVS makes it allowed for an ordinary user).
//
// Exit status 77 when the filter cannot be installed (no seccomp, an architecture it does not
// know), so that a test can skip with the reason it prints.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace {

constexpr int cannotFilter = 77;

#if defined(__x86_64__)
constexpr __u32 nativeArchitecture = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr __u32 nativeArchitecture = AUDIT_ARCH_AARCH64;
#else
constexpr __u32 nativeArchitecture = 0;
#endif

// seccomp_data.args[0] is 64 bits; socket()'s domain is an int, its low half.
constexpr __u32 firstArgumentLow = offsetof(seccomp_data, args) + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0);

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: deny-netlink PROGRAM [ARGUMENT...]\n");
        return 2;
    }
    if (nativeArchitecture == 0) {
        std::fprintf(stderr, "deny-netlink: no seccomp filter for this architecture\n");
        return cannotFilter;
    }
    sock_filter program[] = {
        // Another architecture's system call numbers mean other calls: let them be.
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nativeArchitecture, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, firstArgumentLow),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    const sock_fprog filter{static_cast<unsigned short>(sizeof program / sizeof program[0]), program};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        std::fprintf(stderr, "deny-netlink: prctl(PR_SET_NO_NEW_PRIVS): %s\n", std::strerror(errno));
        return cannotFilter;
    }
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter, 0, 0) != 0) {
        std::fprintf(stderr, "deny-netlink: prctl(PR_SET_SECCOMP): %s\n", std::strerror(errno));
        return cannotFilter;
    }
    ::execvp(argv[1], argv + 1);
    std::fprintf(stderr, "deny-netlink: execvp(%s): %s\n", argv[1], std::strerror(errno));
    return 127;
}
