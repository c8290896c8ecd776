"""Speaker attribution: which role said each word.

Stereo calls are attributed by channel (the exact path): each channel is transcribed on its
own and labelled with its role. A stereo file whose channels are the same signal is treated as
mono. Mono calls get the speaker `unknown` until diarization fills it in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .audio import SAMPLE_RATE, is_dual_mono
from .errors import BadMetadata
from .records import PROSPECT, REP, ROLES, UNKNOWN, Segment, Word

DEFAULT_CHANNELS = (REP, PROSPECT)
# A word heard on its own channel this much quieter (as RMS) than on the other channel is the
# other speaker leaking into this microphone (echo, crosstalk), not this speaker's word.
BLEED_RMS_RATIO = 0.25


@dataclass(frozen=True)
class ChannelPlan:
    """One signal to transcribe and the role its words belong to."""

    samples: np.ndarray
    speaker: str
    channel: int | None


def parse_channels(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validate a channel-role list such as "rep,prospect" or ["prospect", "rep"]."""
    roles = [r.strip().lower() for r in value.split(",")] if isinstance(value, str) else list(value)
    if len(roles) != 2 or sorted(roles) != sorted(ROLES):
        raise BadMetadata(
            f"channels must name each role once, channel 0 first: 'rep,prospect' or 'prospect,rep' (got {value!r})"
        )
    return tuple(roles)


def plan_channels(channels: list[np.ndarray], roles: tuple[str, ...] | None) -> tuple[str, list[ChannelPlan]]:
    """Decide how a decoded recording is transcribed: ("stereo", one plan per role) or ("mono", one)."""
    if len(channels) == 2 and not is_dual_mono(channels[0], channels[1]):
        roles = roles or DEFAULT_CHANNELS
        return "stereo", [ChannelPlan(channels[i], roles[i], i) for i in range(2)]
    mixed = channels[0] if len(channels) == 1 else (channels[0] + channels[1]) / 2
    return "mono", [ChannelPlan(mixed.astype(np.float32), UNKNOWN, None)]


def drop_bleed(segments: list[Segment], channels: list[np.ndarray]) -> list[Segment]:
    """Remove words that one channel only picked up from the other speaker.

    For each word, compare the RMS of its span on its own channel with the other channel;
    a word much louder on the other side is crosstalk and would otherwise be counted twice.
    Segments left without words are dropped.
    """
    kept = []
    for seg in segments:
        if seg.channel is None:
            kept.append(seg)
            continue
        own, other = channels[seg.channel], channels[1 - seg.channel]
        words = tuple(w for w in seg.words if not _is_bleed(w, own, other))
        if not words:
            continue
        if len(words) == len(seg.words):
            kept.append(seg)
        else:
            text = " ".join(w.text for w in words)
            kept.append(Segment(words[0].start, words[-1].end, text, seg.speaker, words, seg.channel))
    return kept


def _is_bleed(word: Word, own: np.ndarray, other: np.ndarray) -> bool:
    first, last = int(word.start * SAMPLE_RATE), int(word.end * SAMPLE_RATE)
    if last - first < SAMPLE_RATE // 50:
        return False
    own_rms = float(np.sqrt(np.mean(own[first:last].astype(np.float64) ** 2)))
    other_rms = float(np.sqrt(np.mean(other[first:last].astype(np.float64) ** 2)))
    return own_rms < BLEED_RMS_RATIO * other_rms
