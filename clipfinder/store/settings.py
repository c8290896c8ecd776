"""The index's settings: the rubric and clip length its clips were made with, and a few counters.

The rubric's whole text is stored, so a later `ingest` without --rubric matches the same way and
`rematch` can rebuild every clip from stored words. A built-in rubric is the exception: it
follows the installed release, so an upgrade's better examples reach an index made with it.
The matching rule's version is stored too: clips made by an older rule are made again.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import sqlite_utils

from clipfinder.pipeline.clips import DEFAULT_CLIP_SECONDS
from clipfinder.pipeline.rubric import (
    MATCHING_RULE,
    Rubric,
    built_in_name,
    built_in_named,
    built_in_rubric,
    load_rubric,
    parse_rubric,
)

if TYPE_CHECKING:
    from clipfinder.store.index import Index

RUBRIC_TEXT = "rubric_text"
RUBRIC_SOURCE = "rubric_source"
CLIP_SECONDS = "clip_seconds"
RULE = "matching_rule"
BUILT_IN_NAME = "rubric_built_in"  # the built-in rubric the clips were made with, "" for a team's own


def get_setting(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("select value from settings where key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def put_setting(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute(
        "insert into settings (key, value) values (?, ?) on conflict(key) do update set value = excluded.value",
        [key, value],
    )


def stored_rubric(index: Index) -> Rubric:
    """The rubric this index was last matched with (the default rubric for a new index); for a
    built-in rubric, its text in this release."""
    text = get_setting(index._db, RUBRIC_TEXT)
    source = get_setting(index._db, RUBRIC_SOURCE)
    if text is None:
        return load_rubric(None)
    name = get_setting(index._db, BUILT_IN_NAME)
    if name is None:  # stored by a release before the name was: known by its label
        name = built_in_named(source)
    if name:
        return built_in_rubric(name)
    return _parsed(text, source or "stored rubric")


@lru_cache(maxsize=4)
def _parsed(text: str, source: str) -> Rubric:
    return parse_rubric(text, source)


def stored_clip_seconds(index: Index) -> float:
    value = get_setting(index._db, CLIP_SECONDS)
    return float(value) if value is not None else DEFAULT_CLIP_SECONDS


def matched_with(index: Index, rubric: Rubric, clip_seconds: float) -> bool:
    """True when the index's clips were made with exactly this rubric text and clip length, by
    this release's matching rule."""
    return (
        get_setting(index._db, RUBRIC_TEXT) == rubric.text
        and stored_clip_seconds(index) == clip_seconds
        and get_setting(index._db, RULE) == MATCHING_RULE
    )


def save_matching(index: Index, rubric: Rubric, clip_seconds: float, complete: bool = True) -> None:
    """Remember the rubric and clip length the clips were just made with (in the caller's
    transaction); `complete` is False when part of the rubric (its examples) was skipped."""
    put_setting(index._db, RUBRIC_TEXT, rubric.text)
    put_setting(index._db, RUBRIC_SOURCE, rubric.source)
    put_setting(index._db, CLIP_SECONDS, repr(clip_seconds))
    put_setting(index._db, RULE, MATCHING_RULE if complete else f"{MATCHING_RULE}, examples skipped")
    put_setting(index._db, BUILT_IN_NAME, built_in_name(rubric) or "")
