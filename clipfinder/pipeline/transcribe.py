"""Transcribing one channel of samples into segments of timed words (faster-whisper)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np

from clipfinder.pipeline.audio import SAMPLE_RATE
from clipfinder.records import Segment, Word

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

# The longest span given to a word whose timestamps were unusable (about one spoken word), so
# an estimated word cannot stretch over a silence and inflate talk time.
ESTIMATED_WORD_S = 0.3


@dataclass(frozen=True)
class TranscribeOptions:
    """How the model is run. The defaults are what `clipfinder ingest` uses.

    language: the spoken language ("en" for the English-only default model), or "auto" to
        have a multilingual model detect it.
    beam_size: beam search width; 5 is faster-whisper's default and what the quality
        figures in docs/evaluation.md were measured with.
    vad_filter: skip non-speech with faster-whisper's bundled Silero VAD, so the silent half
        of a stereo channel costs almost nothing and the model does not invent words in it.
    min_silence_ms: silence (ms) that splits speech chunks in the VAD.
    batch_size: speech chunks (of up to 30 s, cut by the VAD) decoded together by faster-whisper's
        BatchedInferencePipeline; 0 (the default) decodes one 30 s window after another. Batches
        decode up to 1.5 times faster on 2 cores, but were measured worse on the 8 kHz phone call
        and on talk share (make bench "batched decoding", make eval; docs/performance.md), so
        they are not the default.
    hotwords: words to bias decoding towards (faster-whisper's hotwords prompt). Measured with
        the rubric's phrases and not used by default: it found no more skill moments and lost
        words elsewhere (docs/evaluation.md).
    """

    language: str = "en"
    beam_size: int = 5
    vad_filter: bool = True
    min_silence_ms: int = 500
    batch_size: int = 0
    hotwords: str | None = None

    def model_kwargs(self) -> dict[str, Any]:
        """The arguments `WhisperModel.transcribe` gets (the bench's bare baseline uses them too)."""
        return {
            "language": None if self.language == "auto" else self.language,
            "beam_size": self.beam_size,
            "word_timestamps": True,
            "vad_filter": self.vad_filter,
            "vad_parameters": {"min_silence_duration_ms": self.min_silence_ms},
            "condition_on_previous_text": False,
            **({"hotwords": self.hotwords} if self.hotwords else {}),
        }


def model_segments(model: WhisperModel, samples: np.ndarray, options: TranscribeOptions) -> Iterable[Any]:
    """faster-whisper's segments for `samples`: batched when the options ask for it (the batched
    pipeline needs the VAD to cut the audio into chunks), else one 30 s window after another."""
    if options.batch_size > 1 and options.vad_filter:
        from faster_whisper import BatchedInferencePipeline

        batched = BatchedInferencePipeline(model)
        return batched.transcribe(samples, batch_size=options.batch_size, **options.model_kwargs())[0]
    return model.transcribe(samples, **options.model_kwargs())[0]


def transcribe_channel(
    model: WhisperModel,
    samples: np.ndarray,
    speaker: str,
    channel: int | None,
    options: TranscribeOptions = TranscribeOptions(),
    heard_up_to: Callable[[float], None] | None = None,
) -> list[Segment]:
    """Transcribe one channel's samples; every word is labelled with `speaker`. `heard_up_to` is
    told how far into the channel the model has got, after each segment it decodes.

    A long channel is transcribed in pieces (`pieces`): the model turns its whole input into
    features at once, which for an hour of audio alone takes about a gigabyte.
    """
    duration = len(samples) / SAMPLE_RATE
    segments = []
    for first, last in pieces(samples):
        offset = first / SAMPLE_RATE
        for raw in model_segments(model, samples[first:last], options):
            if heard_up_to is not None:
                heard_up_to(min(offset + raw.end, duration))
            text = raw.text.strip()
            if not text or likely_invented(raw.no_speech_prob, raw.avg_logprob):
                continue
            start = _clamp(offset + raw.start, 0.0, duration)
            end = _clamp(offset + raw.end, start, duration)
            words = repair_word_times(raw.words or [], start, end, speaker, offset)
            segments.append(Segment(start, end, text, speaker, tuple(words), channel))
    return segments


# Channels longer than PIECE_S x 1.2 are transcribed in pieces of about PIECE_S, each cut at the
# quietest half second within CUT_SEARCH_S of its boundary, so no word is cut in two. Whisper
# decodes 30-second windows anyway and clipfinder does not condition on earlier text, so pieces
# change little but memory: the features computed at once are one piece's, not the hour's
# (make bench, "memory"). faster-whisper's feature extraction holds about 0.8 MB per second of
# its input while it runs (492 MB for 600 s, 220 MB for 300 s, measured by hand), so the pieces
# are five minutes: a mono hour with diarization stays under 1.5 GB.
PIECE_S = 300.0
CUT_SEARCH_S = 20.0
_FRAME_S = 0.05
_PAUSE_FRAMES = 10  # energy is averaged over 10 x 50 ms: a pause, not a gap between syllables


def in_pieces(samples: np.ndarray) -> bool:
    """True for a channel long enough to be transcribed in more than one piece."""
    return len(samples) > PIECE_S * SAMPLE_RATE * 1.2


def pieces(samples: np.ndarray) -> list[tuple[int, int]]:
    """[first, last) sample ranges covering `samples`, cut at quiet moments (see PIECE_S)."""
    total, piece = len(samples), int(PIECE_S * SAMPLE_RATE)
    cuts = [0]
    while in_pieces(samples[cuts[-1] :]):
        target = cuts[-1] + piece
        reach = int(CUT_SEARCH_S * SAMPLE_RATE)
        cuts.append(quietest(samples, target - reach, target + reach))
    cuts.append(total)
    return list(zip(cuts, cuts[1:]))


def quietest(samples: np.ndarray, lo: int, hi: int) -> int:
    """The sample index at the middle of the quietest half second in [lo, hi)."""
    frame = int(_FRAME_S * SAMPLE_RATE)
    window = samples[lo:hi]
    usable = len(window) // frame * frame
    if usable < frame * _PAUSE_FRAMES:
        return (lo + hi) // 2
    energy = (window[:usable].astype(np.float64).reshape(-1, frame) ** 2).mean(axis=1)
    smooth = np.convolve(energy, np.ones(_PAUSE_FRAMES) / _PAUSE_FRAMES, mode="same")
    return lo + int(np.argmin(smooth)) * frame + frame // 2


# Whisper invents short stock phrases ("Thank you.", "Bye.", "We'll see you in the next video.") on
# fragments and near-silence. It flags them itself: a high chance of no speech with a low mean log
# probability. Measured with tiny.en (`make eval`, "Phrases Whisper invents"): these limits drop 54
# of the 58 segments heard on 0.3 s fragments of the fixture calls, and none of the 74 segments of
# the fixture calls and the real recordings in ../shared/audio. All of them had passed
# faster-whisper's own filter (no-speech 0.6 with log probability -1.0).
INVENTED_NO_SPEECH = 0.35
INVENTED_LOGPROB = -0.7


def likely_invented(no_speech_prob: float, avg_logprob: float) -> bool:
    """True for a segment the model itself marks as probably not speech it heard."""
    return no_speech_prob >= INVENTED_NO_SPEECH and avg_logprob <= INVENTED_LOGPROB


def repair_word_times(
    raw_words: list[Any], seg_start: float, seg_end: float, speaker: str, offset: float = 0.0
) -> list[Word]:
    """Turn the model's words into Words whose spans are ordered and inside their segment; the
    model's times are shifted by `offset` (where its piece of the channel began).

    A word with a missing, non-finite or reversed timestamp gets a span estimated between its
    neighbours (and `timed=False`), so one bad word never moves the call's timeline.
    """
    spans: list[tuple[float, float] | None] = []
    for w in raw_words:
        start, end = getattr(w, "start", None), getattr(w, "end", None)
        if _finite(start) and _finite(end) and start <= end:
            start, end = start + offset, end + offset
            spans.append((_clamp(start, seg_start, seg_end), _clamp(end, seg_start, seg_end)))
        else:
            spans.append(None)
    words = []
    previous_end = seg_start
    for i, w in enumerate(raw_words):
        text = str(getattr(w, "word", "")).strip()
        probability = float(getattr(w, "probability", 0.0) or 0.0)
        span = spans[i]
        if span is not None and span[0] >= previous_end - 0.05:
            start, end = max(span[0], previous_end), max(span[1], previous_end)
            timed = True
        else:
            next_start = next((s[0] for s in spans[i + 1 :] if s is not None), seg_end)
            start = previous_end
            end = max(start, min(next_start, seg_end, start + ESTIMATED_WORD_S))
            timed = False
        if text:
            words.append(Word(round(start, 3), round(end, 3), text, round(probability, 4), speaker, timed))
        previous_end = end
    return words


def _finite(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(float(value), low), high)


def detect_language(model: WhisperModel, samples: np.ndarray) -> tuple[str, float, dict[str, float]]:
    """The language most likely spoken in the first 30 s of speech: (code, its probability, all)."""
    language, probability, everything = model.detect_language(samples, vad_filter=True)
    return language, round(float(probability), 3), {code: float(p) for code, p in everything}
