"""The original library's API: same names, arguments and shapes, results
from this engine (checked against ../shared/seed-data/original-output and
the command's `--format json`)."""

import filecmp
import glob
import os
import subprocess

import pytest

import tcpsession
from conftest import BIN, SHARED
from tcpsession.tcpsession import NetworkTuple, TCPSession, TCPSessions, str_to_inet

ORIGINAL = os.path.join(SHARED, "seed-data", "original-output")


def original_cases():
    if not os.path.isdir(ORIGINAL):
        return []
    out = []
    for stem in sorted(os.listdir(ORIGINAL)):
        pcap = os.path.join(SHARED, "seed-data", stem + ".pcap")
        if os.path.isfile(pcap):
            out.append((stem, pcap))
    return out


@pytest.mark.parametrize("stem,pcap", original_cases(), ids=lambda x: x)
def test_against_the_original_output(stem, pcap, tmp_path):
    t = TCPSessions(pcap)
    t.process_pcap()
    original = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ORIGINAL, stem, "*.json")))
    assert t.get_total_session_count() == len(original)
    # the original's file names are SIP_SPORT-DIP_DPORT-6-K: the 4-tuples
    tuples = sorted({name.rsplit("-", 1)[0] for name in original})
    assert sorted(t.get_unique_network_tuples()) == tuples
    for name in tuples:
        ends, proto = name.rsplit("-", 1)
        (sip, sport), (dip, dport) = (e.rsplit("_", 1) for e in ends.split("-"))
        nt = NetworkTuple(str_to_inet(sip), str_to_inet(dip), int(sport), int(dport), int(proto))
        assert t.get_session_count(nt) == sum(1 for o in original if o.startswith(name + "-"))
        assert len(t.get_sessions(nt)) == t.get_session_count(nt)
    # dump_all_sessions writes the command's --format json files, names as the original's
    t.dump_all_sessions(str(tmp_path / "py"))
    assert sorted(os.listdir(tmp_path / "py")) == original
    subprocess.run([BIN, "extract", "--quiet", "-o", str(tmp_path / "cli"), "--format", "json",
                    pcap], check=True)
    cli = tmp_path / "cli" / stem
    match, mismatch, errors = filecmp.cmpfiles(cli, tmp_path / "py", original, shallow=False)
    assert mismatch == [] and errors == []


def test_shapes_on_the_sample(sample, tmp_path):
    t = TCPSessions(sample)
    t.process_pcap()
    assert t.get_total_session_count() == 8
    sessions = t.get_all_sessions()
    assert len(sessions) == 8
    (ts, n), frame = sessions[0][0]
    assert isinstance(ts, float) and n == 1 and isinstance(frame, bytes)
    assert [p[0][1] for p in sessions[0]] == list(range(1, len(sessions[0]) + 1))
    # streams 6 and 7 share a 4-tuple: N goes on counting over both
    assert sessions[7][0][0][1] == len(sessions[6]) + 1
    nt = NetworkTuple("192.168.1.10", "192.168.1.20", 50006, 80, 6)
    assert nt == NetworkTuple("192.168.1.20", "192.168.1.10", 80, 50006, 6)
    assert hash(nt) == hash(NetworkTuple("192.168.1.20", "192.168.1.10", 80, 50006, 6))
    assert repr(nt) == "192.168.1.10_50006-192.168.1.20_80-6"
    assert t.get_session_count(nt) == 2
    assert t.get_sessions(nt) == [sessions[6], sessions[7]]
    assert t.get_unique_network_tuples()[0] == "192.168.1.10_50000-192.168.1.20_80-6"

    # one pcap per session, the session's frames unchanged
    t.write_all_sessions(str(tmp_path / "pcaps"), "x")
    names = sorted(os.listdir(tmp_path / "pcaps"))
    assert len(names) == 8
    assert "x_192.168.1.10_50006-192.168.1.20_80-6_1.pcap" in names
    again = list(tcpsession.sessions(tmp_path / "pcaps" / "x_192.168.1.10_50000-192.168.1.20_80-6_0.pcap"))
    assert len(again) == 1 and again[0].client_data == next(
        s for s in tcpsession.sessions(sample) if s.stream == 0).client_data
    t.write_session(3, str(tmp_path / "one"))
    assert os.listdir(tmp_path / "one") == ["2001:db8::10_50003-2001:db8::20_80-6.pcap"]


def test_one_tuple_and_fed_packets(sample):
    one = TCPSession(sample, "192.168.1.10", "192.168.1.20", 50006, 80)
    one.process()
    assert one.get_session_count() == 2 and sorted(one.get_sessions()) == [1, 2]
    assert one.get_session(0) == one.get_sessions_list()[0] and one.get_session(5) is None
    assert one.get_session_network_tuple(1) == "192.168.1.10_50006-192.168.1.20_80-6"
    from test_engine_feed import read_pcap
    pkts = [(ts / 1e9, data) for _, ts, data, _ in read_pcap(sample)]
    fed = TCPSessions("")
    fed.process_pkts(pkts)
    t = TCPSessions(sample)
    t.process_pcap()
    assert [[p[1] for p in s] for s in fed.get_all_sessions()] == \
        [[p[1] for p in s] for s in t.get_all_sessions()]
