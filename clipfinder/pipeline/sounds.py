"""Sound-alike phrase matching: what the model wrote sounds like a rubric phrase.

Speech recognition on a poor line, or on another CPU's kernels, often writes a phrase as other
words that sound the same: "book a meeting" as "welcome eating", "walk me through" as "walk me
true". Spelling similarity cannot see that, and the word boundaries may have moved. So each word
is turned into a consonant skeleton (a Metaphone code with vowels and glides dropped and voiced/
voiceless pairs merged: "book a meeting" -> PK MTNK, "welcome eating" -> LKM TNK) and a phrase is
compared with runs of transcript words as one string of sounds, across word boundaries, by edit
distance. docs/rubric.md has the rules and their measured effect.

Guards keep near misses that change the meaning out:
- the model must have doubted some word of the run that is not the phrase's own (DOUBTFUL);
- every phrase word that has a sound must keep at least half of it in the alignment, so a
  dropped "me" fails "walk me through" ("walk through the pricing" is not discovery);
- a phrase and the words it matches must hold the same negations ("we do have budget" is never
  "we do not have budget");
- a run repeating a word is a decoding loop, not speech;
- phrases with fewer than MIN_SOUNDS sounds are left to spelling, where a one-sound slip would
  be a different word.

Speed: candidates come from the sound bigrams each phrase shares with the call, counted per
alignment diagonal with numpy (the q-gram lemma bounds how few a real match can share); only
runs that pass the count and hold a doubted word are aligned, with rapidfuzz's C edit distance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# The kind of a match found here (Match.kind).
SOUND = "sound"
# A phrase needs this many sounds to be matched by sound at all.
MIN_SOUNDS = 5
# Edits (sounds inserted, dropped or changed) a phrase may differ by: one per this many sounds
# beyond the first, so a five-sound phrase must sound exactly alike, six to ten sounds may differ
# by one, eleven to fifteen by two. With one edit in five, "price is too high" (PRSST) took
# "search, set" (SRSST); measured on the fixtures and the phone line (docs/rubric.md).
SOUNDS_PER_EDIT = 5
# Share of a phrase word's sounds that must be found in place for the word to count as said.
WORD_KEPT = 0.5
NEGATIONS = frozenset("not no never nothing nobody none neither nor without".split())

# Metaphone letters -> skeleton: vowels and glides carry little across a noisy line and move
# between words ("a meeting" / "eating"), so they go; voiced and voiceless twins become one.
_SKELETON = str.maketrans({"B": "P", "D": "T", "0": "T", "G": "K", "Q": "K", "V": "F", "Z": "S", "X": "S"})
_DROPPED = frozenset("AEIOUHWY")
# A word with no consonant left ("you", "how", "I") is one placeholder sound, so it cannot vanish
# from a phrase ("costing you" is not "costing"); only the article "a" may melt into its
# neighbours ("book a meeting" heard as "welcome eating").
_VOWEL_WORD = "V"
_SILENT_WORDS = frozenset({"a"})
# A sound-alike match needs the model to have doubted what it wrote: some word that differs from
# the phrase must have a probability under this. A confidently heard "currently along" is not
# "currently using".
DOUBTFUL = 0.5


@lru_cache(maxsize=65536)
def skeleton(token: str) -> str:
    """The consonant skeleton of one normalised word ("meeting" -> "MTNK", "a" -> "")."""
    import jellyfish

    if not token.isalpha():
        return token.upper() if token.isdigit() else ""
    code = "".join(c for c in jellyfish.metaphone(token).translate(_SKELETON) if c not in _DROPPED)
    return code or ("" if token in _SILENT_WORDS else _VOWEL_WORD)


@dataclass(frozen=True)
class SoundPhrase:
    """One rubric phrase as sounds: the string, and which phrase word each sound belongs to."""

    index: int  # the caller's id for this phrase
    sounds: str
    owner: tuple[int, ...]  # per sound: the phrase word it came from
    word_sounds: tuple[int, ...]  # per phrase word: how many sounds it has
    negations: int
    words: frozenset[str]  # the phrase's own words (a transcript word among them is not a slip)

    @classmethod
    def of(cls, index: int, tokens: Sequence[str]) -> SoundPhrase | None:
        """The phrase's sounds, or None when it is too short to match by sound."""
        codes = [skeleton(t) for t in tokens]
        sounds = "".join(codes)
        if len(sounds) < MIN_SOUNDS:
            return None
        owner = tuple(i for i, code in enumerate(codes) for _ in code)
        negations = sum(t in NEGATIONS for t in tokens)
        return cls(index, sounds, owner, tuple(len(c) for c in codes), negations, frozenset(tokens))

    @property
    def max_edits(self) -> int:
        return (len(self.sounds) - 1) // SOUNDS_PER_EDIT


