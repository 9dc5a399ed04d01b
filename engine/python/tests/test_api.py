"""Every attribute of every session against the command's jsonl, on every
capture of data/ and ../shared; the API's shapes and names."""

import base64
import datetime
import hashlib
import ipaddress
import os
import struct

import pytest

import tcpsession
from conftest import capture_id, data_captures, run_jsonl, shared_captures


def _check_capture(capture, tmp_path, **options):
    cli = []
    for name, value in options.items():
        cli += [f"--{name.replace('_', '-')}", str(value)]
    expected = run_jsonl(capture, tmp_path, *cli)
    got = {}
    with tcpsession.open(capture, errors="warn", **options) as cap:
        for s in cap:
            assert s.stream not in got
            got[s.stream] = s
    assert sorted(got) == sorted(expected), capture
    for stream, s in got.items():
        d = expected[stream]
        assert s.to_dict() == d, f"{capture} stream {stream}"
        # the attributes behind to_dict()
        assert s.client == (d["client"]["ip"], d["client"]["port"])
        assert s.client.ip == d["client"]["ip"] and s.server.port == d["server"]["port"]
        assert len(s.client_data) == s.client_bytes == d["client_bytes"]
        assert hashlib.md5(s.server_data).hexdigest() == d["server_md5"]
        assert b"".join(m.data for m in s.messages if m.direction == "client") == s.client_data
        assert [a.type for a in s.anomalies] == [a["type"] for a in d["anomalies"]]
        assert all(a in tcpsession.ANOMALY_TYPES for a in (x.type for x in s.anomalies))
        assert s.close in tcpsession.CLOSE_REASONS
    assert cap.stats.sessions == len(expected)
    return got


@pytest.mark.parametrize("capture", data_captures(), ids=capture_id)
def test_data_captures_equal_jsonl(capture, tmp_path):
    _check_capture(capture, tmp_path)


@pytest.mark.parametrize("capture", shared_captures(), ids=capture_id)
def test_shared_captures_equal_jsonl(capture, tmp_path):
    _check_capture(capture, tmp_path)


@pytest.mark.parametrize("overlap", ["last", "linux"])
def test_overlap_policies_equal_jsonl(overlap, tmp_path):
    for capture in data_captures():
        if "overlap" in os.path.basename(capture):
            _check_capture(capture, tmp_path / os.path.basename(capture), overlap=overlap)


def test_sample_session_shapes(sample):
    sessions = sorted(tcpsession.sessions(sample), key=lambda s: s.stream)
    assert [s.stream for s in sessions] == list(range(8))
    s = sessions[0]
    assert s.client == tcpsession.Endpoint("192.168.1.10", 50000)
    assert s.server == ("192.168.1.20", 80)
    assert str(s.client) == "192.168.1.10:50000"
    assert str(sessions[3].client) == "[2001:db8::10]:50003"
    assert (s.close, s.packets, s.midstream, s.first_frame) == ("fin", 10, False, 1)
    assert s.start_datetime.tzinfo is datetime.timezone.utc
    assert s.start_datetime.timestamp() == pytest.approx(s.start, abs=1e-6)
    assert s.duration >= 0
    m = s.messages[0]
    assert m.direction == "client" and isinstance(m.data, memoryview) and m.length == len(m.data)
    assert m.data.obj is s.client_data  # a view, not a copy
    assert repr(s) == ("<Session 0 192.168.1.10:50000 -> 192.168.1.20:80 fin, 10 packets, "
                       "client 52 B, server 78 B>")
    gap = sessions[5]
    assert gap.gaps == [tcpsession.Gap(gap.gaps[0].direction, gap.gaps[0].offset, 15)]
    assert "1 gap (15 bytes missing)" in repr(gap)
    assert s.data("client") is s.client_data
    with pytest.raises(ValueError):
        s.data("both")


def test_sessions_come_as_they_complete(sample):
    # stream 6 ends when stream 7 reuses its ports: before the others, which
    # end with the capture
    assert [s.stream for s in tcpsession.sessions(sample)][0] == 6


def test_stats_and_warnings(sample):
    with tcpsession.open(sample) as cap:
        n = sum(1 for _ in cap)
    assert n == 8 and cap.stats.sessions == 8 and cap.stats.frames > 0
    assert cap.stats.bytes_read == os.path.getsize(sample)
    assert cap.warnings == []


