"""The text and JSON the reading commands print, from records: calls, stats, search hits, follow-ups,
trend weeks, an ingest's summary and the voices list. Calls come from a real index of hand-made calls;
the records a view only lays out (hits, weeks, reports, voice rows) are built by hand."""

import re
from dataclasses import replace

import pytest

from clipfinder import Index
from clipfinder.cli.views import (
    calls_json,
    calls_table,
    followup_text,
    ingest_summary,
    search_table,
    stats_table,
    table,
    trend_table,
    voices_table,
)
from clipfinder.coaching.loop import add_commitment, followup, parse_moment, set_focus
from clipfinder.coaching.trend import Week
from clipfinder.jobs.ingest import FAILED, INDEXED, NOT_AUDIO, SKIPPED, IngestReport, Outcome
from clipfinder.jobs.rematch import rematch
from clipfinder.read.stats import call_stats, rep_averages
from clipfinder.records import BY_FIRST_TURN, Attribution, ClipHit, VoiceSampleRow
from clipfinder.store import queries
from clipfinder.store.settings import stored_rubric

from ..conftest import add_call

DISCOVERY = ("rep", "could you walk me through how your team handles onboarding today")
REPLY = ("prospect", "sure we use a spreadsheet and a kickoff call for every new customer")
GUESSED = Attribution(BY_FIRST_TURN)


def cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


@pytest.fixture
def db(tmp_path):
    """Call 1: alice at Acme, rep 3 words (a question) to the prospect's 2, 5 s long (talk 61%).
    Call 2: bob, no account, speakers unknown, one question."""
    path = tmp_path / "views.db"
    with Index(path) as index:
        add_call(index, [("rep", "one two three?"), ("prospect", "four five")], date="2026-11-02T10:00:00", name="a1")
        add_call(index, [("unknown", "hello there?")], rep="bob", account=None, date="2026-11-03", name="b1")
    return path


def test_table_pads_columns_to_the_widest_cell_and_trims_line_ends():
    shown = table(("a", "long header"), [(1, None), ("wide cell", "x")])
    assert shown.splitlines() == ["a          long header", "1", "wide cell  x"]


def test_calls_table_rows_and_notes(db):
    with Index(db) as index:
        found = list(index.iter_calls_with_metrics())
    lines = calls_table(found).splitlines()
    assert cells(lines[0]) == ["id", "date", "rep", "account", "length", "audio", "rep talk", "path"]
    assert cells(lines[1]) == ["2", "2026-11-03", "bob", "-", "00:02", "stereo", "n/a", "/calls/b1.wav"]
    assert cells(lines[2]) == ["1", "2026-11-02 10:00", "alice", "Acme", "00:05", "stereo", "61%", "/calls/a1.wav"]
    call, metrics = found[1]
    mono = replace(call, layout="mono", attribution=GUESSED)
    assert cells(calls_table([(mono, metrics)]).splitlines()[1])[5:7] == ["mono, guess ?", "61%?"]
    german = replace(call, language="de", language_probability=0.93)
    assert cells(calls_table([(german, metrics)]).splitlines()[1])[5] == "stereo; NOT en (de 0.93)"
    assert calls_table([]) == "No calls indexed yet."


def test_calls_json_carries_identity_and_speakers(db):
    with Index(db) as index:
        found = list(index.iter_calls_with_metrics())
    bob, alice = calls_json(found)
    expected = {
        "call_id": 1,
        "rep": "alice",
        "account": "Acme",
        "date": "2026-11-02T10:00:00",
        "layout": "stereo",
        "channels": ["rep", "prospect"],
        "duration_s": 5.0,
        "talk_ratio": 0.6111,
        "speakers": "channels",
        "speakers_uncertain": False,
        "off_language": False,
    }
    assert {key: alice[key] for key in expected} == expected
    assert alice["sha256"] == found[1][0].sha256 and alice["ingested_at"]
    assert (bob["account"], bob["talk_ratio"]) == (None, None)