@dataclass(frozen=True)
class SoundHit:
    """A run of tokens [first, last] that sounds like phrase `phrase`, with its similarity (0-1)."""

    phrase: int
    first: int
    last: int
    similarity: float


def find_sound_alikes(
    phrases: Sequence[SoundPhrase], tokens: Sequence[str], runs: Sequence[int], probability: Sequence[float]
) -> list[SoundHit]:
    """Every run of tokens (within one speaker run) that sounds like one of `phrases`.

    `tokens` are a call's normalised words in time order; `runs[i]` numbers the speaker run that
    token i belongs to (a phrase never spans two speakers); `probability[i]` is the model's
    probability of the word token i came from. At most one hit per phrase per start token: the
    most similar window.
    """
    if not phrases or not tokens:
        return []
    call = _CallSounds([skeleton(t) for t in tokens])
    # doubts[i]: how many of the first i tokens the model doubted (a window without one is skipped)
    doubts = np.concatenate(([0], np.cumsum(np.asarray(probability) < DOUBTFUL)))
    hits: list[SoundHit] = []
    for phrase_at, start in call.candidates(_PhraseTable.of(phrases)):
        phrase = phrases[phrase_at]
        reach = min(int(call.token_char[start]) + len(phrase.sounds) + phrase.max_edits, len(call.char_token) - 1)
        if doubts[min(int(call.char_token[reach]) + 2, len(tokens))] == doubts[max(start - 1, 0)]:
            continue
        hit = _best_window(phrase, start, call, tokens, runs, probability)
        if hit is not None:
            hits.append(hit)
    return hits


def _bigrams(text: str) -> np.ndarray:
    chars = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8).astype(np.int64)
    return chars[:-1] * 256 + chars[1:]


@dataclass(frozen=True)
class _PhraseTable:
    """Every phrase's sound bigrams in one table, so a call is searched for all phrases at once."""

    first: np.ndarray  # per bigram code (65536): where its entries begin in `phrase`/`offset`
    count: np.ndarray  # per bigram code: how many entries it has
    phrase: np.ndarray  # per entry, grouped by bigram: the phrase's position in the list
    offset: np.ndarray  # per entry: where in the phrase the bigram starts
    need: np.ndarray  # per phrase: votes a start needs
    slack: np.ndarray  # per phrase: edits allowed

    @classmethod
    def of(cls, phrases: Sequence[SoundPhrase]) -> _PhraseTable:
        return _phrase_table(tuple(phrases))


@lru_cache(maxsize=8)
def _phrase_table(phrases: tuple[SoundPhrase, ...]) -> _PhraseTable:
    grams = [_bigrams(p.sounds) for p in phrases]
    codes = np.concatenate(grams)
    order = np.argsort(codes, kind="stable")
    owner = np.concatenate([np.full(len(g), at) for at, g in enumerate(grams)])[order]
    offset = np.concatenate([np.arange(len(g)) for g in grams])[order]
    count = np.bincount(codes, minlength=65536)
    slack = np.array([p.max_edits for p in phrases])
    # q-gram lemma (q = 2): a window within k edits of an L-sound phrase shares at least
    # L - 1 - 2k of its bigrams, all on diagonals within k of where the window starts.
    need = np.maximum(1, np.array([len(p.sounds) for p in phrases]) - 1 - 2 * slack)
    return _PhraseTable(np.cumsum(count) - count, count, owner, offset, need, slack)


