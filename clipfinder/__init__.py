"""clipfinder: turn folders of sales-call recordings into a searchable library of coaching clips.

    from clipfinder import Index, ingest, search, export_clips, build_prep
    with Index("team.db") as index:
        report = ingest(["calls/"], index)
        hits = search(index, skill="discovery", rep="alice")

The package is layered (docs/architecture.md): pipeline (one recording) -> store (the only
SQL) -> jobs (what changes the index) / read (what reads it) / coaching (the 1-on-1 loop) -> cli.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clipfinder.coaching.prep import Prep, build_prep
    from clipfinder.errors import ClipfinderError
    from clipfinder.jobs.enroll import EnrollReport, enroll
    from clipfinder.jobs.ingest import IngestReport, Outcome, ingest
    from clipfinder.jobs.rematch import RematchReport, rematch
    from clipfinder.pipeline.metrics import compute_metrics
    from clipfinder.read.export import Exported, ExportReport, export_clips
    from clipfinder.read.search import search
    from clipfinder.read.stats import call_stats, rep_averages
    from clipfinder.records import Call, CallMeta, ClipHit, Metrics, Segment, Transcript, Word
    from clipfinder.store.index import Index

# Loaded on first use, so `import clipfinder` (and `clipfinder --help`) stays instant.
_HOMES = {
    "Prep": "coaching.prep",
    "build_prep": "coaching.prep",
    "ClipfinderError": "errors",
    "EnrollReport": "jobs.enroll",
    "enroll": "jobs.enroll",
    "IngestReport": "jobs.ingest",
    "Outcome": "jobs.ingest",
    "ingest": "jobs.ingest",
    "RematchReport": "jobs.rematch",
    "rematch": "jobs.rematch",
    "compute_metrics": "pipeline.metrics",
    "Exported": "read.export",
    "ExportReport": "read.export",
    "export_clips": "read.export",
    "search": "read.search",
    "call_stats": "read.stats",
    "rep_averages": "read.stats",
    "Call": "records",
    "CallMeta": "records",
    "ClipHit": "records",
    "Metrics": "records",
    "Segment": "records",
    "Transcript": "records",
    "Word": "records",
    "Index": "store.index",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'clipfinder' has no attribute {name!r}")
    value = getattr(import_module(f"clipfinder.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "Call",
    "CallMeta",
    "ClipHit",
    "ClipfinderError",
    "EnrollReport",
    "ExportReport",
    "Exported",
    "Index",
    "IngestReport",
    "Metrics",
    "Outcome",
    "Prep",
    "RematchReport",
    "Segment",
    "Transcript",
    "Word",
    "__version__",
    "build_prep",
    "call_stats",
    "compute_metrics",
    "enroll",
    "export_clips",
    "ingest",
    "rematch",
    "rep_averages",
    "search",
]
