"""Reading recordings: finding them, hashing them, and decoding them to 16 kHz float samples.

Decoding goes through PyAV (bundled FFmpeg libraries), so anything FFmpeg reads works without
a system ffmpeg.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from clipfinder.errors import BadAudio, NotAudio

SAMPLE_RATE = 16000
# Extensions we expect to be recordings: a file with one of these that fails to decode is a
# failed recording; any other file that fails to open is simply not audio and is skipped.
AUDIO_EXTENSIONS = frozenset(
    {
        ".wav",
        ".mp3",
        ".m4a",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".webm",
        ".mp4",
        ".aac",
        ".wma",
        ".aif",
        ".aiff",
        ".amr",
        ".3gp",
        ".mkv",
        ".mov",
        ".caf",
    }
)
# Files that live beside recordings on purpose and are never reported as "not audio".
METADATA_EXTENSIONS = frozenset({".json", ".csv"})
# Two channels whose difference carries less than this share of their energy are one signal
# recorded twice (a mono bridge saved as stereo), not a rep and a prospect.
DUAL_MONO_ENERGY_RATIO = 0.01


@dataclass(frozen=True)
class AudioInfo:
    """What probing a file found, without decoding it."""

    channels: int
    duration_s: float | None


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file's bytes: the key that makes re-ingesting a folder idempotent."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def probe(path: Path) -> AudioInfo:
    """Open `path` and report its first audio stream, or raise NotAudio / BadAudio."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = next((s for s in container.streams if s.type == "audio"), None)
            if stream is None:
                raise NotAudio(f"{path}: no audio stream in this file")
            duration = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
            return AudioInfo(channels=_channels(stream), duration_s=duration)
    except av.error.FFmpegError as exc:
        if path.suffix.lower() in AUDIO_EXTENSIONS:
            raise BadAudio(f"{path}: cannot read this recording ({_reason(exc)})") from exc
        raise NotAudio(f"{path}: not an audio file") from exc


def decode(path: Path, sample_rate: int = SAMPLE_RATE) -> list[np.ndarray]:
    """Decode a recording to float32 samples in [-1, 1] at `sample_rate`, one array per channel.

    Two-channel files keep both channels; any other layout is mixed down to one channel.
    Raises BadAudio when nothing decodes or the audio is empty.
    """
    import av

    try:
        with av.open(str(path)) as container:
            stream = next((s for s in container.streams if s.type == "audio"), None)
            if stream is None:
                raise BadAudio(f"{path}: no audio stream in this file")
            layout = "stereo" if _channels(stream) == 2 else "mono"
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
            samples = _Samples(2 if layout == "stereo" else 1, _expected_seconds(stream, container) * sample_rate)
            try:
                for frame in container.decode(stream):
                    for out in resampler.resample(frame):  # type: ignore[arg-type]
                        samples.add(out.to_ndarray())
            except av.error.InvalidDataError:
                # A damaged tail: keep what decoded, as players do. Nothing decoded is an error below.
                pass
            for out in resampler.resample(None):
                samples.add(out.to_ndarray())
    except av.error.FFmpegError as exc:
        raise BadAudio(f"{path}: cannot decode this recording ({_reason(exc)})") from exc
    if samples.filled == 0:
        raise BadAudio(f"{path}: the recording holds no audio")
    return samples.channels(path, sample_rate)


class _Samples:
    """Decoded samples written into one array sized from the stream's stated length (grown when
    that was short), so an hour of audio takes its own size in memory once, not three times
    (frames, joined, converted)."""

    def __init__(self, channels: int, expected: float) -> None:
        self.buffer = np.empty((channels, max(int(expected * 1.01) + 16000, 16000)), dtype=np.float32)
        self.filled = 0

    def add(self, block: np.ndarray) -> None:
        n = block.shape[1]
        if self.filled + n > self.buffer.shape[1]:
            grown = np.empty((self.buffer.shape[0], max(self.buffer.shape[1] * 2, self.filled + n)), np.float32)
            grown[:, : self.filled] = self.buffer[:, : self.filled]
            self.buffer = grown
        self.buffer[:, self.filled : self.filled + n] = block
        self.filled += n

    def channels(self, path: Path, sample_rate: int) -> list[np.ndarray]:
        if self.filled < sample_rate // 10:
            raise BadAudio(f"{path}: the recording is shorter than 0.1 s")
        parts = [self.buffer[i, : self.filled] for i in range(self.buffer.shape[0])]
        if self.filled < 0.9 * self.buffer.shape[1]:  # grown past need: give the spare end back
            parts = [p.copy() for p in parts]
        return parts


def _expected_seconds(stream: Any, container: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000
    return 60.0


def is_dual_mono(left: np.ndarray, right: np.ndarray) -> bool:
    """True when two channels carry (nearly) the same signal, so a stereo file is really mono."""
    total = diff = 0.0
    step = 1 << 20  # a million samples at a time: an hour in float64 would be 460 MB per array
    for start in range(0, min(len(left), len(right)), step):
        a = left[start : start + step].astype(np.float64)
        b = right[start : start + step].astype(np.float64)
        total += float(np.dot(a, a) + np.dot(b, b))
        d = a - b
        diff += float(np.dot(d, d))
    if total == 0.0:
        return True
    return diff / total < DUAL_MONO_ENERGY_RATIO


def _channels(stream: Any) -> int:
    return int(stream.codec_context.channels)


def _sample_rate(stream: Any) -> int:
    return int(stream.codec_context.sample_rate)


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).strip() or type(exc).__name__


def decode_window(path: Path, start_s: float, end_s: float) -> tuple[np.ndarray, int]:
    """Decode only [start_s, end_s] of a recording: 16-bit samples (frames x channels) and the rate.

    Seeks to just before the window and stops decoding after it, so cutting 30 s from an hour
    costs about as much as from a minute. The original sample rate and channels are kept.
    """
    import av

    try:
        with av.open(str(path)) as container:
            stream = next((s for s in container.streams if s.type == "audio"), None)
            if stream is None:
                raise BadAudio(f"{path}: no audio stream in this file")
            rate = _sample_rate(stream)
            channels = 2 if _channels(stream) == 2 else 1
            resampler = av.AudioResampler(format="s16", layout="stereo" if channels == 2 else "mono", rate=rate)
            seek_to = max(0.0, start_s - 1.0)
            if seek_to > 0 and stream.time_base is not None:
                container.seek(int(seek_to / stream.time_base), stream=stream)
            first_time: float | None = None
            chunks: list[np.ndarray] = []
            decoded = 0
            for frame in container.decode(stream):
                if first_time is None:
                    known = frame.pts is not None and stream.time_base is not None
                    first_time = float(frame.pts * stream.time_base) if known else 0.0  # type: ignore[operator]
                for out in resampler.resample(frame):  # type: ignore[arg-type]
                    chunks.append(out.to_ndarray().reshape(-1, channels))
                    decoded += out.samples
                if first_time + decoded / rate > end_s + 0.5:
                    break
    except av.error.FFmpegError as exc:
        raise BadAudio(f"{path}: cannot decode this recording ({_reason(exc)})") from exc
    if not chunks or first_time is None:
        raise BadAudio(f"{path}: nothing to decode between {start_s:.1f} s and {end_s:.1f} s")
    samples = np.concatenate(chunks)
    first = max(0, round((start_s - first_time) * rate))
    last = max(first, round((end_s - first_time) * rate))
    return samples[first:last], rate
