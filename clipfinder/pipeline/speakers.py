"""Speaker attribution: which role said each word.

Stereo calls are attributed by channel (the exact path): each channel is transcribed on its
own and labelled with its role. A stereo file whose channels are the same signal is treated as
mono. A mono call's words are split among voices by `diarize`, and here one voice is chosen as
the rep: the one nearest the rep's voiceprint, else (a guess, marked uncertain) the first voice
to hold a turn. Every other voice is the prospect side. docs/diarization.md has the details.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from clipfinder.errors import BadMetadata
from clipfinder.pipeline.audio import is_dual_mono
from clipfinder.records import (
    BY_FIRST_TURN,
    BY_VOICEPRINT,
    PROSPECT,
    REP,
    ROLES,
    UNKNOWN,
    Attribution,
    Segment,
    VoiceSample,
    Word,
)

# The first voice to talk this long without a break is taken for the rep when no voiceprint
# exists: a pickup "Hello?" is shorter, the rep's opener ("Hi, this is Ann from ...") longer.
FIRST_TURN_S = 2.0
# Confidence of a voiceprint match (docs/diarization.md): the rep's voice should beat the next
# voice by this much cosine similarity for full confidence...
FULL_MARGIN = 0.15
# ...and be at least this similar to the voiceprint (same-speaker similarities measured 0.90-0.99
# on real calls, other speakers 0.65-0.81).
FULL_SIMILARITY = 0.8

DEFAULT_CHANNELS = (REP, PROSPECT)


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


def rep_by_voiceprint(voices: Sequence[VoiceSample], voiceprint: VoiceSample) -> tuple[int, float]:
    """The voice nearest the voiceprint, and the confidence (0-1) that it is the rep."""
    target = np.asarray(voiceprint.embedding, dtype=np.float32)
    sims = np.array([float(np.asarray(v.embedding, dtype=np.float32) @ target) for v in voices])
    best = int(np.argmax(sims))
    runner_up = float(np.max(np.delete(sims, best))) if len(sims) > 1 else 0.0
    margin = min(1.0, (sims[best] - runner_up) / FULL_MARGIN)
    closeness = min(1.0, max(0.0, (sims[best] - (FULL_SIMILARITY - 0.2)) / 0.2))
    return best, round(max(0.0, margin) * closeness, 3)


def rep_by_first_turn(words: Sequence[Word]) -> int:
    """The voice of the first turn of FIRST_TURN_S or more (else the voice that talks most)."""
    run_voice, run_start, run_end = None, 0.0, 0.0
    talk: dict[int, float] = {}
    for w in words:
        if w.voice is None:
            continue
        talk[w.voice] = talk.get(w.voice, 0.0) + (w.end - w.start)
        if w.voice != run_voice or w.start - run_end > 1.0:
            run_voice, run_start = w.voice, w.start
        run_end = w.end
        if run_end - run_start >= FIRST_TURN_S:
            return run_voice
    return max(talk, key=lambda v: talk[v]) if talk else 0


def choose_rep(
    words: Sequence[Word], voices: Sequence[VoiceSample], voiceprint: VoiceSample | None
) -> tuple[int, Attribution]:
    """Which voice is the rep on a diarized mono call, how that was decided, and how far apart the
    voices are (a call whose voices sound alike gets no talk ratio)."""
    from clipfinder.pipeline.diarize import separability

    if voiceprint is not None and voices:
        rep, confidence = rep_by_voiceprint(voices, voiceprint)
        method = BY_VOICEPRINT
    else:
        rep, confidence, method = rep_by_first_turn(words), None, BY_FIRST_TURN
    apart = separability(voices, around=rep) if len(voices) > 1 and 0 <= rep < len(voices) else None
    return rep, Attribution(method, confidence, len(voices), rep, apart)


def role_speech(speech: Sequence[tuple[float, float, int]], rep_voice: int | None) -> list[tuple[float, float, str]]:
    """Voice-labelled speech spans as role-labelled ones (every voice but the rep's is the prospect side)."""
    if rep_voice is None:
        return []
    return [(a, b, REP if voice == rep_voice else PROSPECT) for a, b, voice in speech]


def with_roles(segments: Sequence[Segment], rep_voice: int) -> list[Segment]:
    """The segments with each word's role set from its voice, split wherever the role changes."""
    out: list[Segment] = []
    for segment in segments:
        words = [replace(w, speaker=REP if w.voice == rep_voice else PROSPECT) for w in segment.words]
        if not words:
            out.append(segment)
            continue
        first = 0
        for i in range(1, len(words) + 1):
            if i == len(words) or words[i].speaker != words[first].speaker:
                run = words[first:i]
                start = segment.start if first == 0 else run[0].start
                end = segment.end if i == len(words) else run[-1].end
                text = segment.text if first == 0 and i == len(words) else " ".join(w.text for w in run)
                out.append(Segment(start, end, text, run[0].speaker, tuple(run), segment.channel))
                first = i
    return out
