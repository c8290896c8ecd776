"""The worker: one recording in, its attributed transcript and talk metrics out.

Runs in the ingesting process (one worker) or in a pool of processes; either way the model is
loaded once per process and the worker never touches the database.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from clipfinder.errors import BadAudio, ClipfinderError
from clipfinder.pipeline import diarize, encoder
from clipfinder.pipeline.audio import SAMPLE_RATE, decode
from clipfinder.pipeline.clarity import CLEAR
from clipfinder.pipeline.clips import build_clips
from clipfinder.pipeline.clustering import DiarizeOptions
from clipfinder.pipeline.meaning import SentenceVectors, embed_call, match_call
from clipfinder.pipeline.metrics import compute_metrics
from clipfinder.pipeline.rubric import Rubric
from clipfinder.pipeline.sentence_model import warm_here
from clipfinder.pipeline.speakers import ChannelPlan, choose_rep, plan_channels, role_speech, with_roles
from clipfinder.pipeline.transcribe import TranscribeOptions, detect_language, transcribe_channel
from clipfinder.pipeline.whisper_model import AUTO, ModelRef, load_model
from clipfinder.records import NOT_ATTRIBUTED, REP, Attribution, Clip, Metrics, Segment, Transcript, VoiceSample, Word

# A call is taken to be in its expected language unless the language check gives that language
# less than this probability: halfway between the German fixture's 0.18 for English and the
# lowest English recording's 0.71 (make eval, docs/ingest.md).
LIKELY_ENOUGH = 0.45
# A channel up to this long has the rep's voice sample and its sentences' vectors made in a
# thread beside the next channel's transcription; a longer one has them made after, so an hour's
# call does not hold both at once (see _transcribe_channels).
BESIDE_MAX_S = 720.0

# Where this process tells how far transcription has got: (recording's path, audio seconds of it
# done). Set by `report_progress` (in the ingesting process) or by `init_process` (in a worker).
_progress: Callable[[str, float], None] | None = None


def report_progress(to: Callable[[str, float], None] | None) -> None:
    """Send this process's transcription progress to `to` (None: nowhere)."""
    global _progress
    _progress = to


@dataclass(frozen=True)
class Settings:
    """How every recording of a batch is processed (picklable, sent to each worker)."""

    model: ModelRef
    options: TranscribeOptions
    rubric: Rubric
    clip_seconds: float
    cpu_threads: int = 0  # 0: CTranslate2 decides
    diarize: DiarizeOptions = DiarizeOptions()
    detector: ModelRef | None = None  # a multilingual model to check the spoken language with

    def model_args(self) -> tuple[ModelRef, int]:
        """What `init_process` needs to warm a worker up."""
        return self.model, self.cpu_threads


@dataclass(frozen=True)
class Job:
    """One recording to process; everything a worker process needs, picklable."""

    path: str
    sha256: str
    settings: Settings
    channels: tuple[str, ...] | None = None  # roles of a stereo file's channels, from its metadata
    voiceprint: VoiceSample | None = None  # the rep's, if enrolled, for mono calls
    learn_rep_voice: bool = False  # stereo: add the rep channel's voice to the rep's voiceprint
    audio: bytes | None = None  # the recording's bytes, sent to a worker that cannot see `path`


@dataclass(frozen=True)
class JobResult:
    """A worker's answer: a transcript with metrics, or the reason it failed."""

    path: str
    sha256: str
    transcript: Transcript | None = None
    metrics: Metrics | None = None
    clips: tuple[Clip, ...] = ()
    error: str | None = None
    sentences: SentenceVectors | None = None  # None without the sentence model


