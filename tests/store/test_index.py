import sqlite3

import pytest

from clipfinder.errors import BadInput, NotFound
from clipfinder.pipeline.metrics import compute_metrics
from clipfinder.records import CallMeta, Segment, Transcript, Word
from clipfinder.store.index import Index
from clipfinder.store.schema import MIGRATIONS


def make_transcript(sha="a" * 64, path="/calls/alice/c1.wav", text="How do you coach today?") -> Transcript:
    w1 = Word(0.5, 1.0, "How", 0.9, "rep")
    w2 = Word(1.0, 2.0, "today?", 0.8, "rep")
    w3 = Word(3.0, 4.0, "Ride-alongs.", 0.7, "prospect", timed=False)
    segs = (Segment(0.5, 2.0, text, "rep", (w1, w2), 0), Segment(3.0, 4.0, "Ride-alongs.", "prospect", (w3,), 1))
    return Transcript(path, sha, 10.0, "stereo", segs, "tiny.en", "en")


META = CallMeta(rep="alice", date="2026-11-16T10:00:00", account="Acme", channels=("rep", "prospect"))


def store(index: Index, t: Transcript) -> int:
    return index.write_call(t, META, compute_metrics(t.words, list(t.segments), t.duration_s))


def test_migrations_are_recorded_and_reopening_applies_none(tmp_path):
    db = tmp_path / "x.db"
    with Index(db) as index:
        assert index.schema_version() == MIGRATIONS[-1][0]
    with Index(db) as again:
        assert again.migrate() == []


def test_roundtrip_of_call_segments_words_and_metrics(tmp_path):
    with Index(tmp_path / "x.db") as index:
        call_id = store(index, make_transcript())
        call = index.find_call(call_id)
        assert (call.rep, call.account, call.layout, call.channels) == ("alice", "Acme", "stereo", ("rep", "prospect"))
        segs = index.segments(call_id)
        assert [s.text for s in segs] == ["How do you coach today?", "Ride-alongs."]
        assert segs[1].words[0].timed is False
        m = index.metrics(call_id)
        assert m.talk_ratio == pytest.approx(1.5 / 2.5)
        assert m.questions == {"rep": 1, "prospect": 0}
        assert index.find_call("/calls/alice/c1.wav").id == call_id
        assert index.find_call("a" * 12).id == call_id


def test_full_text_search_over_segments(tmp_path):
    with Index(tmp_path / "x.db") as index:
        store(index, make_transcript())
        hits = index._db.execute("select rowid from segments_fts where segments_fts match 'coaching'").fetchall()
        assert len(hits) == 1  # porter stemming: coaching ~ coach


def test_rewriting_the_same_bytes_replaces_and_keeps_the_id(tmp_path):
    with Index(tmp_path / "x.db") as index:
        first = store(index, make_transcript())
        second = store(index, make_transcript(text="Changed text?"))
        assert first == second
        assert index._db.execute("select count(*) from segments").fetchone()[0] == 2
        assert index._db.execute("select count(*) from words").fetchone()[0] == 3


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    """The metrics row is written last: failing there must roll back the call, segments and words."""
    import clipfinder.store.index

    def boom(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    with Index(tmp_path / "x.db") as index:
        monkeypatch.setattr(clipfinder.store.index, "metrics_row", boom)
        with pytest.raises(sqlite3.OperationalError):
            store(index, make_transcript())
        for table in ("calls", "segments", "words", "metrics", "segments_fts"):
            assert index._db.execute(f"select count(*) from {table}").fetchone()[0] == 0


def test_failures_are_recorded_once_per_path_and_cleared_by_success(tmp_path):
    with Index(tmp_path / "x.db") as index:
        index.record_failure("/calls/alice/c1.wav", "first")
        index.record_failure("/calls/alice/c1.wav", "second")
        assert [f["error"] for f in index.failures()] == ["second"]
        store(index, make_transcript())
        assert index.failures() == []


def test_unknown_call_and_rep_are_clear_errors(tmp_path):
    with Index(tmp_path / "x.db") as index:
        store(index, make_transcript())
        with pytest.raises(NotFound, match="clipfinder calls"):
            index.find_call("99")
        with pytest.raises(NotFound, match="reps in the index: alice"):
            index.calls("zed")


def test_db_path_that_is_a_folder_is_rejected(tmp_path):
    with pytest.raises(BadInput, match="folder"):
        Index(tmp_path)


def test_an_index_from_before_confidence_upgrades_and_backfills(tmp_path):
    """A schema-4 database: its matches get a kind and a confidence from their stored words, its
    clips the confidence of their surest match and a rank built from it; its calls stay matched."""
    from clipfinder.store.schema import MIGRATIONS

    from ..conftest import database_at

    path = tmp_path / "v4.db"
    db = database_at(path, 4)
    db.table("calls").insert(
        {"id": 1, "sha256": "1" * 64, "path": "/c1.wav", "rep": "alice", "date": "2026-11-20", "duration_s": 10.0,
         "layout": "stereo", "model": "tiny.en", "language": "en", "ingested_at": "x", "attribution": "channels"}
    )  # fmt: skip
    for idx, (text, probability) in enumerate((("walk", 0.9), ("me", 0.7), ("thru", 0.5))):
        db.table("words").insert(
            {"call_id": 1, "segment_idx": 0, "idx": idx, "start_s": idx * 0.5, "end_s": idx * 0.5 + 0.4,
             "text": text, "probability": probability, "speaker": "rep", "timed": 1}
        )  # fmt: skip
    db.table("clips").insert(
        {"id": 7, "call_id": 1, "skill": "discovery", "start_s": 0.0, "end_s": 10.0, "score": 90.0, "rank": 81.0,
         "phrase": "walk me through", "speaker": "rep", "match_start_s": 0.0, "match_end_s": 1.4, "matches": 1,
         "text": "Rep: walk me thru"}
    )  # fmt: skip
    db.table("matches").insert(
        {"call_id": 1, "clip_id": 7, "skill": "discovery", "phrase": "walk me through", "score": 90.0,
         "speaker": "rep", "start_s": 0.0, "end_s": 1.4, "word_start": 0, "word_end": 2, "sentence": "walk me thru",
         "in_question": 0}
    )  # fmt: skip
    db.close()
    with Index(path) as index:
        assert index.schema_version() == MIGRATIONS[-1][0]
        kind, confidence = index._db.execute("select kind, confidence from matches").fetchone()
        clip_confidence, rank = index._db.execute("select confidence, rank from clips where id = 7").fetchone()
        (call,) = index.calls()
    assert kind == "fuzzy" and confidence == pytest.approx(0.7 * 0.9, abs=1e-3)  # mean probability x score
    assert clip_confidence == confidence
    assert rank == pytest.approx(81.0 * 0.63 * 100 / 90, abs=0.01)  # its centrality (0.9) kept
    assert not call.off_language and call.attribution.separability is None
