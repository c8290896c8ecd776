import pytest

from clipfinder import Index
from clipfinder.jobs.rematch import rematch
from clipfinder.pipeline.rubric import load_rubric
from clipfinder.read.search import search
from clipfinder.store import queries
from clipfinder.store.clips import transcript_terms

from ..conftest import add_call

NEXT_STEP = [("rep", "As a next step can we book a meeting with your director?")]


@pytest.fixture
def index(tmp_path):
    with Index(tmp_path / "q.db") as idx:
        yield idx


def test_a_day_filter_takes_calls_at_any_time_of_that_day(index):
    for account, when in (
        ("Before", "2026-11-15T23:59:59"),
        ("Midnight", "2026-11-16T00:00"),
        ("Day only", "2026-11-16"),
        ("Late", "2026-11-16T23:59:59"),
        ("After", "2026-11-17T00:00"),
    ):
        add_call(index, NEXT_STEP, account=account, date=when)
    rematch(index, load_rubric(), 30.0)
    on_the_day = {h.account for h in search(index, since="2026-11-16", until="2026-11-16")}
    assert on_the_day == {"Midnight", "Day only", "Late"}
    assert {h.account for h in search(index, until="2026-11-15")} == {"Before"}
    assert queries.count_clips(index, "next-steps", "alice", "2026-11-16", "2026-11-16") == 3


def test_rep_account_and_day_filters_use_an_index_of_calls(index):
    add_call(index, NEXT_STEP, rep="Alice", account="Acme")
    for rep, account in (("ALICE", None), (None, "acme")):
        where, args = queries._call_filters(rep, account, "2026-11-01", "2026-11-30")
        plan = index._db.execute(
            "explain query plan select ca.id from calls ca where " + " and ".join(where), args
        ).fetchall()
        used = " ".join(row[-1] for row in plan)
        assert "idx_calls_rep_nocase" in used or "idx_calls_account_nocase" in used, used
        assert index._db.execute("select count(*) from calls ca where " + " and ".join(where), args).fetchone() == (1,)


def test_distinct_values_are_each_value_once_in_order(index):
    for rep in ("carol", "alice", "bob", "alice", "Alice"):
        add_call(index, NEXT_STEP, rep=rep, account=f"{rep} account")
    assert index.reps() == ["Alice", "alice", "bob", "carol"]
    index.require_rep("CAROL")  # any case
    add_call(index, [("prospect", "Honestly the price is too high, that is my main objection.")], rep="bob")
    rematch(index, load_rubric(), 30.0)
    assert queries.clip_skills(index) == sorted(queries.clip_counts(index)) == ["next-steps", "price-objection"]


def test_among_equal_ranks_the_latest_call_indexed_comes_first(index):
    for account in ("First", "Second", "Third"):
        add_call(index, NEXT_STEP, account=account)  # the same words: the same rank
    rematch(index, load_rubric(), 30.0)
    assert [h.account for h in queries.find_clips(index, skill="next-steps")] == ["Third", "Second", "First"]


def vm_steps(index, search) -> int:
    """SQLite virtual-machine steps (to the nearest 100) a search takes: its work, untimed."""
    steps = [0]

    def count() -> int:
        steps[0] += 100
        return 0

    index._db.conn.set_progress_handler(count, 100)
    try:
        search()
    finally:
        index._db.conn.set_progress_handler(None, 100)
    return steps[0]


def add_tied_clips(index, call_id: int, count: int) -> None:
    """`count` clips of one skill and one rank on a call, straight into the table."""
    row = (call_id, "pain", 0.0, 30.0, 90.0, 80.0, "too slow", "prospect", 1.0, 2.0, 1, "it is too slow", 0.9)
    index._db.conn.executemany(
        "insert into clips (call_id, skill, start_s, end_s, score, rank, phrase, speaker, match_start_s, "
        "match_end_s, matches, text, confidence) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row] * count,
    )


def test_the_work_of_a_search_does_not_grow_with_clips_of_equal_rank(index):
    # Thousands of clips share a rank in a big index; a search by skill and date used to read
    # (and sort) all of them to show 20.
    other = add_call(index, NEXT_STEP, account="Other", date="2026-10-01")
    call = add_call(index, NEXT_STEP, date="2026-11-16")
    work = []
    for _ in range(2):
        with index.transaction():
            add_tied_clips(index, call, 2000)
            add_tied_clips(index, other, 2000)
        work.append(
            vm_steps(index, lambda: queries.find_clips(index, skill="pain", since="2026-11-01", until="2026-11-30"))
        )
    assert len(queries.find_clips(index, skill="pain", since="2026-11-01", limit=5000)) == 4000
    assert work[1] <= work[0] * 1.1, work  # 2,000 then 4,000 tied clips on the call asked for


def test_a_text_search_finds_the_same_clips_by_either_route(index, monkeypatch):
    for n in range(6):
        add_call(index, NEXT_STEP, account=f"A{n}", date=f"2026-11-1{n}")
        add_call(index, [("prospect", "Honestly the price is too high, that is my main objection.")], account=f"B{n}")
    rematch(index, load_rubric(), 30.0)
    for fts, skill in (('"next"', None), ('"price"', "price-objection"), ('"director"', None)):
        few = queries.find_clips(index, fts=fts, skill=skill, limit=4)
        monkeypatch.setattr(queries, "FEW_TEXT_MATCHES", 0)
        many = queries.find_clips(index, fts=fts, skill=skill, limit=4)
        monkeypatch.undo()
        assert few == many and len(few) == 4


def test_transcript_terms_are_kept_and_read_again_once_a_call_is_added(index):
    add_call(index, NEXT_STEP)
    first = transcript_terms(index)
    assert "director" in first and "zebra" not in first
    assert index._db.execute("select count(*) from transcript_terms").fetchone() == (len(first),)
    add_call(index, [("prospect", "The zebra crossing is closed")], account="Zoo")
    assert "zebra" in transcript_terms(index)


def test_passages_come_from_the_latest_call_indexed_first(index):
    for account in ("First", "Second", "Third"):
        add_call(index, NEXT_STEP, account=account)
    rows = queries.find_segments(index, '"director"')
    assert [row[3] for row in rows] == ["Third", "Second", "First"]