def process(job: Job) -> JobResult:
    """Decode, transcribe, attribute and measure one recording. Never raises."""
    try:
        transcript = transcribe_recording(job)
        words = transcript.words
        speech = role_speech(transcript.speech, transcript.attribution.rep_voice)
        trusted = not transcript.attribution.indistinct
        metrics = compute_metrics(words, list(transcript.segments), transcript.duration_s, speech, trusted)
        found = embed_call(words)  # stored, so a later rubric's examples need no model for this call
        # a call in another language is not matched against the rubric as if it were in its own
        matches = [] if transcript.off_language else match_call(job.settings.rubric, words, found)
        clips = build_clips(matches, words, transcript.duration_s, job.settings.clip_seconds)
        return JobResult(job.path, job.sha256, transcript, metrics, tuple(clips), sentences=found)
    except ClipfinderError as exc:
        return JobResult(job.path, job.sha256, error=str(exc))
    except MemoryError:
        return JobResult(job.path, job.sha256, error=f"{job.path}: out of memory while processing this recording")
    except Exception as exc:  # one odd file must not end the batch; keep the evidence
        last = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(last.filename).name}:{last.lineno}"
        return JobResult(
            job.path,
            job.sha256,
            error=f"{job.path}: unexpected {type(exc).__name__} ({exc}) at {where}; please report it",
        )


def transcribe_recording(job: Job) -> Transcript:
    """The audio -> words-with-speakers part of the chain."""
    path = Path(job.path)
    channels = decode(path)
    duration = len(channels[0]) / SAMPLE_RATE
    layout, plans = plan_channels(channels, job.channels)
    model = load_model(job.settings.model, job.settings.cpu_threads)
    options = job.settings.options
    expected = "en" if options.language == AUTO else options.language
    language, probability = expected, None
    if options.language == AUTO:
        language, probability, _ = detect_language(model, _sample(plans))
        options = replace(options, language=language)
    learning = layout == "stereo" and job.learn_rep_voice and encoder.available()
    segments, rep_sample = _transcribe_channels(job, model, plans, options, duration, learning)
    if not any(s.words for s in segments):
        raise BadAudio(f"{path}: no speech found in the recording ({duration:.1f} s of audio)")
    segments.sort(key=lambda s: (s.start, s.end))
    if probability is None:
        language, probability = _checked_language(job, plans, segments, expected)
    transcript = Transcript(
        path=job.path,
        sha256=job.sha256,
        duration_s=duration,
        layout=layout,
        segments=tuple(segments),
        model=job.settings.model.label,
        language=language,
        language_probability=probability,
        expected_language=expected,
    )
    if layout == "stereo":
        return replace(transcript, rep_sample=rep_sample)
    if not encoder.available():
        return replace(transcript, attribution=Attribution(NOT_ATTRIBUTED))
    return attribute_mono(transcript, plans[0].samples, job.settings.diarize, job.voiceprint)


def _transcribe_channels(
    job: Job, model: Any, plans: list[ChannelPlan], options: TranscribeOptions, duration: float, learning: bool
) -> tuple[list[Segment], VoiceSample | None]:
    """Every channel's segments, and the rep channel's voice sample when `learning` (stereo).

    The rep's channel goes first, and its voice sample is taken in a thread while the other
    channel is transcribed: one model process leaves a core partly idle, so the sample costs
    almost nothing there (make bench: ingest against the bare model). The first channel's
    sentences are embedded in that thread too, for the same reason. A channel longer than
    BESIDE_MAX_S does neither beside the transcription, so their memory does not add to the
    transcription's on an hour-long call (by hand, with the 10-minute pieces of the time: an hour's
    stereo call peaked 48 MB higher with the sample beside it).
    """
    if learning:
        plans = sorted(plans, key=lambda p: p.speaker != REP)
    segments: list[Segment] = []
    sample: VoiceSample | None = None
    with ThreadPoolExecutor(1, thread_name_prefix="rep-voice", initializer=_yield_to_transcription) as background:
        voice: Future[VoiceSample | None] | None = None
        ahead: Future[SentenceVectors | None] | None = None
        for n, plan in enumerate(plans):
            heard = _channel_progress(job.path, n, len(plans), duration)
            found = transcribe_channel(model, plan.samples, plan.speaker, plan.channel, options, heard)
            segments.extend(found)
            own = [w for s in found for w in s.words]
            beside = len(plan.samples) <= BESIDE_MAX_S * SAMPLE_RATE
            if learning and plan.speaker == REP:
                if beside:
                    voice = background.submit(channel_voice, plan.samples, own, REP)
                else:
                    sample = channel_voice(plan.samples, own, REP)
            if beside and n + 1 < len(plans):
                warm_here()  # its helper threads are this thread's, not the low-priority one's
                ahead = background.submit(embed_call, own)  # ahead: the whole call's reuses these
        if ahead is not None:
            ahead.result()
        return segments, voice.result() if voice is not None else sample


