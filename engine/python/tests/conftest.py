"""Fixtures of the Python package's tests: the built command (to compare
with), and the captures to run on — every capture in the repository's data/,
the original library's captures and the public corpus in ../shared when it
is there (tests that need it skip otherwise)."""

import glob
import json
import os
import subprocess

import pytest

SRCDIR = os.environ.get("TS_SRCDIR", os.path.abspath(os.path.join(os.path.dirname(__file__),
                                                                  "..", "..", "..")))
SHARED = os.environ.get("TS_SHARED", os.path.join(SRCDIR, "..", "shared"))
BIN = os.environ.get("TS_BIN", os.path.join(SRCDIR, "tcpsession"))
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz")


def _captures(folder, recursive=True):
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "**", "*"), recursive=recursive)):
        if os.path.isfile(path) and path.endswith(CAPTURE_SUFFIXES):
            out.append(path)
    return out


def capture_id(value):
    """A parameter's id: the capture's file name (pytest also asks for the
    placeholder of an empty list, when ../shared is absent)."""
    return os.path.basename(value) if isinstance(value, str) else str(value)


def data_captures():
    return _captures(os.path.join(SRCDIR, "data"))


def shared_captures():
    """The seed captures and the corpus (empty without ../shared)."""
    return (_captures(os.path.join(SHARED, "seed-data"), recursive=False)
            + _captures(os.path.join(SHARED, "corpus")))


def run_jsonl(capture, tmp_path, *options):
    """The command's jsonl objects of `capture`, by stream."""
    out = tmp_path / "out"
    subprocess.run([BIN, "extract", "--quiet", "-o", str(out), "--format", "jsonl", *options,
                    capture], check=False, capture_output=True)
    lines = []
    for path in glob.glob(str(out / "*" / "sessions.jsonl")):
        with open(path) as fp:
            lines += [json.loads(line) for line in fp]
    return {d["stream"]: d for d in lines}


@pytest.fixture
def sample():
    return os.path.join(SRCDIR, "data", "sample.pcap")


@pytest.fixture
def shared():
    if not os.path.isdir(SHARED):
        pytest.skip(f"{SHARED} is absent")
    return SHARED


def pytest_report_header(config):
    import tcpsession
    return f"tcpsession {tcpsession.__version__} from {os.path.dirname(tcpsession.__file__)}"
