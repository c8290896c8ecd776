"""`make bench`: speed and memory of clipfinder on this machine, beside the bare baseline.

Ingest: a corpus of longer stereo calls built from the fixture calls, ingested with 1 worker
(all cores to one process) and with 2 workers (one core each), against plain faster-whisper
transcribing the same channels in one process with no clipfinder around it.
Prints a report; the figures in docs/performance.md come from it.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clipfinder.audio import SAMPLE_RATE, decode  # noqa: E402
from tests.audio_helpers import write_wav  # noqa: E402

STEREO = ["alice/acme-discovery.wav", "alice/globex-pricing.mp3", "bob/initech-followup.flac"]


def build_corpus(folder: Path, calls: int, minutes: float) -> float:
    """Write `calls` stereo wavs of about `minutes` each, tiled from the fixtures in a different order each."""
    pieces = []
    for name in STEREO:
        left, right = decode(ROOT / "fixtures" / "calls" / name)
        if name.startswith("alice/globex"):
            left, right = right, left  # that fixture has the prospect on channel 0
        pieces.append((left, right))
    total = 0.0
    target = int(minutes * 60 * SAMPLE_RATE)
    for i in range(calls):
        # A lead-in of a different length makes every call's bytes unique (ingest skips duplicates).
        lead = np.zeros(int((0.5 + 0.25 * i) * SAMPLE_RATE), dtype=np.float32)
        left_parts, right_parts, length, k = [lead], [lead], len(lead), i
        while length < target:
            left, right = pieces[k % len(pieces)]
            left_parts.append(left)
            right_parts.append(right)
            length += len(left)
            k += 1
        rep_folder = folder / ("alice" if i % 2 else "bob")
        rep_folder.mkdir(parents=True, exist_ok=True)
        write_wav(rep_folder / f"call{i:02d}.wav", [np.concatenate(left_parts), np.concatenate(right_parts)])
        total += length / SAMPLE_RATE
    return total


def bare_baseline(folder: Path) -> float:
    """faster-whisper alone, with the options clipfinder uses: each channel, one process, all cores; seconds."""
    from faster_whisper import WhisperModel

    from clipfinder.transcribe import TranscribeOptions
    from clipfinder.whisper_model import embedded_model_path

    opts = TranscribeOptions()

    model = WhisperModel(str(embedded_model_path()), device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1)
    started = time.monotonic()
    for path in sorted(folder.rglob("*.wav")):
        for channel in decode(path):
            segments, _ = model.transcribe(
                channel,
                language=opts.language,
                beam_size=opts.beam_size,
                word_timestamps=True,
                vad_filter=opts.vad_filter,
                vad_parameters={"min_silence_duration_ms": opts.min_silence_ms},
                condition_on_previous_text=False,
            )
            list(segments)
    return time.monotonic() - started


def timed_ingest(folder: Path, workers: int) -> tuple[float, float]:
    """`clipfinder ingest` as a user runs it, in a child process: (wall seconds, peak RSS MB of the largest process)."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "clipfinder",
                "ingest",
                str(folder),
                "--db",
                f"{tmp}/bench.db",
                "--workers",
                str(workers),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        elapsed = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=6)
    parser.add_argument("--minutes", type=float, default=2.0)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "calls"
        audio_s = build_corpus(folder, args.calls, args.minutes)
        print(f"\n## ingest: {args.calls} stereo calls, {audio_s / 60:.1f} audio min (2 channels each)")
        base = bare_baseline(folder)
        threads = os.cpu_count()
        print(f"bare faster-whisper, 1 process x {threads} threads: {base:6.1f} s  ({audio_s / base:5.1f}x real time)")
        for workers in (1, 2):
            elapsed, peak = timed_ingest(folder, workers)
            print(
                f"clipfinder ingest --workers {workers}:             {elapsed:6.1f} s  "
                f"({audio_s / elapsed:5.1f}x real time), "
                f"peak RSS of one process {peak:.0f} MB"
            )


if __name__ == "__main__":
    main()
