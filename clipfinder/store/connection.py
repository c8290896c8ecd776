"""Opening the index file, and the one place where sqlite3 errors become clipfinder errors.

Every statement the store runs goes through `_Connection` (and its cursors), so a locked,
read-only, full or damaged database reaches the user as a sentence saying what to do, never as
a traceback, whichever command hit it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from clipfinder.errors import BadInput, ClipfinderError, IndexBroken, IndexBusy, IndexProblem, IndexUnwritable

# How long a statement waits for another process's write lock before giving up (seconds).
BUSY_TIMEOUT_S = 30.0
# The largest whole number SQLite stores; no id or count the user types can be larger.
LARGEST_INTEGER = 2**63 - 1


def storage_error(exc: sqlite3.Error, path: Path | str) -> IndexProblem:
    """What a sqlite3 error means for the user of the index at `path`."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return IndexBusy(
            f"the index {path} is busy: another clipfinder command is writing to it; "
            "run this again when that one has finished"
        )
    if "readonly" in text or "read-only" in text:
        return IndexUnwritable(
            f"cannot write to the index {path}: the file or its folder is read-only; "
            "use a writable copy (--db) or fix the permissions"
        )
    if "full" in text:
        return IndexUnwritable(
            f"the disk holding the index {path} is full; nothing of the unfinished step was kept. "
            "Free some space and run the command again"
        )
    if "not a database" in text or "malformed" in text or "no such table" in text:
        return IndexBroken(
            f"{path} is not a clipfinder index, or it is damaged ({exc}); "
            "point --db at another file, or move this one away and ingest again"
        )
    if "unable to open" in text:
        return IndexUnwritable(f"cannot open the index {path} ({exc}); check that its folder exists and is writable")
    return IndexProblem(f"the index {path} could not be read or written: {exc}")


# What a statement can fail with on its way through sqlite3; `translated` says what each means.
_FAILURES = (sqlite3.OperationalError, sqlite3.DatabaseError, OverflowError, UnicodeEncodeError)


def translated(exc: BaseException, path: Path | str) -> ClipfinderError:
    """The clipfinder error for a failure in `_FAILURES` of a statement on the index at `path`."""
    if isinstance(exc, OverflowError):
        return BadInput(f"a number given is too large (the largest the index holds is {LARGEST_INTEGER})")
    if isinstance(exc, UnicodeEncodeError):  # a file name or value in no valid encoding (Latin-1 on UTF-8)
        return BadInput("a name or value given is not valid text (not UTF-8); rename the file or retype it")
    assert isinstance(exc, sqlite3.Error)
    return storage_error(exc, path)


class _Cursor(sqlite3.Cursor):
    """Rows are read lazily, so reading them can fail too (a damaged page, a vanished file)."""

    path: Path | str = ""

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except _FAILURES as exc:
            raise translated(exc, self.path) from exc

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except _FAILURES as exc:
            raise translated(exc, self.path) from exc

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except _FAILURES as exc:
            raise translated(exc, self.path) from exc


class _Connection(sqlite3.Connection):
    path: Path | str = ""

    def cursor(self, factory: Any = _Cursor) -> Any:
        cursor = super().cursor(factory)
        cursor.path = self.path
        return cursor

    def execute(self, *args: Any) -> Any:
        try:
            return super().execute(*args)
        except _FAILURES as exc:
            raise translated(exc, self.path) from exc

    def executemany(self, *args: Any) -> Any:
        try:
            return super().executemany(*args)
        except _FAILURES as exc:
            raise translated(exc, self.path) from exc

    def executescript(self, *args: Any) -> Any:
        try:
            return super().executescript(*args)
        except _FAILURES as exc:
            raise translated(exc, self.path) from exc

    def commit(self) -> None:
        try:
            super().commit()
        except _FAILURES as exc:
            raise translated(exc, self.path) from exc


def connect(path: Path, readonly: bool = False) -> sqlite_utils.Database:
    """The database at `path` (created if missing, unless `readonly`) with translated errors."""
    try:
        if readonly:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, factory=_Connection, timeout=BUSY_TIMEOUT_S
            )
            try:
                conn.execute("select count(*) from sqlite_master").fetchone()
            except IndexUnwritable:
                # In a read-only folder SQLite cannot make the WAL's shared-memory file: read the
                # file as it stands (nothing can be writing to it there anyway).
                conn.close()
                conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, factory=_Connection)
        else:
            conn = sqlite3.connect(str(path), factory=_Connection, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from exc
    assert isinstance(conn, _Connection)
    conn.path = path
    return sqlite_utils.Database(conn)


@contextlib.contextmanager
def writing(db: sqlite_utils.Database) -> Iterator[None]:
    """A write transaction that takes the write lock at its start (BEGIN IMMEDIATE), so a second
    writer waits its turn (BUSY_TIMEOUT_S) instead of failing when it first writes after reading;
    inside another transaction it is a savepoint of that one."""
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:  # a failed COMMIT (a full disk) leaves it open
            db.conn.rollback()
        raise
