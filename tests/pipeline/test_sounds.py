"""Sound-alike matching (clipfinder/sounds.py) through the matcher, on hand-built words."""

import pytest

from clipfinder.pipeline.sounds import skeleton
from clipfinder.records import Word

from .test_matching import rubric


def heard(text: str, doubtful: str = "", speaker: str = "rep", start: float = 0.0) -> list[Word]:
    """Words as the model wrote them; those in `doubtful` with probability 0.3, the rest 0.95."""
    unsure = set(doubtful.split())
    out = []
    for token in text.split():
        out.append(Word(round(start, 2), round(start + 0.3, 2), token, 0.3 if token in unsure else 0.95, speaker))
        start += 0.4
    return out


def test_skeletons_drop_vowels_and_merge_voicing():
    assert skeleton("meeting") == "MTNK"
    assert skeleton("through") == skeleton("true") == "TR"
    assert skeleton("a") == ""  # the article melts into its neighbours
    assert skeleton("you") == "V"  # a vowel-only word still counts as a sound


@pytest.mark.parametrize(
    ("phrase", "text", "doubtful"),
    [
        ("book a meeting", "Would it make sense to welcome eating next week?", "welcome eating"),
        ("walk me through", "Can you walk me true how you coach?", "true"),
        ("tell me about", "Could you tell me a boat your process?", "boat"),
    ],
)
def test_what_sounds_like_the_phrase_matches_where_the_model_doubted_it(phrase, text, doubtful):
    (m,) = rubric([phrase]).match(heard(text, doubtful))
    assert (m.phrase, m.kind) == (phrase, "sound")
    assert m.score >= 80


def test_a_skill_that_asks_for_its_exact_words_gets_no_sound_alikes():
    assert rubric(["book a meeting"], threshold=100).match(heard("to welcome eating next week", "eating")) == []


def test_a_sound_alike_match_says_so():
    (m,) = rubric(["book a meeting"]).match(heard("make sense to welcome eating next week", "eating"))
    assert m.kind == "sound"
    assert (m.start_s, m.end_s) == (1.2, 1.9)  # "welcome eating": the words that sounded like it


def test_confidently_heard_words_are_taken_as_said():
    """The model was sure it heard "welcome eating": then that is what was said."""
    assert rubric(["book a meeting"]).match(heard("make sense to welcome eating next week")) == []


@pytest.mark.parametrize(
    ("phrase", "text", "doubtful"),
    [
        ("walk me through", "let's walk through the pricing", "walk through the pricing"),  # "me" is missing
        ("do not have budget", "we do have budget for it", "do have budget"),  # the negation is missing
        ("do have budget", "we do not have budget", "do not have budget"),  # a negation was added
        ("costing you", "what is that costing now", "that costing now"),  # "you" is missing
        ("price is too high", "the search set up", "search set"),  # too short to forgive a sound
    ],
)
def test_near_misses_that_change_the_meaning_stay_rejected(phrase, text, doubtful):
    assert rubric([phrase], speaker="any").match(heard(text, doubtful)) == []


def test_a_sound_alike_never_spans_two_speakers():
    words = heard("sense to welcome", "welcome", "rep") + heard("eating next week", "eating", "prospect", start=2.0)
    assert rubric(["book a meeting"], speaker="any").match(words) == []


def test_articles_are_interchangeable():
    (m,) = rubric(["send over a calendar invite"]).match(heard("send over the calendar invite"))
    assert m.kind == "exact"
