"""The small records that flow between the stages: audio -> words -> metrics -> index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

REP = "rep"
PROSPECT = "prospect"
UNKNOWN = "unknown"
ROLES = (REP, PROSPECT)


@dataclass(slots=True)
class Word:
    """One transcribed word with its time span (seconds from the call's start) and speaker.

    `timed` is False when the model gave no usable timestamps for the word and its span was
    estimated from its neighbours (see `transcribe.repair_word_times`).
    `voice` is the diarized voice (0, 1, ...) on a mono call, None where channels told the speaker.
    Not frozen, only because a frozen dataclass is four times slower to build and an index
    rematch builds millions of these; treat it as read-only all the same.
    """

    start: float
    end: float
    text: str
    probability: float
    speaker: str
    timed: bool = True
    voice: int | None = None


@dataclass(frozen=True)
class Segment:
    """A run of words the model decoded together (about a sentence), from one speaker."""

    start: float
    end: float
    text: str
    speaker: str
    words: tuple[Word, ...] = ()
    channel: int | None = None


@dataclass(frozen=True)
class CallMeta:
    """What is known about a recording besides its audio: who, with whom, when."""

    rep: str
    date: str
    account: str | None = None
    title: str | None = None
    channels: tuple[str, ...] | None = None
    source: str = "default"
    # the fields the sidecar or manifest gave (the others are defaults: folder name, file time)
    stated: frozenset[str] = frozenset()


# How the roles of a call's words were decided (docs/diarization.md).
BY_CHANNEL = "channels"  # stereo: one role per channel, exact
BY_VOICEPRINT = "voiceprint"  # mono: the voice nearest the rep's enrolled voiceprint is the rep
BY_FIRST_TURN = "first-turn"  # mono, no voiceprint: the first voice to hold a turn is the rep (a guess)
NOT_ATTRIBUTED = "none"  # mono without the diarize extra: speaker unknown
# Below this confidence a voiceprint attribution is shown as uncertain, like a guess.
CONFIDENT = 0.5
# Below this separability (diarize.separability) a mono call's voices are not told apart with
# confidence: its talk ratio is not reported ("voices alike"). Measured (docs/diarization.md):
# two real speakers 0.167-0.38 (the closest, AMI dev00, 0.18); one speaker split in two 0.07-0.15.
MIN_SEPARABILITY = 0.16


@dataclass(frozen=True)
class Attribution:
    """How a call's words got their roles, and how sure that is (confidence 0-1, None if exact)."""

    method: str = BY_CHANNEL
    confidence: float | None = None
    voices: int | None = None
    rep_voice: int | None = None  # mono, diarized: which voice is the rep
    separability: float | None = None  # mono, diarized: how far apart its closest two voices are

    @property
    def indistinct(self) -> bool:
        """True when a mono call's voices cannot be told apart with confidence: no talk ratio."""
        return self.separability is not None and self.separability < MIN_SEPARABILITY

    @property
    def uncertain(self) -> bool:
        """True when the rep/prospect split may be wrong and the UI should say so."""
        if self.method == BY_CHANNEL:
            return False
        if self.indistinct:
            return True
        return self.method != BY_VOICEPRINT or self.confidence is None or self.confidence < CONFIDENT

    def describe(self) -> str:
        """Short text for tables: 'channels', 'voiceprint 0.82', 'guess ?', 'voices alike ?'."""
        if self.indistinct:
            return "voices alike ?"
        if self.method == BY_VOICEPRINT:
            text = f"voiceprint {self.confidence:.2f}" if self.confidence is not None else "voiceprint"
            return text + (" ?" if self.uncertain else "")
        if self.method == BY_FIRST_TURN:
            return "guess ?"
        if self.method == NOT_ATTRIBUTED:
            return "unknown"
        return "channels"


def is_off_language(language: str, probability: float | None, expected: str) -> bool:
    """True when a call's language was checked (it has a probability) and is not the rubric's.
    The same rule in SQL: index.IN_RUBRIC_LANGUAGE."""
    return probability is not None and language != expected


@dataclass(frozen=True)
class VoiceSample:
    """A speaker embedding: the unit-length mean of a voice's windows, and the speech it came from."""

    embedding: tuple[float, ...]
    seconds: float

    @classmethod
    def of(cls, values: Iterable[float], seconds: float) -> VoiceSample:
        """From any sequence of numbers (a numpy vector, a stored blob read back)."""
        return cls(tuple(float(x) for x in values), seconds)


@dataclass(frozen=True)
class Transcript:
    """A worker's result for one recording: everything the index stores except metrics."""

    path: str
    sha256: str
    duration_s: float
    layout: str  # "stereo" (one role per channel) or "mono"
    segments: tuple[Segment, ...]
    model: str
    language: str  # the language detected (or the one asked for, when nothing was checked)
    attribution: Attribution = Attribution()
    # probability of `language` when it was detected (None: not checked, see pipeline/whisper_model.py)
    language_probability: float | None = None
    # the language the rubric is written in (and the model was asked for): a call found to be in
    # another one is indexed and flagged, and not matched against the rubric
    expected_language: str = "en"

    @property
    def off_language(self) -> bool:
        """True when the call was found to be in another language than the rubric's."""
        return is_off_language(self.language, self.language_probability, self.expected_language)

    # mono, diarized: one sample per voice, in voice order (kept so roles can be re-decided later)
    voices: tuple[VoiceSample, ...] = ()
    # mono, diarized: (start, end, voice) of all speech heard, including speech the model did
    # not transcribe; talk time is measured on it (docs/diarization.md)
    speech: tuple[tuple[float, float, int], ...] = ()
    # stereo, with the diarize extra: the rep channel's voice, which feeds the rep's voiceprint
    rep_sample: VoiceSample | None = None

    @property
    def words(self) -> list[Word]:
        """All words of the call in time order."""
        return sorted((w for s in self.segments for w in s.words), key=lambda w: (w.start, w.end))


@dataclass(frozen=True)
class Metrics:
    """Talk metrics of one call; the formulas are in docs/metrics.md.

    Per-role values are None where the roles are not known (a mono call before diarization).
    """

    talk_seconds: dict[str, float | None]
    talk_ratio: float | None
    longest_monologue_s: dict[str, float | None]
    questions: dict[str, int | None]
    speaker_switches: int | None
    interactivity: float | None
    patience_s: float | None


@dataclass(frozen=True)
class Call:
    """An indexed call as the index returns it."""

    id: int
    sha256: str
    path: str
    rep: str
    date: str
    account: str | None
    title: str | None
    duration_s: float
    layout: str
    channels: tuple[str, ...] | None
    model: str
    language: str
    ingested_at: str
    attribution: Attribution = Attribution()
    language_probability: float | None = None
    expected_language: str = "en"

    @property
    def off_language(self) -> bool:
        """True when the call was found to be in another language than the rubric's."""
        return is_off_language(self.language, self.language_probability, self.expected_language)


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
    kind: str = "fuzzy"  # "exact" (every word as written), "fuzzy" (spelling) or "sound" (sounds.py)
    # How sure it is that the phrase was said here, 0-1: the model's mean probability of the
    # matched words times the match score (docs/rubric.md, "Confidence").
    confidence: float = 1.0


@dataclass(frozen=True)
class Clip:
    """A window of one call holding one or more matches of one skill."""

    skill: str
    start_s: float
    end_s: float
    matches: tuple[Match, ...]
    score: float
    rank: float
    text: str
    confidence: float = 1.0  # of its surest match (Match.confidence)

    @property
    def best(self) -> Match:
        return surest(self.matches)


def surest(matches: Sequence[Match]) -> Match:
    """The match a clip is shown and ranked by: the most confident, then the best scoring."""
    return max(matches, key=lambda m: (m.confidence, m.score))


@dataclass(frozen=True)
class ClipHit:
    """One clip as `search` returns it (the `search --json` item)."""

    clip_id: int
    call_id: int
    path: str
    rep: str
    account: str | None
    date: str
    skill: str
    phrase: str
    score: float
    rank: float
    speaker: str
    start_s: float
    end_s: float
    match_start_s: float
    match_end_s: float
    matches: int
    text: str
    attribution: str  # how the call's speakers were told apart: channels, voiceprint, first-turn, none
    attribution_confidence: float | None
    confidence: float  # 0-1: how sure it is the skill's phrase was said (docs/rubric.md, "Confidence")
    kind: str  # how its surest match was found: exact, fuzzy (spelling) or sound (sounds alike)
    separability: float | None  # mono, diarized: how far apart the call's voices are

    @property
    def speakers_uncertain(self) -> bool:
        """True when the clip's rep/prospect labels may be wrong (a guessed or weak attribution)."""
        return Attribution(self.attribution, self.attribution_confidence, separability=self.separability).uncertain

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "speakers_uncertain": self.speakers_uncertain}


