"""The small records that flow between the stages: audio -> words -> metrics -> index."""

from __future__ import annotations

from dataclasses import dataclass

REP = "rep"
PROSPECT = "prospect"
UNKNOWN = "unknown"
ROLES = (REP, PROSPECT)


@dataclass(slots=True)
class Word:
    """One transcribed word with its time span (seconds from the call's start) and speaker.

    `timed` is False when the model gave no usable timestamps for the word and its span was
    estimated from its neighbours (see `transcribe.repair_word_times`).
    Not frozen, only because a frozen dataclass is four times slower to build and an index
    rematch builds millions of these; treat it as read-only all the same.
    """

    start: float
    end: float
    text: str
    probability: float
    speaker: str
    timed: bool = True


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


@dataclass(frozen=True)
class Transcript:
    """A worker's result for one recording: everything the index stores except metrics."""

    path: str
    sha256: str
    duration_s: float
    layout: str  # "stereo" (one role per channel) or "mono"
    segments: tuple[Segment, ...]
    model: str
    language: str

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
