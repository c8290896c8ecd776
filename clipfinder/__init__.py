"""clipfinder: turn folders of sales-call recordings into a searchable library of coaching clips.

from clipfinder import Index, ingest
with Index("team.db") as index:
    report = ingest(["calls/"], index)
"""

from clipfinder.errors import ClipfinderError
from clipfinder.jobs.ingest import IngestReport, Outcome, ingest
from clipfinder.pipeline.metrics import compute_metrics
from clipfinder.read.stats import call_stats, rep_averages
from clipfinder.records import Call, CallMeta, Metrics, Segment, Transcript, Word
from clipfinder.store.index import Index

__version__ = "0.1.0"

__all__ = [
    "Call",
    "CallMeta",
    "ClipfinderError",
    "Index",
    "IngestReport",
    "Metrics",
    "Outcome",
    "Segment",
    "Transcript",
    "Word",
    "__version__",
    "call_stats",
    "compute_metrics",
    "ingest",
    "rep_averages",
]
