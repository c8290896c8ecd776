"""The index: one SQLite file holding calls, segments, words, metrics, clips and the coaching log.

`Index` opens the file (creating and migrating it: schema.py), writes one recording per
transaction, so a run that stops half-way leaves no half-indexed call, and reads calls back as
records. The other modules of this package hold the rest of the SQL (clips, voices, settings,
queries, the coaching log); nothing outside `store/` runs SQL, and `_db` is theirs alone.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clipfinder.errors import BadInput, IndexUnwritable, NotFound
from clipfinder.records import (
    Attribution,
    Call,
    CallMeta,
    Clip,
    Metrics,
    Segment,
    Transcript,
    Word,
)
from clipfinder.store import schema
from clipfinder.store.clips import clips_changed, write_clips
from clipfinder.store.connection import LARGEST_INTEGER, connect, writing
from clipfinder.store.queries import distinct_values
from clipfinder.store.rows import call_from_row, metrics_from_row, metrics_row
from clipfinder.store.sentences import write_sentences
from clipfinder.store.voices import add_voice_sample, blob

if TYPE_CHECKING:
    from clipfinder.pipeline.meaning import SentenceVectors
from clipfinder.text import now_utc

DB_ENV = "CLIPFINDER_DB"
DEFAULT_DB = "clipfinder.db"


def default_db_path() -> Path:
    """$CLIPFINDER_DB, else clipfinder.db in the current folder."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


