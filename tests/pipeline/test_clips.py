import pytest

from clipfinder.pipeline.clips import build_clips, place_window, window_text
from clipfinder.records import Match, Word


def match(start, end, skill="s", score=95.0, first=0, last=0, confidence=None):
    sure = score / 100 * 0.9 if confidence is None else confidence
    return Match(skill, "phrase", score, "rep", start, end, first, last, "sentence", False, "fuzzy", sure)


def steady_words(duration, speaker="rep"):
    """A word every 0.5 s, each 0.4 s long: most instants are inside a word."""
    out, t = [], 0.0
    while t + 0.4 <= duration:
        out.append(Word(round(t, 2), round(t + 0.4, 2), "word", 0.9, speaker))
        t += 0.5
    return out


def test_window_has_context_before_the_moment():
    start, end = place_window(100.0, 103.0, 600.0, 30.0)
    assert end - start == pytest.approx(30.0)
    assert start < 100.0 and end > 103.0
    assert 100.0 - start > end - 103.0  # more before than after


def test_window_is_shifted_not_cut_at_the_edges():
    assert place_window(2.0, 4.0, 600.0, 30.0) == (0.0, 30.0)
    assert place_window(595.0, 599.0, 600.0, 30.0) == (570.0, 600.0)


def test_short_recording_gives_the_whole_call():
    assert place_window(3.0, 5.0, 20.0, 30.0) == (0.0, 20.0)


def test_clip_ends_never_cut_a_word_and_keep_the_length():
    words = steady_words(300)
    (clip,) = build_clips([match(100.1, 101.3)], words, 300.0, 30.0)
    for edge in (clip.start_s, clip.end_s):
        assert not any(w.start < edge < w.end for w in words)
    assert clip.end_s - clip.start_s == pytest.approx(30.0, abs=0.01)
    assert clip.start_s <= 100.1 and clip.end_s >= 101.3


def test_overlapping_matches_of_a_skill_become_one_clip_that_keeps_them_all():
    words = steady_words(300)
    clips = build_clips([match(100, 101), match(110, 111, score=88), match(200, 201)], words, 300.0, 30.0)
    assert [len(c.matches) for c in sorted(clips, key=lambda c: c.start_s)] == [2, 1]
    first = min(clips, key=lambda c: c.start_s)
    assert first.start_s <= 100 and first.end_s >= 111


def test_different_skills_never_share_a_clip():
    clips = build_clips([match(100, 101, "a"), match(100.5, 101.5, "b")], steady_words(300), 300.0, 30.0)
    assert sorted(c.skill for c in clips) == ["a", "b"]


def test_rank_prefers_confidence_then_a_central_moment():
    words = steady_words(300)
    clips = build_clips(
        [match(1, 2, score=95), match(150, 151, "b", score=95), match(250, 251, "c", score=99)], words, 300.0, 30.0
    )
    assert [c.skill for c in clips] == ["c", "b", "s"]  # the moment at 0:01 sits at the window's edge


def test_a_clearly_heard_moment_outranks_a_doubtful_exact_one():
    words = steady_words(300)
    doubtful = match(100, 101, "a", score=100, confidence=0.4)  # every word as written, but mumbled
    clear = match(200, 201, "b", score=90, confidence=0.85)
    clips = build_clips([doubtful, clear], words, 300.0, 30.0)
    assert [c.skill for c in clips] == ["b", "a"]
    assert [c.confidence for c in clips] == [0.85, 0.4]


def test_window_text_labels_speakers():
    words = [
        Word(0, 1, "Hi,", 1, "rep"),
        Word(1, 2, "there.", 1, "rep"),
        Word(3, 4, "Hello", 1, "prospect"),
        Word(4, 4.5, "-ish.", 1, "prospect"),
    ]
    assert window_text(words, 0, 10) == "Rep: Hi, there.\nProspect: Hello-ish."
    assert window_text(words, 2.5, 10) == "Prospect: Hello-ish."
