"""Enrolling a rep's voice from recordings, so mono calls know which voice is the rep.

A voiceprint is the speech-weighted mean of a rep's voice samples (`encoder.voiceprint`): one per
enrolled recording, plus one from the rep channel of each of their stereo calls (added at ingest).
After enrolling, the rep's diarized mono calls are attributed again from their stored voices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clipfinder.errors import BadAudio, BadInput
from clipfinder.jobs.rematch import reattribute, rebuild_clips
from clipfinder.pipeline import clustering
from clipfinder.pipeline.audio import decode
from clipfinder.pipeline.encoder import load_encoder, mean_voice, region_embeddings, vad_regions
from clipfinder.records import VoiceSample
from clipfinder.store import voices
from clipfinder.store.index import Index

# Less speech than this says too little about a voice to tell it from another one.
MIN_SPEECH_S = 3.0


@dataclass(frozen=True)
class Enrolled:
    """One recording's contribution to a voiceprint."""

    path: str
    seconds: float
    share: float  # of the recording's speech windows that were the enrolled voice (1.0 = one voice)


@dataclass(frozen=True)
class EnrollReport:
    rep: str
    samples: list[Enrolled]
    total_s: float
    reattributed: int


def voice_of_recording(path: Path) -> tuple[VoiceSample, float]:
    """The main voice of a recording (a clip or memo of the rep talking) and its share of the speech.

    Where more than one voice is heard, the one with the most speech is taken, so a short reply
    from someone else does not blur the voiceprint.
    """
    channels = decode(path)
    samples = channels[0] if len(channels) == 1 else np.mean(np.stack(channels), axis=0).astype(np.float32)
    regions = vad_regions(samples)
    embeddings, seconds = region_embeddings(samples, regions)
    if seconds < MIN_SPEECH_S:
        raise BadAudio(
            f"{path}: only {seconds:.1f} s of speech, too little to learn a voice; "
            "give at least 10 s of the rep talking"
        )
    labels = clustering.cluster(embeddings, clustering.DiarizeOptions())
    main = labels == 0  # cluster() numbers voices by size
    share = float(main.mean())
    kept = float(seconds * share)
    return VoiceSample.of(mean_voice(embeddings[main]), round(kept, 2)), share


def enroll(index: Index, rep: str, paths: Iterable[Path | str]) -> EnrollReport:
    """Add each recording's voice to the rep's voiceprint, then re-attribute the rep's mono calls.

    Every recording is read before anything is stored: one unreadable file changes nothing.
    """
    rep = rep.strip()
    if not rep:
        raise BadInput("enroll needs the rep's name")
    targets = [Path(p) for p in paths]
    if not targets:
        raise BadInput("enroll needs one or more recordings of the rep talking")
    load_encoder()  # a missing extra is one clear error, before any decoding
    learnt: list[tuple[Path, VoiceSample, float]] = []
    for path in targets:
        if not path.is_file():
            raise BadInput(f"{path}: no such file")
        sample, share = voice_of_recording(path)
        learnt.append((path, sample, share))
    with index.transaction():
        for path, sample, _ in learnt:
            voices.enroll_sample(index, rep, sample, str(path.resolve()))
        known = rep.lower() in {r.lower() for r in index.reps()}
        own = [c.id for c in index.calls(rep)] if known else []
        changed = reattribute(index, own)
        rebuild_clips(index, changed)
    return EnrollReport(
        rep=rep,
        samples=[Enrolled(str(p), s.seconds, round(share, 3)) for p, s, share in learnt],
        total_s=round(sum(s.seconds for _, s, _ in learnt), 2),
        reattributed=len(changed),
    )