def test_stats_table_marks_uncertain_numbers_and_ends_with_the_anchors(db):
    with Index(db) as index:
        items = call_stats(index)
    guessed = [replace(i, call=replace(i.call, attribution=GUESSED)) for i in items]
    text = stats_table(guessed, rep_averages(guessed))
    rows = {cells(line)[0]: cells(line) for line in text.splitlines() if line.strip()}
    assert rows["1"][4:6] == ["61%?", "guess ?"] and rows["1"][8] == "1/0"
    assert rows["2"][4:6] == ["n/a", "guess ?"] and rows["2"][8] == "?1"  # no number: nothing to doubt
    assert rows["alice"][1:3] == ["1/1 (1?)", "61%"]
    assert rows["bob"][1:3] == ["0/1 (1?)", "n/a"]
    plain = stats_table(items, rep_averages(items))
    assert "61%?" not in plain and "(1?)" not in plain
    assert "Anchors (Gong Labs): rep talk 43:57 talk:listen; 11-14 questions on a discovery call." in text
    assert "Not in the rubric's language" not in text


def test_stats_table_names_calls_in_another_language_and_says_when_empty(db):
    with Index(db) as index:
        items = call_stats(index, call="1")
    german = [replace(items[0], call=replace(items[0].call, language="de", language_probability=0.93))]
    assert "\nNot in the rubric's language (no clips): call 1 (de 0.93)\n" in stats_table(german, rep_averages(german))
    assert stats_table([], []) == "No calls indexed yet."


def hit(**changes) -> ClipHit:
    base = ClipHit(
        clip_id=7,
        call_id=1,
        path="/calls/a1.wav",
        rep="alice",
        account=None,
        date="2026-11-02T10:00:00",
        skill="discovery",
        phrase="walk me through",
        score=0.95,
        rank=1.0,
        speaker="rep",
        start_s=62.0,
        end_s=95.5,
        match_start_s=65.2,
        match_end_s=66.0,
        matches=1,
        text="could you walk me through it",
        attribution="channels",
        attribution_confidence=None,
        confidence=0.876,
        kind="exact",
        separability=None,
    )
    return replace(base, **changes)


def test_search_table_row_without_notes():
    lines = search_table([hit()]).splitlines()
    assert len(lines) == 2
    assert cells(lines[1]) == [
        "7",
        "2026-11-02",
        "alice",
        "-",
        "discovery",
        "01:02-01:35",
        "0.88",
        '@01:05 [Rep] "walk me through"',
    ]


def test_search_table_notes_sound_alike_and_uncertain_speakers():
    sound = search_table([hit(kind="sound")])
    assert '[Rep] ~"walk me through"' in sound
    assert sound.splitlines()[-1].startswith('~"..." the model wrote words that sound like the phrase')
    guessed = search_table([hit(attribution="first-turn")])
    assert '[Rep?] "walk me through"' in guessed
    assert guessed.splitlines()[-1].startswith("[Rep?] a mono call whose rep voice was guessed")
    assert "sound like" not in guessed and "[Rep?]" not in sound
    assert search_table([]) == "No clips found."


def test_followup_text_shows_the_verdict_and_each_calls_evidence(tmp_path):
    with Index(tmp_path / "f.db") as index:
        add_call(index, [("rep", "thanks for your time"), REPLY], date="2026-11-10T09:00:00", name="a1")
        add_call(index, [DISCOVERY, REPLY], date="2026-11-11T15:00:00", name="a2")
        add_call(index, [("rep", "thanks"), REPLY], date="2026-11-20", name="a3")
        rematch(index, stored_rubric(index), 30.0)
        set_focus(index, "alice", "discovery", "2026-11-01")
        add_commitment(index, "alice", "open with a discovery question", when="2026-11-09T16:00")
        add_commitment(index, "alice", "again", when="2026-11-16T10:00")
        add_commitment(index, "alice", "later", when="2026-11-21T09:00")
        clips = ", ".join(map(str, queries.skill_clip_ids(index, 2, "discovery")))
        text = followup_text(followup(index, now=parse_moment("2026-11-22T12:00")))
    assert clips  # the discovery question on call 2 made a clip
    not_detected = "skill not detected (transcript clear, 0.90)"
    assert text.splitlines() == [
        "[MET] alice, 2026-11-09T16:00, discovery: open with a discovery question",
        f"    call 1 2026-11-10T09:00:00 (within 72 h): {not_detected}; check by 2026-11-11T09:00",
        f"    call 2 2026-11-11T15:00:00 (within 72 h): clips {clips}; check by 2026-11-12T15:00",
        f"    call 3 2026-11-20 (after 72 h): {not_detected}; check by 2026-11-22T00:00",
        "[NOT MET (NO CALL WITHIN 72 H)] alice, 2026-11-16T10:00, discovery: again",
        f"    call 3 2026-11-20 (after 72 h): {not_detected}; check by 2026-11-22T00:00",
        "    no call in the 72-hour window",
        "[NO CALL YET] alice, 2026-11-21T09:00, discovery: later",
        "    no call in the 72-hour window yet (still open)",
    ]
    assert followup_text([]).startswith("No commitments yet")