class Index:
    """A clipfinder database. Open with `Index(path)` (created and migrated as needed)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise BadInput(f"{self.path} is a folder; --db needs a database file path")
        if self.path.exists() and not self.path.is_file():
            raise BadInput(f"{self.path} is not a file (a device or a pipe); --db needs a database file path")
        if self.path.parent and not self.path.parent.exists():
            raise BadInput(f"cannot create {self.path}: the folder {self.path.parent} does not exist")
        self._db = connect(self.path)
        self._column_names: dict[str, list[str]] = {}
        try:
            self._db.enable_wal()
            self.migrate()
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def reader(cls, path: Path | str) -> Index:
        """A read-only view of an existing index, for helper processes (no migration, no writes).

        It sees what was committed, so it can read alongside a writer that holds a transaction.
        """
        index = cls.__new__(cls)
        index.path = Path(path)
        index._db = connect(index.path, readonly=True)
        index._column_names = {}
        return index

    @classmethod
    def existing(cls, path: Path | str) -> Index:
        """An existing index to read: opened for writing where it can be (migrating it if it is
        from an earlier release), else read-only, so a read-only file or folder can still be read."""
        try:
            return cls(path)
        except IndexUnwritable:
            index = cls.reader(path)
        try:
            if index.schema_version() < schema.SCHEMA_VERSION:
                raise IndexUnwritable(
                    f"the index {path} is from an earlier clipfinder and must be upgraded, but it is read-only; "
                    "open it once where it can be written"
                )
        except BaseException:
            index.close()
            raise
        return index

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside happens together or not at all (nested ones are savepoints)."""
        with writing(self._db):
            yield

    def migrate(self) -> list[int]:
        """Apply the migrations this database lacks; returns the versions applied."""
        return schema.migrate(self._db)

    def schema_version(self) -> int:
        return schema.schema_version(self._db)

    # -- writing ----------------------------------------------------------------------------

    def has_sha(self, sha256: str) -> Call | None:
        """The call already indexed from these exact bytes, if any."""
        row = self._db.execute("select * from calls where sha256 = ?", [sha256]).fetchone()
        return self._call(row) if row else None

    def write_call(
        self,
        transcript: Transcript,
        meta: CallMeta,
        metrics: Metrics,
        clips: Sequence[Clip] = (),
        sentences: SentenceVectors | None = None,
    ) -> int:
        """Store one call with its segments, words, metrics, clips and (when the sentence model
        made them) sentence vectors in a single transaction.

        A call with the same bytes (re-ingest with --force) or at the same path (the recording
        changed) is replaced; a recorded failure for the path is cleared.
        """
        with writing(self._db):
            old = self._db.execute(
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
                "ingested_at": now_utc(),
                "attribution": transcript.attribution.method,
                "attribution_confidence": transcript.attribution.confidence,
                "separability": transcript.attribution.separability,
                "voices": transcript.attribution.voices,
                "rep_voice": transcript.attribution.rep_voice,
            }
            if old:
                row["id"] = old[0][0]  # keep the id people may have noted down
            call_id = int(self._db.table("calls").insert(row).last_pk or 0)
            self._write_transcript(call_id, transcript.segments)
            self._db.table("call_voices").insert_all(
                {"call_id": call_id, "voice": i, "embedding": blob(v.embedding), "seconds": v.seconds}
                for i, v in enumerate(transcript.voices)
            )
            self._db.table("voice_speech").insert_all(
                {"call_id": call_id, "voice": voice, "start_s": start, "end_s": end}
                for start, end, voice in transcript.speech
            )
            if transcript.rep_sample is not None:
                add_voice_sample(self._db, meta.rep, transcript.rep_sample, "stereo call", call_id)
            self._db.table("metrics").insert(metrics_row(call_id, metrics))
            write_clips(self._db, call_id, clips)
            if sentences is not None:
                write_sentences(self._db, call_id, sentences)
            clips_changed(self._db)
            self._db.execute("delete from failures where path = ?", [transcript.path])
        return call_id

    def _write_transcript(self, call_id: int, segments_in: Sequence[Segment]) -> None:
        segments = sorted(segments_in, key=lambda s: (s.start, s.end))
        self._db.table("segments").insert_all(
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
        self._db.table("words").insert_all(
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
        with writing(self._db):
            for table in ("words", "segments", "metrics"):
                self._db.execute(f"delete from {table} where call_id = ?", [call_id])
            self._write_transcript(call_id, segments)
            self._db.table("metrics").insert(metrics_row(call_id, metrics))
            self._db.execute(
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

    def update_source(self, call_id: int, path: str, meta: CallMeta, fields: Sequence[str] = ()) -> None:
        """Point a call at its recording's new place and take over `fields` of `meta` (rep,
        account, date, title); its transcript, clips and their ids stay as they are."""
        with writing(self._db):
            # a call whose recording was at the new path: that file was replaced by this one
            others = self._db.execute("select id from calls where path = ? and id != ?", [path, call_id]).fetchall()
            for (other,) in others:
                self._delete_call(other)
            self._db.execute("update calls set path = ? where id = ?", [path, call_id])
            for field in fields:
                if field not in ("rep", "account", "date", "title"):
                    raise ValueError(f"not a call field: {field}")
                self._db.execute(f"update calls set {field} = ? where id = ?", [getattr(meta, field), call_id])
            if fields:
                self._db.execute("update calls set meta_source = ? where id = ?", [meta.source, call_id])
            if "rep" in fields:
                # the voice learnt from a stereo call's rep channel belongs to whoever the rep now is
                self._db.execute("update voice_samples set rep = ? where call_id = ?", [meta.rep, call_id])
            self._db.execute("delete from failures where path = ?", [path])

    def record_failure(self, path: str, error: str, sha256: str | None = None) -> None:
        """Remember that a file failed (replacing an older failure of the same path)."""
        with writing(self._db):
            self._db.execute(
                "insert into failures (path, sha256, error, failed_at) values (?, ?, ?, ?) "
                "on conflict(path) do update set sha256 = excluded.sha256, error = excluded.error, "
                "failed_at = excluded.failed_at",
                [path, sha256, error, now_utc()],
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
            "sentences",
        ):
            self._db.execute(f"delete from {table} where call_id = ?", [call_id])
        self._db.execute("delete from calls where id = ?", [call_id])

    # -- reading ----------------------------------------------------------------------------

    def calls(self, rep: str | None = None) -> list[Call]:
        """Indexed calls, newest first, optionally of one rep (case-insensitive)."""
        sql, params = "select * from calls", []
        if rep is not None:
            self.require_rep(rep)
            sql += " where rep = ? collate nocase"
            params.append(rep)
        rows = self._db.execute(sql + " order by date desc, id desc", params).fetchall()
        return [self._call(r) for r in rows]

    def reps(self) -> list[str]:
        return distinct_values(self, "calls", "rep")

    def require_rep(self, rep: str) -> None:
        """Raise NotFound listing the known reps when `rep` has no calls."""
        if self._db.execute("select 1 from calls where rep = ? collate nocase limit 1", [rep]).fetchone():
            return
        known = self.reps()
        if rep.lower() not in {r.lower() for r in known}:
            raise NotFound(f"no calls for rep '{rep}'; reps in the index: {', '.join(known) or 'none yet'}")

    def find_call(self, ref: str | int) -> Call:
        """A call by id, by the recording's path, or by the start of its SHA-256."""
        text = str(ref).strip()
        row = None
        if text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= LARGEST_INTEGER:
            row = self._db.execute("select * from calls where id = ?", [int(text)]).fetchone()
        if row is None:
            try:
                resolved = str(Path(text).expanduser().resolve())
            except (OSError, ValueError, RuntimeError):  # not a path at all (a NUL byte, a loop)
                resolved = text
            row = self._db.execute("select * from calls where path in (?, ?)", [text, resolved]).fetchone()
        if row is None and len(text) >= 8:
            row = self._db.execute("select * from calls where sha256 like ?", [text.lower() + "%"]).fetchone()
        if row is None:
            raise NotFound(f"no call '{text}' in the index; `clipfinder calls` lists the call ids")
        return self._call(row)

    def metrics(self, call_id: int) -> Metrics:
        row = self._db.execute("select * from metrics where call_id = ?", [call_id]).fetchone()
        return metrics_from_row(dict(zip(self._columns("metrics"), row)))

    def segments(self, call_id: int) -> list[Segment]:
        """A call's segments in time order, each with its words."""
        words: dict[int, list[Word]] = {}
        for seg_idx, start, end, text, prob, speaker, timed, voice in self._db.execute(
            "select segment_idx, start_s, end_s, text, probability, speaker, timed, voice from words "
            "where call_id = ? order by idx",
            [call_id],
        ):
            words.setdefault(seg_idx, []).append(Word(start, end, text, prob, speaker, bool(timed), voice))
        return [
            Segment(start, end, text, speaker, tuple(words.get(idx, [])), channel)
            for idx, start, end, text, speaker, channel in self._db.execute(
                "select idx, start_s, end_s, text, speaker, channel from segments where call_id = ? order by idx",
                [call_id],
            )
        ]

    def failures(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._db.table("failures").rows_where(order_by="failed_at desc")]

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
            self._column_names[table] = [d[0] for d in self._db.execute(f"select * from {table} limit 0").description]
        return self._column_names[table]

    def _call(self, row: Any) -> Call:
        return call_from_row(dict(zip(self._columns("calls"), row)))

    def words(self, call_id: int) -> list[Word]:
        """A call's words in time order (the order match word indices refer to)."""
        return [
            Word(start, end, text, prob, speaker, bool(timed), voice)
            for start, end, text, prob, speaker, timed, voice in self._db.execute(
                "select start_s, end_s, text, probability, speaker, timed, voice from words "
                "where call_id = ? order by idx",
                [call_id],
            )
        ]
