"""Finding rubric phrases in a call's words, forgiving small transcription errors.

A phrase of n words is compared with every run of n consecutive words said by one speaker.
The score is the mean of the word-by-word similarities (rapidfuzz's normalised Indel ratio,
0-100), so "walk me thru" scores 91 against "walk me through" (one short word off) while
"walk through the" scores 46 (a missing and a swapped word). Every word must also reach
WORD_FLOOR, so a long phrase cannot hide one wrong word behind many right ones.

Speed: word similarities come from one `rapidfuzz.process.cdist` call between the rubric's
words and each new transcript word (cached across calls), and a phrase is scored at every
position of a call at once with numpy, never in a Python loop over words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .records import ROLES, UNKNOWN, Word
from .rubric import Rubric, Skill, normalise_words
from .subtitles import join_words

# The least similarity (0-1) each phrase word needs with the transcript word it is aligned with.
WORD_FLOOR = 0.6
# A phrase's two words written as one ("followup") must match almost exactly: a joined form is
# a spelling variant, not a licence to swallow a word ("walk methrough" is not "walk through").
JOINED_FLOOR = 0.9
# Small words speech recognition drops most often. A phrase of MIN_WORDS_TO_DROP words or
# more still matches with one of them missing ("what would mean for" for "what would it mean
# for"); the missing word counts DROPPED_WORD_CREDIT towards the mean instead of 1. Words that
# carry meaning ("not", "me" in "walk me through") are never dropped, nor from short phrases.
DROPPABLE = frozenset("a an the it that this to of for is are so just really".split())
MIN_WORDS_TO_DROP = 4
DROPPED_WORD_CREDIT = 0.5
# Sentences end at . ? ! and also where the speaker changes or pauses this long (seconds).
SENTENCE_PAUSE_S = 1.5


@dataclass(frozen=True)
class Match:
    """One moment a skill's phrase was said."""

    skill: str
    phrase: str
    score: float
    speaker: str
    start_s: float
    end_s: float
    word_start: int  # index of the first matched word in the call's time-ordered words
    word_end: int  # index of the last matched word (inclusive)
    sentence: str
    in_question: bool


@dataclass(frozen=True)
class _Variant:
    skill: int
    phrase: str
    tokens: np.ndarray  # row indices into the similarity matrix
    floors: np.ndarray  # least similarity each position needs
    length: int  # the mean's denominator: the form's words plus any it leaves out
    credit: float  # similarity credited for the words this form leaves out


class Matcher:
    """A rubric ready to match; reuse one for many calls (it caches word similarities)."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        rows: dict[str, int] = {}
        variants: list[_Variant] = []
        for skill_index, skill in enumerate(rubric.skills):
            for phrase in skill.phrases:
                written = normalise_words(phrase)
                for tokens, joined, dropped in _spellings(written):
                    ids = np.array([rows.setdefault(t, len(rows)) for t in tokens], dtype=np.intp)
                    floors = np.where(np.arange(len(tokens)) == joined, JOINED_FLOOR, WORD_FLOOR)
                    length = len(tokens) + dropped
                    credit = dropped * DROPPED_WORD_CREDIT
                    variants.append(_Variant(skill_index, phrase, ids, floors.astype(np.float32), length, credit))
        self._variants = variants
        self._phrase_words = list(rows)
        self._columns: dict[str, int] = {}
        self._sim = np.zeros((len(rows), 0), dtype=np.float32)

    def match(self, words: Sequence[Word]) -> list[Match]:
        """All rubric matches in a call's time-ordered words, best first within each skill."""
        tokens, token_word = _tokens(words)
        if not tokens:
            return []
        ids = self._ids(tokens)
        speakers = np.array([_speaker_code(words[i].speaker) for i in token_word], dtype=np.int8)
        runs = np.cumsum(np.concatenate(([0], speakers[1:] != speakers[:-1])))
        sentences = _sentences(words)
        found: list[Match] = []
        count = len(tokens)
        for variant in self._variants:
            n = len(variant.tokens)
            if n > count:
                continue
            skill = self.rubric.skills[variant.skill]
            positions = count - n + 1
            rows = self._sim[variant.tokens]
            per_word = np.stack([rows[k, ids[k : k + positions]] for k in range(n)])
            score = (per_word.sum(axis=0) + variant.credit) / variant.length * 100
            ok = (score >= skill.threshold) & (per_word >= variant.floors[:, None]).all(axis=0)
            ok &= runs[:positions] == runs[n - 1 :]
            ok &= _speaker_ok(skill, speakers[:positions])
            for start in np.flatnonzero(ok):
                first, last = token_word[start], token_word[start + n - 1]
                text, is_question = sentences[first]
                if skill.in_question and not is_question:
                    continue
                found.append(
                    Match(
                        skill=skill.id,
                        phrase=variant.phrase,
                        score=round(float(score[start]), 1),
                        speaker=words[first].speaker,
                        start_s=words[first].start,
                        end_s=words[last].end,
                        word_start=first,
                        word_end=last,
                        sentence=text,
                        in_question=is_question,
                    )
                )
        return _best_per_moment(found)

    def _ids(self, tokens: list[str]) -> np.ndarray:
        """Column of each token in the similarity matrix, scoring unseen tokens in one batch."""
        from rapidfuzz import fuzz, process

        new = [t for t in dict.fromkeys(tokens) if t not in self._columns]
        if new:
            block = process.cdist(self._phrase_words, new, scorer=fuzz.ratio, dtype=np.float32, workers=1) / 100
            for t in new:
                self._columns[t] = len(self._columns)
            self._sim = np.concatenate([self._sim, block.astype(np.float32)], axis=1)
        return np.array([self._columns[t] for t in tokens], dtype=np.intp)


