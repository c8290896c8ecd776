"""The index's schema: numbered migrations, recorded in `clipfinder_migrations`.

A database made by any earlier release opens in a later one: each migration runs once, in its
own transaction, in number order. Append only: never edit or reorder a released migration.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from clipfinder.store.connection import writing
from clipfinder.text import now_utc


def _m001_initial(db: sqlite_utils.Database) -> None:
    # Long on purpose: the first release's whole schema, one block per table, kept as released.
    db.table("calls").create(
        {
            "id": int,
            "sha256": str,
            "path": str,
            "rep": str,
            "account": str,
            "date": str,
            "title": str,
            "duration_s": float,
            "layout": str,
            "channels": str,
            "model": str,
            "language": str,
            "meta_source": str,
            "ingested_at": str,
        },
        pk="id",
    )
    db.table("calls").create_index(["sha256"], unique=True)
    db.table("calls").create_index(["rep", "date"])
    db.table("segments").create(
        {
            "id": int,
            "call_id": int,
            "idx": int,
            "start_s": float,
            "end_s": float,
            "speaker": str,
            "channel": int,
            "text": str,
        },
        pk="id",
        foreign_keys=[("call_id", "calls", "id")],
    )
    db.table("segments").create_index(["call_id", "idx"])
    db.table("segments").enable_fts(["text"], create_triggers=True, tokenize="porter")
    db.table("words").create(
        {
            "id": int,
            "call_id": int,
            "segment_idx": int,
            "idx": int,
            "start_s": float,
            "end_s": float,
            "text": str,
            "probability": float,
            "speaker": str,
            "timed": int,
        },
        pk="id",
        foreign_keys=[("call_id", "calls", "id")],
    )
    db.table("words").create_index(["call_id", "idx"])
    db.table("metrics").create(
        {
            "call_id": int,
            "talk_ratio": float,
            "rep_talk_s": float,
            "prospect_talk_s": float,
            "unknown_talk_s": float,
            "rep_monologue_s": float,
            "prospect_monologue_s": float,
            "rep_questions": int,
            "prospect_questions": int,
            "unknown_questions": int,
            "speaker_switches": int,
            "interactivity": float,
            "patience_s": float,
        },
        pk="call_id",
        foreign_keys=[("call_id", "calls", "id")],
    )
    db.table("failures").create({"id": int, "path": str, "sha256": str, "error": str, "failed_at": str}, pk="id")
    db.table("failures").create_index(["path"], unique=True)


def _m002_clips(db: sqlite_utils.Database) -> None:
    db.table("settings").create({"key": str, "value": str}, pk="key")
    db.table("clips").create(
        {
            "id": int,
            "call_id": int,
            "skill": str,
            "start_s": float,
            "end_s": float,
            "score": float,
            "rank": float,
            "phrase": str,
            "speaker": str,
            "match_start_s": float,
            "match_end_s": float,
            "matches": int,
            "text": str,
        },
        pk="id",
        foreign_keys=[("call_id", "calls", "id")],
    )
    db.table("clips").create_index(["skill", "rank"])
    db.table("clips").create_index(["call_id"])
    db.table("clips").enable_fts(["text"], create_triggers=True, tokenize="porter")
    db.execute("create virtual table clips_fts_vocab using fts5vocab(clips_fts, 'row')")
    db.table("clip_terms").create({"term": str}, pk="term")
    db.table("matches").create(
        {
            "id": int,
            "call_id": int,
            "clip_id": int,
            "skill": str,
            "phrase": str,
            "score": float,
            "speaker": str,
            "start_s": float,
            "end_s": float,
            "word_start": int,
            "word_end": int,
            "sentence": str,
            "in_question": int,
        },
        pk="id",
        foreign_keys=[("call_id", "calls", "id")],
    )
    db.table("matches").create_index(["call_id", "skill"])
    db.table("matches").create_index(["clip_id"])


def _m003_voices(db: sqlite_utils.Database) -> None:
    db.table("calls").add_column("attribution", str)
    db.table("calls").add_column("attribution_confidence", float)
    db.table("calls").add_column("voices", int)
    db.table("calls").add_column("rep_voice", int)
    # calls indexed before diarization existed: stereo ones were attributed by channel
    db.execute("update calls set attribution = case layout when 'stereo' then 'channels' else 'none' end")
    db.table("words").add_column("voice", int)
    db.table("call_voices").create(
        {"call_id": int, "voice": int, "embedding": bytes, "seconds": float},
        pk=("call_id", "voice"),
        foreign_keys=[("call_id", "calls", "id")],
    )
    db.table("voice_speech").create(
        {"call_id": int, "voice": int, "start_s": float, "end_s": float}, foreign_keys=[("call_id", "calls", "id")]
    )
    db.table("voice_speech").create_index(["call_id"])
    db.table("voice_samples").create(
        {"id": int, "rep": str, "embedding": bytes, "seconds": float, "source": str, "call_id": int, "added_at": str},
        pk="id",
    )
    db.table("voice_samples").create_index(["rep"])
    db.table("voice_samples").create_index(["call_id"])


def _m004_coaching(db: sqlite_utils.Database) -> None:
    db.table("focus").create({"id": int, "rep": str, "skill": str, "since": str, "set_at": str}, pk="id")
    db.table("focus").create_index(["rep", "since"])
    db.table("commitments").create(
        {"id": int, "rep": str, "skill": str, "text": str, "date": str, "made_at": str}, pk="id"
    )
    db.table("commitments").create_index(["rep", "date"])
    db.table("scores").create({"id": int, "rep": str, "skill": str, "score": int, "date": str, "made_at": str}, pk="id")
    db.table("scores").create_index(["rep", "date"])


def _m005_confidence(db: sqlite_utils.Database) -> None:
    db.table("matches").add_column("kind", str)
    db.table("matches").add_column("confidence", float)
    db.table("clips").add_column("confidence", float)
    db.table("calls").add_column("language_probability", float)
    db.table("calls").add_column("expected_language", str)
    db.table("calls").add_column("separability", float)
    # Matches made before sound-alike matching were spelling matches; their confidence comes
    # from the stored words as the matcher computes it now (Match.confidence), and clips are
    # ranked by it as build_clips ranks them (rank = confidence x 100 x centrality).
    db.execute("update matches set kind = case when score >= 100 then 'exact' else 'fuzzy' end")
    db.execute(
        "update matches set confidence = round(score / 100.0 * coalesce((select avg(w.probability) from words w "
        "where w.call_id = matches.call_id and w.idx between matches.word_start and matches.word_end), 1), 3)"
    )
    db.execute("update clips set confidence = (select max(m.confidence) from matches m where m.clip_id = clips.id)")
    db.execute("update clips set rank = round(rank * confidence * 100.0 / score, 2) where score > 0")


def _m006_pins_and_transcript_terms(db: sqlite_utils.Database) -> None:
    db.table("pins").create({"id": int, "rep": str, "clip_id": int, "pinned_at": str}, pk="id")
    db.table("pins").create_index(["rep", "pinned_at"])
    # the transcripts' vocabulary, for the typo fallback of whole-transcript search
    db.execute("create virtual table segments_fts_vocab using fts5vocab(segments_fts, 'row')")


def _m007_call_paths(db: sqlite_utils.Database) -> None:
    # storing a call looks for an earlier call at the same path: without this, a scan of every
    # call, which made ingest slower per call as the index grew (make bench, "index scale")
    db.table("calls").create_index(["path"])


def _m008_search_at_scale(db: sqlite_utils.Database) -> None:
    # Search at 100,000 calls (make bench, "index scale"). It compares rep and account ignoring
    # case (COLLATE NOCASE): without indexes in that collation, a search by rep or account read
    # every clip. It lists clips by rank, then latest call: an index in that whole order lets it
    # stop after the clips it shows even when thousands share a rank, by skill or over all skills.
    db.execute("create index idx_calls_rep_nocase on calls(rep collate nocase, date)")
    db.execute("create index idx_calls_account_nocase on calls(account collate nocase, date)")
    db.execute("drop index if exists idx_clips_skill_rank")
    db.table("clips").create_index(["skill", "rank", "call_id"])
    db.table("clips").create_index(["rank", "call_id"])
    # the transcripts' terms for the typo fallback, kept as clip_terms keeps the clips'
    db.table("transcript_terms").create({"term": str}, pk="term")


def _m009_sentences(db: sqlite_utils.Database) -> None:
    # each call's sentences with their vectors, for matching a rubric's examples by meaning
    # (store/sentences.py); calls.sentence_model names the model the vectors came from
    db.table("sentences").create(
        {"id": int, "call_id": int, "idx": int, "first_word": int, "last_word": int, "text": str, "vector": bytes},
        pk="id",
        foreign_keys=[("call_id", "calls", "id")],
    )
    db.table("sentences").create_index(["call_id", "idx"])
    db.table("calls").add_column("sentence_model", str)


MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "initial schema: calls, segments (+FTS), words, metrics, failures", _m001_initial),
    (2, "skill clips: settings, clips (+FTS and vocabulary), matches", _m002_clips),
    (3, "voices: call attribution, word voices, call voices, rep voice samples", _m003_voices),
    (4, "coaching loop: focus history, commitments, self-scores", _m004_coaching),
    (5, "match kind and confidence, clip confidence, call language check, voice separability", _m005_confidence),
    (6, "pinned coaching clips; the transcripts' search vocabulary", _m006_pins_and_transcript_terms),
    (7, "an index of calls by path", _m007_call_paths),
    (8, "search at scale: calls by rep and account, clips in rank order, transcript terms", _m008_search_at_scale),
    (9, "sentences and their vectors, for matching by meaning", _m009_sentences),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Apply the migrations this database lacks; returns the versions applied.

    Each runs under the write lock and is skipped if another process applied it meanwhile, so two
    commands opening a new index at once do not both create its tables.
    """
    if db.table("clipfinder_migrations").exists() and schema_version(db) >= SCHEMA_VERSION:
        return []  # up to date: no write lock taken, so opening never waits behind a writer
    with writing(db):
        db.execute(
            "create table if not exists [clipfinder_migrations] "
            "([version] INTEGER PRIMARY KEY, [name] TEXT, [applied_at] TEXT)"
        )
    applied = []
    for version, name, migration in MIGRATIONS:
        with writing(db):
            if db.execute("select 1 from clipfinder_migrations where version = ?", [version]).fetchone():
                continue
            migration(db)
            db.table("clipfinder_migrations").insert({"version": version, "name": name, "applied_at": now_utc()})
        applied.append(version)
    return applied


def schema_version(db: sqlite_utils.Database) -> int:
    row = db.execute("select max(version) from clipfinder_migrations").fetchone()
    return int(row[0] or 0)
