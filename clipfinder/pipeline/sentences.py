"""A call's sentences, as the matcher reads them.

A sentence ends at . ? or !, where its speaker pauses SENTENCE_PAUSE_S, and where the other side
takes a turn. Each voice (a channel of a stereo call, a diarized voice of a mono one) is split on
its own, so the other side's words said over it do not cut a sentence in two, and deciding later
which voice is the rep's does not move a sentence's ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clipfinder.records import Word
from clipfinder.text import join_words

# A sentence also ends where the speaker pauses this long (seconds).
SENTENCE_PAUSE_S = 1.5
# A speaker's words may continue across the other side's only when their own words around them
# are at most this far apart (seconds): talking over each other, not taking turns.
CROSSTALK_GAP_S = 1.0
# A run of words with no end in sight is cut here: the sentence model reads 128 tokens at most,
# and one sentence that long would stand for a whole minute of talk.
MAX_WORDS = 48
_CLOSERS = "\"')\u201d\u2019"


@dataclass(frozen=True)
class Sentence:
    """One sentence: the indices of its first and last word in the call's words, and its text
    (the words of its own voice only)."""

    first: int
    last: int
    text: str

    @property
    def is_question(self) -> bool:
        return self.text.rstrip(_CLOSERS).endswith("?")


def ends_sentence(word: Word, following: Word | None) -> bool:
    """Whether a sentence ends after `word`, given the same voice's next word (None: none)."""
    if following is None or word.text.rstrip(_CLOSERS).endswith((".", "?", "!")):
        return True
    return following.speaker != word.speaker or following.start - word.end > SENTENCE_PAUSE_S


def voice_streams(words: Sequence[Word]) -> list[list[int]]:
    """The indices of each voice's words, in time order: one list per channel or diarized voice."""
    streams: dict[object, list[int]] = {}
    for i, w in enumerate(words):
        streams.setdefault(w.speaker if w.voice is None else w.voice, []).append(i)
    return list(streams.values())


def turn_starts(words: Sequence[Word], indices: Sequence[int]) -> list[bool]:
    """For one voice's words (`indices` into `words`): True where the other side held the floor
    just before. A phrase or sentence may run across the other's words only while they overlap
    in time (crosstalk), not across a turn of theirs between two of this voice's words."""
    starts = [False]
    for before, after in zip(indices, indices[1:]):
        between_others = after - before > 1
        starts.append(between_others and words[after].start - words[before].end > CROSSTALK_GAP_S)
    return starts


def split_sentences(words: Sequence[Word]) -> list[Sentence]:
    """Every sentence of a call, ordered by its first word."""
    out: list[Sentence] = []
    for indices in voice_streams(words):
        starts = turn_starts(words, indices)
        run: list[int] = []
        for k, i in enumerate(indices):
            run.append(i)
            following = words[indices[k + 1]] if k + 1 < len(indices) else None
            if ends_sentence(words[i], following) or (k + 1 < len(indices) and starts[k + 1]) or len(run) == MAX_WORDS:
                out.append(Sentence(run[0], run[-1], join_words(words[j].text for j in run)))
                run = []
    return sorted(out, key=lambda s: s.first)
