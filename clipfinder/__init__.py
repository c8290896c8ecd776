"""clipfinder: turn folders of sales-call recordings into a searchable library of coaching clips.

from clipfinder import Index, ingest
with Index("team.db") as index:
    report = ingest(["calls/"], index)
"""

from .errors import ClipfinderError
from .index import Index
from .ingest import IngestReport, Outcome, ingest
from .metrics import compute_metrics
from .records import Call, CallMeta, Metrics, Segment, Transcript, Word
from .stats import call_stats, rep_averages

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