def test_break_stops_reading(sample, tmp_path):
    with tcpsession.open(sample) as cap:
        first = next(iter(cap))
    assert first.stream == 6
    assert cap.stats is not None and "closed" in repr(cap)
    assert list(cap) == []
    # one connection after the other: leaving the block after the first
    # session leaves most of the capture unread
    from conftest import BIN
    bench_gen = os.path.join(os.path.dirname(BIN), "harness", "bench", "bench-gen")
    if not os.access(bench_gen, os.X_OK):
        pytest.skip("harness/bench/bench-gen not built")
    import subprocess
    capture = str(tmp_path / "sequential.pcap")
    subprocess.run([bench_gen, capture, "--size", "4", "--connections", "50", "--concurrency", "1"],
                   check=True, capture_output=True)
    with tcpsession.open(capture, close_linger=0) as cap:
        assert sum(1 for _ in cap) == 50
    total = cap.stats.frames
    with tcpsession.open(capture, close_linger=0) as cap:
        assert next(cap).stream == 0
    assert 0 < cap.stats.frames < total // 2


def test_options_are_checked(sample):
    with pytest.raises(TypeError, match="unknown option 'max_bufer'"):
        tcpsession.open(sample, max_bufer=1)
    with pytest.raises(ValueError, match="overlap"):
        tcpsession.open(sample, overlap="middle")
    with pytest.raises(ValueError, match="not a size"):
        tcpsession.open(sample, max_buffer="lots")
    with pytest.raises(ValueError, match="at least 1"):
        tcpsession.open(sample, max_buffer=0)
    assert tcpsession.parse_size("64M") == 64 << 20 and tcpsession.parse_size(10) == 10


def test_write_equals_the_command(sample, tmp_path):
    stats = tcpsession.write(sample, tmp_path / "py", "jsonl")
    assert stats.sessions == 8
    expected = run_jsonl(sample, tmp_path)
    with open(tmp_path / "py" / "sessions.jsonl") as fp:
        import json
        assert {d["stream"]: d for d in map(json.loads, fp)} == expected
    # pcap: the command's per-session captures, byte for byte
    import filecmp
    import subprocess
    from conftest import BIN
    tcpsession.write(sample, tmp_path / "pypcap", "pcap")
    subprocess.run([BIN, "extract", "--quiet", "-o", str(tmp_path / "cli"), "--format", "pcap",
                    sample], check=True)
    names = sorted(os.listdir(tmp_path / "cli" / "sample"))
    assert len(names) == 8 and sorted(os.listdir(tmp_path / "pypcap")) == names
    assert filecmp.cmpfiles(tmp_path / "cli" / "sample", tmp_path / "pypcap", names,
                            shallow=False)[0] == names
    with pytest.raises(ValueError, match="unknown format"):
        tcpsession.write(sample, tmp_path / "x", "yaml")


def test_help_reads_like_the_readme():
    doc = tcpsession.__doc__
    assert "tcpsession.open(" in doc and "max_memory:" in doc and "CaptureError" in doc
    for name in ("open", "sessions", "Engine", "write", "Session", "CaptureError"):
        assert getattr(tcpsession, name).__doc__, name


def _community_id(client, server, seed=0):
    """The Community ID v1 of a TCP flow, written from the spec's pseudo code
    (corelight/community-id-spec README), independently of the library."""
    a = (ipaddress.ip_address(client.ip).packed, client.port)
    b = (ipaddress.ip_address(server.ip).packed, server.port)
    if b < a:
        a, b = b, a
    data = struct.pack("!H", seed) + a[0] + b[0] + struct.pack("!BBHH", 6, 0, a[1], b[1])
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def test_sample_capture_and_community_id(sample):
    sessions = sorted(tcpsession.sessions(sample), key=lambda s: s.stream)
    assert all(s.capture == sample for s in sessions)
    # tshark --enable-protocol communityid -T fields -e communityid on
    # data/sample.pcap: stream 0 (IPv4) and stream 3 (IPv6)
    assert sessions[0].community_id == "1:azKJn+KuAwvUe0ruAmij8cUDQZI="
    assert sessions[3].community_id == "1:Eya7QPiCxatfmOb1Dp5s3WbvM4U="
    for s in sessions:
        assert s.community_id == _community_id(s.client, s.server)
        assert s.to_dict()["community_id"] == s.community_id
        assert s.to_dict()["capture"] == sample
    # the spec's baseline flow (baseline/README.md, default seed)
    ep = tcpsession.Endpoint
    assert _community_id(ep("1.2.3.4", 1122), ep("5.6.7.8", 3344)) == \
        "1:wCb3OG7yAFWelaUydu0D+125CLM="
    assert _community_id(ep("5.6.7.8", 3344), ep("1.2.3.4", 1122), seed=1) == \
        "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="
