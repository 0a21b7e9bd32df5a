#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Capture real kernel socket tables while loopback sockets hold every TCP state.

Maintainer script for the sockscope parser fixtures in this directory. It opens
real sockets on 127.0.0.1 and ::1 only (plus one dual-stack listener on [::]),
on FIXED ports so the captured rows are predictable, waits until the kernel
reports every wanted state, dumps /proc/net/tcp, /proc/net/tcp6 and several `ss`
outputs as close together in time as possible, closes everything, and then
writes the mechanically derived variant files (see README.md).

Usage (as root, because one scenario drops to uid/gid 65534 in a child):
    python3 capture-fixtures.py              # capture + derive + print report
    python3 capture-fixtures.py --derive     # no capture: re-make derived files, report
    python3 capture-fixtures.py --netlink    # same scenarios, writes ONLY the netlink-* files

Port plan: scenario number i uses the block BASE + 4*i .. BASE + 4*i + 3, where
BASE is 18000 for IPv4 (127.0.0.1) and 18100 for IPv6 (::1). The first port of a
block is the server (listener) port, the next ones are the fixed client ports.
See SCENARIOS below and README.md.

--netlink holds the same scenarios plus one bound-but-inactive socket per family
(scenario 24: 127.0.0.1:18098 and [::1]:18198, bound, neither listening nor connected),
then writes the raw NETLINK_SOCK_DIAG dump replies (netlink-tcp4.bin, netlink-tcp6.bin) and
/proc/net/tcp{,6} read right after them (netlink-proc-net-tcp.txt, netlink-proc-net-tcp6.txt).
It touches no other file: no capture-info.txt, no derived files, no report.

