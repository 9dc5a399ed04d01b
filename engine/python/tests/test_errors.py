"""Errors are exceptions with the file, offset and reason; a damaged capture
still yields every session read before the damage."""

import gzip
import shutil
import warnings

import pytest

import tcpsession


def test_missing_file_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        tcpsession.open(tmp_path / "nonexist.pcap")


def test_not_a_capture(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello, this is not a capture file at all\n")
    with pytest.raises(tcpsession.CaptureError) as err:
        list(tcpsession.sessions(path))
    assert err.value.path == str(path) and err.value.offset is None
    assert err.value.reason


def test_damaged_capture_yields_sessions_first(sample, tmp_path):
    raw = open(sample, "rb").read()
    path = tmp_path / "damaged.pcap"
    # a record header claiming 3 GB at a record boundary in the middle
    import struct
    at, bounds = 24, []
    while at + 16 <= len(raw):
        bounds.append(at)
        at += 16 + struct.unpack("<I", raw[at + 8:at + 12])[0]
    cut = bounds[len(bounds) // 2]
    path.write_bytes(raw[:cut] + struct.pack("<IIII", 1, 0, 0xC0000000, 0xC0000000)
                     + raw[cut + 16:])
    got = []
    with pytest.raises(tcpsession.CaptureError) as err:
        for s in tcpsession.sessions(path):
            got.append(s)
    assert got, "the sessions before the damage come first"
    assert err.value.offset == cut and err.value.path == str(path)
    assert str(err.value).startswith(f"{path}: offset {cut}: ")
    with tcpsession.open(path, errors="warn") as cap:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            again = list(cap)
    assert len(again) == len(got)
    assert any(issubclass(w.category, tcpsession.CaptureWarning) for w in caught)
    assert cap.error is not None and cap.error.offset == cut


def test_truncated_last_record_is_a_warning(sample, tmp_path):
    path = tmp_path / "cut.pcap"
    path.write_bytes(open(sample, "rb").read()[:-7])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tcpsession.open(path) as cap:
            n = len(list(cap))
    assert n == 8
    assert len(cap.warnings) == 1 and "last record truncated" in cap.warnings[0]
    assert [str(w.message) for w in caught if w.category is tcpsession.CaptureWarning] == \
        cap.warnings


def test_gzip_capture(sample, tmp_path):
    path = tmp_path / "sample.pcap.gz"
    with open(sample, "rb") as src, gzip.open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert len(list(tcpsession.sessions(path))) == 8


def test_engine_feed_rejects_bad_arguments():
    engine = tcpsession.Engine()
    with pytest.raises(TypeError):
        engine.feed(1, 0.0, "not bytes")
    # an unsupported link type is counted, not an error
    assert engine.feed(4242, 0.0, b"\x00" * 10) == []
    assert engine.stats.unsupported_link == 1