def _yield_to_transcription() -> None:
    """Lowest CPU priority for the background thread (Linux, where each thread has its own nice
    value). The voice sample and the sentence vectors then run on what the transcription leaves
    idle instead of taking turns with its threads, which stalls both (docs/performance.md,
    "Ingest"). Threads started from it inherit the low priority: torch's OpenMP helpers end with
    it (libgomp keeps one pool per starting thread), and the sentence model's are started in the
    ingesting thread first (warm_here)."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def _channel_progress(path: str, n: int, channels: int, duration: float) -> Callable[[float], None] | None:
    """Channel n's position as the recording's audio seconds done (channels are decoded in turn)."""
    tell = _progress
    if tell is None:
        return None

    def heard(t: float) -> None:
        # progress is for the eyes: a report that fails never fails the recording
        with contextlib.suppress(Exception):
            tell(path, (n * duration + t) / channels)

    return heard


def _checked_language(
    job: Job, plans: list[ChannelPlan], segments: list[Segment], expected: str
) -> tuple[str, float | None]:
    """The call's language and its probability, or (`expected`, None) when it was not checked.

    A clearly heard call is in the model's language (an English-only model hears another
    language as unsure English); anything less clear is checked with the job's multilingual
    detector, when there is one.
    """
    heard = [w.probability for s in segments for w in s.words]
    if job.settings.detector is None or sum(heard) / len(heard) >= CLEAR:
        return expected, None
    found, top, every = detect_language(load_model(job.settings.detector, job.settings.cpu_threads), _sample(plans))
    # Flag a call only when its expected language is unlikely: one unsure guess at another
    # language must not cost an English call all its clips.
    expected_p = round(every.get(expected, 0.0), 3)
    return (expected, expected_p) if expected_p >= LIKELY_ENOUGH else (found, top)


def _sample(plans: list[ChannelPlan]) -> np.ndarray:
    """All channels mixed: the speech the language check listens to."""
    if len(plans) == 1:
        return plans[0].samples
    return np.mean([p.samples for p in plans], axis=0).astype(np.float32)


def attribute_mono(
    transcript: Transcript, samples: np.ndarray, options: DiarizeOptions, voiceprint: VoiceSample | None
) -> Transcript:
    """Split a mono call's words among voices, pick the rep's voice, and label every word."""
    words = transcript.words
    found = diarize.diarize(samples, words, options)
    voice_of = {id(w): label for w, label in zip(words, found.labels)}
    segments = [
        Segment(s.start, s.end, s.text, s.speaker, tuple(replace(w, voice=voice_of[id(w)]) for w in s.words), s.channel)
        for s in transcript.segments
    ]
    voices = tuple(VoiceSample.of(v.embedding, v.seconds) for v in found.voices)
    rep_voice, attribution = choose_rep([w for s in segments for w in s.words], voices, voiceprint)
    return replace(
        transcript,
        segments=tuple(with_roles(segments, rep_voice)),
        attribution=attribution,
        voices=voices,
        speech=found.speech,
    )


def channel_voice(samples: np.ndarray, words: list[Word], speaker: str) -> VoiceSample | None:
    """The voice on one stereo channel, from that channel's speech (feeds the rep's voiceprint)."""
    own = [w for w in words if w.speaker == speaker]
    regions = diarize.speech_regions(own, 0.3)
    embeddings, seconds = encoder.region_embeddings(samples, regions)
    if len(embeddings) == 0:
        return None
    return VoiceSample.of(encoder.mean_voice(embeddings), round(seconds, 2))


def init_process(model: ModelRef, cpu_threads: int, progress: Any = None) -> None:
    """Pool initializer: load the model as the process starts, not with its first file.
    `progress` is a multiprocessing queue for (path, seconds done) reports, if anyone listens."""
    if progress is not None:
        report_progress(lambda path, seconds: progress.put((path, seconds)))
    os.environ.setdefault("OMP_NUM_THREADS", str(cpu_threads))
    load_model(model, cpu_threads)
    if encoder.available():
        import torch

        torch.set_num_threads(cpu_threads)
