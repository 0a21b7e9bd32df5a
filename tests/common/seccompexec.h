// SPDX-License-Identifier: GPL-3.0-or-later
// Runs a program under a seccomp filter that makes one kind of system call fail, so that a
// test sees what sockscope does on a machine that refuses it. A seccomp filter, unlike an
// LD_PRELOAD shim, holds for any program, including one built with AddressSanitizer, and
// survives execve(). It needs no privileges (PR_SET_NO_NEW_PRIVS makes it allowed for an
// ordinary user).
//
// Exit status 77 when the filter cannot be installed (no seccomp, an architecture it does not
// know), so that a test can skip with the reason it prints.
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <vector>

namespace sockscope::test {

constexpr int cannotFilter = 77;

#if defined(__x86_64__)
constexpr __u32 nativeArchitecture = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr __u32 nativeArchitecture = AUDIT_ARCH_AARCH64;
#else
constexpr __u32 nativeArchitecture = 0;
#endif

// seccomp_data.args[0] is 64 bits; the calls filtered here take an int first, its low half.
constexpr __u32 firstArgumentLow = offsetof(seccomp_data, args) + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0);

// `rules` see the call number loaded and end in a return; calls of another architecture are
// let through before them (their numbers mean other calls).
inline int execFiltered(const char *name, int argc, char **argv, const std::vector<sock_filter> &rules)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s PROGRAM [ARGUMENT...]\n", name);
        return 2;
    }
    if (nativeArchitecture == 0) {
        std::fprintf(stderr, "%s: no seccomp filter for this architecture\n", name);
        return cannotFilter;
    }
    std::vector<sock_filter> program{
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nativeArchitecture, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
    };
    program.insert(program.end(), rules.begin(), rules.end());
    const sock_fprog filter{static_cast<unsigned short>(program.size()), program.data()};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        std::fprintf(stderr, "%s: prctl(PR_SET_NO_NEW_PRIVS): %s\n", name, std::strerror(errno));
        return cannotFilter;
    }
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter, 0, 0) != 0) {
        std::fprintf(stderr, "%s: prctl(PR_SET_SECCOMP): %s\n", name, std::strerror(errno));
        return cannotFilter;
    }
    ::execvp(argv[1], argv + 1);
    std::fprintf(stderr, "%s: execvp(%s): %s\n", name, argv[1], std::strerror(errno));
    return 127;
}

} // namespace sockscope::test
