"""Speaker embeddings (the `diarize` extra): Resemblyzer's pretrained encoder, the mel features it
reads, the 1.6 s speech windows it embeds, and voiceprints averaged from embeddings."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from clipfinder.errors import DiarizeMissing
from clipfinder.pipeline.audio import SAMPLE_RATE
from clipfinder.records import VoiceSample

FRAME_S = 0.01  # one mel frame every 10 ms (the encoder's features)
WINDOW_FRAMES = 160  # 1.6 s: the encoder was trained on partial utterances of this length
MIN_WINDOW_FRAMES = 50  # a stretch of speech shorter than 0.5 s gets no window of its own
EMBEDDING_SIZE = 256
TARGET_DBFS = -30.0  # loudness the encoder's training audio was normalised to
INSTALL_HINT = "pip install 'clipfinder[diarize]'"
VAD_PIECE_S = 120  # the VAD of untranscribed speech looks at this much audio at a time


def available() -> bool:
    """True when the diarize extra (torch and Resemblyzer's encoder weights) is installed."""
    return importlib.util.find_spec("torch") is not None and _weights_path() is not None


def _weights_path() -> Path | None:
    # Resemblyzer's package ships the encoder weights; importing the package itself would also
    # import webrtcvad and librosa's audio stack, which we do not use, so only its file is read.
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def load_encoder() -> Any:
    """The speaker encoder (a 3-layer LSTM) with Resemblyzer's pretrained weights, once per process."""
    weights = _weights_path()
    if weights is None or importlib.util.find_spec("torch") is None:
        raise DiarizeMissing(f"telling speakers apart on a mono recording needs the diarize extra: {INSTALL_HINT}")
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(40, 256, 3, batch_first=True)
            self.linear = torch.nn.Linear(256, EMBEDDING_SIZE)

        def forward(self, mels: torch.Tensor) -> torch.Tensor:
            _, (hidden, _) = self.lstm(mels)
            raw = torch.relu(self.linear(hidden[-1]))
            return raw / torch.clamp(torch.norm(raw, dim=1, keepdim=True), min=1e-8)

    encoder = Encoder()
    state = torch.load(weights, map_location="cpu", weights_only=True)["model_state"]
    encoder.load_state_dict({k: v for k, v in state.items() if not k.startswith("similarity_")})
    encoder.eval()
    return encoder


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """(frames, 40) mel power spectrogram, 25 ms windows every 10 ms, after loudness normalisation.

    The features the encoder was trained on (librosa's melspectrogram with n_fft 400, hop 160,
    40 Slaney mel bands, centred frames padded with zeros), computed here with numpy so a worker
    does not pay librosa's start-up (about 2.5 s); tests/test_diarize.py checks it against librosa.
    """
    samples = np.asarray(samples, dtype=np.float32)
    rms = _rms(samples)
    # only ever louder, as in the encoder's training; applied to the power (gain squared), so the
    # samples of a long call are never copied
    power_gain = max(10 ** (TARGET_DBFS / 20) / rms, 1.0) ** 2 if rms > 0 else 1.0
    n_fft, hop, block = 400, 160, 8192
    half = n_fft // 2  # centred frames: zeros before the first sample and after the last
    total = len(samples)
    count = 1 + (total + 2 * half - n_fft) // hop if total + 2 * half >= n_fft else 0
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)  # periodic Hann
    bank = _mel_bank(SAMPLE_RATE, n_fft, 40)
    out = np.empty((count, 40), dtype=np.float32)
    for start in range(0, count, block):  # in blocks, so a long call never holds its whole STFT
        n = min(block, count - start)
        lo = start * hop - half
        piece = np.zeros((n - 1) * hop + n_fft, dtype=np.float32)
        a, b = max(lo, 0), min(lo + len(piece), total)
        if b > a:
            piece[a - lo : b - lo] = samples[a:b]
        frames = np.lib.stride_tricks.sliding_window_view(piece, n_fft)[::hop]
        spectrum = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
        out[start : start + n] = (spectrum @ bank.T) * np.float32(power_gain)
    return out


def _rms(samples: np.ndarray) -> float:
    """Root mean square, summed in float64 a million samples at a time (no float64 copy of a call)."""
    if len(samples) == 0:
        return 0.0
    total = 0.0
    for start in range(0, len(samples), 1 << 20):
        part = samples[start : start + (1 << 20)].astype(np.float64)
        total += float(np.dot(part, part))
    return float(np.sqrt(total / len(samples)))