def _spellings(tokens: list[str]) -> list[tuple[list[str], int, int]]:
    """The forms a phrase is looked for in: as written, with two neighbours joined
    ("follow up" -> "followup"), and (for long phrases) with one small word left out.

    Each form comes with the position of its joined word (-1 for none) and how many words
    it leaves out.
    """
    forms = [(tokens, -1, 0)]
    for i in range(len(tokens) - 1):
        forms.append((tokens[:i] + [tokens[i] + tokens[i + 1]] + tokens[i + 2 :], i, 0))
    if len(tokens) >= MIN_WORDS_TO_DROP:
        for i, token in enumerate(tokens):
            if token in DROPPABLE and 0 < i < len(tokens) - 1:
                forms.append((tokens[:i] + tokens[i + 1 :], -1, 1))
    return forms


def _tokens(words: Sequence[Word]) -> tuple[list[str], list[int]]:
    """Normalised tokens of the words, and the index of the word each token came from."""
    tokens: list[str] = []
    owner: list[int] = []
    for index, word in enumerate(words):
        for token in normalise_words(word.text):
            tokens.append(token)
            owner.append(index)
    return tokens, owner


def _speaker_code(speaker: str) -> int:
    return ROLES.index(speaker) if speaker in ROLES else -1


def _speaker_ok(skill: Skill, codes: np.ndarray) -> np.ndarray:
    """Words of the skill's speaker; a call whose speakers are unknown (mono) matches any skill."""
    if skill.speaker == "any":
        return np.ones(len(codes), dtype=bool)
    return (codes == ROLES.index(skill.speaker)) | (codes == _speaker_code(UNKNOWN))


def _sentences(words: Sequence[Word]) -> list[tuple[str, bool]]:
    """For each word, the text of its sentence and whether that sentence is a question."""
    spans: list[tuple[int, int]] = []
    first = 0
    for i, word in enumerate(words):
        last = i == len(words) - 1
        ends = word.text.rstrip("\"')”’").endswith((".", "?", "!"))
        if not last:
            nxt = words[i + 1]
            ends = ends or nxt.speaker != word.speaker or nxt.start - word.end > SENTENCE_PAUSE_S
        if ends or last:
            spans.append((first, i))
            first = i + 1
    out: list[tuple[str, bool]] = []
    for a, b in spans:
        text = join_words(w.text for w in words[a : b + 1])
        question = text.rstrip("\"')”’").endswith("?")
        out.extend([(text, question)] * (b - a + 1))
    return out


def _best_per_moment(found: list[Match]) -> list[Match]:
    """One match per skill per stretch of words: the best-scoring of any that overlap."""
    kept: list[Match] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for m in sorted(found, key=lambda m: (-m.score, m.word_start, m.word_end - m.word_start)):
        spans = taken.setdefault(m.skill, [])
        if any(m.word_start <= b and a <= m.word_end for a, b in spans):
            continue
        spans.append((m.word_start, m.word_end))
        kept.append(m)
    return sorted(kept, key=lambda m: (m.start_s, m.skill))
