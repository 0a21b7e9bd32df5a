#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Capture real TCP segments on the loopback of a private network namespace.

Maintainer script for the segment decoder's fixtures in this directory. The script
moves itself into a new network namespace (unshare(CLONE_NEWNET) as root; as another
user CLONE_NEWUSER | CLONE_NEWNET with uid_map and gid_map, as sockscope's lab does),
brings that namespace's `lo` up with SIOCGIFFLAGS/SIOCSIFFLAGS, opens an AF_PACKET
SOCK_RAW socket bound to `lo` (ETH_P_ALL, SO_TIMESTAMPNS), and runs ordinary socket
traffic on 127.0.0.1 and ::1 there. The host sees none of it and none of its sysctls,
firewall rules or ports change. Every frame the capture socket receives is written to

    lo-ipv4.txt, lo-ipv6.txt   one frame a line: "<sll_pkttype> <timestamp ns> <hex bytes>"
                               ('#' lines: provenance, then a line naming each scenario
                               before its frames)
    seeds/*.seed               the same frames, one file per scenario, as the fuzzer reads
                               them: per frame one byte sll_pkttype, two bytes frame length
                               (big-endian), the frame

Usage:
    python3 capture-frames.py            # capture: rewrites both .txt files and seeds/
    python3 capture-frames.py --seeds    # no capture: rewrites seeds/ from the .txt files

How the committed files were made (see the '#' header of each .txt file for the date,
kernel and sysctls): as root on the development VM (Debian 12, kernel 6.18, Python 3.11),
with nftables installed (`apt-get install nftables`) for the SACK scenario, from the
repository's top folder:

    python3 tests/data/capture/capture-frames.py

The same command as an ordinary user (checked as nobody) runs in its own user namespace and
plays the same scenarios: the same segments with the same flags, relative numbers, lengths
and windows; initial sequence numbers, TCP timestamps, IP IDs and capture times differ.

Scenarios (S = listener port, the client binds a fixed port, so every 4-tuple is known):

  transfer      S 8001, client 40001: handshake; client sends 300 bytes, server answers
                200; client shutdown(SHUT_WR) (FIN), server reads EOF and close()s (FIN)
  server-close  S 8002, client 40002: handshake; the server close()s first, then the client
  linger-reset  S 8003, client 40003: handshake; the client close()s with SO_LINGER {1, 0}:
                RST instead of FIN
  refused       port 8004 has no listener; client 40004 connects: SYN answered by RST,ACK
  ecn           (IPv4 only) S 8005, client 40005, with net.ipv4.tcp_ecn=1 in the namespace:
                ECN negotiated in the handshake; then both close
  ip-options    (IPv4 only) S 8006, client 40006 with IP_OPTIONS Record Route (IHL > 5);
                client sends 50 bytes; both close
  ext-headers   (IPv6 only) S 8007, client 40007 with IPV6_HOPOPTS, IPV6_RTHDR (a type 4
                segment routing header with segments left 0; seg6_enabled=1 in the
                namespace, so that the listener accepts it) and IPV6_DSTOPTS: hop-by-hop,
                routing and destination options headers before TCP; client sends 50 bytes
  sack          S 8008, client 40008 (TCP_NODELAY): the client sends 100 bytes "a", then
                100 "b" and 100 "c"; an nftables rule on the input hook drops the first
                "b" segment once (quota), so the listener answers "c" with a SACK block and
                the client retransmits "b"; both close. Skipped when `nft` is missing.

Everything is bounded: each socket has a timeout and the whole run a SIGALRM limit.
"""

import argparse
import ctypes
import datetime
import fcntl
import os
import platform
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")
V4, V6 = socket.AF_INET, socket.AF_INET6
HOST = {V4: "127.0.0.1", V6: "::1"}
FAMILY_NAME = {V4: "ipv4", V6: "ipv6"}

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
ETH_P_ALL = 0x0003
SO_TIMESTAMPNS = 35            # SO_TIMESTAMPNS_OLD: struct timespec of two longs (x86_64)
SETTLE_S = 0.05                # time for loopback to deliver and answer a step
RUN_LIMIT_S = 60
SOCKET_TIMEOUT_S = 5


def unshare_network():
    """Enter a fresh network namespace (and a user namespace when not root)."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNET if uid == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if libc.unshare(flags) != 0:
        err = ctypes.get_errno()
        sys.exit(f"unshare: {os.strerror(err)} (unprivileged user namespaces disabled?)")
    if uid != 0:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"0 {gid} 1")


def bring_lo_up():
    with socket.socket(V4, socket.SOCK_DGRAM) as s:
        ifreq = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, ifreq))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def sysctl(name, value=None):
    path = "/proc/sys/" + name.replace(".", "/")
    if value is not None:
        with open(path, "w") as f:
            f.write(str(value))
    with open(path) as f:
        return f.read().strip()


class Capture:
    def __init__(self):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.bind(("lo", ETH_P_ALL))
        self.sock.setblocking(False)

    def drain(self):
        """Every frame received so far: (pkttype, timestamp ns, bytes)."""
        frames = []
        while True:
            try:
                data, ancillary, _, address = self.sock.recvmsg(1 << 17, socket.CMSG_SPACE(16))
            except BlockingIOError:
                return frames
            ns = time.time_ns()
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                    sec, nsec = struct.unpack("qq", payload[:16])
                    ns = sec * 1_000_000_000 + nsec
            frames.append((address[2], ns, data))


def settle():
    time.sleep(SETTLE_S)


def listener(family, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(SOCKET_TIMEOUT_S)
    s.bind((HOST[family], port))
    s.listen(8)
    return s


def client(family, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(SOCKET_TIMEOUT_S)
    s.bind((HOST[family], port))
    return s


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise RuntimeError(f"EOF after {len(data)} of {n} bytes")
        data += chunk
    return data


def connected_pair(family, server_port, client_port, setup=None):
    lst = listener(family, server_port)
    c = client(family, client_port)
    if setup:
        setup(c)
    c.connect((HOST[family], server_port))
    a, _ = lst.accept()
    a.settimeout(SOCKET_TIMEOUT_S)
    lst.close()
    settle()
    return c, a


def close_both(c, a):
    """The client closes first (FIN), the server reads EOF and closes (FIN)."""
    c.shutdown(socket.SHUT_WR)
    settle()
    if a.recv(1) != b"":
        raise RuntimeError("expected EOF")
    a.close()
    settle()
    if c.recv(1) != b"":
        raise RuntimeError("expected EOF")
    c.close()
    settle()


def transfer(family):
    c, a = connected_pair(family, 8001, 40001)
    c.sendall(b"q" * 300)
    recv_exactly(a, 300)
    settle()
    a.sendall(b"r" * 200)
    recv_exactly(c, 200)
    settle()
    close_both(c, a)


def server_close(family):
    c, a = connected_pair(family, 8002, 40002)
    a.close()
    settle()
    if c.recv(1) != b"":
        raise RuntimeError("expected EOF")
    c.close()
    settle()


def linger_reset(family):
    c, a = connected_pair(family, 8003, 40003)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    settle()
    try:
        a.recv(1)
        raise RuntimeError("expected ECONNRESET")
    except ConnectionResetError:
        pass
    a.close()


def refused(family):
    c = client(family, 40004)
    try:
        c.connect((HOST[family], 8004))
        raise RuntimeError("expected ECONNREFUSED")
    except ConnectionRefusedError:
        pass
    c.close()
    settle()


def ecn(family):
    before = sysctl("net.ipv4.tcp_ecn")
    sysctl("net.ipv4.tcp_ecn", 1)
    try:
        c, a = connected_pair(family, 8005, 40005)
    finally:
        sysctl("net.ipv4.tcp_ecn", before)
    close_both(c, a)


def ip_options(family):
    # Record Route with room for two addresses, then End of Options: 12 bytes, IHL 8.
    record_route = bytes([7, 11, 4]) + bytes(8) + bytes([0])

    def setup(c):
        c.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, record_route)

    c, a = connected_pair(family, 8006, 40006, setup)
    c.sendall(b"o" * 50)
    recv_exactly(a, 50)
    settle()
    close_both(c, a)


def ext_headers(family):
    sysctl("net.ipv6.conf.all.seg6_enabled", 1)
    sysctl("net.ipv6.conf.lo.seg6_enabled", 1)
    pad_n = bytes([1, 4, 0, 0, 0, 0])         # PadN filling the header to 8 bytes
    hop_by_hop = bytes([0, 0]) + pad_n
    destination = bytes([0, 0]) + pad_n
    # Segment routing header (type 4): one segment, ::1, and none left to visit.
    routing = bytes([0, 2, 4, 0, 0, 0, 0, 0]) + socket.inet_pton(V6, "::1")

    def setup(c):
        c.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, hop_by_hop)
        c.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RTHDR, routing)
        c.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, destination)

    c, a = connected_pair(family, 8007, 40007, setup)
    c.sendall(b"x" * 50)
    recv_exactly(a, 50)
    settle()
    close_both(c, a)


def nft(commands):
    subprocess.run(["nft", "-f", "-"], input=commands.encode(), check=True)


def sack(family):
    c, a = connected_pair(family, 8008, 40008)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.sendall(b"a" * 100)
    recv_exactly(a, 100)
    settle()
    # The payload starts 32 bytes into the TCP header (timestamps on): drop the first
    # segment whose data begins with "b", once: the quota is spent by that one segment.
    nft("add table inet lab\n"
        "add chain inet lab in { type filter hook input priority 0; }\n"
        "add rule inet lab in tcp dport 8008 @th,256,8 0x62 quota until 200 bytes drop\n")
    try:
        c.sendall(b"b" * 100)
        c.sendall(b"c" * 100)
        recv_exactly(a, 200)
        settle()
    finally:
        nft("delete table inet lab\n")
    close_both(c, a)


SCENARIOS = [
    ("transfer", (V4, V6), transfer,
     "handshake; client sends 300 bytes, server 200; client shutdown(SHUT_WR), server close()"),
    ("server-close", (V4, V6), server_close, "handshake; server close() first, then client"),
    ("linger-reset", (V4, V6), linger_reset, "handshake; client close() with SO_LINGER {1, 0}"),
    ("refused", (V4, V6), refused, "connect to port 8004, where nothing listens"),
    ("ecn", (V4,), ecn, "net.ipv4.tcp_ecn=1: ECN negotiated; client closes first"),
    ("ip-options", (V4,), ip_options, "client with IP_OPTIONS Record Route; sends 50 bytes"),
    ("ext-headers", (V6,), ext_headers,
     "client with hop-by-hop, routing (type 4, segments left 0) and destination options; sends 50 bytes"),
    ("sack", (V4, V6), sack,
     "client sends 100 a, 100 b, 100 c; the first b is dropped on input once: SACK, retransmission"),
]

PORTS = {"transfer": (8001, 40001), "server-close": (8002, 40002), "linger-reset": (8003, 40003),
         "refused": (8004, 40004), "ecn": (8005, 40005), "ip-options": (8006, 40006),
         "ext-headers": (8007, 40007), "sack": (8008, 40008)}


def provenance(invoked_as):
    lines = [
        f"made by: python3 tests/data/capture/capture-frames.py (as {invoked_as})",
        "date (UTC): " + datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "uname: %s %s" % (platform.release(), platform.machine()),
        "python: " + platform.python_version(),
    ]
    for name in ("net.ipv4.tcp_timestamps", "net.ipv4.tcp_sack", "net.ipv4.tcp_window_scaling",
                 "net.ipv4.tcp_ecn", "net.ipv4.tcp_syncookies"):
        lines.append(f"{name} (namespace): {sysctl(name)}")
    lines.append("format: one frame a line: sll_pkttype (4 outgoing, 0 host), capture time in ns "
                 "(SO_TIMESTAMPNS), the frame in hex from its 14-byte Ethernet header on")
    return lines


def write_seed(name, frames):
    os.makedirs(SEEDS, exist_ok=True)
    with open(os.path.join(SEEDS, name + ".seed"), "wb") as f:
        for pkttype, _, data in frames:
            f.write(struct.pack(">BH", pkttype, len(data)) + data)


def capture():
    signal.alarm(RUN_LIMIT_S)
    uid = os.getuid()
    invoked_as = "root" if uid == 0 else f"uid {uid}, root of its own user namespace"
    unshare_network()
    bring_lo_up()
    have_nft = subprocess.run(["sh", "-c", "command -v nft"], stdout=subprocess.DEVNULL).returncode == 0
    header = provenance(invoked_as)
    cap = Capture()
    for family in (V4, V6):
        lines = ["# " + line for line in header]
        settle()
        stray = cap.drain()
        if stray:
            sys.exit(f"{len(stray)} frames before any traffic: the namespace is not quiet")
        for name, families, run, what in SCENARIOS:
            if family not in families:
                continue
            server_port, client_port = PORTS[name]
            who = f"client {HOST[family]} port {client_port}, listener port {server_port}"
            if name == "sack" and not have_nft:
                lines.append(f"# scenario {name}: skipped, no nft on this machine")
                continue
            run(family)
            settle()
            frames = cap.drain()
            lines.append(f"# scenario {name}: {who}: {what} ({len(frames)} frames)")
            for pkttype, ns, data in frames:
                lines.append(f"{pkttype} {ns} {data.hex()}")
            write_seed(f"{FAMILY_NAME[family]}-{name}", frames)
            print(f"{FAMILY_NAME[family]} {name}: {len(frames)} frames")
        with open(os.path.join(HERE, f"lo-{FAMILY_NAME[family]}.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")


def seeds_from_text():
    for family in (V4, V6):
        name = None
        frames = []
        path = os.path.join(HERE, f"lo-{FAMILY_NAME[family]}.txt")
        with open(path) as f:
            for line in f.read().splitlines() + ["# scenario end:"]:
                if line.startswith("# scenario "):
                    if name and frames:
                        write_seed(f"{FAMILY_NAME[family]}-{name}", frames)
                    name = line[len("# scenario "):].split(":")[0]
                    frames = []
                elif line and not line.startswith("#"):
                    pkttype, ns, hexbytes = line.split()
                    frames.append((int(pkttype), int(ns), bytes.fromhex(hexbytes)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", action="store_true", help="rewrite seeds/ from the .txt files only")
    args = parser.parse_args()
    if args.seeds:
        seeds_from_text()
    else:
        capture()


if __name__ == "__main__":
    main()
