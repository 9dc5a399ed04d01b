"""Frames fed one by one (as from scapy or dpkt) give the sessions reading
the file gives."""

import os
import struct

import pytest

import tcpsession
from conftest import capture_id, data_captures, shared_captures


def read_pcap(path):
    """(linktype, ts_ns, data, origlen) of a classic little/big-endian pcap."""
    with open(path, "rb") as fp:
        raw = fp.read()
    magic = raw[:4]
    for endian, nano in (("<", False), ("<", True), (">", False), (">", True)):
        if magic == struct.pack(endian + "I", 0xA1B23C4D if nano else 0xA1B2C3D4):
            break
    else:
        return None
    linktype = struct.unpack(endian + "I", raw[20:24])[0] & 0xFFFF
    at, out = 24, []
    while at + 16 <= len(raw):
        sec, frac, caplen, origlen = struct.unpack(endian + "IIII", raw[at:at + 16])
        data = raw[at + 16:at + 16 + caplen]
        if len(data) < caplen:
            break
        out.append((linktype, sec * 10**9 + (frac if nano else frac * 1000), data, origlen))
        at += 16 + caplen
    return out


def plain_pcaps():
    return [p for p in data_captures() + shared_captures()
            if p.endswith((".pcap", ".cap")) and read_pcap(p) is not None][:80]


@pytest.mark.parametrize("capture", plain_pcaps(), ids=capture_id)
def test_feeding_frames_equals_reading_the_file(capture):
    from_file = {s.stream: s.to_dict() for s in tcpsession.sessions(capture)}
    engine = tcpsession.Engine()
    fed = {}
    for linktype, ts_ns, data, origlen in read_pcap(capture):
        for s in engine.feed_ns(linktype, ts_ns, data, origlen):
            fed[s.stream] = s.to_dict()
    for s in engine.finish():
        fed[s.stream] = s.to_dict()
    # an Engine names no capture unless told: the rest is the same
    assert all(d.pop("capture") is None for d in fed.values())
    assert all(d.pop("capture") == capture for d in from_file.values())
    assert fed == from_file
    assert engine.stats.sessions == len(from_file)


def test_feed_takes_seconds_like_dpkt(sample):
    frames = read_pcap(sample)
    engine = tcpsession.Engine(capture=sample)
    # dpkt's timestamps: float seconds of microsecond captures
    pairs = [(float(f"{ts // 10**9}.{ts % 10**9:09d}"), data) for _, ts, data, _ in frames]
    got = sorted(engine.process(pairs), key=lambda s: s.stream)
    expected = sorted(tcpsession.sessions(sample), key=lambda s: s.stream)
    assert [s.to_dict() for s in got] == [s.to_dict() for s in expected]


def test_timestamps_are_exact():
    assert tcpsession._timestamp_ns(1.000001) == 1_000_001_000
    import decimal
    assert tcpsession._timestamp_ns(decimal.Decimal("1700000000.123456789")) == 1700000000123456789
    assert tcpsession._timestamp_ns(3) == 3_000_000_000
    with pytest.raises(TypeError):
        tcpsession._timestamp_ns("now")


def test_frames_are_kept_when_asked(sample):
    with tcpsession.open(sample, frames=True) as cap:
        sessions = sorted(cap, key=lambda s: s.stream)
    frames = read_pcap(sample)
    s = sessions[0]
    assert len(s.frames) == s.packets
    for f in s.frames:
        assert frames[f.number - 1][2] == f.data and frames[f.number - 1][1] == f.time_ns
    assert tcpsession.sessions(sample).__next__().frames is None
