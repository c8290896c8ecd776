"""Skills found by meaning: a moment counts when a sentence says what a skill's examples say, in
other words.

A sentence's vector (sentence_model.py) is made once, when the call is ingested, and stored.
When a rubric is loaded, each skill with examples gets a probe (probe.py): a classifier trained
on its examples against its counter-examples, the other skills' examples and ordinary call talk.
A sentence matches when the probe's probability, as a percentage, reaches the skill's
meaning_threshold, or when it is nearly one of the skill's examples word for word; never when
it is nearly one of its counter-examples and no nearer an example (docs/rubric.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from clipfinder.pipeline.matching import MEANING, best_per_moment, matcher_for, may_say, skill_speaker, speaker_code
from clipfinder.pipeline.probe import Probe, fit_probe
from clipfinder.pipeline.rubric import Rubric, Skill, normalise_words
from clipfinder.pipeline.sentence_model import DIMENSIONS, Embed, is_available, sentence_model
from clipfinder.pipeline.sentences import Sentence, split_sentences
from clipfinder.pipeline.shipped_vectors import ordinary_talk, with_shipped
from clipfinder.records import Match, Word

# A sentence this close (cosine) to one of a skill's examples is that example, said with a word or
# two changed: it matches whatever the probe says; one this close to a counter-example, and no
# closer to an example, never does. A probe generalises; a rubric's own sentences should still mean what they say.
NEAR_VERBATIM = 0.9
# Sentences shorter than this (in words) are not embedded: "Yes.", "Okay, great." say too little
# to show a skill by meaning, and most sentences of a call are that short.
MIN_WORDS = 4


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
    sentences show by meaning; one match per skill per stretch of words (a phrase match before
    one by meaning, then the best-scoring)."""
    phrases = matcher_for(rubric).match(words)
    if found is None or not rubric.has_examples or not is_available():
        return phrases
    return best_per_moment(phrases + meaning_matcher_for(rubric).match(words, found))


@lru_cache(maxsize=2)
def meaning_matcher_for(rubric: Rubric) -> MeaningMatcher:
    """One matcher by meaning per rubric per process: it trains the skills' probes once. The
    sentence model is loaded only for sentences whose vectors are not shipped."""
    return MeaningMatcher(rubric, with_shipped(lambda texts: sentence_model().embed(texts)))


@dataclass(frozen=True)
class _Trained:
    skill: Skill
    probe: Probe
    examples: slice  # the skill's examples' columns among all the rubric's sentence vectors
    counters: slice  # its counter-examples' columns (possibly none)


class MeaningMatcher:
    """A rubric's skills with examples, each with its probe trained; reuse one for many calls."""

    def __init__(self, rubric: Rubric, embed: Embed) -> None:
        skills = [s for s in rubric.skills if s.examples]
        texts = [t for s in skills for t in (*s.examples, *s.counter_examples)]
        ordinary = list(ordinary_talk())
        vectors = embed(texts + ordinary) if texts else np.zeros((0, DIMENSIONS), dtype=np.float32)
        self._vectors = vectors[: len(texts)]  # every skill's examples and counter-examples
        talk = vectors[len(texts) :]
        spans: dict[str, tuple[slice, slice]] = {}
        row = 0
        for skill in skills:
            n, c = len(skill.examples), len(skill.counter_examples)
            spans[skill.id] = (slice(row, row + n), slice(row + n, row + n + c))
            row += n + c
        self._skills: dict[str, _Trained] = {}
        for skill in skills:
            examples, counters = spans[skill.id]
            # no: what the skill is not (its counter-examples), what the other skills are, and
            # the ordinary talk around them all
            others = [self._vectors[spans[s.id][0]] for s in skills if s.id != skill.id]
            probe = fit_probe(self._vectors[examples], np.vstack([self._vectors[counters], talk, *others]))
            self._skills[skill.id] = _Trained(skill, probe, examples, counters)

    def likelihood(self, skill_id: str, vectors: np.ndarray) -> np.ndarray:
        """How likely each sentence (a row of vectors) shows the skill, by its probe: 0 to 1."""
        return self._skills[skill_id].probe.probability(vectors)

    def match(self, words: Sequence[Word], found: SentenceVectors) -> list[Match]:
        """Every sentence that shows a skill by meaning, as a match of kind "meaning"."""
        if not len(found) or not self._skills:
            return []
        out = []
        # one product: every sentence against every example and counter-example of the rubric
        cosines = found.vectors @ self._vectors.T
        for entry in self._skills.values():
            likely = entry.probe.probability(found.vectors)
            to_examples = cosines[:, entry.examples]
            nearest = to_examples.max(axis=1)
            said = nearest >= NEAR_VERBATIM
            passes = (likely * 100 >= entry.skill.meaning_threshold) | said
            if entry.counters.stop > entry.counters.start:
                counter = cosines[:, entry.counters].max(axis=1)
                passes &= ~((counter >= NEAR_VERBATIM) & (counter >= nearest))
            for k in np.flatnonzero(passes).tolist():
                example = entry.skill.examples[int(np.argmax(to_examples[k]))]
                score = max(float(likely[k]), float(nearest[k])) if said[k] else float(likely[k])
                match = _match(entry.skill, example, score, words, found.sentences[k])
                if match is not None:
                    out.append(match)
        return out


def _match(skill: Skill, example: str, score: float, words: Sequence[Word], sentence: Sentence) -> Match | None:
    """The match of a sentence with a skill, naming the example it is closest to; None where the
    skill's speaker or question rule rules it out."""
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
        score=round(score * 100, 1),
        speaker=first.speaker,
        start_s=first.start,
        end_s=words[sentence.last].end,
        word_start=sentence.first,
        word_end=sentence.last,
        sentence=sentence.text,
        in_question=sentence.is_question,
        kind=MEANING,
        confidence=round(heard * score, 3),
    )
