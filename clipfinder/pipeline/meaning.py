"""Skills found by meaning: a moment counts when a sentence says what a skill's examples say, in
other words.

A sentence's vector (sentence_model.py) is made once, when the call is ingested, and stored.
When a rubric is loaded, each skill with examples gets a probe (probe.py): a classifier trained
on its examples against its counter-examples, the other skills' examples and ordinary call talk.
Matching is then one product per skill per call; a sentence matches when the probe's
probability, as a percentage, reaches the skill's meaning_threshold (docs/rubric.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from clipfinder.pipeline.matching import best_per_moment, matcher_for, may_say, skill_speaker, speaker_code
from clipfinder.pipeline.probe import Probe, fit_probe
from clipfinder.pipeline.rubric import Rubric, Skill, normalise_words
from clipfinder.pipeline.sentence_model import DIMENSIONS, Embed, is_available, sentence_model
from clipfinder.pipeline.sentences import Sentence, split_sentences
from clipfinder.pipeline.shipped_vectors import ordinary_talk, with_shipped
from clipfinder.records import Match, Word

MEANING = "meaning"
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
    sentences show by meaning; one match per skill per stretch of words (the best-scoring)."""
    phrases = matcher_for(rubric).match(words)
    if found is None or not rubric.has_examples or not is_available():
        return phrases
    return best_per_moment(phrases + meaning_matcher_for(rubric).match(words, found))


@lru_cache(maxsize=2)
def meaning_matcher_for(rubric: Rubric) -> MeaningMatcher:
    """One matcher by meaning per rubric per process: it trains the skills' probes once."""
    return MeaningMatcher(rubric, with_shipped(sentence_model().embed))


@dataclass(frozen=True)
class _Trained:
    skill: Skill
    examples: np.ndarray  # the skill's examples' vectors, to name the one a match is closest to
    probe: Probe


class MeaningMatcher:
    """A rubric's skills with examples, each with its probe trained; reuse one for many calls."""

    def __init__(self, rubric: Rubric, embed: Embed) -> None:
        skills = [s for s in rubric.skills if s.examples]
        texts = [t for s in skills for t in (*s.examples, *s.counter_examples)]
        ordinary = list(ordinary_talk())
        vectors = embed(texts + ordinary) if texts else np.zeros((0, DIMENSIONS), dtype=np.float32)
        talk = vectors[len(texts) :]
        rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        row = 0
        for skill in skills:
            n, c = len(skill.examples), len(skill.counter_examples)
            rows[skill.id] = (vectors[row : row + n], vectors[row + n : row + n + c])
            row += n + c
        self._skills: list[_Trained] = []
        for skill in skills:
            examples, counters = rows[skill.id]
            # no: what the skill is not (its counter-examples), what the other skills are, and
            # the ordinary talk around them all
            others = [rows[s.id][0] for s in skills if s.id != skill.id]
            probe = fit_probe(examples, np.vstack([counters, talk, *others]))
            self._skills.append(_Trained(skill, examples, probe))

    def match(self, words: Sequence[Word], found: SentenceVectors) -> list[Match]:
        """Every sentence that shows a skill by meaning, as a match of kind "meaning"."""
        if not len(found) or not self._skills:
            return []
        out = []
        for entry in self._skills:
            likely = entry.probe.probability(found.vectors)
            for k in np.flatnonzero(likely * 100 >= entry.skill.meaning_threshold).tolist():
                closest = int(np.argmax(entry.examples @ found.vectors[k]))
                example = entry.skill.examples[closest]
                match = _match(entry.skill, example, float(likely[k]), words, found.sentences[k])
                if match is not None:
                    out.append(match)
        return out


def _match(skill: Skill, example: str, likely: float, words: Sequence[Word], sentence: Sentence) -> Match | None:
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
        score=round(likely * 100, 1),
        speaker=first.speaker,
        start_s=first.start,
        end_s=words[sentence.last].end,
        word_start=sentence.first,
        word_end=sentence.last,
        sentence=sentence.text,
        in_question=sentence.is_question,
        kind=MEANING,
        confidence=round(heard * likely, 3),
    )