@lru_cache(maxsize=2)
def _mel_bank(rate: int, n_fft: int, bands: int) -> np.ndarray:
    """Triangular mel filters on the Slaney mel scale with Slaney area normalisation."""

    def to_mel(hz: np.ndarray) -> np.ndarray:
        linear = hz / (200.0 / 3)
        return np.where(hz >= 1000.0, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / (np.log(6.4) / 27.0), linear)

    def to_hz(mel: np.ndarray) -> np.ndarray:
        return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), mel * (200.0 / 3))

    edges = to_hz(np.linspace(to_mel(np.array(0.0)), to_mel(np.array(rate / 2)), bands + 2))
    freqs = np.linspace(0, rate / 2, 1 + n_fft // 2)
    lower = (freqs[None, :] - edges[:-2, None]) / (edges[1:-1] - edges[:-2])[:, None]
    upper = (edges[2:, None] - freqs[None, :]) / (edges[2:] - edges[1:-1])[:, None]
    weights = np.maximum(0, np.minimum(lower, upper)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


def embed_windows(mel: np.ndarray, windows: Sequence[tuple[int, int]], batch: int = 64) -> np.ndarray:
    """One unit-length embedding per (first_frame, end_frame) window of `mel`."""
    import torch

    encoder = load_encoder()
    out = np.zeros((len(windows), EMBEDDING_SIZE), dtype=np.float32)
    by_length: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(windows):
        by_length.setdefault(b - a, []).append(i)
    with torch.inference_mode():
        for length, idxs in by_length.items():
            for k in range(0, len(idxs), batch):
                chunk = idxs[k : k + batch]
                stack = np.stack([mel[windows[i][0] : windows[i][0] + length] for i in chunk])
                out[chunk] = encoder(torch.from_numpy(stack)).numpy()
    return out


def speech_windows(regions: Sequence[tuple[float, float]], hop_s: float, total_frames: int) -> list[tuple[int, int]]:
    """Encoder windows covering each region: full 1.6 s windows every `hop_s`, the last one flush
    with the region's end; a region shorter than a window gets one window of its own length."""
    hop = max(1, round(hop_s / FRAME_S))
    windows: list[tuple[int, int]] = []
    for start_s, end_s in regions:
        a = max(0, int(start_s / FRAME_S))
        b = min(total_frames, int(np.ceil(end_s / FRAME_S)))
        if b - a < MIN_WINDOW_FRAMES:
            # too short to tell a voice on its own: widen it around its middle
            mid = (a + b) // 2
            a = max(0, mid - MIN_WINDOW_FRAMES // 2)
            b = min(total_frames, a + MIN_WINDOW_FRAMES)
        if b - a <= WINDOW_FRAMES:
            windows.append((a, b))
            continue
        starts = list(range(a, b - WINDOW_FRAMES + 1, hop))
        if starts[-1] != b - WINDOW_FRAMES:
            starts.append(b - WINDOW_FRAMES)
        windows.extend((s, s + WINDOW_FRAMES) for s in starts)
    return windows


def vad_regions(samples: np.ndarray) -> list[tuple[float, float]]:
    """Speech regions (seconds) by faster-whisper's bundled Silero VAD, for audio not transcribed."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    # little padding: these regions count as talk time, not only as audio for the encoder
    options = VadOptions(min_silence_duration_ms=300, speech_pad_ms=100)
    samples = np.asarray(samples, dtype=np.float32)
    regions: list[tuple[float, float]] = []
    # in pieces: the VAD's working memory grows with its input (measured by hand on an hour of
    # audio: 720 MB more at once, 140 MB in 2-minute pieces); speech over a piece's end is joined
    piece = VAD_PIECE_S * SAMPLE_RATE
    for first in range(0, len(samples), piece):
        offset = first / SAMPLE_RATE
        for c in get_speech_timestamps(samples[first : first + piece], options):
            start, end = offset + c["start"] / SAMPLE_RATE, offset + c["end"] / SAMPLE_RATE
            if regions and start - regions[-1][1] < 0.3:
                regions[-1] = (regions[-1][0], end)
            else:
                regions.append((start, end))
    return regions


def region_embeddings(
    samples: np.ndarray, regions: Sequence[tuple[float, float]], max_windows: int = 120
) -> tuple[np.ndarray, float]:
    """Embeddings of non-overlapping windows over `regions` (evenly thinned to `max_windows`),
    and the seconds of speech they cover. For voiceprints, where one voice speaks throughout."""
    mel = mel_frames(samples)
    windows = speech_windows(regions, WINDOW_FRAMES * FRAME_S, len(mel))
    if len(windows) > max_windows:
        keep = np.linspace(0, len(windows) - 1, max_windows).round().astype(int)
        windows = [windows[i] for i in keep]
    if not windows:
        return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32), 0.0
    seconds = sum(b - a for a, b in windows) * FRAME_S
    return embed_windows(mel, windows), seconds


def mean_voice(embeddings: np.ndarray, weights: Sequence[float] | None = None) -> np.ndarray:
    """Unit-length (weighted) mean of embeddings: one voice from many windows or samples."""
    mean = np.average(embeddings, axis=0, weights=weights)
    return (mean / max(float(np.linalg.norm(mean)), 1e-8)).astype(np.float32)


def voiceprint(samples: Sequence[VoiceSample]) -> VoiceSample | None:
    """A rep's voiceprint: the speech-weighted mean of their voice samples (enrolled recordings and
    the rep channel of their stereo calls), or None if they have none."""
    if not samples:
        return None
    embeddings = np.stack([np.asarray(s.embedding, dtype=np.float32) for s in samples])
    mean = mean_voice(embeddings, [max(s.seconds, 0.1) for s in samples])
    return VoiceSample.of(mean, round(float(sum(s.seconds for s in samples)), 2))
