"""filter=, streams=, since=, until=: the same sessions as the command's
--filter, --stream, --since and --until, and the same errors."""

import datetime
import decimal
import os

import pytest

import tcpsession
from conftest import SRCDIR, run_jsonl

CASES = os.path.join(SRCDIR, "data", "cases")


def _same_as_command(capture, tmp_path, cli, **options):
    expected = run_jsonl(capture, tmp_path, *cli)
    got = {s.stream: s.to_dict() for s in tcpsession.sessions(capture, **options)}
    assert got == expected
    return sorted(got)


def test_filter_is_the_commands(sample, tmp_path):
    expr = "port 80 and host 192.168.1.10"
    streams = _same_as_command(sample, tmp_path, ["--filter", expr], filter=expr)
    # the IPv6 stream 3 is left out; the others keep the whole capture's numbers
    assert streams == [0, 1, 2, 4, 5, 6, 7]


def test_filter_on_a_vlan_capture(tmp_path):
    capture = os.path.join(CASES, "vlan-tcpflow.pcap")
    if not os.path.exists(capture):
        pytest.skip("no crafted cases")
    _same_as_command(capture, tmp_path, ["--filter", "greater 60"], filter="greater 60")


@pytest.mark.parametrize("streams,cli", [
    (3, "3"), ([2, 5, 6], "2,5,6"), (range(1, 4), "1-3"), ("5-", "5-"),
])
def test_streams(sample, tmp_path, streams, cli):
    got = _same_as_command(sample, tmp_path, ["--stream", cli], streams=streams)
    assert got == [s for s in range(8) if s in
                   {"3": [3], "2,5,6": [2, 5, 6], "1-3": [1, 2, 3], "5-": [5, 6, 7]}[cli]]


def test_times(sample, tmp_path):
    utc = datetime.timezone.utc
    for since, until in [
        (1704067203, datetime.datetime(2024, 1, 1, 0, 0, 6, tzinfo=utc)),
        (decimal.Decimal("1704067202.5"), 1704067205.5),
        ("2024-01-01T01:00:03+01:00", datetime.datetime(2024, 1, 1, 0, 0, 6)),
    ]:
        got = [s.stream for s in tcpsession.sessions(sample, since=since, until=until)]
        assert sorted(got) == [3, 4, 5], (since, until)
    _same_as_command(sample, tmp_path, ["--since", "1704067203"], since=1704067203)


def _pcap_records(path):
    """(linktype, ts_ns, bytes) of a little-endian microsecond pcap."""
    import struct
    data = open(path, "rb").read()
    assert data[:4] == b"\xd4\xc3\xb2\xa1"
    linktype = struct.unpack("<I", data[20:24])[0]
    pos = 24
    while pos + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack("<IIII", data[pos:pos + 16])
        yield linktype, sec * 10**9 + usec * 1000, data[pos + 16:pos + 16 + caplen]
        pos += 16 + caplen


def test_engine_feed_filter(sample):
    """Engine(filter=...) selects and numbers as open(filter=...)."""
    expr = "not host 192.168.1.10 or port 50006"
    engine = tcpsession.Engine(filter=expr, capture=sample)
    got = []
    for linktype, ts_ns, frame in _pcap_records(sample):
        got += engine.feed_ns(linktype, ts_ns, frame)
    got += engine.finish()
    want = list(tcpsession.sessions(sample, filter=expr))
    assert sorted(s.stream for s in got) == [3, 6, 7]
    assert sorted(s.to_dict()["stream"] for s in want) == [3, 6, 7]
    assert {s.stream: s.to_dict() for s in got} == {s.stream: s.to_dict() for s in want}


def test_errors(sample):
    with pytest.raises(ValueError, match=r"^filter 'port eighty': unknown port 'eighty'$"):
        list(tcpsession.sessions(sample, filter="port eighty"))
    with pytest.raises(ValueError, match=r"^streams='3,x': expected stream numbers and ranges "
                                         r"such as 3,7-9,12-$"):
        tcpsession.open(sample, streams="3,x")
    with pytest.raises(ValueError, match=r"^since='soon': expected seconds since the epoch"):
        tcpsession.open(sample, since="soon")
    with pytest.raises(TypeError):
        tcpsession.open(sample, filter=80)
    with pytest.raises(TypeError):
        tcpsession.open(sample, since=object())
