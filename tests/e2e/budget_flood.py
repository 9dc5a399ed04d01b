#!/usr/bin/env python3
"""budget_flood.py — writes the captures the session memory budget is
measured and tested on (tests/e2e/budget.sh, the numbers in README's
"Memory budgets"): raw-IPv4 pcap files, one frame per packet, a millisecond
apart.

  budget_flood.py syn N OUT      N flows of one SYN each (a SYN flood)
  budget_flood.py syn5 N OUT     N flows of a SYN, then 5 bytes from the client
  budget_flood.py hole N OUT     one connection: a handshake, a hole of one
                                 byte, then N one-byte segments after it
"""
import struct
import sys


def ip_tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    """An IPv4 header and a TCP header (checksums left 0) and `payload`."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, src, dst)
    return ip + tcp


class Writer:
    """A pcap file of LINKTYPE_RAW (101) frames."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        self.n = 0

    def frame(self, data):
        t = 1700000000 * 1000 + self.n  # a millisecond apart
        self.n += 1
        self.f.write(struct.pack("<IIII", t // 1000, (t % 1000) * 1000, len(data), len(data)))
        self.f.write(data)

    def close(self):
        self.f.close()


SYN, ACK, PSH = 0x02, 0x10, 0x08


def client(i):
    """The client address and port of flow i (distinct 4-tuples)."""
    return bytes([10, 1 + (i >> 24) % 200, (i >> 16) & 255, (i >> 8) & 255]), 1024 + (i & 255)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("syn", "syn5", "hole"):
        sys.exit(__doc__)
    mode, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    w = Writer(out)
    server = bytes([192, 168, 0, 1])
    if mode == "hole":
        c = bytes([10, 0, 0, 1])
        w.frame(ip_tcp(c, server, 40000, 80, 1000, 0, SYN))
        w.frame(ip_tcp(server, c, 80, 40000, 5000, 1001, SYN | ACK))
        w.frame(ip_tcp(c, server, 40000, 80, 1001, 5001, ACK))
        for k in range(n):  # offset 0 is never sent: the hole
            w.frame(ip_tcp(c, server, 40000, 80, 1002 + k, 5001, ACK | PSH, b"%c" % (65 + k % 26)))
    else:
        for i in range(n):
            a, port = client(i)
            w.frame(ip_tcp(a, server, port, 80, i * 7919, 0, SYN))
            if mode == "syn5":
                w.frame(ip_tcp(a, server, port, 80, i * 7919 + 1, 0, ACK | PSH, b"hello"))
    w.close()


if __name__ == "__main__":
    main()