Everything is bounded: each wait has a timeout, the whole run is limited by
SIGALRM, the unprivileged child exits on its own after a deadline, and every
socket is closed with SO_LINGER {1,0} (RST) at the end. Only the TIME_WAIT
entries made on purpose outlive the script (60 s).
"""

import argparse
import datetime
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
V4, V6 = socket.AF_INET, socket.AF_INET6
HOST = {V4: "127.0.0.1", V6: "::1"}
ANY = {V4: "0.0.0.0", V6: "::"}
BASE = {V4: 18000, V6: 18100}
PORT_RANGE = range(18000, 18200)        # every port this script may use
NOBODY = 65534
RUN_LIMIT_S = 300                        # hard limit for the whole capture
CHILD_LIMIT_S = 360                      # the unprivileged child exits by then
WAIT_STATE_S = 20
SMALL = 4096                             # SO_RCVBUF / SO_SNDBUF for fill recipes
KEEPIDLE_S = 5
DEFER_ACCEPT_S = 60

SCENARIOS = {
    0: "accept queue: LISTEN backlog 8, client +1 accepted, clients +2 +3 never accepted",
    1: "SYN_SENT: LISTEN backlog 0, client +1 fills the queue, client +2 non-blocking connect",
    2: "SYN_RECV: LISTEN with TCP_DEFER_ACCEPT, client +1 connects and sends nothing",
    3: "FIN_WAIT1: server never reads, client +1 fills the path then shutdown(SHUT_WR)",
    4: "FIN_WAIT2 + CLOSE_WAIT: client +1 shutdown(SHUT_WR), server reads EOF, keeps socket",
    5: "orphaned FIN_WAIT2: client +1 close(), server reads EOF, never closes (CLOSE_WAIT)",
    6: "LAST_ACK: client +1 shutdown(SHUT_WR) never reads, server fills path then close()",
    7: "TIME_WAIT: client +1 close() first, then server close()",
    8: "CLOSING: both fill the path, both shutdown(SHUT_WR), client +1 drains to EOF",
    9: "self-connect: bind P, connect to P",
    10: "keepalive: client +1 with SO_KEEPALIVE, TCP_KEEPIDLE=%d" % KEEPIDLE_S,
    11: "uid 65534 (nobody) child: listener, +1 accepted, +3 TIME_WAIT, +2 never accepted",
    12: "IPv4-mapped (IPv4 block only): dual-stack listener on [::] (IPV6_V6ONLY=0), "
        "AF_INET client 127.0.0.1 +1 accepted",
    13: "UDP (for ss -tuan): P bound, P+1 connected to P with one unread datagram at P",
    24: "bound inactive (--netlink only): P+2 bound with SO_REUSEADDR, no listen/connect "
        "(state CLOSE, shown only by netlink with the 1<<13 state bit)",
}

STATE_NAMES = {
    0x01: "ESTABLISHED", 0x02: "SYN_SENT", 0x03: "SYN_RECV", 0x04: "FIN_WAIT1",
    0x05: "FIN_WAIT2", 0x06: "TIME_WAIT", 0x07: "CLOSE", 0x08: "CLOSE_WAIT",
    0x09: "LAST_ACK", 0x0A: "LISTEN", 0x0B: "CLOSING",
}
TIMER_NAMES = {0: "none", 1: "retransmit", 2: "keepalive", 3: "time_wait", 4: "zero_window_probe"}

CAPTURES = ["proc-net-tcp.txt", "proc-net-tcp6.txt", "ss-tan.txt", "ss-tanoie.txt",
            "ss-tanoieH.txt", "ss-tanoiep.txt", "ss-tuan.txt"]
SS_COMMANDS = [("ss-tan.txt", ["ss", "-tan"]),
               ("ss-tanoie.txt", ["ss", "-tanoie"]),
               ("ss-tanoieH.txt", ["ss", "-tanoieH"]),
               ("ss-tanoiep.txt", ["ss", "-tanoiep"]),
               ("ss-tuan.txt", ["ss", "-tuan"])]
NETLINK_CAPTURES = ["netlink-tcp4.bin", "netlink-tcp6.bin",
                    "netlink-proc-net-tcp.txt", "netlink-proc-net-tcp6.txt"]
DERIVED = ["proc-net-tcp-noheader.txt", "proc-net-tcp-udpheader.txt",
           "proc-net-tcp-trimmed.txt", "proc-net-tcp-extra-columns.txt",
           "proc-net-tcp-malformed.txt", "ss-malformed.txt"]


class Fail(Exception):
    pass


def log(msg):
    print("[capture] " + msg, file=sys.stderr, flush=True)


def port(fam, scenario, k=0):
    return BASE[fam] + 4 * scenario + k


# --------------------------------------------------------------------------
# /proc/net/tcp{,6} reading (used to wait for states and for the report)

def decode_addr(hexaddr):
    """'0100007F:1F40' -> ('127.0.0.1', 8000); words are in host byte order."""
    h, p = hexaddr.split(":")
    if len(h) == 8:
        ip = socket.inet_ntop(V4, struct.pack("=I", int(h, 16)))
    elif len(h) == 32:
        raw = b"".join(struct.pack("=I", int(h[i:i + 8], 16)) for i in range(0, 32, 8))
        ip = socket.inet_ntop(V6, raw)
    else:
        raise ValueError(hexaddr)
    return ip, int(p, 16)


def parse_proc(text, proto):
    """Return dict rows from /proc/net/tcp text; skips lines that do not parse."""
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        f = line.split()
        if len(f) < 10 or not f[0].endswith(":"):
            continue
        try:
            lip, lport = decode_addr(f[1])
            rip, rport = decode_addr(f[2])
            st = int(f[3], 16)
            txq, rxq = (int(x, 16) for x in f[4].split(":"))
            tr, when = f[5].split(":")
            rows.append(dict(proto=proto, line=lineno, local=(lip, lport), remote=(rip, rport),
                             state=STATE_NAMES.get(st, "0x%02X?" % st), txq=txq, rxq=rxq,
                             tr=int(tr, 16), when=int(when, 16), retr=int(f[6], 16),
                             uid=int(f[7]), probes=int(f[8]), inode=int(f[9])))
        except ValueError:
            continue
    return rows


def read_proc_rows():
    rows = []
    for proto in ("tcp", "tcp6"):
        with open("/proc/net/" + proto, "r") as fh:
            rows += parse_proc(fh.read(), proto)
    return rows


def read_udp_ports():
    ports = []
    for proto in ("udp", "udp6"):
        with open("/proc/net/" + proto) as fh:
            for line in fh.read().splitlines()[1:]:
                f = line.split()
                if len(f) > 2:
                    ports.append((proto, decode_addr(f[1])))
    return ports


# --------------------------------------------------------------------------
# socket helpers; every socket goes into a registry so cleanup finds it

class Lab:
    def __init__(self):
        self.socks = []
        self.expect = []          # (proto, local, remote, {states}, label)

    def add(self, s):
        self.socks.append(s)
        return s

    def close(self, s):
        """Plain close(): a FIN, like a program would do."""
        self.socks.remove(s)
        s.close()

    def abort_all(self):
        for s in reversed(self.socks):
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        self.socks = []

    def tcp(self, fam, bind_port=None, rcvbuf=None, sndbuf=None, addr=None):
        s = self.add(socket.socket(fam, socket.SOCK_STREAM))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if sndbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        if bind_port is not None:
            where = (addr if addr is not None else HOST[fam], bind_port)
            try:
                s.bind(where)
            except OSError as e:
                raise Fail("bind(%s) failed: %s -- is the port busy?" % (fmt(where), e))
        return s

    def listener(self, fam, p, backlog, rcvbuf=None, sndbuf=None, defer=None):
        s = self.tcp(fam, p, rcvbuf, sndbuf)
        if defer:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, defer)
        s.listen(backlog)
        return s

    def client(self, fam, cport, sport, rcvbuf=None, sndbuf=None, wait=True, opts=()):
        s = self.tcp(fam, cport, rcvbuf, sndbuf)
        for level, opt, val in opts:
            s.setsockopt(level, opt, val)
        dst = (HOST[fam], sport)
        if wait:
            s.settimeout(5)
            try:
                s.connect(dst)
            except OSError as e:
                raise Fail("connect(%s -> %s) failed: %s" % (fmt((HOST[fam], cport)), fmt(dst), e))
        else:
            s.setblocking(False)
            rc = s.connect_ex(dst)
            if rc not in (0, 115):          # EINPROGRESS
                raise Fail("non-blocking connect to %s: %s" % (fmt(dst), os.strerror(rc)))
        return s

    def accept(self, lst):
        lst.settimeout(5)
        try:
            conn, _ = lst.accept()
        except OSError as e:
            raise Fail("accept() on %s failed: %s" % (fmt(lst.getsockname()[:2]), e))
        return self.add(conn)

    def want(self, fam, local, remote, states, label):
        proto = "tcp" if fam == V4 else "tcp6"
        if isinstance(states, str):
            states = {states}
        self.expect.append((proto, local, remote, set(states), label))


def fmt(addr):
    ip, p = addr[0], addr[1]
    return ("[%s]:%d" if ":" in ip else "%s:%d") % (ip, p)


def fill(s, limit_s=5.0):
    """Non-blocking writes until the path stays full (EAGAIN for 3 rounds)."""
    s.setblocking(False)
    chunk = b"x" * 1024
    total, idle, deadline = 0, 0, time.monotonic() + limit_s
    while idle < 3 and time.monotonic() < deadline:
        sent = 0
        while True:
            try:
                sent += s.send(chunk)
            except BlockingIOError:
                break
        total += sent
        idle = idle + 1 if sent == 0 else 0
        time.sleep(0.05)
    if idle < 3:
        raise Fail("could not fill the path within %.0f s" % limit_s)
    return total


def drain_to_eof(s, limit_s=5.0):
    s.setblocking(False)
    deadline = time.monotonic() + limit_s
    n = 0
    while time.monotonic() < deadline:
        try:
            data = s.recv(65536)
        except BlockingIOError:
            time.sleep(0.02)
            continue
        if not data:
            return n
        n += len(data)
    raise Fail("no EOF within %.0f s" % limit_s)


# --------------------------------------------------------------------------
# scenarios (one function per state recipe; see KERNEL.md)

def scenarios_for_family(lab, fam):
    h, anyaddr = HOST[fam], ANY[fam]
    w = lab.want

    def pair(p_client, p_server, cstate, sstate, label):
        w(fam, (h, p_client), (h, p_server), cstate, label + " client")
        w(fam, (h, p_server), (h, p_client), sstate, label + " server")

    # 0: accept queue of 2 never-accepted connections plus one accepted.
    P = port(fam, 0)
    L = lab.listener(fam, P, 8)
    lab.client(fam, P + 1, P)
    lab.accept(L)
    lab.client(fam, P + 2, P)
    lab.client(fam, P + 3, P)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s0 listener")
    for k in (1, 2, 3):
        pair(P + k, P, "ESTABLISHED", "ESTABLISHED", "s0 +%d" % k)

    # 1: SYN_SENT. listen(0) holds one connection; the next SYN is dropped.
    P = port(fam, 1)
    lab.listener(fam, P, 0)
    lab.client(fam, P + 1, P)
    time.sleep(0.05)
    lab.client(fam, P + 2, P, wait=False)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s1 listener")
    pair(P + 1, P, "ESTABLISHED", "ESTABLISHED", "s1 +1")
    w(fam, (h, P + 2), (h, P), "SYN_SENT", "s1 +2 client")

    # 2: SYN_RECV held by TCP_DEFER_ACCEPT (the bare final ACK is ignored).
    P = port(fam, 2)
    lab.listener(fam, P, 8, defer=DEFER_ACCEPT_S)
    lab.client(fam, P + 1, P)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s2 listener")
    pair(P + 1, P, "ESTABLISHED", "SYN_RECV", "s2 +1")

    # 3: FIN_WAIT1: the FIN waits behind data the peer never reads (zero window).
    P = port(fam, 3)
    L = lab.listener(fam, P, 8, rcvbuf=SMALL)
    c = lab.client(fam, P + 1, P, sndbuf=SMALL)
    lab.accept(L)
    fill(c)
    c.shutdown(socket.SHUT_WR)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s3 listener")
    pair(P + 1, P, "FIN_WAIT1", "ESTABLISHED", "s3 +1")

    # 4: FIN_WAIT2 + CLOSE_WAIT, both ends still open.
    P = port(fam, 4)
    L = lab.listener(fam, P, 8)
    c = lab.client(fam, P + 1, P)
    a = lab.accept(L)
    c.shutdown(socket.SHUT_WR)
    drain_to_eof(a)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s4 listener")
    pair(P + 1, P, "FIN_WAIT2", "CLOSE_WAIT", "s4 +1")

    # 5: orphaned FIN_WAIT2 (a timewait mini-socket in substate FIN_WAIT2).
    P = port(fam, 5)
    L = lab.listener(fam, P, 8)
    c = lab.client(fam, P + 1, P)
    a = lab.accept(L)
    lab.close(c)
    drain_to_eof(a)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s5 listener")
    pair(P + 1, P, "FIN_WAIT2", "CLOSE_WAIT", "s5 +1")

    # 6: LAST_ACK: the server's FIN waits behind data the client never reads.
    P = port(fam, 6)
    L = lab.listener(fam, P, 8, sndbuf=SMALL)
    c = lab.client(fam, P + 1, P, rcvbuf=SMALL)
    a = lab.accept(L)
    c.shutdown(socket.SHUT_WR)
    drain_to_eof(a)
    fill(a)
    lab.close(a)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s6 listener")
    pair(P + 1, P, "FIN_WAIT2", "LAST_ACK", "s6 +1")

    # 8: CLOSING: both FINs stuck behind data; the client drains and gets the FIN.
    P = port(fam, 8)
    L = lab.listener(fam, P, 8, rcvbuf=SMALL, sndbuf=SMALL)
    c = lab.client(fam, P + 1, P, rcvbuf=SMALL, sndbuf=SMALL)
    a = lab.accept(L)
    fill(c)
    fill(a)
    c.shutdown(socket.SHUT_WR)
    a.shutdown(socket.SHUT_WR)
    drain_to_eof(c)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s8 listener")
    pair(P + 1, P, "CLOSING", {"FIN_WAIT1", "FIN_WAIT2"}, "s8 +1")

    # 9: self-connect (simultaneous open with itself).
    P = port(fam, 9)
    s = lab.tcp(fam, P)
    s.settimeout(5)
    s.connect((h, P))
    w(fam, (h, P), (h, P), "ESTABLISHED", "s9 self")

    # 10: keepalive timer on an established client.
    P = port(fam, 10)
    L = lab.listener(fam, P, 8)
    ka = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
          (socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, KEEPIDLE_S),
          (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, KEEPIDLE_S),
          (socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)]
    lab.client(fam, P + 1, P, opts=ka)
    lab.accept(L)
    w(fam, (h, P), (anyaddr, 0), "LISTEN", "s10 listener")
    pair(P + 1, P, "ESTABLISHED", "ESTABLISHED", "s10 +1")

    # 13: UDP, so that ss -tuan has udp rows of ours.
    P = port(fam, 13)
    u1 = lab.add(socket.socket(fam, socket.SOCK_DGRAM))
    u1.bind((h, P))
    u2 = lab.add(socket.socket(fam, socket.SOCK_DGRAM))
    u2.bind((h, P + 1))
    u2.connect((h, P))
    u2.send(b"u" * 100)


def timewait_scenario(lab, fam):
    """Scenario 7, done last so that its 60 s countdown is fresh at dump time."""
    h, anyaddr = HOST[fam], ANY[fam]
    P = port(fam, 7)
    L = lab.listener(fam, P, 8)
    c = lab.client(fam, P + 1, P)
    a = lab.accept(L)
    lab.close(c)
    drain_to_eof(a)
    lab.close(a)
    lab.want(fam, (h, P), (anyaddr, 0), "LISTEN", "s7 listener")
    lab.want(fam, (h, P + 1), (h, P), "TIME_WAIT", "s7 +1 client")


def mapped_scenario(lab):
    """Scenario 12: tcp6 rows with ::ffff:127.0.0.1 through a dual-stack listener."""
    P = port(V4, 12)
    L = lab.add(socket.socket(V6, socket.SOCK_STREAM))
    L.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    L.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    try:
        L.bind(("::", P))
    except OSError as e:
        raise Fail("bind([::]:%d) failed: %s -- is the port busy?" % (P, e))
    L.listen(8)
    lab.client(V4, P + 1, P)
    lab.accept(L)
    m = "::ffff:127.0.0.1"
    lab.want(V6, ("::", P), ("::", 0), "LISTEN", "s12 dual-stack listener")
    lab.want(V4, ("127.0.0.1", P + 1), ("127.0.0.1", P), "ESTABLISHED", "s12 +1 client (tcp)")
    lab.want(V6, (m, P), (m, P + 1), "ESTABLISHED", "s12 +1 server (tcp6, mapped)")


def bound_inactive_scenario(lab):
    """Scenario 24 (--netlink only): a bound socket that never listens or connects."""
    for fam in (V4, V6):
        lab.tcp(fam, port(fam, 24, 2))      # SO_REUSEADDR + bind(HOST, P), nothing else
    return {(fam, HOST[fam], port(fam, 24, 2)) for fam in (V4, V6)}


def nobody_expectations(lab, fam):
    h, anyaddr = HOST[fam], ANY[fam]
    P = port(fam, 11)
    lab.want(fam, (h, P), (anyaddr, 0), "LISTEN", "s11 listener (uid 65534)")
    for k in (1, 2):
        lab.want(fam, (h, P + k), (h, P), "ESTABLISHED", "s11 +%d client" % k)
        lab.want(fam, (h, P), (h, P + k), "ESTABLISHED", "s11 +%d server" % k)
    lab.want(fam, (h, P + 3), (h, P), "TIME_WAIT", "s11 +3 client")


def nobody_child(ready_w, quit_r):
    """Runs in a forked child: drop to uid/gid 65534, hold scenario 11, wait for quit."""
    signal.alarm(CHILD_LIMIT_S)
    lab = Lab()
    status = b"OK"
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        for fam in (V4, V6):
            P = port(fam, 11)
            L = lab.listener(fam, P, 8)
            lab.client(fam, P + 1, P)
            lab.accept(L)
            c3 = lab.client(fam, P + 3, P)
            a3 = lab.accept(L)
            lab.close(c3)
            drain_to_eof(a3)
            lab.close(a3)
            lab.client(fam, P + 2, P)        # stays in the accept queue
    except BaseException as e:                # report anything to the parent
        status = ("ERR %s" % e).encode()
    try:
        os.write(ready_w, status)
        if status == b"OK":
            select.select([quit_r], [], [], CHILD_LIMIT_S)
    finally:
        lab.abort_all()
        os._exit(0 if status == b"OK" else 1)


# --------------------------------------------------------------------------
# precheck, waiting, dumping

def precheck(wait_s):
    """Fail if anything uses our ports; wait for our own TIME_WAIT leftovers."""
    deadline = time.monotonic() + wait_s
    while True:
        busy, leftovers = [], []
        for r in read_proc_rows():
            if r["local"][1] in PORT_RANGE:
                # TIME_WAIT and orphaned FIN_WAIT2 entries (inode 0, timer 3) expire alone.
                if r["tr"] == 3 and r["inode"] == 0:
                    leftovers.append(r)
                else:
                    busy.append(r)
        for proto, addr in read_udp_ports():
            if addr[1] in PORT_RANGE:
                busy.append(dict(proto=proto, local=addr, remote=("", 0), state="UDP"))
        if busy:
            desc = "; ".join("%s %s -> %s %s" % (r["proto"], fmt(r["local"]), fmt(r["remote"]),
                                                  r["state"]) for r in busy[:10])
            raise Fail("ports %d-%d are in use by something else (%d sockets): %s"
                       % (PORT_RANGE[0], PORT_RANGE[-1], len(busy), desc))
        if not leftovers:
            return
        if time.monotonic() > deadline:
            raise Fail("%d TIME_WAIT/FIN_WAIT2 leftovers on our ports did not expire in %d s"
                       % (len(leftovers), wait_s))
        log("waiting for %d TIME_WAIT leftovers of a previous run to expire..." % len(leftovers))
        time.sleep(2)


def check_expect(expect, rows):
    by = {}
    for r in rows:
        by.setdefault((r["proto"], r["local"], r["remote"]), []).append(r)
    missing = []
    for proto, local, remote, states, label in expect:
        got = [r["state"] for r in by.get((proto, local, remote), [])]
        if not any(g in states for g in got):
            missing.append("%s: %s %s -> %s want %s got %s"
                           % (label, proto, fmt(local), fmt(remote), "/".join(sorted(states)),
                              got or "nothing"))
    return missing


def wait_states(expect, timeout_s):
    deadline = time.monotonic() + timeout_s
    while True:
        missing = check_expect(expect, read_proc_rows())
        if not missing:
            return
        if time.monotonic() > deadline:
            raise Fail("states not reached:\n  " + "\n  ".join(missing))
        time.sleep(0.1)


def dump(outdir):
    stamps = {}
    t0 = time.time()
    raw = {}
    for name, path in (("proc-net-tcp.txt", "/proc/net/tcp"), ("proc-net-tcp6.txt", "/proc/net/tcp6")):
        with open(path, "rb") as fh:
            raw[name] = fh.read()
        stamps[name] = time.time() - t0
    # All ss processes start together so the snapshots are milliseconds apart.
    procs = [(name, subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
             for name, argv in SS_COMMANDS]
    for name, p in procs:
        out, err = p.communicate(timeout=30)
        if p.returncode != 0:
            raise Fail("%s exited %d: %s" % (name, p.returncode, err.decode(errors="replace")))
        raw[name] = out
        stamps[name] = time.time() - t0
    for name, data in raw.items():
        with open(os.path.join(outdir, name), "wb") as fh:
            fh.write(data)
    return t0, stamps, raw


# --------------------------------------------------------------------------
# NETLINK_SOCK_DIAG dump (--netlink); constants from linux/netlink.h, linux/sock_diag.h,
# linux/inet_diag.h and net/tcp_states.h

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
INET_DIAG_INFO = 2
TCPF_BOUND_INACTIVE = 1 << 13
DIAG_STATES = 0xfff | TCPF_BOUND_INACTIVE
DIAG_RECV_BUF = 64 * 1024            # what core/sources/netlinksource.cpp passes to recv()
DIAG_MAX_DATAGRAMS = 10000
NLMSGHDR = struct.Struct("=IHHII")   # len, type, flags, seq, pid (host byte order)


def diag_request(fam, seq):
    """nlmsghdr + inet_diag_req_v2 {family, IPPROTO_TCP, ext INFO, pad, states, id = 0}."""
    req = struct.pack("=BBBBI", fam, socket.IPPROTO_TCP, 1 << (INET_DIAG_INFO - 1), 0,
                      DIAG_STATES) + bytes(48)           # struct inet_diag_sockid, zeroed
    return NLMSGHDR.pack(NLMSGHDR.size + len(req), SOCK_DIAG_BY_FAMILY,
                         NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + req


def diag_open():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
    s.bind((0, 0))
    s.settimeout(5)
    return s


def diag_dump(s, fam, seq):
    """Send one dump request; return the datagrams as received, up to the NLMSG_DONE one."""
    s.sendto(diag_request(fam, seq), (0, 0))
    datagrams = []
    while len(datagrams) < DIAG_MAX_DATAGRAMS:
        data, _, flags, _ = s.recvmsg(DIAG_RECV_BUF)
        if flags & socket.MSG_TRUNC:
            raise Fail("netlink datagram larger than %d bytes" % DIAG_RECV_BUF)
        datagrams.append(data)
        off = 0
        while off + NLMSGHDR.size <= len(data):
            length, mtype, _, mseq, _ = NLMSGHDR.unpack_from(data, off)
            if length < NLMSGHDR.size or off + length > len(data):
                raise Fail("bad netlink message length %d at offset %d" % (length, off))
            if mseq != seq:
                raise Fail("netlink reply with sequence %d, expected %d" % (mseq, seq))
            if mtype == NLMSG_ERROR:
                err = struct.unpack_from("=i", data, off + NLMSGHDR.size)[0]
                raise Fail("sock_diag dump: NLMSG_ERROR %d (%s)" % (err, os.strerror(-err)))
            if mtype == NLMSG_DONE:
                if off + length != len(data):
                    raise Fail("bytes after NLMSG_DONE in the last datagram")
                return datagrams
            off += (length + 3) & ~3
        if off != len(data):
            raise Fail("%d stray bytes at the end of a netlink datagram" % (len(data) - off))
    raise Fail("no NLMSG_DONE after %d datagrams" % DIAG_MAX_DATAGRAMS)


def diag_rows(blob):
    """(family, state, (src, sport), (dst, dport)) for each socket message of a capture."""
    rows, off = [], 0
    while off + NLMSGHDR.size <= len(blob):
        length, mtype = NLMSGHDR.unpack_from(blob, off)[:2]
        if mtype == SOCK_DIAG_BY_FAMILY:
            fam, state = blob[off + 16], blob[off + 17]
            sport, dport = struct.unpack_from("!HH", blob, off + 20)
            n = 4 if fam == V4 else 16
            src = socket.inet_ntop(fam, blob[off + 24:off + 24 + n])
            dst = socket.inet_ntop(fam, blob[off + 40:off + 40 + n])
            rows.append((fam, state, (src, sport), (dst, dport)))
        off += (length + 3) & ~3
    return rows


def dump_netlink(outdir):
    """Netlink tcp4, netlink tcp6, then /proc/net/tcp and tcp6, back to back."""
    socks = {fam: diag_open() for fam in (V4, V6)}      # opened before the clock starts
    stamps, raw = {}, {}
    try:
        t0 = time.time()
        for seq, (fam, name) in enumerate(((V4, "netlink-tcp4.bin"), (V6, "netlink-tcp6.bin")), 1):
            datagrams = diag_dump(socks[fam], fam, seq)
            raw[name] = b"".join(datagrams)
            stamps[name] = (time.time() - t0, [len(d) for d in datagrams])
        for name, path in (("netlink-proc-net-tcp.txt", "/proc/net/tcp"),
                           ("netlink-proc-net-tcp6.txt", "/proc/net/tcp6")):
            with open(path, "rb") as fh:
                raw[name] = fh.read()
            stamps[name] = (time.time() - t0, None)
    finally:
        for s in socks.values():
            s.close()
    for name in NETLINK_CAPTURES:
        with open(os.path.join(outdir, name), "wb") as fh:
            fh.write(raw[name])
    return t0, stamps, raw


def run_text(argv):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=False).stdout.decode(errors="replace").strip()


def write_info(outdir, t0, stamps, child_pid):
    def sysctl(name):
        with open("/proc/sys/" + name.replace(".", "/")) as fh:
            return fh.read().strip()
    lines = [
        "date_utc: " + datetime.datetime.fromtimestamp(t0, datetime.timezone.utc).isoformat(),
        "uname_r: " + run_text(["uname", "-r"]),
        "uname_m: " + run_text(["uname", "-m"]),
        "ss_V: " + run_text(["ss", "-V"]),
        "python: " + sys.version.split()[0],
        "capture_pid: %d" % os.getpid(),
        "nobody_child_pid: %d" % child_pid,
    ]
    for s in ("net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_syncookies", "net.ipv4.tcp_tw_reuse",
              "net.ipv4.tcp_congestion_control", "net.ipv4.tcp_timestamps",
              "net.ipv6.bindv6only", "net.core.somaxconn"):
        lines.append("%s: %s" % (s, sysctl(s)))
    for name in CAPTURES:
        lines.append("done_after_s %s: %.4f" % (name, stamps[name]))
    with open(os.path.join(outdir, "capture-info.txt"), "w") as fh:
        fh.write("\n".join(lines) + "\n")


# --------------------------------------------------------------------------
# derived variants (mechanical; README.md documents each rule)

EXTRA_COLUMNS = " 4242 0"
GARBAGE = "garbage ### this line is not a socket row ###\n"


def find_line(lines, pred, what):
    for i, line in enumerate(lines):
        if pred(line):
            return i
    raise Fail("derive: no line for " + what)


def proc_line_for(lines, local_hex, rem_hex):
    return find_line(lines, lambda l: len(l.split()) > 3 and l.split()[1] == local_hex
                     and l.split()[2] == rem_hex, local_hex + " " + rem_hex)


def interleave(lines, at, damaged):
    """Insert damaged lines after index `at`, each followed by one real line."""
    out = lines[:at + 1]
    rest = lines[at + 1:]
    numbers = []
    for d in damaged:
        out.append(d)
        numbers.append(len(out))                  # 1-based line number
        if rest:
            out.append(rest.pop(0))
    return out + rest, numbers


def derive(outdir):
    with open(os.path.join(outdir, "proc-net-tcp.txt"), "rb") as fh:
        text = fh.read().decode("ascii")
    lines = text.splitlines(keepends=True)
    header, data = lines[0], lines[1:]
    with open("/proc/net/udp", "rb") as fh:
        udp_header = fh.read().decode("ascii").splitlines(keepends=True)[0]
    out = {}
    out["proc-net-tcp-noheader.txt"] = "".join(data)
    out["proc-net-tcp-udpheader.txt"] = udp_header + "".join(data)

    trimmed = [header[:header.index("inode") + len("inode")] + "\n"]
    ten = re.compile(r"^\s*(?:\S+\s+){9}\S+")
    for line in data:
        trimmed.append(ten.match(line).group(0) + "\n")
    out["proc-net-tcp-trimmed.txt"] = "".join(trimmed)
    out["proc-net-tcp-extra-columns.txt"] = header + "".join(
        line.rstrip() + EXTRA_COLUMNS + "\n" for line in data)

    # Malformed /proc: damaged copies of scenario-0 rows inserted mid-file.
    lst = lines[proc_line_for(lines, "0100007F:4650", "00000000:0000")]       # :18000 listener
    c1 = lines[proc_line_for(lines, "0100007F:4651", "0100007F:4650")]        # :18001 -> :18000
    c2 = lines[proc_line_for(lines, "0100007F:4652", "0100007F:4650")]        # :18002 -> :18000
    f = lst.split()
    cut = lst.index(" " + f[4] + " ") + 5                    # into the tx_queue:rx_queue column
    truncated = lst[:cut] + "\n"
    nonhex = c1.replace("0100007F:4651", "01000Z7F:4651", 1)
    m = re.match(r"^(\s*\S+\s+\S+\s+\S+\s+)(\S+)", c2)
    badstate = m.group(1) + "0D" + c2[m.end():]
    damaged = [truncated, nonhex, badstate, "\n", GARBAGE]
    mid = len(lines) // 2
    mal, numbers = interleave(lines, mid, damaged)
    out["proc-net-tcp-malformed.txt"] = "".join(mal)
    proc_damage = list(zip(numbers, ["truncated copy of the 127.0.0.1:18000 LISTEN row (cut "
                                     "inside tx_queue:rx_queue)",
                                     "copy of the 127.0.0.1:18001->18000 row with local address "
                                     "0100007F changed to 01000Z7F (non-hex)",
                                     "copy of the 127.0.0.1:18002->18000 row with st 01 changed to 0D",
                                     "blank line", "garbage line: " + GARBAGE.strip()]))

    # Malformed ss: from ss-tanoie.txt, inserted only between whole records.
    with open(os.path.join(outdir, "ss-tanoie.txt"), "rb") as fh:
        sslines = fh.read().decode("utf-8").splitlines(keepends=True)

    def ssrow(local, peer):
        return find_line(sslines, lambda l: not l.startswith("\t") and
                         re.search(r"\s%s\s+%s\s" % (re.escape(local), re.escape(peer)), l),
                         local + " " + peer)
    s_lst = sslines[ssrow("127.0.0.1:18000", "0.0.0.0:*")]
    s_c1 = sslines[ssrow("127.0.0.1:18001", "127.0.0.1:18000")]
    s_c2 = sslines[ssrow("127.0.0.1:18002", "127.0.0.1:18000")]
    s_trunc = s_lst[:s_lst.index("127.0.0.1:18000") + len("127.0.0.")] + "\n"
    s_badaddr = s_c1.replace("127.0.0.1:18001", "127.0.zz.1:18001", 1)
    s_badstate = re.sub(r"^ESTAB", "BOGUS", s_c2)
    s_damaged = [s_trunc, s_badaddr, s_badstate, "\n", GARBAGE]
    # record starts: lines that are not continuation lines (tab) and not the header
    starts = [i for i, l in enumerate(sslines) if i > 0 and not l.startswith("\t")]
    # insert before the record start nearest the middle, each damaged line followed by one
    # whole real record
    at = min(starts, key=lambda i: abs(i - len(sslines) // 2))
    res = sslines[:at]
    rest = sslines[at:]
    s_numbers = []
    for d in s_damaged:
        res.append(d)
        s_numbers.append(len(res))
        if rest:
            res.append(rest.pop(0))
            while rest and rest[0].startswith("\t"):
                res.append(rest.pop(0))
    out["ss-malformed.txt"] = "".join(res + rest)
    ss_damage = list(zip(s_numbers, ["truncated copy of the 127.0.0.1:18000 LISTEN row (cut "
                                     "inside the local address, after '127.0.0.')",
                                     "copy of the 127.0.0.1:18001 ESTAB row with local address "
                                     "127.0.zz.1:18001",
                                     "copy of the 127.0.0.1:18002 ESTAB row with state BOGUS",
                                     "blank line", "garbage line: " + GARBAGE.strip()]))
    for name, data in out.items():
        with open(os.path.join(outdir, name), "w") as fh:
            fh.write(data)
    return proc_damage, ss_damage


# --------------------------------------------------------------------------
# report: counts and inventory, computed from the files

SS_STATE = {"ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RECV",
            "FIN-WAIT-1": "FIN_WAIT1", "FIN-WAIT-2": "FIN_WAIT2", "TIME-WAIT": "TIME_WAIT",
            "UNCONN": "UNCONN", "CLOSE-WAIT": "CLOSE_WAIT", "LAST-ACK": "LAST_ACK",
            "LISTEN": "LISTEN", "CLOSING": "CLOSING"}


def count_proc(path):
    counts, bad = {}, 0
    with open(path, "rb") as fh:
        lines = fh.read().decode("ascii", errors="replace").splitlines()
    for i, line in enumerate(lines):
        f = line.split()
        if i == 0 and f and f[0] == "sl":
            continue
        if len(f) >= 4 and f[0].endswith(":") and re.fullmatch(r"[0-9A-F]{2}", f[3]) \
                and int(f[3], 16) in STATE_NAMES and len(f) >= 10:
            try:
                decode_addr(f[1])
                decode_addr(f[2])
            except ValueError:
                bad += 1
                continue
            k = STATE_NAMES[int(f[3], 16)]
            counts[k] = counts.get(k, 0) + 1
        else:
            bad += 1
    return counts, bad, len(lines)


def ss_addr_ok(text):
    """ss endpoint forms: 1.2.3.4:80, [::1]:80, *:80, 0.0.0.0:*, [::]:*, *:*, %iface."""
    m = re.fullmatch(r"(\[([^\]]+)\]|[^\[\]%]+?)(%[^:]+)?:(\d+|\*)", text)
    if not m:
        return False
    host = m.group(2) if m.group(2) is not None else m.group(1)
    if host == "*":
        return True
    for fam in (V4, V6):
        try:
            socket.inet_pton(fam, host)
            return True
        except OSError:
            pass
    return False


def parse_ss(path):
    """Main lines of an ss file as field lists; header and tab-continuations skipped."""
    rows, bad, conts = [], 0, 0
    with open(path, "rb") as fh:
        lines = fh.read().decode("utf-8", errors="replace").splitlines()
    for line in lines:
        if line.startswith("\t"):
            conts += 1
            continue
        f = line.split()
        if f[:1] in (["State"], ["Netid"]):
            continue
        if f and f[0] in ("tcp", "udp"):
            netid, f = f[0], f[1:]
        else:
            netid = "tcp"
        if len(f) >= 5 and f[0] in SS_STATE and f[1].isdigit() and f[2].isdigit() \
                and ss_addr_ok(f[3]) and ss_addr_ok(f[4]):
            rows.append((netid, f))
        else:
            bad += 1
    return rows, bad, conts, len(lines)


def report(outdir, proc_damage=None, ss_damage=None):
    p = lambda n: os.path.join(outdir, n)
    print("## Row counts per state (computed from the files by capture-fixtures.py)\n")
    for name in ["proc-net-tcp.txt", "proc-net-tcp6.txt"] + DERIVED[:5]:
        if not os.path.exists(p(name)):
            continue
        counts, bad, n = count_proc(p(name))
        print("- `%s`: %d lines, %d rows, other/unparseable lines %d: %s"
              % (name, n, sum(counts.values()), bad,
                 ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    for name in ["ss-tan.txt", "ss-tanoie.txt", "ss-tanoieH.txt", "ss-tanoiep.txt",
                 "ss-tuan.txt", "ss-malformed.txt"]:
        if not os.path.exists(p(name)):
            continue
        rows, bad, conts, n = parse_ss(p(name))
        counts = {}
        for netid, f in rows:
            k = (netid + " " if name == "ss-tuan.txt" else "") + f[0]
            counts[k] = counts.get(k, 0) + 1
        print("- `%s`: %d lines, %d socket rows, %d tab-continuation lines, other/unparseable "
              "lines %d: %s" % (name, n, len(rows), conts, bad,
                                ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    if proc_damage:
        print("\n## Damaged lines in proc-net-tcp-malformed.txt (1-based, header = line 1)\n")
        for n, what in proc_damage:
            print("- line %d: %s" % (n, what))
    if ss_damage:
        print("\n## Damaged lines in ss-malformed.txt (1-based, header = line 1)\n")
        for n, what in ss_damage:
            print("- line %d: %s" % (n, what))

    # Inventory of our rows: /proc facts joined with the ss -tanoie text for the same socket.
    ssinfo = {}
    if os.path.exists(p("ss-tanoie.txt")):
        for netid, f in parse_ss(p("ss-tanoie.txt"))[0]:
            timer = next((x for x in f if x.startswith("timer:")), "")
            uid = next((x for x in f if x.startswith("uid:")), "")
            ssinfo[(f[3], f[4])] = (f[0], f[1], f[2], timer, uid)
    print("\n## Inventory of rows on ports %d-%d\n" % (PORT_RANGE[0], PORT_RANGE[-1]))
    print("| file:line | local | remote | state | tx_q | rx_q | timer (tr, left) | retr | uid "
          "| inode | ss -tanoie: state Recv-Q Send-Q timer uid |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, proto in (("proc-net-tcp.txt", "tcp"), ("proc-net-tcp6.txt", "tcp6")):
        with open(p(name), "rb") as fh:
            rows = parse_proc(fh.read().decode("ascii"), proto)
        rows = [r for r in rows if r["local"][1] in PORT_RANGE]
        rows.sort(key=lambda r: (r["local"][1], r["remote"][1]))
        for r in rows:
            def ssaddr(a):
                ip, prt = a
                if prt == 0:
                    ip, prt = ("[%s]" % ip if ":" in ip else ip), "*"
                elif ":" in ip:
                    ip = "[%s]" % ip
                return "%s:%s" % (ip, prt)
            key = (ssaddr(r["local"]), ssaddr(r["remote"]))
            s = ssinfo.get(key)
            if s is None and r["local"][0] == "::":          # dual-stack listener shows as *
                s = ssinfo.get(("*:%d" % r["local"][1], "*:*"))
            timer = "%d %s %.2fs" % (r["tr"], TIMER_NAMES.get(r["tr"], "?"), r["when"] / 100.0) \
                if r["tr"] else "0"
            print("| %s:%d | %s | %s | %s | %d | %d | %s | %d | %d | %s | %s |"
                  % (name, r["line"], fmt(r["local"]), fmt(r["remote"]), r["state"], r["txq"],
                     r["rxq"], timer, r["retr"], r["uid"], r["inode"] if r["inode"] == 0 else "real",
                     " ".join(x for x in s if x) if s else "(not found)"))


# --------------------------------------------------------------------------

def capture(outdir, wait_s, netlink=False):
    if os.geteuid() != 0:
        raise Fail("run as root: scenario 11 needs setuid(65534) in a child")
    precheck(wait_s)
    lab = Lab()
    child = None
    quit_w = None

    def on_alarm(signum, frame):
        raise Fail("run limit of %d s reached" % RUN_LIMIT_S)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(RUN_LIMIT_S)
    try:
        # Fork before creating any socket so the child inherits none.
        ready_r, ready_w = os.pipe()
        quit_r, quit_w = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(ready_r)
            os.close(quit_w)
            nobody_child(ready_w, quit_r)
        os.close(ready_w)
        os.close(quit_r)
        r, _, _ = select.select([ready_r], [], [], 30)
        status = os.read(ready_r, 4096) if r else b"no answer in 30 s"
        os.close(ready_r)
        if status != b"OK":
            raise Fail("nobody child: " + status.decode(errors="replace"))
        for fam in (V4, V6):
            nobody_expectations(lab, fam)

        for fam in (V4, V6):
            scenarios_for_family(lab, fam)
        mapped_scenario(lab)
        bound = bound_inactive_scenario(lab) if netlink else set()
        for fam in (V4, V6):
            timewait_scenario(lab, fam)
        log("sockets set up; waiting for every state")
        wait_states(lab.expect, WAIT_STATE_S)
        time.sleep(0.3)            # let timers settle after the last transition
        if netlink:
            t0, stamps, raw = dump_netlink(outdir)
            for name, (t, sizes) in stamps.items():
                log("%s done after %.2f ms%s" % (name, t * 1000, "" if sizes is None else
                    ", datagram sizes %s" % sizes))
            rows = parse_proc(raw["netlink-proc-net-tcp.txt"].decode(), "tcp") + \
                parse_proc(raw["netlink-proc-net-tcp6.txt"].decode(), "tcp6")
            missing = check_expect(lab.expect, rows)
            if missing:
                raise Fail("a state changed before the dump:\n  " + "\n  ".join(missing))
            closed = {(fam, src[0], src[1])
                      for name in ("netlink-tcp4.bin", "netlink-tcp6.bin")
                      for fam, state, src, dst in diag_rows(raw[name]) if state == 7}
            if not bound <= closed:
                raise Fail("bound-inactive sockets missing from the netlink dump (kernel < 6.8?): "
                           "%s" % sorted(bound - closed))
            log("netlink capture: uname -r %s, %s" % (run_text(["uname", "-r"]),
                datetime.datetime.fromtimestamp(t0, datetime.timezone.utc).isoformat()))
        else:
            t0, stamps, raw = dump(outdir)
            log("dumped: " + ", ".join("%s %.1f ms" % (k, v * 1000) for k, v in stamps.items()))
            rows = parse_proc(raw["proc-net-tcp.txt"].decode(), "tcp") + \
                parse_proc(raw["proc-net-tcp6.txt"].decode(), "tcp6")
            missing = check_expect(lab.expect, rows)
            if missing:
                raise Fail("a state changed before the dump:\n  " + "\n  ".join(missing))
            write_info(outdir, t0, stamps, child)
    finally:
        signal.alarm(0)
        lab.abort_all()
        if child:
            try:
                if quit_w is not None:
                    os.close(quit_w)            # EOF tells the child to quit
            except OSError:
                pass
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if os.waitpid(child, os.WNOHANG)[0]:
                    child = None
                    break
                time.sleep(0.05)
            if child:
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
    time.sleep(0.2)
    left = [r for r in read_proc_rows() if r["local"][1] in PORT_RANGE]
    log("after cleanup %d rows remain on our ports (expected: the TIME_WAIT entries, gone in "
        "60 s): %s" % (len(left), ", ".join("%s %s" % (fmt(r["local"]), r["state"]) for r in left)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--outdir", default=HERE)
    ap.add_argument("--derive", action="store_true",
                    help="no capture: only re-make the derived files and print the report")
    ap.add_argument("--netlink", action="store_true",
                    help="capture only the NETLINK_SOCK_DIAG dumps and /proc read with them "
                         "(netlink-*.bin/.txt); no other file is written")
    ap.add_argument("--wait-leftovers", type=int, default=75,
                    help="seconds to wait for TIME_WAIT leftovers of a previous run")
    args = ap.parse_args()
    try:
        if args.netlink:
            if args.derive:
                raise Fail("--netlink and --derive do not go together")
            capture(args.outdir, args.wait_leftovers, netlink=True)
            return 0
        if not args.derive:
            capture(args.outdir, args.wait_leftovers)
        report(args.outdir, *derive(args.outdir))
    except Fail as e:
        log("FAILED: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
