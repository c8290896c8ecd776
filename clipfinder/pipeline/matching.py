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
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from clipfinder.pipeline.rubric import Rubric, Skill, normalise_words
from clipfinder.pipeline.sentences import ends_sentence, turn_starts
from clipfinder.pipeline.sounds import SOUND, SoundPhrase, find_sound_alikes
from clipfinder.records import ROLES, Match, Word
from clipfinder.text import join_words

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
# Articles are one word to the matcher: speech recognition swaps them freely ("send over the
# calendar invite" for "a calendar invite") and the swap never changes what a phrase means.
ARTICLES = {"an": "a", "the": "a"}


@dataclass(frozen=True)
class _Forms:
    """All phrase forms of one word count, as arrays, so they are scored together."""

    skill: np.ndarray  # (forms,) index of the form's skill in the rubric
    phrase: list[str]  # (forms,) the phrase as written in the rubric
    tokens: np.ndarray  # (forms, words) row indices into the similarity matrix
    floors: np.ndarray  # (forms, words) least similarity each word needs
    length: np.ndarray  # (forms,) the mean's denominator: the form's words plus any it leaves out
    credit: np.ndarray  # (forms,) similarity credited for the words the form leaves out
    threshold: np.ndarray  # (forms,) the skill's threshold
    speaker: np.ndarray  # (forms,) role code the skill needs, or ANY_SPEAKER


