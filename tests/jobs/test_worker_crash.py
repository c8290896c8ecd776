"""A worker process that dies blames only the file that killed it: the files it had in flight are
run again, each alone, and only one whose worker dies on its own is failed."""

import multiprocessing
import os
import signal

from clipfinder import Index, ingest
from clipfinder.jobs.pool import run_jobs
from clipfinder.pipeline.recording import Job, JobResult, Settings
from clipfinder.pipeline.rubric import load_rubric
from clipfinder.pipeline.transcribe import TranscribeOptions
from clipfinder.pipeline.whisper_model import resolve_model

from ..conftest import CALLS

FIXTURES = [
    CALLS / "alice" / "acme-discovery.wav",
    CALLS / "alice" / "globex-pricing.mp3",
    CALLS / "bob" / "initech-followup.flac",
    CALLS / "bob" / "umbrella-intro.ogg",
]


def crash_on_poison(job: Job) -> JobResult:
    """Stands in for the pipeline in a worker: a 'poison' file kills the worker, like a decoder crash."""
    if "poison" in job.path:
        os._exit(1)
    return JobResult(job.path, job.sha256, error="fine")


def no_model(model, cpu_threads) -> None:
    """Workers of this test need no model."""


def test_only_the_file_that_kills_its_worker_is_blamed():
    settings = Settings(resolve_model(None), TranscribeOptions(), load_rubric(None), 30.0)
    names = ["a.wav", "b.wav", "poison.wav", "c.wav", "d.wav", "e.wav"]
    jobs = [Job(f"/calls/{n}", n, settings) for n in names]
    results = {
        r.path.rsplit("/", 1)[-1]: r.error for r in run_jobs(jobs, workers=2, work=crash_on_poison, warm=no_model)
    }
    assert results == {
        "a.wav": "fine",
        "b.wav": "fine",
        "poison.wav": "/calls/poison.wav: the worker process died on this file; it may be damaged",
        "c.wav": "fine",
        "d.wav": "fine",
        "e.wav": "fine",
    }


class KillOneWorker:
    """Progress that kills a worker process as the first file comes back (the issue's experiment)."""

    def __init__(self) -> None:
        self.killed = False

    def begin(self, files: int, audio_s: float) -> None:
        pass

    def advance(self, outcome) -> None:
        workers = multiprocessing.active_children()
        if not self.killed and workers:
            os.kill(workers[0].pid, signal.SIGKILL)
            self.killed = True


def test_a_worker_killed_mid_batch_fails_no_file(tmp_path):
    progress = KillOneWorker()
    with Index(tmp_path / "x.db") as index:
        report = ingest(FIXTURES, index, workers=2, progress=progress)
        assert progress.killed
        assert [o.detail for o in report.outcomes if o.status.value != "indexed"] == []
        assert len(index.calls()) == 4
