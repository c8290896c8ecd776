"""The weekly trend of a rep on hand-made calls: week bounds (Monday first), means that skip unknown
numbers, the skill's hit rate, the week's last self-score, and the inputs it refuses."""

from datetime import date

import pytest

from clipfinder import Index
from clipfinder.coaching.loop import add_score, parse_moment, set_focus
from clipfinder.coaching.trend import trend, week_row
from clipfinder.errors import BadInput
from clipfinder.jobs.rematch import rematch
from clipfinder.records import RepCall
from clipfinder.store.settings import stored_rubric

from ..conftest import add_call

DISCOVERY = ("rep", "could you walk me through how your team handles onboarding today")
REPLY = ("prospect", "sure we use a spreadsheet and a kickoff call for every new customer")
WEDNESDAY = parse_moment("2026-11-18")  # the last week shown starts Monday 2026-11-16


@pytest.fixture
def db(tmp_path):
    """alice: Sunday Nov 8 late (discovery); Monday Nov 9 early (talk 0.3), Nov 11 (talk 0.5, one question,
    discovery), Nov 12 (speakers unknown); nothing the week of Nov 16. bob: one call, no focus."""
    path = tmp_path / "trend.db"
    with Index(path) as index:
        add_call(index, [DISCOVERY, REPLY], date="2026-11-08T23:30:00", name="sunday")
        add_call(index, [("rep", "a"), ("prospect", "b c")], date="2026-11-09T00:30:00", name="monday")
        add_call(
            index, [("rep", "so walk me through it?"), ("prospect", "we do it by hand")], date="2026-11-11", name="wed"
        )
        add_call(index, [("unknown", "hello there")], date="2026-11-12", name="thu")
        add_call(index, [REPLY], rep="bob", date="2026-11-10", name="bob")
        rematch(index, stored_rubric(index), 30.0)
        set_focus(index, "alice", "discovery", "2026-11-01")
    return path


def test_weeks_start_on_monday(db):
    with Index(db) as index:
        rows = trend(index, "alice", weeks=3, until=WEDNESDAY)
    assert [r.week for r in rows] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert [r.calls for r in rows] == [1, 3, 0]  # Sunday 23:30 is the week before Monday 00:30


def test_means_skip_calls_without_the_number(db):
    with Index(db) as index:
        week = trend(index, "alice", weeks=3, until=WEDNESDAY)[1]
    # 0.3 (1 word vs 2) and 0.5 (5 words each); the unknown-speaker call counts as a call only
    assert (week.calls, week.talk_ratio, week.rep_questions) == (3, 0.4, 0.5)


def test_skill_hit_rate_per_call_and_none_without_calls(db):
    with Index(db) as index:
        rows = trend(index, "ALICE", weeks=3, until=WEDNESDAY)
    assert [r.skill for r in rows] == ["discovery"] * 3
    assert [r.skill_calls for r in rows] == [1, 1, 0]
    assert [r.skill_hit_rate for r in rows] == [1.0, 0.333, None]
    assert (rows[2].talk_ratio, rows[2].rep_questions) == (None, None)


def test_self_score_is_the_weeks_last_score_of_the_skill(db):
    with Index(db) as index:
        add_score(index, "alice", 2, when="2026-11-13T17:00")
        add_score(index, "alice", 4, when="2026-11-10")  # written later, but earlier in the week
        add_score(index, "alice", 5, skill="pain", when="2026-11-14")  # another skill
        add_score(index, "alice", 3, when="2026-11-08")  # a Sunday: the week of Nov 2
        rows = trend(index, "alice", weeks=3, until=WEDNESDAY)
    assert [r.self_score for r in rows] == [3, 2, None]


def test_a_rep_without_focus_needs_a_skill(db):
    with Index(db) as index:
        with pytest.raises(BadInput, match="bob has no skill in focus"):
            trend(index, "bob", until=WEDNESDAY)
        rows = trend(index, "bob", skill="discovery", weeks=2, until=WEDNESDAY)
    assert [(r.week, r.calls, r.skill_hit_rate) for r in rows] == [("2026-11-09", 1, 0.0), ("2026-11-16", 0, None)]


@pytest.mark.parametrize("weeks", [0, -1, 105])
def test_weeks_outside_1_to_104_are_refused(db, weeks):
    with Index(db) as index, pytest.raises(BadInput, match=rf"--weeks must be between 1 and 104 \(got {weeks}\)"):
        trend(index, "alice", weeks=weeks, until=WEDNESDAY)


@pytest.mark.parametrize("weeks", [1, 104])
def test_weeks_at_the_bounds_are_accepted(db, weeks):
    with Index(db) as index:
        rows = trend(index, "alice", weeks=weeks, until=WEDNESDAY)
    assert len(rows) == weeks and rows[-1].week == "2026-11-16"


def _call(call_id: int, talk_ratio: float | None, questions: int | None, skills: set[str]) -> RepCall:
    day = date(2026, 11, 17)
    return RepCall(
        call_id, day.isoformat(), day, None, talk_ratio, questions, None, None, frozenset(skills), 0.9, True, False
    )


def test_week_row_rounds_its_means_and_rate():
    calls = [_call(1, 0.25, 1, {"discovery"}), _call(2, None, None, {"discovery", "pain"}), _call(3, 0.5, 2, set())]
    row = week_row(date(2026, 11, 16), calls, "discovery", 4)
    assert row.to_json() == {
        "week": "2026-11-16",
        "calls": 3,
        "talk_ratio": 0.375,
        "rep_questions": 1.5,
        "skill": "discovery",
        "skill_calls": 2,
        "skill_hit_rate": 0.667,
        "self_score": 4,
    }
