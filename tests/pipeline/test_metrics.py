from clipfinder.pipeline.metrics import BACKCHANNEL_S, MERGE_GAP_S, compute_metrics, talk_intervals
from clipfinder.records import Segment

from ..conftest import words


def test_talk_intervals_merge_short_gaps_only():
    ws = words(("rep", 0.0, 1.0), ("rep", 1.0 + MERGE_GAP_S / 2, 2.0), ("rep", 2.0 + MERGE_GAP_S * 2, 4.0))
    assert talk_intervals(ws, "rep") == [(0.0, 2.0), (3.0, 4.0)]


def test_talk_ratio_is_rep_over_both_roles():
    ws = words(("rep", 0, 3), ("prospect", 4, 8), ("rep", 9, 10))
    m = compute_metrics(ws, [], duration_s=60)
    assert m.talk_seconds == {"rep": 4.0, "prospect": 4.0}
    assert m.talk_ratio == 0.5


def test_overlapping_words_are_counted_once():
    ws = words(("rep", 0, 2), ("rep", 1, 3), ("prospect", 5, 6))
    m = compute_metrics(ws, [], duration_s=10)
    assert m.talk_seconds["rep"] == 3.0
    assert m.talk_ratio == 0.75


def test_backchannel_does_not_end_a_monologue_but_a_real_turn_does():
    short = BACKCHANNEL_S / 2
    ws = words(
        ("rep", 0, 10), ("prospect", 10.5, 10.5 + short), ("rep", 11.5, 20), ("prospect", 21, 25), ("rep", 26, 28)
    )
    m = compute_metrics(ws, [], duration_s=60)
    assert m.longest_monologue_s["rep"] == 20.0
    assert m.longest_monologue_s["prospect"] == 4.0


def test_switches_interactivity_and_patience():
    ws = words(("rep", 0, 2), ("prospect", 3, 5), ("rep", 5.5, 7), ("prospect", 8, 9), ("rep", 10.5, 12))
    m = compute_metrics(ws, [], duration_s=120)
    assert m.speaker_switches == 4
    assert m.interactivity == 2.0
    # pauses after the prospect stops: 0.5 s and 1.5 s
    assert m.patience_s == 1.0


def test_overlap_counts_as_zero_patience():
    ws = words(("prospect", 0, 5), ("rep", 4, 6))
    assert compute_metrics(ws, [], duration_s=60).patience_s == 0.0


def test_questions_are_counted_per_role():
    segs = [
        Segment(0, 1, "How do you coach today?", "rep"),
        Segment(1, 2, 'Is that right?"', "rep"),
        Segment(2, 3, "We use ride alongs.", "prospect"),
        Segment(3, 4, "Why?", "prospect"),
    ]
    m = compute_metrics(words(("rep", 0, 1), ("prospect", 2, 3)), segs, duration_s=4)
    assert m.questions == {"rep": 2, "prospect": 1}


def test_unknown_speakers_give_null_not_made_up_numbers():
    ws = words(("unknown", 0, 3), ("unknown", 5, 6))
    m = compute_metrics(ws, [Segment(0, 3, "Who is this?", "unknown")], duration_s=10)
    assert m.talk_ratio is None
    assert m.talk_seconds == {"rep": None, "prospect": None, "unknown": 4.0}
    assert m.questions["unknown"] == 1
    assert m.interactivity is None and m.patience_s is None


def test_no_prospect_to_rep_switch_means_no_patience():
    m = compute_metrics(words(("rep", 0, 3), ("prospect", 4, 6)), [], duration_s=10)
    assert m.patience_s is None
