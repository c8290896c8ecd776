"""Sentence rows: each call's sentences and their vectors, stored at ingest so that matching a
changed rubric by meaning never needs the sentence model for the calls (pipeline/meaning.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import sqlite_utils

from clipfinder.pipeline.meaning import SentenceVectors
from clipfinder.pipeline.sentence_model import DIMENSIONS, MODEL_ID
from clipfinder.pipeline.sentences import Sentence

if TYPE_CHECKING:
    from clipfinder.store.index import Index


def write_sentences(db: sqlite_utils.Database, call_id: int, found: SentenceVectors) -> None:
    """Put a call's sentence vectors in place of any it had, and mark the call as embedded."""
    db.execute("delete from sentences where call_id = ?", [call_id])
    # half precision: 768 bytes a sentence; cosines move by under 0.001
    db.conn.executemany(
        "insert into sentences (call_id, idx, first_word, last_word, text, vector) values (?, ?, ?, ?, ?, ?)",
        [
            (call_id, i, s.first, s.last, s.text, found.vectors[i].astype(np.float16).tobytes())
            for i, s in enumerate(found.sentences)
        ],
    )
    db.execute("update calls set sentence_model = ? where id = ?", [MODEL_ID, call_id])


def save_sentences(index: Index, call_id: int, found: SentenceVectors) -> None:
    """Store the sentence vectors of an indexed call, in a transaction of their own."""
    with index.transaction():
        write_sentences(index._db, call_id, found)


def read_sentences(index: Index, call_id: int) -> SentenceVectors | None:
    """A call's stored sentence vectors; None when its sentences were never embedded (ingested
    without the `meaning` extra, or by an earlier release)."""
    row = index._db.execute("select sentence_model from calls where id = ?", [call_id]).fetchone()
    if row is None or row[0] != MODEL_ID:
        return None
    rows = index._db.execute(
        "select first_word, last_word, text, vector from sentences where call_id = ? order by idx", [call_id]
    ).fetchall()
    if not rows:
        return SentenceVectors((), np.zeros((0, DIMENSIONS), dtype=np.float32))
    vectors = np.frombuffer(b"".join(r[3] for r in rows), dtype=np.float16).reshape(len(rows), DIMENSIONS)
    return SentenceVectors(tuple(Sentence(a, b, text) for a, b, text, _ in rows), vectors.astype(np.float32))


def calls_without_sentences(index: Index, call_ids: Sequence[int]) -> list[int]:
    """Those of `call_ids` whose sentences are not embedded with the current sentence model."""
    have = {r[0] for r in index._db.execute("select id from calls where sentence_model = ?", [MODEL_ID])}
    return [c for c in call_ids if c not in have]