class Matcher:
    """A rubric ready to match; reuse one for many calls (it caches word similarities)."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        rows: dict[str, int] = {}
        by_length: dict[int, list[tuple[int, str, list[int], list[float], int]]] = {}
        for skill_index, skill in enumerate(rubric.skills):
            for phrase in skill.phrases:
                for tokens, joined, dropped in _spellings(_match_tokens(phrase)):
                    ids = [rows.setdefault(t, len(rows)) for t in tokens]
                    floors = [JOINED_FLOOR if i == joined else WORD_FLOOR for i in range(len(tokens))]
                    by_length.setdefault(len(tokens), []).append((skill_index, phrase, ids, floors, dropped))
        self._groups = [self._forms(items) for _, items in sorted(by_length.items())]
        self._sound_phrases: list[SoundPhrase] = []
        self._sound_owner: list[tuple[int, str]] = []  # per sound phrase: (skill index, phrase)
        for skill_index, skill in enumerate(rubric.skills):
            if skill.threshold >= 100:
                continue  # a skill that asks for its exact words gets no sound-alikes either
            for phrase in skill.phrases:
                sound = SoundPhrase.of(len(self._sound_owner), _match_tokens(phrase))
                if sound is not None:
                    self._sound_phrases.append(sound)
                    self._sound_owner.append((skill_index, phrase))
        self._phrase_words = list(rows)
        self._columns: dict[str, int] = {}
        self._normalised: dict[str, list[str]] = {}
        self._sim = np.zeros((len(rows), 0), dtype=np.float32)

    def _forms(self, items: list[tuple[int, str, list[int], list[float], int]]) -> _Forms:
        skills = self.rubric.skills
        dropped = np.array([d for *_, d in items], dtype=np.float32)
        return _Forms(
            skill=np.array([s for s, *_ in items], dtype=np.intp),
            phrase=[p for _, p, *_ in items],
            tokens=np.array([ids for _, _, ids, _, _ in items], dtype=np.intp),
            floors=np.array([f for _, _, _, f, _ in items], dtype=np.float32),
            length=np.array([len(ids) for _, _, ids, _, _ in items], dtype=np.float32) + dropped,
            credit=dropped * DROPPED_WORD_CREDIT,
            threshold=np.array([skills[s].threshold for s, *_ in items], dtype=np.float32),
            speaker=np.array([skill_speaker(skills[s]) for s, *_ in items], dtype=np.int8),
        )

    def match(self, words: Sequence[Word]) -> list[Match]:
        """All rubric matches in a call's time-ordered words, best first within each skill.

        Each known speaker's words are matched as their own stream, so the other side talking at
        the same time (crosstalk on a stereo call interleaves the two channels' words) cannot
        split a phrase; match word indices still refer to `words`.
        """
        streams: dict[str, list[int]] = {}
        for i, w in enumerate(words):
            streams.setdefault(w.speaker, []).append(i)
        if len(streams) <= 1:
            return self._match_stream(words)
        found = []
        for indices in streams.values():
            own = [words[i] for i in indices]
            for m in self._match_stream(own, turn_starts(words, indices)):
                found.append(replace(m, word_start=indices[m.word_start], word_end=indices[m.word_end]))
        return best_per_moment(found)

    def _match_stream(self, words: Sequence[Word], stretch_starts: Sequence[bool] | None = None) -> list[Match]:
        """Matches in `words`; no phrase spans a speaker change or a word marked in `stretch_starts`."""
        tokens, token_word = self._tokens(words)
        if not tokens:
            return []
        ids = self._ids(tokens)
        codes = np.array([speaker_code(w.speaker) for w in words], dtype=np.int8)
        speakers = codes[np.array(token_word, dtype=np.intp)]
        runs = np.cumsum(np.concatenate(([0], speakers[1:] != speakers[:-1])))
        if stretch_starts is not None:  # both steps only rise, so their sum changes where either does
            runs = runs + np.cumsum(np.asarray(stretch_starts, dtype=np.intp))[np.array(token_word, dtype=np.intp)]
        found: list[Match] = []
        count = len(tokens)
        for forms in self._groups:
            n = forms.tokens.shape[1]
            if n > count:
                continue
            positions = count - n + 1
            # Only positions whose first word is close enough can match: score just those.
            first_ok = self._sim[forms.tokens[:, 0]][:, ids[:positions]] >= forms.floors[:, :1]
            form, start = np.nonzero(first_ok)
            if len(form) == 0:
                continue
            at = start[:, None] + np.arange(n)
            per_word = self._sim[forms.tokens[form], ids[at]]
            score = (per_word.sum(axis=1) + forms.credit[form]) / forms.length[form] * 100
            ok = (score >= forms.threshold[form]) & (per_word >= forms.floors[form]).all(axis=1)
            ok &= runs[start] == runs[start + n - 1]
            need = forms.speaker[form]
            said = speakers[start]
            ok &= may_say(need, said)
            for f, s, value in zip(form[ok].tolist(), start[ok].tolist(), score[ok].tolist()):
                kind = "exact" if value >= 100 - 1e-6 else "fuzzy"
                moment = _moment(
                    self.rubric.skills[forms.skill[f]], forms.phrase[f], value, kind, words, token_word, s, n
                )
                if moment is not None:
                    found.append(moment)
        found.extend(self._sound_alikes(words, tokens, token_word, speakers, runs))
        return best_per_moment(found)

    def _sound_alikes(
        self, words: Sequence[Word], tokens: list[str], token_word: list[int], speakers: np.ndarray, runs: np.ndarray
    ) -> list[Match]:
        """Matches of phrases the model wrote as words that sound like them (sounds.py)."""
        found = []
        probability = [words[i].probability for i in token_word]
        for hit in find_sound_alikes(self._sound_phrases, tokens, runs.tolist(), probability):
            skill_index, phrase = self._sound_owner[hit.phrase]
            skill = self.rubric.skills[skill_index]
            if not may_say(skill_speaker(skill), int(speakers[hit.first])):
                continue
            n = hit.last - hit.first + 1
            moment = _moment(skill, phrase, hit.similarity * 100, SOUND, words, token_word, hit.first, n)
            if moment is not None:
                found.append(moment)
        return found

    def _tokens(self, words: Sequence[Word]) -> tuple[list[str], list[int]]:
        """Normalised tokens of the words, and the index of the word each token came from."""
        tokens: list[str] = []
        owner: list[int] = []
        cache = self._normalised
        for index, word in enumerate(words):
            normal = cache.get(word.text)
            if normal is None:
                normal = cache[word.text] = _match_tokens(word.text)
            tokens.extend(normal)
            owner.extend([index] * len(normal))
        return tokens, owner

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


@lru_cache(maxsize=2)
def matcher_for(rubric: Rubric) -> Matcher:
    """One matcher per rubric per process (ingest's workers, rematch's helpers): its word tables
    grow across calls."""
    return Matcher(rubric)


def _match_tokens(text: str) -> list[str]:
    """The words of `text` as the matcher compares them: normalised, articles made one."""
    return [ARTICLES.get(t, t) for t in normalise_words(text)]


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


ANY_SPEAKER = -2
UNKNOWN_CODE = -1


def speaker_code(speaker: str) -> int:
    return ROLES.index(speaker) if speaker in ROLES else UNKNOWN_CODE


def may_say(need: Any, said: Any) -> Any:
    """Whether words of speaker code `said` can show a skill needing `need` (codes or arrays of
    them): the skill's own role, any role for an "any" skill, and anyone on a call whose speakers
    are unknown."""
    return (need == ANY_SPEAKER) | (said == need) | (said == UNKNOWN_CODE)


def skill_speaker(skill: Skill) -> int:
    """Who must have said a skill's phrase; words of an unknown speaker (mono) match any skill."""
    return ANY_SPEAKER if skill.speaker == "any" else ROLES.index(skill.speaker)


def _sentence(words: Sequence[Word], index: int) -> tuple[str, bool]:
    """The sentence holding words[index] (sentences.py's ends), and whether it is a question."""

    def ends_after(i: int) -> bool:
        return ends_sentence(words[i], words[i + 1] if i + 1 < len(words) else None)

    first = index
    while first > 0 and not ends_after(first - 1):
        first -= 1
    last = index
    while not ends_after(last):
        last += 1
    text = join_words(w.text for w in words[first : last + 1])
    return text, text.rstrip("\"')”’").endswith("?")


def _moment(
    skill: Skill, phrase: str, score: float, kind: str, words: Sequence[Word], token_word: list[int], at: int, n: int
) -> Match | None:
    """The match of `phrase` on tokens [at, at + n), or None where the skill needs a question and this is not one."""
    first, last = token_word[at], token_word[at + n - 1]
    text, is_question = _sentence(words, first)
    if skill.in_question and not is_question:
        return None
    heard = sum(w.probability for w in words[first : last + 1]) / (last - first + 1)
    return Match(
        skill=skill.id,
        phrase=phrase,
        score=round(score, 1),
        speaker=words[first].speaker,
        start_s=words[first].start,
        end_s=words[last].end,
        word_start=first,
        word_end=last,
        sentence=text,
        in_question=is_question,
        kind=kind,
        confidence=round(heard * score / 100, 3),
    )


# the kind of a match by meaning (meaning.py imports this module, so the name lives here)
MEANING = "meaning"


def best_per_moment(found: list[Match]) -> list[Match]:
    """One match per skill per stretch of words: of any that overlap, a phrase match by its
    spelling, then a match by meaning, then a phrase that only sounds alike, and among those of
    one kind the best-scoring. A probability and a phrase's similarity are not on one scale; a
    phrase the rubric names is the strongest evidence, and one read into doubtful words the
    weakest."""
    kept: list[Match] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    rank = {MEANING: 1, SOUND: 2}
    order = sorted(found, key=lambda m: (rank.get(m.kind, 0), -m.score, m.word_start, m.word_end - m.word_start))
    for m in order:
        spans = taken.setdefault(m.skill, [])
        if any(m.word_start <= b and a <= m.word_end for a, b in spans):
            continue
        spans.append((m.word_start, m.word_end))
        kept.append(m)
    return sorted(kept, key=lambda m: (m.start_s, m.skill))
