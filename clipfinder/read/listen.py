"""Audio to listen to in a browser: a clip's window or any window of a call, cut on first
request and kept in a cache folder, and the whole recording. Found by id, never by a path
someone typed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from clipfinder.errors import BadInput, NotFound
from clipfinder.read.export import cut_audio
from clipfinder.store import queries
from clipfinder.store.index import Index

LONGEST_WINDOW_S = 600.05  # a window asked for by time: at most the longest clip (--clip-seconds 600)


def default_cache() -> Path:
    """$XDG_CACHE_HOME/clipfinder/audio (else ~/.cache/clipfinder/audio)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "clipfinder" / "audio"


def recording(index: Index, call_id: int) -> Path:
    """The call's recording; NotFound when it is no longer where it was indexed."""
    call = index.find_call(call_id)
    path = Path(call.path)
    if not path.is_file():
        raise NotFound(f"the recording of call {call.id} is no longer at {call.path}; ingest its new folder")
    return path


def clip_audio(index: Index, clip_id: int, cache: Path) -> Path:
    """An MP3 of the clip's window."""
    hit = queries.get_clip(index, clip_id)
    return _window(recording(index, hit.call_id), hit.start_s, hit.end_s, cache)


def window_audio(index: Index, call_id: int, start_s: float, end_s: float, cache: Path) -> Path:
    """An MP3 of [start_s, end_s] of a call (clamped to the call, at most LONGEST_WINDOW_S)."""
    call = index.find_call(call_id)
    if not (0 <= start_s < end_s) or end_s - start_s > LONGEST_WINDOW_S:
        raise BadInput(f"a window is 0 < length <= {LONGEST_WINDOW_S:g} s from 0 on (got {start_s}-{end_s})")
    start_s = min(start_s, max(0.0, call.duration_s - 0.5))
    return _window(recording(index, call_id), start_s, min(end_s, call.duration_s), cache)


def _window(source: Path, start_s: float, end_s: float, cache: Path) -> Path:
    stat = source.stat()
    key = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{start_s:.2f}|{end_s:.2f}"
    target = cache / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.mp3"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        cut_audio(source, start_s, end_s, target, "mp3")  # written whole or not at all
    return target
