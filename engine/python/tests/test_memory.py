"""Memory stays bounded on a capture far larger than max_memory: sessions
are handed over one at a time and open sessions' bytes spill to a file."""

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import SRCDIR


def test_peak_memory_far_below_the_capture(tmp_path):
    if "libasan" in os.environ.get("LD_PRELOAD", ""):
        pytest.skip("under ASan the quarantine and shadow memory are counted too")
    bench_gen = os.path.join(os.path.dirname(os.environ.get("TS_BIN", SRCDIR + "/x")),
                             "harness", "bench", "bench-gen")
    if not os.access(bench_gen, os.X_OK):
        pytest.skip("harness/bench/bench-gen not built")
    capture = tmp_path / "big.pcap"
    subprocess.run([bench_gen, str(capture), "--size", "200", "--connections", "400",
                    "--concurrency", "400"], check=True, capture_output=True)
    size = capture.stat().st_size
    assert size > 150 << 20
    code = textwrap.dedent(f"""
        import tcpsession
        total = 0
        with tcpsession.open({str(capture)!r}, max_memory="8M") as cap:
            for s in cap:
                total += len(s.client_data) + len(s.server_data)
        # VmHWM, not ru_maxrss: that one survives exec, from the big pytest parent
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
        print(total, int(hwm.split()[1]) * 1024)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, TMPDIR=str(tmp_path)), check=True)
    total, peak = map(int, out.stdout.split())
    assert total > size // 2
    assert peak < 120 << 20, f"peak RSS {peak >> 20} MB for a {size >> 20} MB capture"
