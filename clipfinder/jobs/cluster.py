"""Running ingest's jobs on a Dask cluster (`ingest --executor dask`), for teams past one machine.

Each Dask worker loads the model once (a worker plugin); every recording's transcription and
attribution is one task; results stream back as they finish and the caller, alone, writes
SQLite, exactly as with local workers. Recordings are read from the path the workers share, or,
when a worker cannot see that path, from the bytes sent with the task (files up to
SEND_AUDIO_BYTES). A worker that dies mid-task: Dask runs the task again on another worker, so
nothing is lost or stored twice; a recording that kills workers again and again is the only one
reported failed.

Dask is an extra: `pip install 'clipfinder[dask]'`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from distributed import WorkerPlugin

from clipfinder.errors import BadInput
from clipfinder.pipeline.recording import Job, JobResult, init_process, process, report_progress
from clipfinder.pipeline.whisper_model import ModelRef, resolve_model

SEND_AUDIO_BYTES = 64 * 1024 * 1024  # a recording this size or smaller travels with its task
PROGRESS_TOPIC = "clipfinder-progress"
_threads = 0  # on a worker: CTranslate2 threads per task, set by ModelLoader
CONNECT_TIMEOUT_S = 30


def run_on_dask(
    jobs: list[Job],
    scheduler: str | None,
    workers: int,
    during: Callable[[str, float], None] | None = None,
    work: Callable[[Job], JobResult] | None = None,
) -> Generator[JobResult, None, None]:
    """Yield each job's result as it completes on the cluster at `scheduler`, or on a local
    cluster of `workers` processes when it is None. `work` replaces the task (tests)."""
    from distributed import Client, LocalCluster, as_completed

    if not jobs:
        return
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=40,  # errors only: the progress bar is the user's view
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(_connect(scheduler))
        info = client.scheduler_info().get("workers", {})
        per_host = Counter(str(w.get("host")) for w in info.values())
        client.register_plugin(ModelLoader(jobs[0].settings.model, dict(per_host)), name="clipfinder-model")
        if during is not None:
            client.subscribe_topic(PROGRESS_TOPIC, lambda event: during(event[1]["path"], event[1]["seconds"]))
        width = max(1, len(client.scheduler_info().get("workers", {})) or workers)
        queue = list(jobs)
        running = as_completed()
        task = work or process_anywhere
        for _ in range(min(len(queue), width * 2)):  # a few in flight: memory stays flat
            running.add(_submit(client, task, queue.pop(0)))
        for future in running:
            yield _result(future)
            if queue:
                running.add(_submit(client, task, queue.pop(0)))


def _connect(scheduler: str) -> Any:
    from distributed import Client

    try:
        return Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError) as exc:
        raise BadInput(
            f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one with `dask scheduler` "
            "and workers with `dask worker ADDRESS` (docs/scale.md)"
        ) from None


def _submit(client: Any, task: Callable[[Job], JobResult], job: Job) -> Any:
    sent = job
    size = _size(job.path)
    if size is not None and size <= SEND_AUDIO_BYTES:
        sent = replace(job, audio=Path(job.path).read_bytes())
    future = client.submit(task, sent, key=f"clipfinder-{job.sha256[:12]}-{uuid.uuid4().hex[:8]}", pure=False)
    future.clipfinder_job = job  # for the failure message if the task itself fails
    return future


def _result(future: Any) -> JobResult:
    """The task's JobResult; a task Dask gave up on (it killed its workers) is this file failing."""
    try:
        result: JobResult = future.result()
        return result
    except Exception as exc:
        job: Job = future.clipfinder_job
        kind = type(exc).__name__
        if kind == "KilledWorker":
            reason = "the Dask workers processing this recording died each time (out of memory?)"
        else:
            reason = f"the Dask task failed: {kind} ({exc})"
        return JobResult(job.path, job.sha256, error=f"{job.path}: {reason}")


def _size(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def process_anywhere(job: Job) -> JobResult:
    """`process` on a Dask worker: the recording from its path if this machine sees it, else from
    the bytes sent with the task; the model from this machine's installation."""
    settings = replace(job.settings, model=here(job.settings.model), cpu_threads=_threads or job.settings.cpu_threads)
    if job.settings.detector is not None:
        settings = replace(settings, detector=here(job.settings.detector))
    local = replace(job, settings=settings, audio=None)
    if Path(job.path).is_file() or job.audio is None:
        return process(local)
    with tempfile.TemporaryDirectory(prefix="clipfinder-") as folder:
        copy = Path(folder) / ("recording" + Path(job.path).suffix)
        copy.write_bytes(job.audio)
        result = process(replace(local, path=str(copy)))
    return _renamed(result, job.path, str(copy))


def _renamed(result: JobResult, path: str, copy: str) -> JobResult:
    """The result as if the recording had been read at `path` (its copy's name never shows)."""
    transcript = None if result.transcript is None else replace(result.transcript, path=path)
    error = None if result.error is None else result.error.replace(copy, path)
    return replace(result, path=path, transcript=transcript, error=error)


def here(ref: ModelRef) -> ModelRef:
    """The same model as installed on this machine: a built-in model by its name, when the
    coordinator's folder for it is not here (another machine, another virtualenv)."""
    if ref.download or Path(ref.path).exists():
        return ref
    return replace(resolve_model(ref.label), device=ref.device, compute_type=ref.compute_type)


def _roomy_malloc() -> None:
    """Undo, in this worker, the small trim threshold a Dask nanny gives its workers
    (MALLOC_TRIM_THRESHOLD_=65536). With it, glibc stops adapting its mmap threshold and every
    large buffer the model allocates is a fresh mmap: one call took 7.8 s to transcribe in a Dask
    worker against 4.4 s outside it (measured by hand; docs/performance.md has the bench runs)."""
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
        libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)
        libc.mallopt(m_trim_threshold, 64 * 1024 * 1024)


def _tell_client(path: str, seconds: float) -> None:
    """On a worker, during a task: how far into the recording it is, as an event for the client."""
    from distributed import get_worker

    # plain types only: events travel as msgpack (a numpy float would be refused)
    get_worker().log_event(PROGRESS_TOPIC, {"path": str(path), "seconds": float(seconds)})


class ModelLoader(WorkerPlugin):
    """Dask worker plugin: load the model when the worker starts, with this machine's cores shared
    among the workers on it (as local workers share them), and send progress to the client."""

    name = "clipfinder-model"

    def __init__(self, model: ModelRef, workers_per_host: dict[str, int]) -> None:
        self.model = model
        self.workers_per_host = workers_per_host  # as the scheduler saw them when the run began

    def setup(self, worker: Any) -> None:
        global _threads
        _roomy_malloc()
        host = urlparse(worker.address).hostname or ""
        _threads = max(1, (os.cpu_count() or 1) // self.workers_per_host.get(host, 1))
        init_process(here(self.model), _threads)
        report_progress(_tell_client)

    def teardown(self, worker: Any) -> None:
        report_progress(None)
