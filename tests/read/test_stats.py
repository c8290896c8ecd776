"""Stats read back from a real index: per call (newest first, by rep or by call) and averaged per rep.

The calls are hand-built (conftest.add_call: 0.3 s words every 0.4 s, 1.1 s between lines), so
every number below can be worked out by hand.
"""

from dataclasses import replace

import pytest

from clipfinder import Index
from clipfinder.errors import NotFound
from clipfinder.read.stats import call_stats, rep_averages
from clipfinder.records import BY_FIRST_TURN, Attribution

from ..conftest import add_call


@pytest.fixture
def db(tmp_path):
    """alice: call 1 (rep 3 words with a question, prospect 2), call 2 (rep 1, prospect 3 asking, rep 2),
    call 3 (speakers unknown); bob: call 4."""
    path = tmp_path / "stats.db"
    with Index(path) as index:
        add_call(index, [("rep", "one two three?"), ("prospect", "four five")], date="2026-11-02", name="a1")
        add_call(index, [("rep", "a"), ("prospect", "b c d?"), ("rep", "e f")], date="2026-11-03", name="a2")
        add_call(index, [("unknown", "hello there?")], date="2026-11-04", account=None, name="a3")
        add_call(index, [("rep", "hi"), ("prospect", "hello")], rep="bob", date="2026-11-05", name="b1")
    return path


def test_call_stats_are_newest_first_with_metrics_worked_out_by_hand(db):
    with Index(db) as index:
        items = call_stats(index)
    assert [i.call.id for i in items] == [4, 3, 2, 1]
    first = next(i for i in items if i.call.id == 1).to_json()
    # rep talks 3 words = 1.1 s, prospect 2 words = 0.7 s; the call lasts 5.0 s with one switch
    assert first["talk_seconds"] == {"rep": 1.1, "prospect": 0.7}
    assert first["talk_ratio"] == 0.6111  # 1.1 / 1.8
    assert first["questions"] == {"rep": 1, "prospect": 0}
    assert first["longest_monologue_s"] == {"rep": 1.1, "prospect": 0.7}
    assert (first["duration_s"], first["speaker_switches"], first["interactivity"]) == (5.0, 1, 12.0)
    assert first["patience_s"] is None  # the rep never answers the prospect
    assert (first["rep"], first["account"], first["date"], first["path"]) == (
        "alice",
        "Acme",
        "2026-11-02",
        "/calls/a1.wav",
    )
    assert (first["speakers"], first["speakers_uncertain"], first["off_language"]) == ("channels", False, False)


def test_call_stats_of_one_rep_any_case_or_of_one_call(db):
    with Index(db) as index:
        assert [i.call.id for i in call_stats(index, rep="ALICE")] == [3, 2, 1]
        assert [i.call.id for i in call_stats(index, call="2")] == [2]
        assert call_stats(index, call="2")[0].metrics.patience_s == 1.1  # prospect ends 2.5 s, rep resumes 3.6 s
        with pytest.raises(NotFound, match="alice, bob"):
            call_stats(index, rep="carol")


def test_rep_averages_skip_calls_without_the_number(db):
    with Index(db) as index:
        alice, bob = rep_averages(call_stats(index))
    assert (alice.rep, alice.calls, alice.calls_with_roles, alice.calls_uncertain) == ("alice", 3, 2, 0)
    assert alice.talk_ratio == 0.544  # (0.6111 + 0.4762) / 2; the unknown-speaker call has none
    assert alice.longest_monologue_s == {"rep": 0.9, "prospect": 0.9}  # (1.1 + 0.7) / 2 each way
    assert alice.questions == {"rep": 0.5, "prospect": 0.5}
    assert alice.interactivity == 15.375  # (12.0 + 18.75) / 2
    assert alice.patience_s == 1.1  # only call 2 has one
    assert (bob.rep, bob.calls, bob.talk_ratio) == ("bob", 1, 0.5)


def test_a_rep_whose_calls_have_no_roles_averages_to_none(db):
    with Index(db) as index:
        (only,) = rep_averages(call_stats(index, call="3"))
    assert only.to_json() == {
        "rep": "alice",
        "calls": 1,
        "calls_with_roles": 0,
        "calls_uncertain": 0,
        "talk_ratio": None,
        "longest_monologue_s": {"rep": None, "prospect": None},
        "questions": {"rep": None, "prospect": None},
        "interactivity": None,
        "patience_s": None,
    }


def test_guessed_speakers_are_counted_and_flagged(db):
    with Index(db) as index:
        items = call_stats(index, rep="alice")
    guessed = [
        replace(i, call=replace(i.call, attribution=Attribution(BY_FIRST_TURN))) if i.call.id == 2 else i for i in items
    ]
    (alice,) = rep_averages(guessed)
    assert (alice.calls_with_roles, alice.calls_uncertain) == (2, 1)
    shown = next(i for i in guessed if i.call.id == 2).to_json()
    assert (shown["speakers"], shown["speakers_uncertain"]) == ("guess ?", True)


def test_no_calls_no_averages():
    assert rep_averages([]) == []