@dataclass(frozen=True)
class VoiceSampleRow:
    """A stored voice sample as `voices` lists it (the embedding stays in the index)."""

    id: int
    rep: str
    seconds: float
    source: str
    call_id: int | None
    added_at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RepCall:
    """One call of a rep with the numbers the coaching loop uses (trend, prep)."""

    call_id: int
    date: str
    day: dt.date
    account: str | None
    talk_ratio: float | None
    rep_questions: int | None
    rep_monologue_s: float | None
    patience_s: float | None
    skills: frozenset[str]  # skills with a clip on the call
    clarity: float | None  # of the rep's words (pipeline/clarity.py)
    in_rubric_language: bool
    speakers_uncertain: bool


@dataclass(frozen=True)
class Focus:
    rep: str
    skill: str
    since: str


@dataclass(frozen=True)
class Commitment:
    id: int
    rep: str
    skill: str
    text: str
    date: str


@dataclass(frozen=True)
class Score:
    rep: str
    skill: str
    score: int
    date: str


@dataclass(frozen=True)
class Pin:
    """A clip the manager chose as the coaching clip of the rep's next prep."""

    id: int
    rep: str
    clip_id: int
    pinned_at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Passage:
    """A window of a transcript around words a text search found outside every clip."""

    call_id: int
    path: str
    rep: str
    account: str | None
    date: str
    speaker: str  # who said the found words
    start_s: float  # the window (clip length, around the found words)
    end_s: float
    hit_start_s: float  # the found words
    hit_end_s: float
    said: str  # the sentence that holds the found words
    text: str  # what is said in the whole window, in order

    def to_json(self) -> dict[str, Any]:
        return {"result": "passage", **asdict(self)}
