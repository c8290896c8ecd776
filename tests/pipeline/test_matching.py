import pytest

from clipfinder.pipeline.matching import Matcher
from clipfinder.pipeline.rubric import parse_rubric
from clipfinder.records import Word


def said(text: str, speaker: str = "rep", start: float = 0.0) -> list[Word]:
    out = []
    for token in text.split():
        out.append(Word(round(start, 2), round(start + 0.3, 2), token, 0.9, speaker))
        start += 0.4
    return out


def rubric(phrases, speaker="rep", **extra):
    lines = "".join(f"{k} = {str(v).lower()}\n" for k, v in extra.items())
    quoted = ", ".join(f'"{p}"' for p in phrases)
    return Matcher(parse_rubric(f'[[skill]]\nid = "s"\nspeaker = "{speaker}"\nphrases = [{quoted}]\n{lines}', "t.toml"))


@pytest.mark.parametrize(
    "text",
    [
        "Could you walk me thru it?",
        "could you WALK ME THROUGH it",
        "walk, me... through",
    ],
)
def test_small_transcription_differences_match(text):
    (m,) = rubric(["walk me through"]).match(said(text))
    assert m.phrase == "walk me through" and m.score >= 85


@pytest.mark.parametrize("text", ["Shall we schedule a follow-up?", "schedule a followup", "schedule a follow up"])
def test_follow_up_spellings_match(text):
    assert len(rubric(["schedule a follow up"]).match(said(text))) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Let's walk through the pricing.",  # a missing word changes the meaning
        "walk them through it",
        "we talked through it",
    ],
)
def test_near_misses_that_change_the_meaning_do_not_match(text):
    assert rubric(["walk me through"]).match(said(text)) == []


def test_a_phrase_split_across_speakers_is_not_a_match():
    words = said("could you walk me", "rep") + said("through it", "prospect", start=2.0)
    assert rubric(["walk me through"], speaker="any").match(words) == []


def test_speaker_filter_and_mono_calls():
    m = rubric(["price is too high"], speaker="prospect")
    assert m.match(said("the price is too high", "rep")) == []
    assert len(m.match(said("the price is too high", "prospect"))) == 1
    (mono,) = m.match(said("the price is too high", "unknown"))
    assert mono.speaker == "unknown"


def test_a_dropped_small_word_is_forgiven_only_in_long_phrases_and_never_a_negation():
    long = rubric(["what would it mean for", "do not have the money"])
    assert [x.score for x in long.match(said("so what would mean for your team"))] == [90.0]
    assert len(long.match(said("we do not have money for this"))) == 1
    assert long.match(said("we do have the money")) == []


def test_match_records_times_sentence_and_question():
    words = said("Thanks. Should we schedule a follow up for January? Sure.", start=10.0)
    (m,) = rubric(["schedule a follow up"], in_question=True).match(words)
    assert (m.start_s, m.end_s) == (words[3].start, words[6].end)
    assert (m.word_start, m.word_end) == (3, 6)
    assert m.sentence == "Should we schedule a follow up for January?"
    assert m.in_question


def test_in_question_skips_statements():
    assert rubric(["schedule a follow up"], in_question=True).match(said("I will schedule a follow up.")) == []


def test_overlapping_phrases_of_one_skill_give_one_match():
    found = rubric(["next step", "as a next step"]).match(said("as a next step let us meet"))
    assert len(found) == 1


def test_a_custom_threshold_is_honoured():
    loose = rubric(["walk me through"], threshold=80)
    strict = rubric(["walk me through"], threshold=95)
    assert loose.match(said("walk me thru")) and not strict.match(said("walk me thru"))


def test_similarities_are_cached_across_calls():
    m = rubric(["walk me through"])
    m.match(said("walk me thru it"))
    columns = m._sim.shape[1]
    m.match(said("walk me thru it"))
    assert m._sim.shape[1] == columns


def test_crosstalk_from_the_other_channel_does_not_split_a_phrase():
    """Stereo: both talk at once, so the channels' words interleave in time; each speaker's own
    words still hold their phrase, and its word indices point into the call's words."""
    rep = said("could you walk me through how you coach", "rep")
    prospect = said("yeah sure okay right uh huh", "prospect", start=0.45)
    words = sorted(rep + prospect, key=lambda w: w.start)
    (m,) = rubric(["walk me through"]).match(words)
    assert m.speaker == "rep" and m.phrase == "walk me through"
    assert [words[m.word_start].text, words[m.word_end].text] == ["walk", "through"]
    assert m.sentence == "could you walk me through how you coach"


def test_a_phrase_does_not_run_across_the_other_sides_turn():
    rep_start = said("could you walk me", "rep")
    prospect = said("no thanks we are fine for now really", "prospect", start=1.8)
    rep_end = said("through it", "rep", start=5.2)
    assert rubric(["walk me through"]).match(rep_start + prospect + rep_end) == []


def test_of_overlapping_matches_spelling_wins_then_meaning_then_sound():
    from clipfinder.pipeline.matching import MEANING, best_per_moment
    from clipfinder.pipeline.sounds import SOUND
    from clipfinder.records import Match

    def match(kind, score):
        return Match("next-steps", "p", score, "rep", 1.0, 2.0, 0, 3, "s", False, kind, score / 100)

    assert [m.kind for m in best_per_moment([match(MEANING, 99.0), match("fuzzy", 90.0)])] == ["fuzzy"]
    assert [m.kind for m in best_per_moment([match(SOUND, 95.0), match(MEANING, 97.5)])] == [MEANING]
    assert [m.score for m in best_per_moment([match(MEANING, 97.5), match(MEANING, 99.0)])] == [99.0]
