"""Small audio files for tests, written with the standard library."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def write_wav(path: Path, channels: list[np.ndarray], rate: int = 16000) -> Path:
    pcm = (np.clip(np.stack(channels, axis=1), -1, 1) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def tone(seconds: float, freq: float = 440.0, rate: int = 16000, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


# A narrow-band telephone line, as the evaluation and the phone-line tests use it: 8 kHz, the
# 300-3400 Hz voice band, and 8-bit mu-law (G.711) companding.
PHONE_RATE = 8000
PHONE_BAND_HZ = (300.0, 3400.0)
MU = 255.0


def phone_line(samples: np.ndarray, rate: int = 16000) -> np.ndarray:
    """`samples` as a phone line delivers them: 8 kHz, band-passed, mu-law quantised (float32)."""
    from scipy.signal import butter, resample_poly, sosfiltfilt

    narrow = resample_poly(samples.astype(np.float64), PHONE_RATE, rate)
    sos = butter(4, PHONE_BAND_HZ, btype="bandpass", fs=PHONE_RATE, output="sos")
    narrow = np.clip(sosfiltfilt(sos, narrow), -1.0, 1.0)
    # mu-law: compress, quantise to 8 bits, expand (what the far end hears)
    compressed = np.sign(narrow) * np.log1p(MU * np.abs(narrow)) / np.log1p(MU)
    quantised = np.round((compressed + 1) / 2 * 255) / 255 * 2 - 1
    return (np.sign(quantised) * np.expm1(np.abs(quantised) * np.log1p(MU)) / MU).astype(np.float32)


def write_mulaw_wav(path: Path, channels: list[np.ndarray], rate: int = PHONE_RATE) -> Path:
    """A WAV file in G.711 mu-law, the format call recorders write, through PyAV."""
    import av

    layout = "stereo" if len(channels) == 2 else "mono"
    pcm = (np.clip(np.stack(channels, axis=0), -1, 1) * 32767).astype(np.int16)
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_mulaw", rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(pcm.T.reshape(1, -1).copy(), format="s16", layout=layout)
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def phone_copy(source: Path, target: Path) -> Path:
    """A copy of a recording as heard through a phone line (mu-law WAV), with its sidecar."""
    from clipfinder.pipeline.audio import decode

    out = write_mulaw_wav(target, [phone_line(c) for c in decode(source)])
    sidecar = source.with_name(source.name + ".json")
    if sidecar.exists():
        out.with_name(out.name + ".json").write_text(sidecar.read_text())
    return out
