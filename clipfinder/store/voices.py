"""Voice rows: the rep voice samples behind voiceprints, and the voices heard on mono calls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import sqlite_utils

from clipfinder.records import VoiceSample, VoiceSampleRow
from clipfinder.text import now_utc

if TYPE_CHECKING:
    from clipfinder.store.index import Index


def blob(embedding: Sequence[float]) -> bytes:
    return np.asarray(embedding, dtype=np.float32).tobytes()


def _unblob(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32)


def add_voice_sample(
    db: sqlite_utils.Database, rep: str, sample: VoiceSample, source: str, call_id: int | None = None
) -> int:
    """Store a voice sample of a rep (an enrolled recording, or a stereo call's rep channel)."""
    row = {
        "rep": rep,
        "embedding": blob(sample.embedding),
        "seconds": sample.seconds,
        "source": source,
        "call_id": call_id,
        "added_at": now_utc(),
    }
    return int(db.table("voice_samples").insert(row).last_pk or 0)


def enroll_sample(index: Index, rep: str, sample: VoiceSample, source: str) -> int:
    """Store an enrolled recording's voice for a rep; returns the sample's id."""
    with index.transaction():
        return add_voice_sample(index._db, rep, sample, source)


def rep_samples(index: Index, rep: str) -> list[VoiceSample]:
    """All voice samples of a rep (any spelling of the name), with their embeddings."""
    rows = index._db.execute("select embedding, seconds from voice_samples where lower(rep) = lower(?)", [rep])
    return [VoiceSample.of(_unblob(data), seconds) for data, seconds in rows]


def stereo_sample_count(index: Index, rep: str) -> int:
    """How many of the rep's samples came from stereo calls."""
    row = index._db.execute(
        "select count(*) from voice_samples where lower(rep) = lower(?) and call_id is not null", [rep]
    ).fetchone()
    return int(row[0])


def voice_samples(index: Index, rep: str | None = None) -> list[VoiceSampleRow]:
    """The stored voice samples (without embeddings), optionally of one rep."""
    sql = "select id, rep, seconds, source, call_id, added_at from voice_samples"
    params: list[object] = []
    if rep is not None:
        sql += " where lower(rep) = lower(?)"
        params.append(rep)
    return [VoiceSampleRow(*row) for row in index._db.execute(sql + " order by rep, id", params)]


def speech(index: Index, call_id: int) -> list[tuple[float, float, int]]:
    """(start, end, voice) of all speech heard on a diarized mono call (empty otherwise)."""
    return [
        (a, b, v)
        for a, b, v in index._db.execute(
            "select start_s, end_s, voice from voice_speech where call_id = ? order by start_s", [call_id]
        )
    ]


def call_voices(index: Index, call_id: int) -> list[VoiceSample]:
    """The voices diarization found on a mono call, in voice order."""
    return [
        VoiceSample.of(_unblob(data), seconds)
        for data, seconds in index._db.execute(
            "select embedding, seconds from call_voices where call_id = ? order by voice", [call_id]
        )
    ]
