// SPDX-License-Identifier: GPL-3.0-or-later
// deny-netlink PROGRAM [ARGUMENT...]: runs PROGRAM where socket(AF_NETLINK, ...) fails with
// EACCES, as it does in containers whose seccomp profile refuses netlink, so that tests can see
// what sockscope does there.
#include "seccompexec.h"

#include <sys/socket.h>

int main(int argc, char **argv)
{
    return sockscope::test::execFiltered("deny-netlink", argc, argv, {
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, sockscope::test::firstArgumentLow),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    });
}
