"""Worker processes: running ingest's jobs in a pool, blaming only the file that kills a worker,
and pools that stop at once when interrupted or orphaned (ingest's workers, rematch's matchers)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

from clipfinder.pipeline.recording import Job, JobResult, init_process, process, report_progress
from clipfinder.pipeline.whisper_model import ModelRef

WATCH_PARENT_S = 0.5  # how often a worker checks that the process that started it is still there

# Workers ended at once (Ctrl-C) never release their semaphores; multiprocessing's resource
# tracker then removes them itself and warns about "leaked semaphore objects", which tells the
# user nothing they can act on. The tracker takes its warning filters from this process's -W
# options when it starts, so the filter goes in before the first pool is made.
_QUIET_TRACKER = "ignore:resource_tracker:UserWarning"
if _QUIET_TRACKER not in sys.warnoptions:
    sys.warnoptions.append(_QUIET_TRACKER)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and end the pool's processes now, not after their current task."""
    children = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for child in children:
        child.terminate()
    for child in children:
        child.join(timeout=5)


def end_with_parent() -> None:
    """In a worker: exit as soon as the process that started it is gone (killed outright, say).

    Workers hold both ends of their task queue, so without this an orphaned worker would wait for
    work forever, and finish files nobody will store.
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(WATCH_PARENT_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def start_worker(model: ModelRef, cpu_threads: int, progress: Any = None) -> None:
    """A worker process's start: it ends with this process, and loads the model before any file."""
    end_with_parent()
    init_process(model, cpu_threads, progress)


def run_jobs(
    jobs: list[Job],
    workers: int,
    work: Callable[[Job], JobResult] = process,
    warm: Callable[..., None] | None = None,
    during: Callable[[str, float], None] | None = None,
) -> Generator[JobResult, None, None]:
    """Yield each job's result as it completes, in this process or in a pool of `workers`.

    `work` runs one job in a worker; `warm` prepares each worker process (default: start_worker,
    which is also given the progress queue). `during(path, seconds)` hears how far into each
    recording transcription has got, from whichever process does it.
    """
    queue = list(jobs)
    if workers == 1 or len(queue) <= 1:
        report_progress(during)
        try:
            for job in queue:
                yield work(job)
        finally:
            report_progress(None)
        return
    context = get_context("spawn")
    reports = listener = None
    if during is not None and warm is None:  # a custom `warm` does not take the queue
        reports = context.Queue()
        listener = _listen(reports, during)
    warm = warm or start_worker
    suspects: list[Job] = []
    try:
        while queue or suspects:
            alone = bool(suspects)
            warm_args: tuple[Any, ...] = (queue or suspects)[0].settings.model_args()
            if reports is not None:
                warm_args += (reports,)
            pool = ProcessPoolExecutor(
                max_workers=1 if alone else min(workers, len(queue)),
                mp_context=context,
                initializer=warm,
                initargs=warm_args,
            )
            try:
                if alone:
                    yield _alone(pool, suspects.pop(0), work)
                else:
                    yield from _drain(pool, queue, workers, suspects, work)
            except BaseException:
                # Interrupted (Ctrl-C, or the caller stopped reading): stop the workers now rather
                # than let them finish files whose results nobody will store.
                stop_workers(pool)
                raise
            pool.shutdown(wait=True)
    finally:
        if reports is not None and listener is not None:
            reports.put(None)
            listener.join(timeout=5)
            reports.close()
            reports.cancel_join_thread()


def _listen(reports: Any, during: Callable[[str, float], None]) -> threading.Thread:
    """A thread passing the workers' progress reports to `during` until it reads None."""

    def relay() -> None:
        while (item := reports.get()) is not None:
            with contextlib.suppress(Exception):  # progress is a nicety: never let it end a batch
                during(*item)

    thread = threading.Thread(target=relay, name="ingest-progress", daemon=True)
    thread.start()
    return thread


def _drain(
    pool: ProcessPoolExecutor,
    queue: list[Job],
    workers: int,
    suspects: list[Job],
    work: Callable[[Job], JobResult],
) -> Iterator[JobResult]:
    """Feed `queue` to `pool` until it is empty or the pool breaks (a worker process died).

    When a worker dies, every job in flight dies with the pool and nobody can tell which one
    killed it: they all become `suspects`, each then run alone (`_alone`), so only the file that
    crashes a worker on its own is blamed.
    """
    in_flight: dict[Future[JobResult], Job] = {}
    while queue or in_flight:
        # Only a few jobs in flight: an interrupt loses little and memory stays flat.
        broken = False
        while queue and len(in_flight) < workers * 2 and not broken:
            try:
                in_flight[pool.submit(work, queue[0])] = queue[0]
                queue.pop(0)
            except BrokenProcessPool:  # a worker died while its result was being stored
                broken = True
        done, _ = wait(in_flight, return_when=FIRST_COMPLETED) if in_flight else (set(), set())
        for future in done:
            job = in_flight.pop(future)
            try:
                yield future.result()
            except BrokenProcessPool:
                broken = True
                suspects.append(job)
        if broken:
            for future, job in in_flight.items():
                future.cancel()
                suspects.append(job)
            return


def _alone(pool: ProcessPoolExecutor, job: Job, work: Callable[[Job], JobResult]) -> JobResult:
    """Run one suspect by itself: if its worker dies now, this file is the cause."""
    try:
        return pool.submit(work, job).result()
    except BrokenProcessPool:
        return JobResult(
            job.path, job.sha256, error=f"{job.path}: the worker process died on this file; it may be damaged"
        )
