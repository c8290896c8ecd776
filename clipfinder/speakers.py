"""Speaker attribution: which role said each word.

Stereo calls are attributed by channel (the exact path): each channel is transcribed on its
own and labelled with its role. A stereo file whose channels are the same signal is treated as
mono. Mono calls get the speaker `unknown` until diarization fills it in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .audio import is_dual_mono
from .errors import BadMetadata
from .records import PROSPECT, REP, ROLES, UNKNOWN

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
