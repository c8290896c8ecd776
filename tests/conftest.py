"""Shared fixtures: the synthetic calls, their truth, and one real ingest of them per session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clipfinder import Index, ingest
from clipfinder.cli.app import app
from clipfinder.records import Word

ROOT = Path(__file__).resolve().parent.parent
CALLS = ROOT / "fixtures" / "calls"
TRUTH = ROOT / "fixtures" / "truth"
SHARED_AUDIO = ROOT.parent / "shared" / "audio"


def run(*args: object, env: dict | None = None):
    """The clipfinder command run in-process, as a user would type it."""
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def truth(name: str) -> dict:
    return json.loads((TRUTH / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The fixture calls ingested once with the real embedded model: (db path, report)."""
    db = tmp_path_factory.mktemp("index") / "calls.db"
    with Index(db) as index:
        report = ingest([CALLS], index)
    return db, report


@pytest.fixture
def db_copy(ingested, tmp_path: Path) -> Path:
    """A private copy of the session's ingested index, for tests that change it."""
    db, _ = ingested
    with Index(db) as index:
        index._db.execute("pragma wal_checkpoint(full)")
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    return copy


@pytest.fixture
def calls_copy(tmp_path: Path) -> Path:
    """A writable copy of fixtures/calls."""
    target = tmp_path / "calls"
    shutil.copytree(CALLS, target)
    return target


def words(*spans: tuple[str, float, float], text: str = "word") -> list[Word]:
    """Hand-built words: (speaker, start, end) each."""
    return [Word(start, end, text, 0.9, speaker) for speaker, start, end in spans]


def add_call(index, lines, *, rep="alice", account="Acme", date="2026-11-16", name=None, probability=0.9):
    """Index a hand-made call: `lines` is [(speaker, text)], one segment each, 0.4 s per word, every
    word heard with `probability`."""
    from clipfinder.pipeline.metrics import compute_metrics
    from clipfinder.records import CallMeta, Segment, Transcript

    segments, t = [], 0.0
    for speaker, text in lines:
        ws = []
        for token in text.split():
            ws.append(Word(round(t, 2), round(t + 0.3, 2), token, probability, speaker))
            t += 0.4
        segments.append(Segment(ws[0].start, ws[-1].end, text, speaker, tuple(ws), 0 if speaker == "rep" else 1))
        t += 1.0
    name = name or f"{rep}-{account}-{date}-{len(lines)}-{lines[0][1][:10]}"
    sha = __import__("hashlib").sha256(name.encode()).hexdigest()
    transcript = Transcript(f"/calls/{name}.wav", sha, t + 1.0, "stereo", tuple(segments), "tiny.en", "en")
    words_ = transcript.words
    meta = CallMeta(rep=rep, date=date, account=account, channels=("rep", "prospect"))
    return index.write_call(transcript, meta, compute_metrics(words_, list(segments), transcript.duration_s))


def database_at(path: Path, version: int):
    """A database made by the migrations up to `version` only (an index of an earlier release);
    returns the open sqlite_utils Database for the test to fill and close."""
    import sqlite_utils

    from clipfinder.store.schema import MIGRATIONS

    db = sqlite_utils.Database(path)
    db.table("clipfinder_migrations").create({"version": int, "name": str, "applied_at": str}, pk="version")
    for number, name, migration in MIGRATIONS[:version]:
        migration(db)
        db.table("clipfinder_migrations").insert({"version": number, "name": name, "applied_at": "2026-11-20"})
    return db
