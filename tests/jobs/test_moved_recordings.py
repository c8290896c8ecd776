"""A recording indexed before is known by its content: moved, it gets its new path; with an edited
sidecar, its new metadata; neither is transcribed again, and its clips keep their ids."""

import json
import shutil

from clipfinder import Index, ingest
from clipfinder.read.export import export_clips
from clipfinder.read.search import search

from ..conftest import CALLS


def clip_ids(index) -> list[tuple[int, str]]:
    return sorted((h.clip_id, h.skill) for h in search(index, limit=100))


def test_a_moved_recording_is_found_by_its_content_and_keeps_its_clips(tmp_path):
    old = tmp_path / "inbox" / "bob"
    old.mkdir(parents=True)
    shutil.copy(CALLS / "bob" / "umbrella-intro.ogg", old / "call.ogg")
    (old / "call.ogg.json").write_text(json.dumps({"rep": "bob", "account": "Umbrella", "date": "2026-11-19"}))
    with Index(tmp_path / "x.db") as index:
        ingest([old], index, workers=1)
        before = clip_ids(index)
        (call,) = index.calls()
        new = tmp_path / "archive" / "2026" / "someone-else"  # a new folder name is no new rep
        new.mkdir(parents=True)
        shutil.move(old / "call.ogg", new / "call.ogg")
        report = ingest([new], index, workers=1)
        (outcome,) = report.outcomes
        assert outcome.status.value == "updated" and f"moved from {old / 'call.ogg'}" in outcome.detail
        (moved,) = index.calls()
        assert (moved.id, moved.path, moved.rep, moved.account) == (call.id, str(new / "call.ogg"), "bob", "Umbrella")
        assert clip_ids(index) == before
        assert export_clips(index, [before[0][0]], tmp_path / "out").clips[0].audio.exists()


def test_an_edited_sidecar_updates_the_call_and_a_copy_is_skipped(tmp_path):
    folder = tmp_path / "alice"
    folder.mkdir()
    shutil.copy(CALLS / "bob" / "umbrella-intro.ogg", folder / "call.ogg")
    sidecar = folder / "call.ogg.json"
    sidecar.write_text(json.dumps({"rep": "alice", "account": "Umbrela", "date": "2026-11-19"}))
    with Index(tmp_path / "x.db") as index:
        ingest([folder], index, workers=1)
        before = clip_ids(index)
        sidecar.write_text(json.dumps({"rep": "alice", "account": "Umbrella", "date": "2026-11-19T09:15"}))
        (outcome,) = ingest([folder], index, workers=1).outcomes
        assert outcome.status.value == "updated" and "account, date updated" in outcome.detail
        (call,) = index.calls()
        assert (call.account, call.date) == ("Umbrella", "2026-11-19T09:15:00")
        assert clip_ids(index) == before
        shutil.copy(folder / "call.ogg", tmp_path / "copy.ogg")
        (copy,) = ingest([tmp_path / "copy.ogg"], index, workers=1).outcomes
        assert copy.status.value == "skipped" and f"same recording as call {call.id}" in copy.detail
        assert index.calls()[0].path == str(folder / "call.ogg")


def test_only_fields_the_sidecar_gives_are_taken_over(tmp_path):
    import os

    folder = tmp_path / "calls"
    folder.mkdir()
    shutil.copy(CALLS / "bob" / "umbrella-intro.ogg", folder / "call.ogg")
    (folder / "call.ogg.json").write_text(json.dumps({"rep": "alice"}))  # no date: the file's time is used
    with Index(tmp_path / "x.db") as index:
        ingest([folder], index, workers=1)
        (before,) = index.calls()
        os.utime(folder / "call.ogg", (1_700_000_000, 1_700_000_000))  # copied or touched later
        (outcome,) = ingest([folder], index, workers=1).outcomes
        assert outcome.status.value == "skipped"
        assert index.calls()[0].date == before.date


def test_a_recording_moved_over_another_replaces_that_call(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    shutil.copy(CALLS / "bob" / "umbrella-intro.ogg", folder / "a.ogg")
    shutil.copy(CALLS / "alice" / "globex-pricing.mp3", folder / "b.mp3")
    with Index(tmp_path / "x.db") as index:
        ingest([folder], index, workers=1)
        a = next(c for c in index.calls() if c.path.endswith("a.ogg"))
        shutil.move(folder / "a.ogg", folder / "b.mp3")  # b's recording is gone, a's is in its place
        ingest([folder], index, workers=1)
        (left,) = index.calls()
        assert (left.id, left.path) == (a.id, str(folder / "b.mp3"))
