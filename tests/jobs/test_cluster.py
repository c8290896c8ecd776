"""Ingest on a Dask cluster: the same index as a local run, call for call; a worker killed
mid-task loses nothing; recordings travel as bytes to workers that cannot see them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clipfinder import Index, ingest
from clipfinder.errors import BadInput
from clipfinder.store import queries

from ..conftest import CALLS

pytest.importorskip("distributed", reason="Dask is not installed (pip install -e '.[dask]')")


def snapshot(db: Path) -> dict[str, tuple]:
    """Everything ingest stored of each call, keyed by the recording's content."""
    out = {}
    with Index(db) as index:
        for call in index.calls():
            words = tuple((w.start, w.end, w.text, w.speaker) for w in index.words(call.id))
            clips = tuple(
                (c.skill, c.start_s, c.end_s, c.speaker, c.phrase) for c in queries.call_clips(index, call.id)
            )
            metrics = index.metrics(call.id)
            out[call.sha256] = (
                call.path,
                call.rep,
                call.account,
                call.date,
                call.layout,
                call.duration_s,
                call.attribution,
                words,
                clips,
                metrics,
            )
    return out


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("local") / "local.db"
    with Index(db) as index:
        report = ingest([CALLS], index, workers=2)
    assert report.ok
    return db


def test_a_local_dask_cluster_indexes_exactly_what_local_workers_do(local_run, tmp_path):
    heard: list[tuple[str, float]] = []

    class Progress:
        def begin(self, files, audio_s):
            pass

        def advance(self, outcome):
            pass

        def during(self, path, seconds):
            heard.append((path, seconds))

    db = tmp_path / "dask.db"
    with Index(db) as index:
        report = ingest([CALLS], index, workers=2, executor="dask", progress=Progress())
    assert report.ok and len(report.outcomes) == 4
    local, remote = snapshot(local_run), snapshot(db)
    assert local.keys() == remote.keys()
    for sha in local:
        assert remote[sha] == local[sha], f"call {local[sha][0]} differs"
    # the workers' progress reports reach the caller
    assert {p for p, _ in heard} == {v[0] for v in local.values()}


def die_once(job):
    """A task that kills its worker the first time it meets the acme call, as a crash would."""
    from clipfinder.jobs.cluster import process_anywhere

    marker = Path(os.environ["CLIPFINDER_TEST_MARKER"])
    if job.path.endswith("acme-discovery.wav") and not marker.exists():
        marker.write_text("killed once")
        os._exit(1)
    return process_anywhere(job)


def test_a_worker_killed_mid_task_loses_nothing_and_blames_no_one(local_run, tmp_path, monkeypatch):
    import cloudpickle

    from clipfinder.jobs import cluster

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import tests/
    marker = tmp_path / "killed"
    monkeypatch.setenv("CLIPFINDER_TEST_MARKER", str(marker))  # inherited by the cluster's workers
    monkeypatch.setattr(cluster, "process_anywhere", die_once)
    db = tmp_path / "dask.db"
    with Index(db) as index:
        report = ingest([CALLS], index, workers=2, executor="dask")
        failures = index.failures()
    assert marker.exists(), "no worker was killed: the test proves nothing"
    assert report.ok and failures == []
    assert sorted(o.status.value for o in report.outcomes) == ["indexed"] * 4
    assert snapshot(db) == snapshot(local_run)


def test_a_worker_that_cannot_see_the_path_gets_the_bytes(tmp_path):
    from dataclasses import replace

    from clipfinder.jobs import cluster

    with Index(tmp_path / "plan.db") as index:
        report = ingest([CALLS / "alice" / "acme-discovery.wav"], index, workers=1)
        assert report.ok
    source = CALLS / "alice" / "acme-discovery.wav"
    moved = tmp_path / "elsewhere" / "acme-discovery.wav"  # as the coordinator sees it
    jobs = []

    def keep(jobs_in, during):  # an executor that only keeps the planned jobs
        jobs.extend(jobs_in)
        yield from ()

    from clipfinder.jobs import ingest as ingest_module

    original = ingest_module._executor
    ingest_module._executor = lambda executor, scheduler, workers: keep
    try:
        with Index(tmp_path / "again.db") as index:
            ingest([source], index, workers=1)
    finally:
        ingest_module._executor = original
    [job] = jobs
    sent = replace(job, path=str(moved), audio=source.read_bytes())
    result = cluster.process_anywhere(sent)
    assert result.error is None and result.path == str(moved) and result.transcript.path == str(moved)
    assert len(result.transcript.words) > 20


def test_bad_executor_options_are_clear(tmp_path, monkeypatch):
    with Index(tmp_path / "x.db") as index:
        with pytest.raises(BadInput, match="--scheduler is for --executor dask"):
            ingest([CALLS], index, scheduler="tcp://127.0.0.1:1")
        with pytest.raises(BadInput, match="--executor is local or dask"):
            ingest([CALLS], index, executor="spark")
        monkeypatch.setitem(sys.modules, "clipfinder.jobs.cluster", None)
        with pytest.raises(BadInput, match=r"pip install 'clipfinder\[dask\]'"):
            ingest([CALLS], index, executor="dask")


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    from clipfinder.jobs import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Index(tmp_path / "x.db") as index, pytest.raises(BadInput, match="cannot reach the Dask scheduler"):
        ingest([CALLS], index, executor="dask", scheduler=f"tcp://127.0.0.1:{port}")


def test_a_scheduler_and_two_workers_started_by_hand(local_run, tmp_path):
    """As docs/scale.md says to start a cluster: `dask scheduler`, then `dask worker` twice."""
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if dask is None:
        pytest.skip("no `dask` command on this machine")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    started = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    ]
    try:
        time.sleep(2)
        for _ in range(2):
            started.append(
                subprocess.Popen(
                    [dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env={**env, "OMP_NUM_THREADS": "1"},
                )
            )
        db = tmp_path / "cluster.db"
        with Index(db) as index:
            report = ingest([CALLS], index, workers=2, executor="dask", scheduler=address)
        assert report.ok
        assert snapshot(db) == snapshot(local_run)
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            process.wait(timeout=30)
