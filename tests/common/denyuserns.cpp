// SPDX-License-Identifier: GPL-3.0-or-later
// deny-userns PROGRAM [ARGUMENT...]: runs PROGRAM where unshare(CLONE_NEWUSER | ...) fails with
// EPERM, as it does where unprivileged user namespaces are turned off (a sysctl, AppArmor), so
// that tests can see what the lab does without its private network.
#include "seccompexec.h"

#include <sched.h>

int main(int argc, char **argv)
{
    return sockscope::test::execFiltered("deny-userns", argc, argv, {
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, sockscope::test::firstArgumentLow),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    });
}
