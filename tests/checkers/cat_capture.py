#!/usr/bin/env python3
"""Writes the capture tests/e2e/cat.sh needs beyond data/: a long session
followed, much later, by a second one and a damaged record.

Usage: cat_capture.py OUT.pcap MEGABYTES

Classic pcap, Ethernet, IPv4, TCP checksums left 0 (tcpsession does not check
them by default). Stream 0, at t = 0: 10.9.0.1:40000 -> 10.9.0.2:80, the
client sends "GET /big\\r\\n", the server MEGABYTES MiB of a deterministic
pattern in 1400-byte segments, then FIN, FIN, ACK. Stream 1, 300 s later:
10.9.0.1:40001 -> 10.9.0.2:80, "GET /late\\r\\n" and "late reply", FIN, FIN,
ACK. Then a record header whose captured length exceeds the snap length
(a damaged capture: reading it is an error). Prints the sha256 of the
server's bytes of stream 0 and their length.
"""
import hashlib
import struct
import sys

MSS = 1400


def pattern(n):
    """n bytes: the 256-byte ramp repeated, shifted by one per block."""
    block = bytes(range(256))
    out = bytearray()
    i = 0
    while len(out) < n:
        out += block[i % 256:] + block[:i % 256]
        i += 1
    return bytes(out[:n])


class Writer:
    def __init__(self, f):
        self.f = f
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

    def record(self, ts_us, frame):
        self.f.write(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(frame),
                                 len(frame)))
        self.f.write(frame)


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, bytes(src),
                     bytes(dst))
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp + payload


SYN, FIN, ACK, PSH = 0x02, 0x01, 0x10, 0x08


class Conn:
    def __init__(self, w, t_us, cport):
        self.w, self.t = w, t_us
        self.ep = ([10, 9, 0, 1], cport), ([10, 9, 0, 2], 80)
        self.seq = [1000, 50000]

    def send(self, side, flags, payload=b""):
        (src, sp), (dst, dp) = self.ep[side], self.ep[1 - side]
        ack = self.seq[1 - side] if flags & ACK else 0
        self.w.record(self.t, tcp_frame(src, dst, sp, dp, self.seq[side], ack, flags, payload))
        self.seq[side] += len(payload) + (1 if flags & (SYN | FIN) else 0)
        self.t += 10

    def handshake(self):
        self.send(0, SYN)
        (src, sp), (dst, dp) = self.ep[1], self.ep[0]
        self.w.record(self.t, tcp_frame(src, dst, sp, dp, self.seq[1], self.seq[0], SYN | ACK))
        self.seq[1] += 1
        self.t += 10
        self.send(0, ACK)

    def close(self):
        self.send(0, FIN | ACK)
        self.send(1, FIN | ACK)
        self.send(0, ACK)


def main():
    out, megabytes = sys.argv[1], int(sys.argv[2])
    data = pattern(megabytes << 20)
    with open(out, "wb") as f:
        w = Writer(f)
        c = Conn(w, 0, 40000)
        c.handshake()
        c.send(0, PSH | ACK, b"GET /big\r\n")
        for at in range(0, len(data), MSS):
            c.send(1, PSH | ACK, data[at:at + MSS])
            if (at // MSS) % 8 == 7:
                c.send(0, ACK)
        c.close()
        late = Conn(w, 300 * 1000000, 40001)
        late.handshake()
        late.send(0, PSH | ACK, b"GET /late\r\n")
        late.send(1, PSH | ACK, b"late reply")
        late.close()
        f.write(struct.pack("<IIII", 400, 0, 1 << 20, 1 << 20))  # caplen > snaplen
    print(hashlib.sha256(data).hexdigest(), len(data))


if __name__ == "__main__":
    main()
