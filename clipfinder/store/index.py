"""The index: one SQLite file holding calls, segments, words, metrics and failures.

The schema grows through numbered migrations recorded in `clipfinder_migrations`, so a
database made by any earlier release opens in a later one. Each recording is written in one
transaction: a run that stops half-way leaves no half-indexed call.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from clipfinder.errors import BadInput, NotFound
from clipfinder.pipeline.clips import Clip
from clipfinder.pipeline.diarize import mean_voice
from clipfinder.records import (
    BY_CHANNEL,
    PROSPECT,
    REP,
    UNKNOWN,
    Attribution,
    Call,
    CallMeta,
    Metrics,
    Segment,
    Transcript,
    VoiceSample,
    Word,
)

DB_ENV = "CLIPFINDER_DB"
# SQL: a call that was not found to be in another language than its rubric's (Call.off_language);
# only such calls are matched against the rubric.
IN_RUBRIC_LANGUAGE = "(language_probability is null or language = coalesce(expected_language, language))"
DEFAULT_DB = "clipfinder.db"


def default_db_path() -> Path:
    """$CLIPFINDER_DB, else clipfinder.db in the current folder."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def _m001_initial(db: sqlite_utils.Database) -> None:
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


# Append only: never edit or reorder a released migration, add the next number instead.
MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "initial schema: calls, segments (+FTS), words, metrics, failures", _m001_initial),
    (2, "skill clips: settings, clips (+FTS and vocabulary), matches", _m002_clips),
    (3, "voices: call attribution, word voices, call voices, rep voice samples", _m003_voices),
    (4, "coaching loop: focus history, commitments, self-scores", _m004_coaching),
    (5, "match kind and confidence, clip confidence, call language check, voice separability", _m005_confidence),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Index:
    """A clipfinder database. Open with `Index(path)` (created and migrated as needed)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise BadInput(f"{self.path} is a folder; --db needs a database file path")
        if self.path.parent and not self.path.parent.exists():
            raise BadInput(f"cannot create {self.path}: the folder {self.path.parent} does not exist")
        self.db = sqlite_utils.Database(self.path)
        self.db.enable_wal()
        self.migrate()
        self._column_names: dict[str, list[str]] = {}

    @classmethod
    def reader(cls, path: Path | str) -> Index:
        """A read-only view of an existing index, for helper processes (no migration, no writes).

        It sees what was committed, so it can read alongside a writer that holds a transaction.
        """
        index = cls.__new__(cls)
        index.path = Path(path)
        index.db = sqlite_utils.Database(sqlite3.connect(f"{index.path.resolve().as_uri()}?mode=ro", uri=True))
        index._column_names = {}
        return index

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------

    def migrate(self) -> list[int]:
        """Apply the migrations this database lacks; returns the versions applied."""
        table = self.db.table("clipfinder_migrations")
        if not table.exists():
            table.create({"version": int, "name": str, "applied_at": str}, pk="version")
        done = {row["version"] for row in self.db.table("clipfinder_migrations").rows}
        applied = []
        for version, name, migration in MIGRATIONS:
            if version in done:
                continue
            with self.db.atomic():
                migration(self.db)
                self.db.table("clipfinder_migrations").insert({"version": version, "name": name, "applied_at": _now()})
            applied.append(version)
        return applied

    def schema_version(self) -> int:
        row = self.db.execute("select max(version) from clipfinder_migrations").fetchone()
        return int(row[0] or 0)

    # -- writing ----------------------------------------------------------------------------

    def has_sha(self, sha256: str) -> Call | None:
        """The call already indexed from these exact bytes, if any."""
        row = self.db.execute("select * from calls where sha256 = ?", [sha256]).fetchone()
        return self._call(row) if row else None

    def write_call(self, transcript: Transcript, meta: CallMeta, metrics: Metrics, clips: Sequence[Clip] = ()) -> int:
        """Store one call with its segments, words, metrics and clips in a single transaction.

        A call with the same bytes (re-ingest with --force) or at the same path (the recording
        changed) is replaced; a recorded failure for the path is cleared.
        """
        with self.db.atomic():
            old = self.db.execute(
                "select id from calls where sha256 = ? or path = ? order by sha256 = ? desc",
                [transcript.sha256, transcript.path, transcript.sha256],
            ).fetchall()
            for (old_id,) in old:
                self._delete_call(old_id)
            row: dict[str, Any] = {
                "sha256": transcript.sha256,
                "path": transcript.path,
                "rep": meta.rep,
                "account": meta.account,
                "date": meta.date,
                "title": meta.title,
                "duration_s": round(transcript.duration_s, 3),
                "layout": transcript.layout,
                "channels": json.dumps(list(meta.channels))
                if transcript.layout == "stereo" and meta.channels
                else None,
                "model": transcript.model,
                "language": transcript.language,
                "language_probability": transcript.language_probability,
                "expected_language": transcript.expected_language,
                "meta_source": meta.source,
                "ingested_at": _now(),
                "attribution": transcript.attribution.method,
                "attribution_confidence": transcript.attribution.confidence,
                "separability": transcript.attribution.separability,
                "voices": transcript.attribution.voices,
                "rep_voice": transcript.attribution.rep_voice,
            }
            if old:
                row["id"] = old[0][0]  # keep the id people may have noted down
            call_id = int(self.db.table("calls").insert(row).last_pk or 0)
            self._write_transcript(call_id, transcript.segments)
            self.db.table("call_voices").insert_all(
                {"call_id": call_id, "voice": i, "embedding": _blob(v.embedding), "seconds": v.seconds}
                for i, v in enumerate(transcript.voices)
            )
            self.db.table("voice_speech").insert_all(
                {"call_id": call_id, "voice": voice, "start_s": start, "end_s": end}
                for start, end, voice in transcript.speech
            )
            if transcript.rep_sample is not None:
                self._add_voice_sample(meta.rep, transcript.rep_sample, "stereo call", call_id)
            self.db.table("metrics").insert(_metrics_row(call_id, metrics))
            self._write_clips(call_id, clips)
            self._clips_changed()
            self.db.execute("delete from failures where path = ?", [transcript.path])
        return call_id

    def _write_transcript(self, call_id: int, segments_in: Sequence[Segment]) -> None:
        segments = sorted(segments_in, key=lambda s: (s.start, s.end))
        self.db.table("segments").insert_all(
            {
                "call_id": call_id,
                "idx": i,
                "start_s": s.start,
                "end_s": s.end,
                "speaker": s.speaker,
                "channel": s.channel,
                "text": s.text,
            }
            for i, s in enumerate(segments)
        )
        words = sorted(((i, w) for i, s in enumerate(segments) for w in s.words), key=lambda p: (p[1].start, p[1].end))
        self.db.table("words").insert_all(
            {
                "call_id": call_id,
                "segment_idx": seg_idx,
                "idx": i,
                "start_s": w.start,
                "end_s": w.end,
                "text": w.text,
                "probability": w.probability,
                "speaker": w.speaker,
                "timed": int(w.timed),
                "voice": w.voice,
            }
            for i, (seg_idx, w) in enumerate(words)
        )

    def set_attribution(
        self, call_id: int, segments: Sequence[Segment], metrics: Metrics, attribution: Attribution
    ) -> None:
        """Replace a call's speaker labels (segments and words), metrics and attribution together."""
        with self.db.atomic():
            for table in ("words", "segments", "metrics"):
                self.db.execute(f"delete from {table} where call_id = ?", [call_id])
            self._write_transcript(call_id, segments)
            self.db.table("metrics").insert(_metrics_row(call_id, metrics))
            self.db.execute(
                "update calls set attribution = ?, attribution_confidence = ?, voices = ?, rep_voice = ?, "
                "separability = ? where id = ?",
                [
                    attribution.method,
                    attribution.confidence,
                    attribution.voices,
                    attribution.rep_voice,
                    attribution.separability,
                    call_id,
                ],
            )

    def add_voice_sample(self, rep: str, sample: VoiceSample, source: str) -> int:
        """Store an enrolled recording's voice for a rep; returns the sample's id."""
        with self.db.atomic():
            return self._add_voice_sample(rep, sample, source, None)

    def _add_voice_sample(self, rep: str, sample: VoiceSample, source: str, call_id: int | None) -> int:
        row = {
            "rep": rep,
            "embedding": _blob(sample.embedding),
            "seconds": sample.seconds,
            "source": source,
            "call_id": call_id,
            "added_at": _now(),
        }
        return int(self.db.table("voice_samples").insert(row).last_pk or 0)

    def voiceprint(self, rep: str) -> VoiceSample | None:
        """A rep's voiceprint: the speech-weighted mean of all their samples (enrolled recordings and
        the rep channel of their stereo calls), or None if they have none."""
        rows = self.db.execute(
            "select embedding, seconds from voice_samples where lower(rep) = lower(?)", [rep]
        ).fetchall()
        if not rows:
            return None
        embeddings = np.stack([np.frombuffer(blob, dtype=np.float32) for blob, _ in rows])
        mean = mean_voice(embeddings, [max(seconds, 0.1) for _, seconds in rows])
        return VoiceSample.of(mean, round(float(sum(seconds for _, seconds in rows)), 2))

    def voice_samples(self, rep: str | None = None) -> list[dict[str, Any]]:
        """The stored voice samples (without embeddings), optionally of one rep."""
        sql = "select id, rep, seconds, source, call_id, added_at from voice_samples"
        params: list[Any] = []
        if rep is not None:
            sql += " where lower(rep) = lower(?)"
            params.append(rep)
        cursor = self.db.execute(sql + " order by rep, id", params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def speech(self, call_id: int) -> list[tuple[float, float, int]]:
        """(start, end, voice) of all speech heard on a diarized mono call (empty otherwise)."""
        return [
            (a, b, v)
            for a, b, v in self.db.execute(
                "select start_s, end_s, voice from voice_speech where call_id = ? order by start_s", [call_id]
            )
        ]

    def call_voices(self, call_id: int) -> list[VoiceSample]:
        """The voices diarization found on a mono call, in voice order."""
        return [
            VoiceSample.of(np.frombuffer(blob, dtype=np.float32), seconds)
            for blob, seconds in self.db.execute(
                "select embedding, seconds from call_voices where call_id = ? order by voice", [call_id]
            )
        ]

    def replace_clips(self, clips_by_call: Mapping[int, Sequence[Clip]]) -> None:
        """Swap the clips of these calls for new ones in one transaction (all or nothing).

        A new clip of the same skill starting at the same tenth of a second as an old one keeps
        the old clip's id, so ids people noted survive a rematch with an unchanged rubric.
        """
        with self.db.atomic():
            for call_id, clips in clips_by_call.items():
                self._write_clips(call_id, clips)
            self._clips_changed()

    def _write_clips(self, call_id: int, clips: Sequence[Clip]) -> None:
        old = {
            (skill, round(start, 1)): clip_id
            for clip_id, skill, start in self.db.execute(
                "select id, skill, start_s from clips where call_id = ?", [call_id]
            )
        }
        self.db.execute("delete from matches where call_id = ?", [call_id])
        self.db.execute("delete from clips where call_id = ?", [call_id])
        if not clips:
            return
        ids = [old.pop((clip.skill, round(clip.start_s, 1)), None) for clip in clips]
        fresh = self._new_clip_ids(sum(1 for i in ids if i is None))
        ids = [i if i is not None else next(fresh) for i in ids]
        self.db.conn.executemany(
            "insert into clips (id, call_id, skill, start_s, end_s, score, rank, phrase, speaker, match_start_s, "
            "match_end_s, matches, text, confidence) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
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
                for clip_id, clip in zip(ids, clips)
            ],
        )
        self.db.conn.executemany(
            "insert into matches (call_id, clip_id, skill, phrase, score, speaker, start_s, end_s, word_start, "
            "word_end, sentence, in_question, kind, confidence) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
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
                for clip_id, clip in zip(ids, clips)
                for m in clip.matches
            ],
        )

    def _clips_changed(self) -> None:
        self.set_setting("clips_version", str(int(self.setting("clips_version") or 0) + 1))

    def clip_terms(self) -> list[str]:
        """Every term of the clips' full-text index (stemmed), for the typo fallback of search.

        Reading them from FTS5 scans the whole index, so they are kept in `clip_terms` and read
        again only after clips changed.
        """
        version = self.setting("clips_version") or "0"
        if self.setting("clip_terms_version") != version:
            with self.db.atomic():
                self.db.execute("delete from clip_terms")
                self.db.execute("insert into clip_terms (term) select term from clips_fts_vocab")
                self.set_setting("clip_terms_version", version)
        return [r[0] for r in self.db.execute("select term from clip_terms")]

    def _new_clip_ids(self, count: int) -> Iterator[int]:
        """`count` clip ids never handed out before, even to a clip that is gone since."""
        if count == 0:
            return iter(())
        row = self.db.execute("select max(id) from clips").fetchone()
        first = max(int(row[0] or 0), int(self.setting("last_clip_id") or 0)) + 1
        self.set_setting("last_clip_id", str(first + count - 1))
        return iter(range(first, first + count))

    def setting(self, key: str) -> str | None:
        row = self.db.execute("select value from settings where key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        self.db.execute(
            "insert into settings (key, value) values (?, ?) on conflict(key) do update set value = excluded.value",
            [key, value],
        )

    def clarity(self, call_id: int, speaker: str | None = None) -> float | None:
        """Mean probability the model gave the call's words (one speaker's, if given); None if none.

        On a call whose speakers are unknown (mono, not diarized) a speaker's clarity is everyone's.
        """
        sql = "select avg(probability) from words where call_id = ?"
        args: list[Any] = [call_id]
        if speaker is not None:
            sql += " and speaker in (?, ?)"
            args += [speaker, UNKNOWN]
        value = self.db.execute(sql, args).fetchone()[0]
        return None if value is None else round(float(value), 3)

    def rep_clarity(self, rep: str) -> dict[int, float]:
        """`clarity(call, REP)` of every call of `rep` that has rep words, in one query."""
        rows = self.db.execute(
            "select w.call_id, round(avg(w.probability), 3) from words w join calls c on c.id = w.call_id "
            "where c.rep = ? and w.speaker in (?, ?) group by w.call_id",
            [rep, REP, UNKNOWN],
        )
        return dict(rows.fetchall())

    def words(self, call_id: int) -> list[Word]:
        """A call's words in time order (the order match word indices refer to)."""
        return [
            Word(start, end, text, prob, speaker, bool(timed), voice)
            for start, end, text, prob, speaker, timed, voice in self.db.execute(
                "select start_s, end_s, text, probability, speaker, timed, voice from words "
                "where call_id = ? order by idx",
                [call_id],
            )
        ]

    def record_failure(self, path: str, error: str, sha256: str | None = None) -> None:
        """Remember that a file failed (replacing an older failure of the same path)."""
        with self.db.atomic():
            self.db.execute(
                "insert into failures (path, sha256, error, failed_at) values (?, ?, ?, ?) "
                "on conflict(path) do update set sha256 = excluded.sha256, error = excluded.error, "
                "failed_at = excluded.failed_at",
                [path, sha256, error, _now()],
            )

    def _delete_call(self, call_id: int) -> None:
        for table in (
            "words",
            "segments",
            "metrics",
            "matches",
            "clips",
            "call_voices",
            "voice_speech",
            "voice_samples",
        ):
            self.db.execute(f"delete from {table} where call_id = ?", [call_id])
        self.db.execute("delete from calls where id = ?", [call_id])

    # -- reading ----------------------------------------------------------------------------

    def calls(self, rep: str | None = None) -> list[Call]:
        """Indexed calls, newest first, optionally of one rep (case-insensitive)."""
        sql, params = "select * from calls", []
        if rep is not None:
            self.require_rep(rep)
            sql += " where lower(rep) = lower(?)"
            params.append(rep)
        rows = self.db.execute(sql + " order by date desc, id desc", params).fetchall()
        return [self._call(r) for r in rows]

    def reps(self) -> list[str]:
        return [r[0] for r in self.db.execute("select distinct rep from calls order by rep").fetchall()]

    def require_rep(self, rep: str) -> None:
        """Raise NotFound listing the known reps when `rep` has no calls."""
        known = self.reps()
        if rep.lower() not in {r.lower() for r in known}:
            raise NotFound(f"no calls for rep '{rep}'; reps in the index: {', '.join(known) or 'none yet'}")

    def find_call(self, ref: str | int) -> Call:
        """A call by id, by the recording's path, or by the start of its SHA-256."""
        text = str(ref).strip()
        row = None
        if text.isdigit():
            row = self.db.execute("select * from calls where id = ?", [int(text)]).fetchone()
        if row is None:
            resolved = str(Path(text).expanduser().resolve())
            row = self.db.execute("select * from calls where path in (?, ?)", [text, resolved]).fetchone()
        if row is None and len(text) >= 8:
            row = self.db.execute("select * from calls where sha256 like ?", [text.lower() + "%"]).fetchone()
        if row is None:
            raise NotFound(f"no call '{text}' in the index; `clipfinder calls` lists the call ids")
        return self._call(row)

    def metrics(self, call_id: int) -> Metrics:
        row = self.db.execute("select * from metrics where call_id = ?", [call_id]).fetchone()
        return _metrics_from_row(dict(zip(self._columns("metrics"), row)))

    def segments(self, call_id: int) -> list[Segment]:
        """A call's segments in time order, each with its words."""
        words: dict[int, list[Word]] = {}
        for seg_idx, start, end, text, prob, speaker, timed, voice in self.db.execute(
            "select segment_idx, start_s, end_s, text, probability, speaker, timed, voice from words "
            "where call_id = ? order by idx",
            [call_id],
        ):
            words.setdefault(seg_idx, []).append(Word(start, end, text, prob, speaker, bool(timed), voice))
        return [
            Segment(start, end, text, speaker, tuple(words.get(idx, [])), channel)
            for idx, start, end, text, speaker, channel in self.db.execute(
                "select idx, start_s, end_s, text, speaker, channel from segments where call_id = ? order by idx",
                [call_id],
            )
        ]

    def failures(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.table("failures").rows_where(order_by="failed_at desc")]

    def iter_calls_with_metrics(
        self, rep: str | None = None, call: str | None = None
    ) -> Iterator[tuple[Call, Metrics]]:
        calls = [self.find_call(call)] if call is not None else self.calls(rep)
        for c in calls:
            if rep is not None and c.rep.lower() != rep.lower():
                continue
            yield c, self.metrics(c.id)

    def _columns(self, table: str) -> list[str]:
        """Column names of a table, looked up once per open index (the schema is fixed by then)."""
        if table not in self._column_names:
            self._column_names[table] = [d[0] for d in self.db.execute(f"select * from {table} limit 0").description]
        return self._column_names[table]

    def _call(self, row: Any) -> Call:
        data = dict(zip(self._columns("calls"), row))
        return Call(
            id=data["id"],
            sha256=data["sha256"],
            path=data["path"],
            rep=data["rep"],
            date=data["date"],
            account=data["account"],
            title=data["title"],
            duration_s=data["duration_s"],
            layout=data["layout"],
            channels=tuple(json.loads(data["channels"])) if data["channels"] else None,
            model=data["model"],
            language=data["language"],
            ingested_at=data["ingested_at"],
            attribution=Attribution(
                data["attribution"] or BY_CHANNEL,
                data["attribution_confidence"],
                data["voices"],
                data["rep_voice"],
                data["separability"],
            ),
            language_probability=data["language_probability"],
            expected_language=data["expected_language"] or data["language"],
        )


