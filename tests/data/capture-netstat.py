#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Capture real net-tools `netstat` output while loopback sockets hold TCP states.

Maintainer script for the netstat fixtures in this directory (README.md, section 10). It
reuses the socket recipes of capture-fixtures.py (same directory) on its own ports, waits
until /proc shows every wanted state, runs several `netstat` (and two `ss`) commands at the
same moment, closes everything, and writes the mechanically derived variants.

Usage (as root: one scenario drops to uid/gid 65534 in a child, and one netstat runs as
that user):
    python3 capture-netstat.py             # capture + derive
    python3 capture-netstat.py --derive    # no capture: re-make the derived files

Port plan: scenario i uses BASE + 4*i .. BASE + 4*i + 3, BASE = 18200 on 127.0.0.1 and
18250 on ::1; the first port is the listener, the others are fixed client ports. Scenario 10
(IPv4 block only) is a dual-stack listener on [::]:18240 with an AF_INET client from
127.0.0.1:18241. Nothing else uses 18200-18299 (the run fails if something does).
"""

import argparse
import datetime
import importlib.util
import os
import select
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("capture_fixtures", os.path.join(HERE, "capture-fixtures.py"))
cf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cf)

V4, V6 = cf.V4, cf.V6
HOST, ANY = cf.HOST, cf.ANY
BASE = {V4: 18200, V6: 18250}
PORT_RANGE = range(18200, 18300)
RUN_LIMIT_S = 300
CHILD_LIMIT_S = 360
WAIT_STATE_S = 20
KEEPIDLE_S = 7200 // 2          # a keepalive timer counting down from an hour: clearly not 0

SCENARIOS = {
    0: "accept queue: LISTEN backlog 8, client +1 accepted, client +2 never accepted (inode 0)",
    1: "SYN_SENT: LISTEN backlog 0, client +1 fills the queue, client +2 non-blocking connect",
    2: "FIN_WAIT2 + CLOSE_WAIT: client +1 shutdown(SHUT_WR), server reads EOF, keeps socket",
    3: "TIME_WAIT: client +1 close() first, then server close()",
    4: "keepalive: client +1 with SO_KEEPALIVE, TCP_KEEPIDLE=%d" % KEEPIDLE_S,
    5: "FIN_WAIT1 with a zero-window probe timer (netstat prints it as unkn-4)",
    6: "uid 65534 (nobody) child: listener, client +1 accepted",
    7: "UDP (for netstat -tuan): P bound, P+1 connected to P",
    10: "IPv4 block only: dual-stack listener on [::] (IPV6_V6ONLY=0), AF_INET client "
        "127.0.0.1 +1 accepted",
}

NETSTAT_COMMANDS = [("netstat-tan.txt", ["netstat", "-tan"]),
                    ("netstat-tanp.txt", ["netstat", "-tanp"]),
                    ("netstat-tanoe.txt", ["netstat", "-tanoe"]),
                    ("netstat-tanpoe.txt", ["netstat", "-tanpoe"]),
                    ("netstat-tuan.txt", ["netstat", "-tuan"])]
SS_COMMANDS = [("ss-tan-with-netstat.txt", ["ss", "-tan"]),
               ("ss-tanoie-with-netstat.txt", ["ss", "-tanoie"])]
NOBODY_COMMAND = ("netstat-tanp-nobody.txt", ["netstat", "-tanp"])
DERIVED = ["netstat-pasted.txt", "netstat-malformed.txt"]


def port(fam, scenario, k=0):
    return BASE[fam] + 4 * scenario + k


def scenarios_for_family(lab, fam):
    h, anyaddr = HOST[fam], ANY[fam]
    w = lab.want

    def pair(p_client, p_server, cstate, sstate, label):
        w(fam, (h, p_client), (h, p_server), cstate, label + " client")
        w(fam, (h, p_server), (h, p_client), sstate, label + " server")

    P = port(fam, 0)
    L = lab.listener(fam, P, 8)
    lab.client(fam, P + 1, P)
    lab.accept(L)
    lab.client(fam, P + 2, P)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s0 listener")
    for k in (1, 2):
        pair(P + k, P, "ESTABLISHED", "ESTABLISHED", "s0 +%d" % k)

    P = port(fam, 1)
    lab.listener(fam, P, 0)
    lab.client(fam, P + 1, P)
    time.sleep(0.05)
    lab.client(fam, P + 2, P, wait=False)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s1 listener")
    pair(P + 1, P, "ESTABLISHED", "ESTABLISHED", "s1 +1")
    w(fam, (h, P + 2), (h, P), "SYN_SENT", "s1 +2 client")

    P = port(fam, 2)
    L = lab.listener(fam, P, 8)
    c = lab.client(fam, P + 1, P)
    a = lab.accept(L)
    c.shutdown(socket.SHUT_WR)
    cf.drain_to_eof(a)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s2 listener")
    pair(P + 1, P, "FIN_WAIT2", "CLOSE_WAIT", "s2 +1")

    P = port(fam, 4)
    L = lab.listener(fam, P, 8)
    ka = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
          (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, KEEPIDLE_S)]
    lab.client(fam, P + 1, P, opts=ka)
    lab.accept(L)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s4 listener")
    pair(P + 1, P, "ESTABLISHED", "ESTABLISHED", "s4 +1")

    P = port(fam, 5)
    L = lab.listener(fam, P, 8, rcvbuf=cf.SMALL)
    c = lab.client(fam, P + 1, P, sndbuf=cf.SMALL)
    lab.accept(L)
    cf.fill(c)
    c.shutdown(socket.SHUT_WR)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s5 listener")
    pair(P + 1, P, "FIN_WAIT1", "ESTABLISHED", "s5 +1")

    P = port(fam, 7)
    u1 = lab.add(socket.socket(fam, socket.SOCK_DGRAM))
    u1.bind((h, P))
    u2 = lab.add(socket.socket(fam, socket.SOCK_DGRAM))
    u2.bind((h, P + 1))
    u2.connect((h, P))


def timewait_scenario(lab, fam):
    """Done last so that its 60 s countdown is fresh at dump time."""
    h, anyaddr = HOST[fam], ANY[fam]
    P = port(fam, 3)
    L = lab.listener(fam, P, 8)
    c = lab.client(fam, P + 1, P)
    a = lab.accept(L)
    lab.close(c)
    cf.drain_to_eof(a)
    lab.close(a)
    lab.want(fam, (h, P), (anyaddr, 0), "LISTEN", "s3 listener")
    lab.want(fam, (h, P + 1), (h, P), "TIME_WAIT", "s3 +1 client")


def dual_stack_scenario(lab):
    P = port(V4, 10)
    L = lab.add(socket.socket(V6, socket.SOCK_STREAM))
    L.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    L.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    try:
        L.bind(("::", P))
    except OSError as e:
        raise cf.Fail("bind([::]:%d) failed: %s -- is the port busy?" % (P, e))
    L.listen(8)
    lab.client(V4, P + 1, P)
    lab.accept(L)
    m = "::ffff:127.0.0.1"
    lab.want(V6, ("::", P), ("::", 0), "LISTEN", "s10 dual-stack listener")
    lab.want(V4, ("127.0.0.1", P + 1), ("127.0.0.1", P), "ESTABLISHED", "s10 +1 client (tcp)")
    lab.want(V6, (m, P), (m, P + 1), "ESTABLISHED", "s10 +1 server (tcp6, mapped)")


def nobody_child(ready_w, quit_r):
    """Forked child: drop to uid/gid 65534, hold scenario 6, wait for quit."""
    signal.alarm(CHILD_LIMIT_S)
    lab = cf.Lab()
    status = b"OK"
    try:
        os.setgroups([])
        os.setgid(cf.NOBODY)
        os.setuid(cf.NOBODY)
        for fam in (V4, V6):
            P = port(fam, 6)
            L = lab.listener(fam, P, 8)
            lab.client(fam, P + 1, P)
            lab.accept(L)
    except BaseException as e:
        status = ("ERR %s" % e).encode()
    try:
        os.write(ready_w, status)
        if status == b"OK":
            select.select([quit_r], [], [], CHILD_LIMIT_S)
    finally:
        lab.abort_all()
        os._exit(0 if status == b"OK" else 1)


def nobody_expectations(lab, fam):
    h, anyaddr = HOST[fam], ANY[fam]
    P = port(fam, 6)
    lab.want(fam, (h, P), (anyaddr, 0), "LISTEN", "s6 listener (uid 65534)")
    lab.want(fam, (h, P + 1), (h, P), "ESTABLISHED", "s6 +1 client")
    lab.want(fam, (h, P), (h, P + 1), "ESTABLISHED", "s6 +1 server")


def precheck(wait_s):
    """Fail if anything uses our ports; wait for our own TIME_WAIT leftovers."""
    deadline = time.monotonic() + wait_s
    while True:
        rows = [r for r in cf.read_proc_rows() if r["local"][1] in PORT_RANGE]
        leftovers = [r for r in rows if r["tr"] == 3 and r["inode"] == 0]
        busy = [r for r in rows if r not in leftovers]
        busy += [dict(proto=p, local=a, remote=("", 0), state="UDP")
                 for p, a in cf.read_udp_ports() if a[1] in PORT_RANGE]
        if busy:
            raise cf.Fail("ports %d-%d are in use by something else: %s" % (
                PORT_RANGE[0], PORT_RANGE[-1],
                "; ".join("%s %s %s" % (r["proto"], cf.fmt(r["local"]), r["state"]) for r in busy[:10])))
        if not leftovers:
            return
        if time.monotonic() > deadline:
            raise cf.Fail("%d TIME_WAIT leftovers on our ports did not expire" % len(leftovers))
        cf.log("waiting for %d TIME_WAIT leftovers of a previous run to expire..." % len(leftovers))
        time.sleep(2)


def run_all_at_once():
    """Every command starts together, so their tables are milliseconds apart."""
    def nobody():
        os.setgroups([])
        os.setgid(cf.NOBODY)
        os.setuid(cf.NOBODY)
    t0 = time.time()
    procs = [(name, subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
             for name, argv in NETSTAT_COMMANDS + SS_COMMANDS]
    # As a terminal shows it: netstat's complaint on stderr, then its table, in one stream.
    procs.append((NOBODY_COMMAND[0], subprocess.Popen(NOBODY_COMMAND[1], stdout=subprocess.PIPE,
                                                      stderr=subprocess.STDOUT, preexec_fn=nobody)))
    raw, stamps = {}, {}
    for name, p in procs:
        out, err = p.communicate(timeout=30)
        if p.returncode != 0:
            raise cf.Fail("%s exited %d: %s" % (name, p.returncode, (err or b"").decode(errors="replace")))
        raw[name] = out
        stamps[name] = time.time() - t0
    return t0, stamps, raw


def write_info(t0, stamps, child_pid):
    lines = [
        "date_utc: " + datetime.datetime.fromtimestamp(t0, datetime.timezone.utc).isoformat(),
        "uname_r: " + cf.run_text(["uname", "-r"]),
        "uname_m: " + cf.run_text(["uname", "-m"]),
        "netstat_version: " + cf.run_text(["netstat", "--version"]).splitlines()[0],
        "net_tools_package: " + cf.run_text(["dpkg-query", "-W", "-f", "${Version}", "net-tools"]),
        "ss_V: " + cf.run_text(["ss", "-V"]),
        "python: " + sys.version.split()[0],
        "capture_pid: %d" % os.getpid(),
        "nobody_child_pid: %d" % child_pid,
    ]
    for name, _ in NETSTAT_COMMANDS + SS_COMMANDS + [NOBODY_COMMAND]:
        lines.append("done_after_s %s: %.4f" % (name, stamps[name]))
    with open(os.path.join(HERE, "capture-netstat-info.txt"), "w") as fh:
        fh.write("\n".join(lines) + "\n")


def capture():
    signal.alarm(RUN_LIMIT_S)
    precheck(75)
    lab = cf.Lab()
    ready_r, ready_w = os.pipe()
    quit_r, quit_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(ready_r)
        os.close(quit_w)
        nobody_child(ready_w, quit_r)
    os.close(ready_w)
    os.close(quit_r)
    try:
        status = os.read(ready_r, 4096)
        if status != b"OK":
            raise cf.Fail("uid 65534 child: " + status.decode(errors="replace"))
        for fam in (V4, V6):
            nobody_expectations(lab, fam)
            scenarios_for_family(lab, fam)
        dual_stack_scenario(lab)
        for fam in (V4, V6):
            timewait_scenario(lab, fam)
        cf.wait_states(lab.expect, WAIT_STATE_S)
        t0, stamps, raw = run_all_at_once()
        missing = cf.check_expect(lab.expect, cf.read_proc_rows())
        if missing:
            raise cf.Fail("a state changed before the dump:\n  " + "\n  ".join(missing))
        for name, data in raw.items():
            with open(os.path.join(HERE, name), "wb") as fh:
                fh.write(data)
        write_info(t0, stamps, child)
    finally:
        lab.abort_all()
        os.write(quit_w, b"q")
        os.waitpid(child, 0)


# --------------------------------------------------------------------------
# derived variants (mechanical; README.md section 10 lists each rule)

PROMPT = "root@sockscope:~# netstat -tanpoe\n"
SEPARATOR = "----------------------------------------------------------------\n"


def derive():
    with open(os.path.join(HERE, "netstat-tanpoe.txt"), "rb") as fh:
        lines = fh.read().decode("utf-8").splitlines(keepends=True)
    with open(os.path.join(HERE, "netstat-tuan.txt"), "rb") as fh:
        udp = [l for l in fh.read().decode("utf-8").splitlines(keepends=True) if l.startswith("udp")]

    # Pasted from a terminal: a prompt before, a separator and a blank line after the table,
    # the udp rows of netstat-tuan.txt after those, and an empty prompt at the end.
    pasted = [PROMPT] + lines + ["\n", SEPARATOR] + udp + ["root@sockscope:~# \n"]
    with open(os.path.join(HERE, "netstat-pasted.txt"), "w") as fh:
        fh.write("".join(pasted))

    def row(local, peer):
        for l in lines:
            f = l.split()
            if len(f) > 5 and f[3] == local and f[4] == peer:
                return l
        raise cf.Fail("derive: no netstat row %s %s" % (local, peer))

    listener = row("127.0.0.1:18200", "0.0.0.0:*")
    client = row("127.0.0.1:18201", "127.0.0.1:18200")
    keepalive = row("127.0.0.1:18217", "127.0.0.1:18216")
    truncated = listener[:listener.index("127.0.0.1:18200") + len("127.0.0.1:18")] + "\n"
    named_port = client.replace("127.0.0.1:18201 ", "127.0.0.1:http  ", 1)
    timer_at = keepalive.index("keepalive (")
    bad_timer = keepalive[:timer_at] + "keepalive (soon/0/0)\n"
    # Inserted after the header (line 2), each followed by one real row.
    damaged = [truncated, named_port, bad_timer]
    out = lines[:2]
    rest = lines[2:]
    for d in damaged:
        out.append(d)
        out.append(rest.pop(0))
    with open(os.path.join(HERE, "netstat-malformed.txt"), "w") as fh:
        fh.write("".join(out + rest))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--derive", action="store_true", help="only re-make the derived files")
    args = parser.parse_args()
    try:
        if not args.derive:
            if os.geteuid() != 0:
                raise cf.Fail("run as root (a scenario and a netstat run as uid 65534)")
            capture()
        derive()
    except cf.Fail as e:
        cf.log("FAILED: %s" % e)
        return 1
    captured = [] if args.derive else [n for n, _ in NETSTAT_COMMANDS + SS_COMMANDS + [NOBODY_COMMAND]] + [
        "capture-netstat-info.txt"]
    cf.log("wrote " + ", ".join(captured + DERIVED))
    return 0


if __name__ == "__main__":
    sys.exit(main())
