"""Clip rows: writing a call's clips and matches, clip ids that are never reused, and the
term list behind search's typo fallback."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import sqlite_utils

from clipfinder.errors import IndexUnwritable
from clipfinder.records import Clip, Match
from clipfinder.store.connection import writing
from clipfinder.store.settings import get_setting, put_setting

if TYPE_CHECKING:
    from clipfinder.store.index import Index


def replace_clips(index: Index, clips_by_call: Mapping[int, Sequence[Clip]]) -> None:
    """Swap the clips of these calls for new ones in one transaction (all or nothing).

    A new clip of the same skill starting at the same tenth of a second as an old one keeps
    the old clip's id, so ids people noted survive a rematch with an unchanged rubric.
    """
    db = index._db
    with writing(db):
        for call_id, clips in clips_by_call.items():
            write_clips(db, call_id, clips)
        clips_changed(db)


def write_clips(db: sqlite_utils.Database, call_id: int, clips: Sequence[Clip]) -> None:
    """Put `clips` (with their matches) in place of the call's old ones, keeping old clip ids."""
    old = {
        (skill, round(start, 1)): clip_id
        for clip_id, skill, start in db.execute("select id, skill, start_s from clips where call_id = ?", [call_id])
    }
    db.execute("delete from matches where call_id = ?", [call_id])
    db.execute("delete from clips where call_id = ?", [call_id])
    if not clips:
        return
    ids = [old.pop((clip.skill, round(clip.start_s, 1)), None) for clip in clips]
    fresh = _new_clip_ids(db, sum(1 for i in ids if i is None))
    ids = [i if i is not None else next(fresh) for i in ids]
    pairs = list(zip(ids, clips))
    db.conn.executemany(
        "insert into clips (id, call_id, skill, start_s, end_s, score, rank, phrase, speaker, match_start_s, "
        "match_end_s, matches, text, confidence) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_clip_row(clip_id, call_id, clip) for clip_id, clip in pairs],
    )
    db.conn.executemany(
        "insert into matches (call_id, clip_id, skill, phrase, score, speaker, start_s, end_s, word_start, "
        "word_end, sentence, in_question, kind, confidence) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_match_row(clip_id, call_id, m) for clip_id, clip in pairs for m in clip.matches],
    )


def _clip_row(clip_id: int, call_id: int, clip: Clip) -> tuple[object, ...]:
    return (
        clip_id,
        call_id,
        clip.skill,
        clip.start_s,
        clip.end_s,
        clip.score,
        clip.rank,
        clip.best.phrase,
        clip.best.speaker,
        min(m.start_s for m in clip.matches),
        max(m.end_s for m in clip.matches),
        len(clip.matches),
        clip.text,
        clip.confidence,
    )


def _match_row(clip_id: int, call_id: int, m: Match) -> tuple[object, ...]:
    return (
        call_id,
        clip_id,
        m.skill,
        m.phrase,
        m.score,
        m.speaker,
        m.start_s,
        m.end_s,
        m.word_start,
        m.word_end,
        m.sentence,
        int(m.in_question),
        m.kind,
        m.confidence,
    )


def clips_changed(db: sqlite_utils.Database) -> None:
    """Note that clips or transcripts changed, so the cached search terms are read again."""
    put_setting(db, "clips_version", str(int(get_setting(db, "clips_version") or 0) + 1))


def clip_terms(index: Index) -> list[str]:
    """Every term of the clips' full-text index (stemmed), for the typo fallback of search."""
    return _search_terms(index, "clip_terms", "clips_fts_vocab")


def transcript_terms(index: Index) -> list[str]:
    """Every term of the transcripts' full-text index (stemmed), for the typo fallback of search."""
    return _search_terms(index, "transcript_terms", "segments_fts_vocab")


def _search_terms(index: Index, table: str, vocabulary: str) -> list[str]:
    """The terms of an FTS5 vocabulary table, kept in `table`.

    Reading them from FTS5 scans the whole full-text index (1.4 s for the transcripts of 100,000
    calls), so they are read again only after the index's text changed (`clips_changed`).
    """
    db = index._db
    version = get_setting(db, "clips_version") or "0"
    if get_setting(db, f"{table}_version") != version:
        try:
            with writing(db):
                db.execute(f"delete from {table}")
                db.execute(f"insert into {table} (term) select term from {vocabulary}")
                put_setting(db, f"{table}_version", version)
        except IndexUnwritable:  # a read-only index: read the terms afresh, without keeping them
            return [r[0] for r in db.execute(f"select term from {vocabulary}")]
    return [r[0] for r in db.execute(f"select term from {table}")]


def _new_clip_ids(db: sqlite_utils.Database, count: int) -> Iterator[int]:
    """`count` clip ids never handed out before, even to a clip that is gone since."""
    if count == 0:
        return iter(())
    row = db.execute("select max(id) from clips").fetchone()
    first = max(int(row[0] or 0), int(get_setting(db, "last_clip_id") or 0)) + 1
    put_setting(db, "last_clip_id", str(first + count - 1))
    return iter(range(first, first + count))