def test_trend_table_rows_and_skill_header():
    weeks = [
        Week("2026-11-09", 3, 0.4, 0.5, "discovery", 1, 0.333, 2),
        Week("2026-11-16", 0, None, None, "discovery", 0, None, None),
    ]
    lines = trend_table(weeks).splitlines()
    assert cells(lines[0]) == ["week of", "calls", "rep talk", "rep questions", "discovery calls", "self-score"]
    assert cells(lines[1]) == ["2026-11-09", "3", "40%", "0.5", "1/3", "2"]
    assert cells(lines[2]) == ["2026-11-16", "0", "n/a", "n/a", "-", "-"]


def test_ingest_summary_counts_failures_and_hints():
    report = IngestReport(
        outcomes=[
            Outcome("/in/a.wav", INDEXED, "call 1", 1, audio_s=90.0),
            Outcome("/in/b.wav", INDEXED, "call 2", 2, audio_s=30.0),
            Outcome("/in/c.wav", SKIPPED, "already indexed as call 1", 1, audio_s=600.0),
            Outcome("/in/d.wav", FAILED, "/in/d.wav: cannot decode this recording (EOF)", audio_s=60.0),
            Outcome("/in/notes.txt", NOT_AUDIO, "/in/notes.txt: not an audio file"),
        ],
        elapsed_s=12.34,
        undiarized=2,
        reattributed=1,
        off_language=[Outcome("/in/b.wav", INDEXED, "call 2", 2, audio_s=30.0)],
        language_checked=False,
    )
    assert ingest_summary(report).splitlines() == [
        "2 indexed (2.0 audio min in 12.3 s), 1 skipped, 1 failed, 1 not audio",
        "  skipped files are already indexed, or copies of another file in this run (same bytes); "
        "--force transcribes indexed ones again",
        "  not audio /in/notes.txt",
        "  FAILED /in/d.wav: cannot decode this recording (EOF)",
        "  1 mono calls re-attributed with a voiceprint learnt from stereo calls",
        "  not in the rubric's language (indexed, no clips): /in/b.wav",
        "  unclear calls were not checked for their language: pip install 'clipfinder[base]'",
        "  2 mono calls have no speakers (no talk ratio, no rep/prospect filter): pip install 'clipfinder[diarize]', "
        "then `clipfinder ingest --force` them",
    ]


def test_ingest_summary_of_a_clean_run_is_one_line():
    report = IngestReport(outcomes=[Outcome("/in/a.wav", INDEXED, "call 1", 1, audio_s=48.0)], elapsed_s=3.0)
    assert ingest_summary(report) == "1 indexed (0.8 audio min in 3.0 s), 0 skipped, 0 failed, 0 not audio"


def test_voices_table_empty_and_filled():
    assert voices_table([]).startswith("No voices yet: `clipfinder enroll REP AUDIO...`")
    rows = [
        VoiceSampleRow(3, "alice", 42.26, "stereo call", 7, "2026-11-20T10:00:00+00:00"),
        VoiceSampleRow(4, "bob", 18.0, "/elsewhere/bob-enroll.wav", None, "2026-11-20T10:00:00+00:00"),
    ]
    lines = voices_table(rows).splitlines()
    assert cells(lines[0]) == ["rep", "sample", "speech s", "from"]
    assert cells(lines[1]) == ["alice", "3", "42.3", "call 7"]
    assert cells(lines[2]) == ["bob", "4", "18.0", "/elsewhere/bob-enroll.wav"]
