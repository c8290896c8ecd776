"""Every error clipfinder raises on purpose, worded for the manager who has to act on it.

The CLI turns a `ClipfinderError` into `Error: <message>` and exit code 1 in one place
(`cli/app.py`, `_Commands.invoke`); sqlite3 errors become the Index* errors below in one place too
(`store/connection.py`). Anything else reaching the user is a bug.
"""

from __future__ import annotations


class ClipfinderError(Exception):
    """Base class: the message is shown to the user as it is."""


class ModelNotFound(ClipfinderError):
    """The --model value names no model on this machine."""


class BadAudio(ClipfinderError):
    """A recording that cannot be decoded, is empty, or holds no speech."""


class NotAudio(ClipfinderError):
    """A file with no audio stream (a PDF in the calls folder, say)."""


class BadMetadata(ClipfinderError):
    """A sidecar, manifest or option value that does not say what clipfinder needs."""


class NotFound(ClipfinderError):
    """A call, clip, rep or skill the user named is not in the index."""


class BadInput(ClipfinderError):
    """An option value that cannot be used (a bad date, an unknown format...)."""


class DiarizeMissing(ClipfinderError):
    """A mono call needs speaker diarization and the `diarize` extra is not installed."""


class MeaningMissing(ClipfinderError):
    """A rubric's examples need the sentence model and the `meaning` extra is not installed."""


class IndexProblem(ClipfinderError):
    """The index file cannot be used as it is (store/connection.py turns sqlite3 errors into these)."""


class IndexBusy(IndexProblem):
    """Another process holds the index's write lock longer than clipfinder waits."""


class IndexUnwritable(IndexProblem):
    """The index or its folder is read-only, or the disk is full."""


class IndexBroken(IndexProblem):
    """The file is not a clipfinder index, or it is damaged."""


class CannotWrite(ClipfinderError):
    """An output file (exported clip, prep page) could not be written; nothing half-written is left."""
