"""Skills found by meaning: each sentence of a call is compared with a rubric skill's example
sentences, so a moment counts when it says what an example says in other words.

A sentence's vector (sentence_model.py) is made once, when the call is ingested, and stored; a
rubric's examples are embedded when it is loaded. Matching is then one matrix product per call:
the cosine of every sentence with every example and counter-example of every skill. A sentence
matches a skill when its best cosine with the skill's examples reaches the skill's
meaning_threshold and beats its best cosine with the skill's counter-examples (what the skill is
not, in similar words).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from clipfinder.pipeline.matching import best_per_moment, matcher_for, may_say, skill_speaker, speaker_code
from clipfinder.pipeline.rubric import Rubric, Skill, normalise_words
from clipfinder.pipeline.sentence_model import DIMENSIONS, is_available, sentence_model
from clipfinder.pipeline.sentences import Sentence, split_sentences
from clipfinder.records import Match, Word

MEANING = "meaning"
# Sentences shorter than this (in words) are not embedded: "Yes.", "Okay, great." say too little
# to show a skill by meaning, and most sentences of a call are that short.
MIN_WORDS = 4

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class SentenceVectors:
    """A call's sentences that are long enough to embed, and their unit vectors (one row each)."""

    sentences: tuple[Sentence, ...]
    vectors: np.ndarray  # (len(sentences), DIMENSIONS) float32

    def __len__(self) -> int:
        return len(self.sentences)


def sentence_vectors(words: Sequence[Word], embed: Embed) -> SentenceVectors:
    """Split a call's words into sentences and embed those of MIN_WORDS words or more."""
    kept = tuple(s for s in split_sentences(words) if len(normalise_words(s.text)) >= MIN_WORDS)
    if not kept:
        return SentenceVectors((), np.zeros((0, DIMENSIONS), dtype=np.float32))
    return SentenceVectors(kept, embed([s.text for s in kept]))


def embed_call(words: Sequence[Word]) -> SentenceVectors | None:
    """A call's sentence vectors; None when the sentence model (the `meaning` extra) is not installed.

    Called on part of a call (a channel transcribed while the next one is), it embeds ahead: the
    model keeps recent vectors, so the whole call's embedding later finds most of them done.
    """
    if not is_available():
        return None
    return sentence_vectors(words, sentence_model().embed)


def match_call(rubric: Rubric, words: Sequence[Word], found: SentenceVectors | None) -> list[Match]:
    """A call's matches: its rubric phrases and, where its sentences have vectors, the skills its
    sentences show by meaning; one match per skill per stretch of words (the best-scoring)."""
    phrases = matcher_for(rubric).match(words)
    if found is None or not rubric.has_examples or not is_available():
        return phrases
    return best_per_moment(phrases + meaning_matcher_for(rubric).match(words, found))


@lru_cache(maxsize=2)
def meaning_matcher_for(rubric: Rubric) -> MeaningMatcher:
    """One matcher by meaning per rubric per process: it embeds the rubric's examples once."""
    return MeaningMatcher(rubric, sentence_model().embed)


@dataclass(frozen=True)
class _Examples:
    skill: Skill
    texts: tuple[str, ...]
    examples: slice  # the skill's examples' columns in the similarity matrix
    counters: slice  # its counter-examples' columns (possibly none)


class MeaningMatcher:
    """A rubric's examples, embedded; reuse one for many calls."""

    def __init__(self, rubric: Rubric, embed: Embed) -> None:
        skills = [s for s in rubric.skills if s.examples]
        texts = [t for s in skills for t in (*s.examples, *s.counter_examples)]
        # every skill's examples and counter-examples in one matrix: a call's sentences are
        # compared with all of them in one product, 4-5 times faster than one per skill
        self._vectors = embed(texts) if texts else np.zeros((0, 0), dtype=np.float32)
        self._skills: list[_Examples] = []
        row = 0
        for skill in skills:
            n, c = len(skill.examples), len(skill.counter_examples)
            self._skills.append(_Examples(skill, skill.examples, slice(row, row + n), slice(row + n, row + n + c)))
            row += n + c

    def match(self, words: Sequence[Word], found: SentenceVectors) -> list[Match]:
        """Every sentence that shows a skill by meaning, as a match of kind "meaning"."""
        if not len(found) or not self._skills:
            return []
        out = []
        every = found.vectors @ self._vectors.T  # (sentences, every example and counter-example)
        for entry in self._skills:
            similar = every[:, entry.examples]
            best = similar.max(axis=1)
            closest = similar.argmax(axis=1)
            if entry.counters.stop > entry.counters.start:
                best = np.where(best > every[:, entry.counters].max(axis=1), best, -1.0)
            for k in np.flatnonzero(best * 100 >= entry.skill.meaning_threshold).tolist():
                match = _match(entry.skill, entry.texts[int(closest[k])], float(best[k]), words, found.sentences[k])
                if match is not None:
                    out.append(match)
        return out


def _match(skill: Skill, example: str, similarity: float, words: Sequence[Word], sentence: Sentence) -> Match | None:
    """The match of a sentence with a skill's example, None where the skill's speaker or question
    rule rules it out."""
    first = words[sentence.first]
    if not may_say(skill_speaker(skill), speaker_code(first.speaker)):
        return None
    if skill.in_question and not sentence.is_question:
        return None
    span = words[sentence.first : sentence.last + 1]
    own = [w for w in span if w.voice == first.voice and w.speaker == first.speaker]
    heard = sum(w.probability for w in own) / len(own)
    return Match(
        skill=skill.id,
        phrase=example,
        score=round(similarity * 100, 1),
        speaker=first.speaker,
        start_s=first.start,
        end_s=words[sentence.last].end,
        word_start=sentence.first,
        word_end=sentence.last,
        sentence=sentence.text,
        in_question=sentence.is_question,
        kind=MEANING,
        confidence=round(heard * similarity, 3),
    )
