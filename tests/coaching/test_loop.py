"""The coaching loop on hand-made calls: focus, commitments, self-scores, the 72-hour follow-up."""

import json

import pytest

from clipfinder import Index
from clipfinder.coaching.loop import (
    add_commitment,
    add_score,
    current_focus,
    focus_history,
    followup,
    parse_moment,
    rotation_advice,
    set_focus,
)
from clipfinder.coaching.trend import trend
from clipfinder.errors import BadInput, NotFound
from clipfinder.jobs.rematch import rematch
from clipfinder.store.settings import stored_rubric

from ..conftest import add_call, run

DISCOVERY = ("rep", "could you walk me through how your team handles onboarding today")
SMALL_TALK = ("rep", "thanks for your time today it was good to talk")
REPLY = ("prospect", "sure we use a spreadsheet and a kickoff call for every new customer")


@pytest.fixture
def team(tmp_path):
    """alice: calls on Nov 2 (discovery), Nov 10 09:00 (none), Nov 11 15:00 (discovery), Nov 20 (none);
    bob: one call. Clips come from the default rubric."""
    db = tmp_path / "team.db"
    with Index(db) as index:
        add_call(index, [DISCOVERY, REPLY], date="2026-11-02T10:00:00", account="Acme", name="a1")
        add_call(index, [SMALL_TALK, REPLY], date="2026-11-10T09:00:00", account="Globex", name="a2")
        add_call(index, [DISCOVERY, REPLY], date="2026-11-11T15:00:00", account="Globex", name="a3")
        add_call(index, [SMALL_TALK, REPLY], date="2026-11-20", account="Initech", name="a4")
        add_call(index, [SMALL_TALK, REPLY], rep="bob", date="2026-11-12T11:00:00", account="Umbrella", name="b1")
        rematch(index, stored_rubric(index), 30.0)
    return db


def test_focus_keeps_its_history_and_answers_for_a_date(team):
    with Index(team) as index:
        set_focus(index, "alice", "pain", "2026-10-01")
        set_focus(index, "Alice", "discovery", "2026-11-01")
        assert [f.skill for f in focus_history(index, "alice")] == ["pain", "discovery"]
        assert current_focus(index, "alice", parse_moment("2026-10-20")).skill == "pain"
        assert current_focus(index, "alice", parse_moment("2026-11-05")).skill == "discovery"
        assert current_focus(index, "alice", parse_moment("2026-09-01")) is None


def test_unknown_rep_or_skill_lists_the_known_ones(team):
    with Index(team) as index:
        with pytest.raises(NotFound, match="alice, bob"):
            set_focus(index, "carol", "discovery")
        with pytest.raises(NotFound, match="discovery.*next-steps"):
            set_focus(index, "alice", "closing")


def test_commitment_defaults_to_the_focus_skill_and_needs_one(team):
    with Index(team) as index:
        with pytest.raises(BadInput, match="no skill in focus"):
            add_commitment(index, "alice", "ask about onboarding", when="2026-11-09T17:00")
        set_focus(index, "alice", "discovery", "2026-11-01")
        made = add_commitment(index, "alice", "ask about onboarding", when="2026-11-09T17:00")
        assert made.skill == "discovery" and made.date == "2026-11-09T17:00"
        with pytest.raises(BadInput, match="empty"):
            add_commitment(index, "alice", "   ")


@pytest.mark.parametrize("bad", [0, 6, -1, 3.5, True])
def test_self_score_is_1_to_5(team, bad):
    with Index(team) as index:
        set_focus(index, "alice", "discovery", "2026-11-01")
        with pytest.raises(BadInput, match="1 to 5"):
            add_score(index, "alice", bad)


