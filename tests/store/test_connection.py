"""sqlite3 errors reach the user as clipfinder errors that say what to do, for every command."""

import sqlite3

import pytest

from clipfinder import Index
from clipfinder.errors import IndexBroken, IndexBusy, IndexUnwritable
from clipfinder.store import connection

from ..conftest import add_call, run

REP_LINE = ("rep", "could you walk me through how your team handles onboarding today")


def test_a_file_that_is_not_a_database_is_named_as_such(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(IndexBroken, match="is not a clipfinder index"):
        Index(path)
    result = run("calls", "--db", path)
    assert result.exit_code == 1 and "not a clipfinder index" in result.output
    assert "Traceback" not in result.output


def test_a_truncated_index_is_reported_as_damaged(tmp_path):
    path = tmp_path / "cut.db"
    with Index(path) as index:
        add_call(index, [REP_LINE])
        index._db.execute("pragma wal_checkpoint(full)")
    path.write_bytes(path.read_bytes()[:3000])
    result = run("calls", "--db", path)
    assert result.exit_code == 1 and "damaged" in result.output


def test_writing_through_a_read_only_view_is_an_unwritable_index(tmp_path):
    path = tmp_path / "x.db"
    Index(path).close()
    reader = Index.reader(path)
    with pytest.raises(IndexUnwritable, match="read-only"):
        add_call(reader, [REP_LINE])
    reader.close()


def test_a_write_lock_held_too_long_is_busy_not_a_traceback(tmp_path, monkeypatch):
    path = tmp_path / "x.db"
    Index(path).close()
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_S", 0.1)
    other = sqlite3.connect(path)
    other.execute("begin immediate")  # another process in the middle of a write
    try:
        with Index(path) as index, pytest.raises(IndexBusy, match="busy"):
            add_call(index, [REP_LINE])
    finally:
        other.rollback()
        other.close()


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("database is locked", IndexBusy),
        ("attempt to write a readonly database", IndexUnwritable),
        ("database or disk is full", IndexUnwritable),
        ("file is not a database", IndexBroken),
        ("database disk image is malformed", IndexBroken),
    ],
)
def test_each_sqlite_failure_maps_to_an_error_a_manager_can_act_on(message, kind):
    error = connection.storage_error(sqlite3.OperationalError(message), "team.db")
    assert isinstance(error, kind) and "team.db" in str(error)
