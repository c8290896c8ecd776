from clipfinder.pipeline.sentences import MAX_WORDS, split_sentences
from clipfinder.records import Word


def said(*turns):
    """Words of (speaker, start, text) turns, 0.3 s a word; a speaker's voice is None (channels)."""
    out = []
    for speaker, start, text, *voice in turns:
        for k, token in enumerate(text.split()):
            out.append(
                Word(start + k * 0.3, start + k * 0.3 + 0.25, token, 0.9, speaker, voice=voice[0] if voice else None)
            )
    return sorted(out, key=lambda w: (w.start, w.end))


def texts(words):
    return [s.text for s in split_sentences(words)]


def test_sentences_end_at_punctuation_a_pause_and_the_other_sides_turn():
    words = said(
        ("rep", 0.0, "Thanks for joining. How is the rollout going?"),
        ("rep", 5.0, "I read your notes"),  # a 2.7 s pause before it
        ("prospect", 6.3, "It is slow"),
        ("rep", 7.4, "so what is slowing it"),  # 1.25 s after the rep's last word, the prospect's turn between
    )
    assert texts(words) == [
        "Thanks for joining.",
        "How is the rollout going?",
        "I read your notes",
        "It is slow",
        "so what is slowing it",
    ]
    first = split_sentences(words)[1]
    assert first.is_question and (words[first.first].text, words[first.last].text) == ("How", "going?")


def test_the_other_side_talking_over_a_sentence_does_not_cut_it():
    words = said(("rep", 0.0, "I will send the contract right after this call"), ("prospect", 0.6, "great"))
    assert texts(words) == ["I will send the contract right after this call", "great"]
    sentence = split_sentences(words)[0]
    assert words[sentence.last].text == "call" and sentence.last == len(words) - 1


def test_diarized_voices_are_split_on_their_own_and_long_runs_are_cut():
    words = said(("unknown", 0.0, "we should meet again", 0), ("unknown", 1.3, "yes let us do that", 1))
    assert texts(words) == ["we should meet again", "yes let us do that"]
    endless = said(("rep", 0.0, " ".join(["word"] * (MAX_WORDS + 5))))
    assert [len(t.split()) for t in texts(endless)] == [MAX_WORDS, 5]
