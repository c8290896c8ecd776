"""Process pools that stop at once when interrupted (ingest's workers, rematch's matchers)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and end the pool's processes now, not after their current task."""
    children = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for child in children:
        child.terminate()
    for child in children:
        child.join(timeout=5)