class _CallSounds:
    """A call's sounds as one string, indexed by token."""

    def __init__(self, codes: list[str]) -> None:
        self.codes = codes
        self.text = "".join(codes)
        lengths = np.fromiter((len(c) for c in codes), dtype=np.intp, count=len(codes))
        self.token_char = np.concatenate(([0], np.cumsum(lengths)))
        self.char_token = np.repeat(np.arange(len(codes)), lengths)

    def candidates(self, table: _PhraseTable) -> list[tuple[int, int]]:
        """(phrase, start token) pairs where enough of the phrase's bigrams line up to allow a match."""
        grams = _bigrams(self.text)
        hits = table.count[grams]
        if len(grams) == 0 or not hits.any():
            return []
        # one row per (call bigram, phrase bigram) pair: the phrase and the diagonal it implies
        call_at = np.repeat(np.arange(len(grams)), hits)
        entry = np.arange(len(call_at)) + np.repeat(table.first[grams] - (np.cumsum(hits) - hits), hits)
        width = len(self.text) + 64
        diagonal = call_at - table.offset[entry] + 32
        owner = table.phrase[entry]
        keys, votes = np.unique(owner * width + diagonal, return_counts=True)
        owner = keys // width
        slack = table.slack[owner]
        # Votes on the diagonals within the phrase's k edits of each one: distinct keys k apart
        # are at most k places apart in the sorted keys.
        total = votes.copy()
        for step in range(1, int(slack.max(initial=0)) + 1):
            gap = keys[step:] - keys[:-step]
            near = gap <= slack[step:]
            total[:-step] += np.where(near, votes[step:], 0)
            total[step:] += np.where(near, votes[:-step], 0)
        ok = total >= table.need[owner]
        starts = self.char_token[np.clip(keys[ok] % width - 32, 0, len(self.char_token) - 1)]
        owner = owner[ok]
        size = len(self.codes) + 1
        return [(int(p // size), int(p % size)) for p in np.unique(owner * size + starts)]


def _best_window(
    phrase: SoundPhrase,
    start: int,
    call: _CallSounds,
    tokens: Sequence[str],
    runs: Sequence[int],
    probability: Sequence[float],
) -> SoundHit | None:
    """The closest-sounding window beginning at or beside token `start`, if it passes the guards."""
    from rapidfuzz.distance import Levenshtein

    codes, text, token_char = call.codes, call.text, call.token_char
    length, limit, count = len(phrase.sounds), phrase.max_edits, len(codes)
    best: tuple[int, int, int] | None = None  # (edits, first, last)
    for first in (start - 1, start, start + 1):
        if first < 0 or first >= count or not codes[first]:
            continue
        last = first
        while last < count and runs[last] == runs[first]:
            size = int(token_char[last + 1] - token_char[first])
            if size > length + limit:
                break
            if size >= length - limit and codes[last]:
                window = text[token_char[first] : token_char[last + 1]]
                edits = Levenshtein.distance(phrase.sounds, window, score_cutoff=limit)
                if edits <= limit and (best is None or edits < best[0]):
                    best = (edits, first, last)
            last += 1
    if best is None:
        return None
    edits, first, last = best
    window = text[token_char[first] : token_char[last + 1]]
    span = range(first, last + 1)
    if sum(tokens[k] in NEGATIONS for k in span) != phrase.negations or not _words_kept(phrase, window):
        return None
    if all(tokens[k] in phrase.words or probability[k] >= DOUBTFUL for k in span):
        return None
    content = [tokens[k] for k in span if len(codes[k]) >= 2]
    if len(set(content)) < len(content):
        return None  # "winter. It's winter.": a decoding loop, not speech that sounds like the phrase
    return SoundHit(phrase.index, first, last, round(1 - edits / max(length, len(window)), 3))


def _words_kept(phrase: SoundPhrase, window: str) -> bool:
    """True when every phrase word with sounds keeps at least WORD_KEPT of them in the alignment."""
    from rapidfuzz.distance import Levenshtein

    kept = [0] * len(phrase.word_sounds)
    for block in Levenshtein.opcodes(phrase.sounds, window):
        if block.tag == "equal":
            for i in range(block.src_start, block.src_end):
                kept[phrase.owner[i]] += 1
    return all(k >= WORD_KEPT * n for k, n in zip(kept, phrase.word_sounds) if n)
