"""Shared fixtures: the synthetic calls, their truth, and one real ingest of them per session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clipfinder import Index, ingest
from clipfinder.records import Word

ROOT = Path(__file__).resolve().parent.parent
CALLS = ROOT / "fixtures" / "calls"
TRUTH = ROOT / "fixtures" / "truth"
SHARED_AUDIO = ROOT.parent / "shared" / "audio"


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
def calls_copy(tmp_path: Path) -> Path:
    """A writable copy of fixtures/calls."""
    target = tmp_path / "calls"
    shutil.copytree(CALLS, target)
    return target


def words(*spans: tuple[str, float, float], text: str = "word") -> list[Word]:
    """Hand-built words: (speaker, start, end) each."""
    return [Word(start, end, text, 0.9, speaker) for speaker, start, end in spans]
