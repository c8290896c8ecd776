"""Process pools that stop at once when interrupted (ingest's workers, rematch's matchers)."""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

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
