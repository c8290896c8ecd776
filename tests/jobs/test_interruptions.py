"""An ingest stopped by Ctrl-C or killed outright, and two ingests at once: the index is never
corrupted, holds no half call, and the same command finishes the job. Real processes, real model."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from clipfinder import Index

from ..conftest import CALLS, ROOT


def start_ingest(db: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "clipfinder", "ingest", str(CALLS), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        # as a terminal's Ctrl-C would find it, whatever this test process ignores
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for_first_call(db: Path, process: subprocess.Popen, limit_s: float = 120) -> None:
    started = time.monotonic()
    while time.monotonic() - started < limit_s and process.poll() is None:
        if db.exists():
            with Index(db) as index:
                if index.calls():
                    return
        time.sleep(0.2)


def whole_calls(db: Path) -> int:
    """The number of calls, checking each is whole: words, segments and metrics all there."""
    with Index(db) as index:
        assert index._db.execute("pragma integrity_check").fetchone()[0] == "ok"
        for call in index.calls():
            assert index.words(call.id) and index.segments(call.id)
            assert index.metrics(call.id) is not None
        return len(index.calls())


def test_ctrl_c_stops_at_once_says_so_and_leaves_whole_calls(tmp_path):
    db = tmp_path / "x.db"
    process = start_ingest(db)
    wait_for_first_call(db, process)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "Interrupted. What was written stays" in output
    assert "Traceback" not in output and "leaked" not in output
    assert 1 <= whole_calls(db) < 4
    again = start_ingest(db)
    assert again.wait(timeout=300) == 0 and whole_calls(db) == 4


def test_a_killed_ingest_leaves_whole_calls_and_the_rerun_finishes(tmp_path):
    db = tmp_path / "x.db"
    process = start_ingest(db)
    wait_for_first_call(db, process)
    process.kill()
    process.communicate(timeout=60)
    assert whole_calls(db) >= 1
    again = start_ingest(db)
    assert again.wait(timeout=300) == 0 and whole_calls(db) == 4


def test_two_ingests_at_once_index_each_call_once(tmp_path):
    db = tmp_path / "x.db"
    first, second = start_ingest(db), start_ingest(db)
    outputs = [p.communicate(timeout=300)[0] for p in (first, second)]
    assert (first.returncode, second.returncode) == (0, 0), outputs
    assert whole_calls(db) == 4
    with Index(db) as index:
        assert len({c.sha256 for c in index.calls()}) == 4