def test_followup_met_only_when_the_skill_shows_within_72_hours(team):
    with Index(team) as index:
        set_focus(index, "alice", "discovery", "2026-11-01")
        set_focus(index, "bob", "next-steps", "2026-11-01")
        # call a2 (17 h later, no discovery) then a3 (46 h later, discovery): met
        add_commitment(index, "alice", "open with a discovery question", when="2026-11-09T16:00")
        # only a4 follows, 4 days later, without the skill: not met, no call in the window
        add_commitment(index, "alice", "again", when="2026-11-16T10:00")
        # bob's call is 24 h later but has no next step: not met
        add_commitment(index, "bob", "agree a next step", when="2026-11-11T11:00")
        # nothing after it: unknown
        add_commitment(index, "bob", "later", when="2026-11-21T09:00")
        items = [f.to_json() for f in followup(index, now=parse_moment("2026-11-22T12:00"))]
    by_text = {i["text"]: i for i in items}
    first = by_text["open with a discovery question"]
    assert first["met"] is True
    assert [(c["within_72h"], bool(c["clip_ids"])) for c in first["calls"][:2]] == [(True, False), (True, True)]
    again = by_text["again"]
    assert again["met"] is False and again["no_call_in_window"] and again["calls"][0]["within_72h"] is False
    assert by_text["agree a next step"]["met"] is False
    later = by_text["later"]
    assert later["met"] is None and later["calls"] == [] and later["no_call_in_window"] and later["window_open"]


def test_skill_seen_after_the_window_does_not_count(tmp_path):
    db = tmp_path / "x.db"
    with Index(db) as index:
        add_call(index, [DISCOVERY, REPLY], date="2026-11-05T10:00:00", name="late")
        rematch(index, stored_rubric(index), 30.0)
        set_focus(index, "alice", "discovery", "2026-11-01")
        add_commitment(index, "alice", "x", when="2026-11-01T09:00")
        (item,) = [f.to_json() for f in followup(index)]
    assert item["calls"][0]["clip_ids"] and item["calls"][0]["within_72h"] is False
    assert item["met"] is False


def test_rotation_waits_for_four_weeks_and_two_good_scores(team):
    with Index(team) as index:
        set_focus(index, "alice", "discovery", "2026-11-02")
        add_score(index, "alice", 4, when="2026-11-13")
        add_score(index, "alice", 5, when="2026-11-20")
        early = rotation_advice(index, "alice", parse_moment("2026-11-23"))
        add_score(index, "alice", 4, when="2026-11-27")
        later = rotation_advice(index, "alice", parse_moment("2026-11-30"))
        add_score(index, "alice", 3, when="2026-11-27T18:00")  # the week's last score counts
        dipped = rotation_advice(index, "alice", parse_moment("2026-11-30"))
    assert early.rotate is False and "keep until 2026-11-30" in early.advice
    assert later.rotate is True and "rotate" in later.advice
    assert dipped.rotate is False


def test_trend_counts_weeks_calls_skill_rate_and_scores(team):
    with Index(team) as index:
        set_focus(index, "alice", "discovery", "2026-11-01")
        add_score(index, "alice", 2, when="2026-11-13")
        rows = trend(index, "alice", weeks=4, until=parse_moment("2026-11-22"))
    assert [r.week for r in rows] == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"]
    assert [r.calls for r in rows] == [0, 1, 2, 1]
    assert [r.skill_hit_rate for r in rows] == [None, 1.0, 0.5, 0.0]
    assert [r.self_score for r in rows] == [None, None, 2, None]
    assert rows[2].talk_ratio is not None


def test_cli_loop_and_followup_json(team):
    assert run("focus", "--db", team, "--rep", "alice", "--skill", "discovery", "--since", "2026-11-01").exit_code == 0
    made = run("commit", "--db", team, "--rep", "alice", "open with a question", "--date", "2026-11-09T16:00")
    assert made.exit_code == 0 and "apply by 2026-11-12 16:00" in made.output
    assert run("score", "--db", team, "--rep", "alice", "4", "--date", "2026-11-13").exit_code == 0
    bad = run("score", "--db", team, "--rep", "alice", "four")
    assert bad.exit_code == 1 and "1 to 5" in bad.output
    unknown = run("commit", "--db", team, "--rep", "zed", "x")
    assert unknown.exit_code == 1 and "reps in the index: alice, bob" in unknown.output
    items = json.loads(run("followup", "--db", team, "--rep", "alice", "--json").output)
    (item,) = items
    assert {"rep", "skill", "text", "date", "met", "calls"} <= set(item)
    assert item["met"] is True
    assert {"call_id", "date", "clip_ids", "within_72h"} <= set(item["calls"][0])
    text = run("followup", "--db", team).output
    assert "[MET] alice" in text
    shown = json.loads(run("trend", "--db", team, "--rep", "alice", "--json", "--weeks", "3").output)
    assert len(shown) == 3 and shown[-1]["skill"] == "discovery"
