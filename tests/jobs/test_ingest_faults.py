"""Ingest when things go wrong around it: a full disk, a read-only index, a busy index, a bad --db,
a typo'd folder, a copy of a file that failed. What was indexed stays; the user learns what to do."""

import shutil
import sqlite3
import threading
import time

import pytest

from clipfinder import Index, ingest
from clipfinder.errors import IndexUnwritable
from clipfinder.jobs.rematch import rematch
from clipfinder.read.search import search
from clipfinder.store import index as index_module
from clipfinder.store.settings import stored_rubric

from ..conftest import CALLS, add_call, run

SHORT = [CALLS / "bob" / "umbrella-intro.ogg", CALLS / "bob" / "initech-followup.flac"]
LINES = [("rep", "could you walk me through how your team handles onboarding today")]


def test_a_full_disk_stops_the_batch_keeps_what_was_indexed_and_says_what_is_left(tmp_path, monkeypatch):
    real_write = Index.write_call
    writes = []

    def fills_the_disk(self, *args, **kwargs):
        if writes:
            raise IndexUnwritable(f"the disk holding the index {self.path} is full")
        writes.append(1)
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Index, "write_call", fills_the_disk)
    with Index(tmp_path / "x.db") as index:
        with pytest.raises(IndexUnwritable, match=r"Stopped after 1 of 2 file\(s\) \(1 indexed\).*the other 1"):
            ingest(SHORT, index, workers=1)
        assert len(index.calls()) == 1
    monkeypatch.setattr(Index, "write_call", real_write)
    with Index(tmp_path / "x.db") as index:  # the same command finishes the batch
        again = ingest(SHORT, index, workers=1)
    assert sorted(o.status.value for o in again.outcomes) == ["indexed", "skipped"]


def test_a_copy_of_a_file_that_failed_its_checks_gets_its_own_try(tmp_path):
    for name in ("a.ogg", "b.ogg"):
        shutil.copy(SHORT[0], tmp_path / name)
    (tmp_path / "a.ogg.json").write_text('{"date": "yesterday"}')
    with Index(tmp_path / "x.db") as index:
        report = ingest([tmp_path], index, workers=1)
    assert {o.path.rsplit("/", 1)[-1]: o.status.value for o in report.outcomes} == {
        "a.ogg": "failed",
        "b.ogg": "indexed",
    }


@pytest.mark.parametrize("args", [["ingest", "calls-typo/"], ["ingest"]])
def test_nothing_to_ingest_creates_no_database(tmp_path, args):
    result = run(*args, "--db", tmp_path / "new.db")
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    assert not (tmp_path / "new.db").exists()


def test_a_device_as_db_is_refused():
    result = run("calls", "--db", "/dev/null")
    assert result.exit_code == 1 and "is not a file" in result.output


def test_a_read_only_index_can_still_be_read_and_searched_with_typos(tmp_path, monkeypatch):
    path = tmp_path / "x.db"
    with Index(path) as index:
        add_call(index, LINES)
        rematch(index, stored_rubric(index), 30.0)  # the typo terms are now out of date
    real_connect = index_module.connect

    def read_only(where, readonly=False):
        if not readonly:
            raise IndexUnwritable(f"cannot write to the index {where}: the file or its folder is read-only")
        return real_connect(where, readonly=True)

    monkeypatch.setattr(index_module, "connect", read_only)
    with Index.existing(path) as index:
        assert [h.skill for h in search(index, "onbaording")] == ["discovery"]
    listed = run("calls", "--db", path)
    assert listed.exit_code == 0 and "alice" in listed.output
    refused = run("focus", "--rep", "alice", "--skill", "discovery", "--db", path)
    assert refused.exit_code == 1 and "read-only" in refused.output


def test_rematch_waits_for_another_writer_instead_of_failing(tmp_path):
    path = tmp_path / "x.db"
    with Index(path) as index:
        add_call(index, LINES)
    other = sqlite3.connect(path, check_same_thread=False)
    other.execute("begin immediate")  # an ingest in the middle of storing a call
    releaser = threading.Timer(1.0, other.commit)
    releaser.start()
    started = time.monotonic()
    with Index(path) as index:
        report = rematch(index, stored_rubric(index), 30.0)
    releaser.join()
    other.close()
    assert report.clips == 1 and time.monotonic() - started >= 0.9
