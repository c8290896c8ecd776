"""Clarity: a skill not found is "not detected", and on a garbled transcript nobody is blamed."""

import json

import pytest

from clipfinder import Index
from clipfinder.cli.views import followup_text, missed_text
from clipfinder.coaching.loop import add_commitment, followup, parse_moment, set_focus
from clipfinder.jobs.rematch import rematch
from clipfinder.pipeline.clarity import GARBLED, Clarity, evidence
from clipfinder.read.missed import missed_skills
from clipfinder.store import queries
from clipfinder.store.settings import stored_rubric

from .conftest import add_call, run

SMALL_TALK = ("rep", "thanks for your time today it was good to talk")
REPLY = ("prospect", "sure we use a spreadsheet and a kickoff call for every new customer")


@pytest.mark.parametrize(
    ("value", "level", "words"),
    [
        (0.9, "clear", "not detected (transcript clear, 0.90)"),
        (0.7, "uncertain", "not detected; transcript uncertain (0.70): listen before you judge"),
        (0.5, "garbled", "cannot judge: the transcript is too garbled (0.50)"),
        (None, "no words", "cannot judge: no words from that speaker"),
    ],
)
def test_levels_and_what_they_let_us_say(value, level, words):
    assert Clarity(value).level == level
    assert Clarity(value).absence() == words
    assert Clarity(value).judgeable == (level in ("clear", "uncertain"))


def test_a_clip_is_evidence_whatever_the_clarity():
    assert evidence([3, 4], 0.2) == "clips 3, 4"
    assert evidence([], 0.9) == "skill not detected (transcript clear, 0.90)"


@pytest.fixture
def calls(tmp_path):
    """alice: one clearly heard call and one garbled call, neither with an expected skill."""
    db = tmp_path / "c.db"
    with Index(db) as index:
        clear = add_call(index, [SMALL_TALK, REPLY], date="2026-11-10T09:00:00", name="clear")
        garbled = add_call(index, [SMALL_TALK, REPLY], date="2026-11-12T09:00:00", name="bad", probability=0.4)
        rematch(index, stored_rubric(index), 30.0)
    return db, clear, garbled


def test_missed_says_not_detected_on_a_clear_call_and_cannot_judge_on_a_garbled_one(calls):
    db, clear, garbled = calls
    with Index(db) as index:
        on_clear = missed_skills(index, str(clear))
        on_garbled = missed_skills(index, str(garbled))
    assert [c.level for c in on_clear.clarity] == ["clear", "clear"]
    with Index(db) as index:  # the per-rep query gives every call's rep clarity at once
        assert queries.rep_clarity(index, "alice") == {clear: queries.clarity(index, clear, "rep"), garbled: 0.4}
    assert "discovery: Open discovery questions: not detected (transcript clear, 0.90)" in missed_text(on_clear)
    assert [c.value for c in on_garbled.clarity] == [0.4, 0.4] and GARBLED > 0.4
    text = missed_text(on_garbled)
    assert "cannot judge: the transcript is too garbled (0.40)" in text and "not detected" not in text
    data = json.loads(run("missed", str(garbled), "--db", db, "--json").output)
    assert {(m["skill"], m["transcript"], m["judgeable"]) for m in data["missed"]} == {
        ("discovery", "garbled", False),
        ("next-steps", "garbled", False),
    }


def test_followup_never_calls_a_commitment_unmet_on_garbled_calls_alone(calls):
    db, _, _ = calls
    with Index(db) as index:
        set_focus(index, "alice", "discovery", "2026-11-01")
        add_commitment(index, "alice", "before the clear call", when="2026-11-09T16:00")
        add_commitment(index, "alice", "before the garbled call only", when="2026-11-11T16:00")
        found = {f.commitment.text: f for f in followup(index, now=parse_moment("2026-11-20T12:00"))}
    items = {text: f.to_json() for text, f in found.items()}
    clear, garbled = items["before the clear call"], items["before the garbled call only"]
    assert (clear["met"], clear["verdict"]) == (False, "not detected")
    assert (garbled["met"], garbled["verdict"]) == (None, "cannot judge (garbled transcript)")
    assert [c["transcript"] for c in garbled["calls"]] == ["garbled"]
    text = followup_text([found["before the garbled call only"]])
    assert text.startswith("[CANNOT JUDGE (GARBLED TRANSCRIPT)]")
    assert "call 2 2026-11-12T09:00:00 (within 72 h): cannot judge: the transcript is too garbled (0.40)" in text


def test_a_commitment_with_no_call_in_its_72_hours_is_not_met_whatever_came_later(calls):
    db, _, _ = calls
    with Index(db) as index:
        set_focus(index, "alice", "discovery", "2026-11-01")
        add_commitment(index, "alice", "too early", when="2026-11-01T09:00")
        (item,) = [f.to_json() for f in followup(index, now=parse_moment("2026-11-20T12:00"))]
    assert (item["met"], item["verdict"]) == (False, "not met (no call within 72 h)")
    assert item["no_call_in_window"]


def test_prep_says_why_it_cannot_judge_an_account_whose_rep_said_nothing(tmp_path):
    from clipfinder.coaching.loop import set_focus
    from clipfinder.coaching.prep import build_prep
    from clipfinder.coaching.render import render_prep

    db = tmp_path / "p.db"
    with Index(db) as index:
        add_call(index, [REPLY], date="2026-11-18T10:00:00", account="Quiet", name="muted rep")
        rematch(index, stored_rubric(index), 30.0)
        set_focus(index, "alice", "discovery", "2026-11-01")
        prep = build_prep(index, "alice", "2026-11-20T09:00")
    (account,) = prep.accounts
    assert account.clarity is None and account.skills_unjudged == ["discovery", "next-steps"]
    page = render_prep(prep, "md", None)
    assert "not detected: cannot judge: no words from that speaker" in page
