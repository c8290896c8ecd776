"""Migrations: an index made by any earlier schema version opens, upgrades and keeps its calls."""

import pytest

from clipfinder import Index
from clipfinder.store.schema import MIGRATIONS, SCHEMA_VERSION

from ..conftest import database_at


def columns(db) -> dict[str, list[str]]:
    """Every table's column names, as SQLite reports them."""
    names = [r[0] for r in db.execute("select name from sqlite_master where type = 'table' order by name")]
    return {t: [c[1] for c in db.execute(f"pragma table_info('{t}')")] for t in names}


def test_migrations_are_numbered_one_by_one_and_named():
    assert [v for v, _, _ in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))
    assert all(name.strip() for _, name, _ in MIGRATIONS)


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_an_index_of_every_earlier_version_upgrades_to_the_current_schema(tmp_path, version):
    fresh = tmp_path / "fresh.db"
    with Index(fresh) as index:
        wanted = columns(index._db)
    old = tmp_path / f"v{version}.db"
    db = database_at(old, version)
    if version >= 1:  # a call as that release stored it
        db.table("calls").insert(
            {
                "sha256": "ab" * 32,
                "path": "/calls/old.wav",
                "rep": "alice",
                "date": "2026-10-01",
                "duration_s": 60.0,
                "layout": "stereo",
                "model": "tiny.en",
                "language": "en",
                "ingested_at": "2026-10-01T10:00:00+00:00",
            }
        )
    db.close()
    with Index(old) as index:
        assert index.schema_version() == SCHEMA_VERSION
        assert columns(index._db) == wanted
        if version >= 1:
            (call,) = index.calls()
            assert (call.rep, call.path, call.attribution.method) == ("alice", "/calls/old.wav", "channels")
            assert not call.off_language
    with Index(old) as index:  # opening again applies nothing
        assert index.migrate() == []