def _blob(embedding: Sequence[float]) -> bytes:
    return np.asarray(embedding, dtype=np.float32).tobytes()


def _metrics_row(call_id: int, m: Metrics) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "talk_ratio": m.talk_ratio,
        "rep_talk_s": m.talk_seconds.get(REP),
        "prospect_talk_s": m.talk_seconds.get(PROSPECT),
        "unknown_talk_s": m.talk_seconds.get(UNKNOWN),
        "rep_monologue_s": m.longest_monologue_s.get(REP),
        "prospect_monologue_s": m.longest_monologue_s.get(PROSPECT),
        "rep_questions": m.questions.get(REP),
        "prospect_questions": m.questions.get(PROSPECT),
        "unknown_questions": m.questions.get(UNKNOWN),
        "speaker_switches": m.speaker_switches,
        "interactivity": m.interactivity,
        "patience_s": m.patience_s,
    }


def _metrics_from_row(row: dict[str, Any]) -> Metrics:
    talk = {REP: row["rep_talk_s"], PROSPECT: row["prospect_talk_s"]}
    questions = {REP: row["rep_questions"], PROSPECT: row["prospect_questions"]}
    if row["unknown_talk_s"] is not None:
        talk[UNKNOWN] = row["unknown_talk_s"]
        questions[UNKNOWN] = row["unknown_questions"]
    return Metrics(
        talk_seconds=talk,
        talk_ratio=row["talk_ratio"],
        longest_monologue_s={REP: row["rep_monologue_s"], PROSPECT: row["prospect_monologue_s"]},
        questions=questions,
        speaker_switches=row["speaker_switches"],
        interactivity=row["interactivity"],
        patience_s=row["patience_s"],
    )
