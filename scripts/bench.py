"""`make bench`: speed and memory of clipfinder on this machine, beside the bare baselines.

- ingest: longer stereo calls built from the fixture calls, with 1 and 2 workers (local and on a
  local Dask cluster), against plain faster-whisper on the same channels; where the extra time goes.
- matching: rubric matching + clip building per call-hour of transcript (fixture words tiled).
- rematch: `rematch` over an index of 1,000 synthetic call transcripts made of the fixtures' words.
- search: latency (median, p95) of typical queries over an index of 10,000 calls.
- serve: the web page's server time per page on that index, and the first request of a clip's audio.
- scale: ingest's own work per new call into an index of 10 calls and of 100,000; rematch and
  search over the 100,000.
- batched: faster-whisper's batched decoding against sequential, speed and word error.
- export: one 30 s clip from a 60-minute recording, against decoding the whole file.
- memory: peak RSS on a 60-minute stereo and a 60-minute mono call, and across 200 files.
- diarize: a 10-minute mono call (the fixtures mixed down and tiled): diarization time against
  transcription time of the same call, the encoder's load time, and the rep-voice sample a
  stereo call adds.

Prints a report; the figures in docs/performance.md come from it. `--only NAME` runs one part.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clipfinder import Index, ingest  # noqa: E402
from clipfinder.jobs.ingest import INDEXED  # noqa: E402
from clipfinder.jobs.rematch import rematch  # noqa: E402
from clipfinder.pipeline.audio import SAMPLE_RATE, decode, probe  # noqa: E402
from clipfinder.pipeline.clips import build_clips  # noqa: E402
from clipfinder.pipeline.matching import Matcher  # noqa: E402
from clipfinder.pipeline.meaning import SentenceVectors, sentence_vectors  # noqa: E402
from clipfinder.pipeline.metrics import compute_metrics  # noqa: E402
from clipfinder.pipeline.rubric import load_rubric  # noqa: E402
from clipfinder.pipeline.sentence_model import DIMENSIONS  # noqa: E402
from clipfinder.read.search import find  # noqa: E402
from clipfinder.records import CallMeta, Segment, Transcript, Word  # noqa: E402
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

    from clipfinder.pipeline.transcribe import TranscribeOptions, model_segments
    from clipfinder.pipeline.whisper_model import embedded_model_path

    opts = TranscribeOptions()

    model = WhisperModel(str(embedded_model_path()), device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1)
    started = time.monotonic()
    for path in sorted(folder.rglob("*.wav")):
        for channel in decode(path):
            list(model_segments(model, channel, opts))
    return time.monotonic() - started


def bench_batched(folder: Path) -> None:
    """faster-whisper's BatchedInferencePipeline against its sequential decoding: speed on the
    ingest corpus with 2 threads (one process) and 1 thread (one of two workers), and word error
    on the fixture calls' channels and on the real speech of ../shared/audio (where present)."""
    import jiwer
    from faster_whisper import WhisperModel

    from clipfinder.pipeline.transcribe import TranscribeOptions, model_segments
    from clipfinder.pipeline.whisper_model import embedded_model_path
    from scripts.eval import normalise, wer_files

    channels = [c for path in sorted(folder.rglob("*.wav")) for c in decode(path)]
    # (truth, samples) by kind: the fixture calls' channels; ../shared/audio's real speech, and its
    # 8 kHz phone call apart (the hardest audio, where clipfinder must hold up)
    groups: dict[str, list[tuple[str, np.ndarray]]] = {"fixtures": [], "real speech": [], "phone call": []}
    for name in STEREO:
        truth = json.loads((ROOT / "fixtures" / "truth" / f"{Path(name).stem}.json").read_text())
        for role, samples in zip(truth["channels"], decode(ROOT / "fixtures" / "calls" / name)):
            said = " ".join(line["text"] for line in truth["lines"] if line["speaker"] == role)
            groups["fixtures"].append((said, samples))
    for name, ref, samples in wer_files():
        groups["phone call" if "8 kHz" in name else "real speech"].append((ref, samples))

    def run(model: Any, samples: np.ndarray, batch: int) -> str:
        segments = model_segments(model, samples, TranscribeOptions(batch_size=batch))
        return " ".join(s.text for s in segments)

    def word_error(model: Any, batch: int) -> str:
        """Word error over all the words of each group together."""
        found = []
        for group, rows in groups.items():
            if rows:
                refs = [normalise(ref) for ref, _ in rows]
                heard = [normalise(run(model, samples, batch)) for _, samples in rows]
                found.append(f"{group} {jiwer.wer(refs, heard):.1%}")
        return ", ".join(found)

    audio_s = sum(len(c) for c in channels) / SAMPLE_RATE
    print(f"\n## batched decoding: {len(channels)} channels, {audio_s / 60:.1f} channel-min")
    print("word error over the fixture channels, the real speech of ../shared/audio and its phone call:")
    print(", ".join(f"{len(rows)} {group}" for group, rows in groups.items()))
    for threads in (2, 1):
        model = WhisperModel(str(embedded_model_path()), device="cpu", compute_type="int8", cpu_threads=threads)
        for batch in (0, 4, 8):
            started = time.monotonic()
            for samples in channels:
                run(model, samples, batch)
            elapsed = time.monotonic() - started
            how = f"batched, batch_size {batch}" if batch else "sequential (clipfinder's)"
            said = f", word error: {word_error(model, batch)}" if threads == 2 else ""
            print(f"{threads} thread(s), {how:28} {elapsed:6.1f} s{said}", flush=True)


def timed_ingest(folder: Path, workers: int, *extra: str) -> tuple[float, float]:
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
                *extra,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        elapsed = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak_mb


# The stages of `ingest` besides the model's own transcription and decoding (which the bare
# baseline does too): (function, the module it lives in).
STAGES = {
    "load_model": "whisper_model.py",
    "embed_call": "meaning.py",
    "load_encoder": "encoder.py",
    "match": "matching.py",
    "write_call": "index.py",
    "sha256_file": "audio.py",
    "probe": "audio.py",
    "plan_channels": "speakers.py",
    "build_clips": "clips.py",
    "compute_metrics": "metrics.py",
    "_checked_language": "recording.py",
    "_reattribute_guesses": "ingest.py",
}


def overhead_breakdown(folder: Path, base: float) -> None:
    """Where `ingest --workers 1` spends time beyond the bare model: the same files in this process
    under cProfile (which slows Python code a little, so these are upper bounds)."""
    import cProfile
    import pstats

    from clipfinder.pipeline import recording

    # the rep's voice sample runs in a thread beside the other channel's transcription, where
    # cProfile does not look: its own wall time is added up here
    voice_s = [0.0]
    sample_voice = recording.channel_voice

    def timed_voice(*args: Any) -> Any:
        started = time.monotonic()
        try:
            return sample_voice(*args)
        finally:
            voice_s[0] += time.monotonic() - started

    profiler = cProfile.Profile()
    with (
        mock.patch.object(recording, "channel_voice", timed_voice),
        tempfile.TemporaryDirectory() as tmp,
        Index(Path(tmp) / "p.db") as index,
    ):
        started = time.monotonic()
        profiler.enable()
        ingest([folder], index, workers=1)
        profiler.disable()
        total = time.monotonic() - started
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    spent: dict[str, float] = {}
    for (file, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        if STAGES.get(name) and file.endswith(STAGES[name]) and "clipfinder" in file:
            spent[name] = spent.get(name, 0.0) + cumulative
    transcribing = sum(
        v[3] for k, v in stats.items() if k[2] in ("transcribe_channel", "decode") and "clipfinder" in k[0]
    )
    print(
        f"where --workers 1 spends its time (in-process, cProfile): {total:.1f} s in all; transcription and decoding {transcribing:.1f} s"
    )
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.01:
            print(f"  {name:22} {seconds:6.2f} s  ({seconds / base * 100:4.1f}% of the bare model's time)")
    print(
        f"  the rep's voice samples, in a thread beside the other channel's transcription: {voice_s[0]:.2f} s "
        f"of wall time ({voice_s[0] / base * 100:.1f}% of the bare model's time, mostly hidden)"
    )


def fixture_words() -> list[list[Word]]:
    """The fixture calls' words, from one real ingest (the raw material for synthetic transcripts)."""
    with tempfile.TemporaryDirectory() as tmp, Index(Path(tmp) / "f.db") as index:
        ingest([ROOT / "fixtures" / "calls"], index)
        return [index.words(c.id) for c in index.calls()]


def synthetic_words(
    pieces: list[list[Word]], minutes: float, seed: int, scripted_every_s: float = 0.0
) -> tuple[list[Word], float]:
    """A call of about `minutes` made of fixture transcripts one after another, in a seeded order.

    With `scripted_every_s`, only about one fixture transcript in that many seconds keeps its
    word order (and so its skill moments); the others have the words of each speaker's turn
    shuffled, which keeps the vocabulary, timing and turn-taking of a call but breaks phrases,
    as in the ordinary talk between the moments a rubric looks for.
    """
    rng = random.Random(seed)
    out: list[Word] = []
    offset = 0.0
    next_scripted = 0.0
    while offset < minutes * 60:
        piece = rng.choice(pieces)
        scripted = scripted_every_s <= 0 or offset >= next_scripted
        texts = [w.text for w in piece]
        if not scripted:
            texts = _shuffled_turns(piece, rng)
        else:
            next_scripted = offset + scripted_every_s
        out.extend(
            Word(w.start + offset, w.end + offset, text, w.probability, w.speaker) for w, text in zip(piece, texts)
        )
        offset += piece[-1].end + 1.0
    return out, offset


def _shuffled_turns(piece: list[Word], rng: random.Random) -> list[str]:
    texts: list[str] = []
    turn: list[str] = []
    for i, w in enumerate(piece):
        turn.append(w.text)
        if i == len(piece) - 1 or piece[i + 1].speaker != w.speaker:
            rng.shuffle(turn)
            texts.extend(turn)
            turn = []
    return texts


def synthetic_transcript(words: list[Word], duration: float, path: str, sha: str) -> Transcript:
    """A stereo call's transcript of `words`, in segments of 12 words per speaker, as a worker returns it."""
    segments = []
    for speaker in ("rep", "prospect"):
        mine = [w for w in words if w.speaker == speaker]
        for i in range(0, len(mine), 12):
            chunk = tuple(mine[i : i + 12])
            segments.append(Segment(chunk[0].start, chunk[-1].end, " ".join(w.text for w in chunk), speaker, chunk, 0))
    segments.sort(key=lambda s: s.start)
    return Transcript(path, sha, duration, "stereo", tuple(segments), "tiny.en", "en")


def stand_in_vectors(words: list[Word]) -> SentenceVectors:
    """A call's sentences with random unit vectors in place of the sentence model's: what the
    index stores, without the model's time (which does not depend on the index)."""

    def embed(texts: Any) -> np.ndarray:
        vectors = np.random.default_rng(len(words)).normal(size=(len(texts), DIMENSIONS)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    return sentence_vectors(words, embed)


def store_synthetic(index: Index, words: list[Word], duration: float, number: int, rng: random.Random) -> None:
    transcript = synthetic_transcript(words, duration, f"/synthetic/call{number:05d}.wav", f"{number:064x}")
    day = date(2026, 1, 1) + timedelta(days=rng.randrange(320))
    meta = CallMeta(
        rep=f"rep{rng.randrange(25):02d}",
        date=day.isoformat(),
        account=f"Account {rng.randrange(400)}",
        channels=("rep", "prospect"),
    )
    metrics = compute_metrics(transcript.words, list(transcript.segments), duration)
    index.write_call(transcript, meta, metrics, sentences=stand_in_vectors(transcript.words))


def bench_matching(pieces: list[list[Word]]) -> None:
    words, duration = synthetic_words(pieces, 60, seed=1)
    matcher = Matcher(load_rubric())
    matcher.match(words[:50])  # warm the rubric's own tables, as a long-running process would be
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        matches = matcher.match(words)
        clips = build_clips(matches, words, duration, 30.0)
        runs.append(time.perf_counter() - started)
    fresh = Matcher(load_rubric())
    started = time.perf_counter()
    fresh.match(words)
    cold = time.perf_counter() - started
    print(f"\n## matching + clips: 1 call-hour of transcript ({len(words)} words), default rubric")
    print(
        f"median of 5: {statistics.median(runs) * 1000:.0f} ms ({len(matches)} matches, {len(clips)} clips); "
        f"first call with a new matcher {cold * 1000:.0f} ms"
    )


def bench_rematch(pieces: list[list[Word]], calls: int, minutes: float, scripted_every_s: float) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp, Index(Path(tmp) / "r.db") as index:
        words_total = 0
        with index.transaction():
            for number in range(calls):
                words, duration = synthetic_words(pieces, minutes, seed=number, scripted_every_s=scripted_every_s)
                words_total += len(words)
                store_synthetic(index, words, duration, number, rng)
        sentences = int(index._db.execute("select count(*) from sentences").fetchone()[0])
        hours = calls * minutes / 60
        density = (
            f"one scripted fixture call every {scripted_every_s / 60:g} min" if scripted_every_s else "all scripted"
        )
        print(
            f"\n## rematch: {calls} synthetic calls of about {minutes:g} min ({hours:.0f} call-hours, {words_total} words, "
            f"{sentences} sentence vectors; {density})"
        )
        default = load_rubric()
        phrases_only = dataclasses.replace(
            default,
            skills=tuple(dataclasses.replace(s, examples=(), counter_examples=()) for s in default.skills),
            text=default.text + "\n# phrases only",
        )
        for name, rubric in (("default rubric, phrases and examples", default), ("its phrases only", phrases_only)):
            started = time.perf_counter()
            report = rematch(index, rubric, 30.0)
            elapsed = time.perf_counter() - started
            print(
                f"{name:38} {elapsed:6.2f} s for {report.clips} clips / {report.matches} matches "
                f"({elapsed / hours * 1000:.0f} ms per call-hour)"
            )


# The synthetic calls say only the fixtures' words, so every text query uses some of them.
QUERIES: list[dict[str, str]] = [
    {"skill": "price-objection"},
    {"skill": "next-steps", "rep": "rep03"},
    {"rep": "rep07", "since": "2026-06-01"},
    {"account": "Account 42"},
    {"text": "calendar invite"},
    {"text": "renewal", "skill": "pain"},
    {"text": "calender invte"},  # typos: the fuzzy fallback ("calendar", "invite")
    {"text": "price AND (director*"},  # FTS syntax, searched as the plain words
    {"skill": "discovery", "since": "2026-03-01", "until": "2026-04-30"},
]


def clip_count(index: Index) -> int:
    return int(index._db.execute("select count(*) from clips").fetchone()[0])


def time_queries(index: Index, rounds: int = 20) -> None:
    """Print the median, p95 and max latency of QUERIES, each run `rounds` times, and each kind's median.

    Each runs as `clipfinder search` runs it: clips, and with text, passages of whole transcripts."""
    times: dict[int, list[float]] = {i: [] for i in range(len(QUERIES))}
    for _ in range(rounds):
        for i, q in enumerate(QUERIES):
            started = time.perf_counter()
            find(index, q.get("text"), **{k: v for k, v in q.items() if k != "text"})  # type: ignore[arg-type]
            times[i].append(time.perf_counter() - started)
    every = sorted(t for ts in times.values() for t in ts)
    print(f"{len(every)} queries of {len(QUERIES)} kinds")
    print(
        f"median {statistics.median(every) * 1000:.1f} ms, p95 {every[int(len(every) * 0.95)] * 1000:.1f} ms, "
        f"max {every[-1] * 1000:.1f} ms"
    )
    for i, q in enumerate(QUERIES):
        print(f"  {json.dumps(q):70} median {statistics.median(times[i]) * 1000:6.1f} ms")


def bench_search(pieces: list[list[Word]], calls: int, minutes: float) -> None:
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp, Index(Path(tmp) / "s.db") as index:
        with index.transaction():
            for number in range(calls):
                words, duration = synthetic_words(pieces, minutes, seed=number, scripted_every_s=300.0)
                store_synthetic(index, words, duration, number, rng)
        rematch(index, load_rubric(), 30.0)
        print(f"\n## search: {calls} calls of about {minutes:g} min, {clip_count(index)} clips")
        time_queries(index)
        bench_web(index, Path(tmp))


def bench_web(index: Index, folder: Path) -> None:
    """`clipfinder serve` on the 10,000-call index: each page's server time (in-process, no network),
    and the first request of a clip's audio (cut from a 60-minute mp3) and of a range of it."""
    from starlette.testclient import TestClient

    from clipfinder.coaching.loop import add_commitment, add_score, set_focus
    from clipfinder.web.app import create_app

    now = "2026-11-16T09:00"
    reps = index.reps()
    for k, rep in enumerate(reps):
        set_focus(index, rep, ["discovery", "next-steps", "pain"][k % 3], "2026-10-01")
        add_score(index, rep, 3 + k % 3, when="2026-11-06")
        add_commitment(index, rep, "Ask two open questions before the demo", when="2026-11-10T16:00")
    hour = hour_recording(folder / "hour")
    clip_id, call_id = index._db.execute("select id, call_id from clips order by id limit 1").fetchone()
    # every call's audio is the hour's first minutes, so prep and playback cut real audio
    index._db.execute("update calls set path = ?", [str(hour)])
    index._db.conn.commit()
    client = TestClient(create_app(index.path, cache=folder / "audio", now=now))
    calls = index._db.execute("select count(*) from calls").fetchone()[0]
    pages = {
        "team (home)": "/",
        "search: text": "/search?q=calendar+invite",
        "search: skill and rep": "/search?skill=price-objection&rep=rep03",
        "search: typo": "/search?q=objcetion",
        "call": f"/calls/{call_id}",
        "rep": f"/reps/{reps[3]}",
        "prep (on the page)": f"/reps/{reps[3]}/prep",
    }
    print(f"\n## serve: page server time on {calls} calls, {len(reps)} reps (median and max of 10, after one warm-up)")
    for name, url in pages.items():
        assert client.get(url).status_code == 200, url
        runs = []
        for _ in range(10):
            started = time.perf_counter()
            client.get(url)
            runs.append(time.perf_counter() - started)
        print(f"  {name:24} median {statistics.median(runs) * 1000:6.1f} ms, max {max(runs) * 1000:6.1f} ms")
    started = time.perf_counter()
    first = client.get(f"/clips/{clip_id}/audio.mp3")
    cut = time.perf_counter() - started
    started = time.perf_counter()
    ranged = client.get(f"/clips/{clip_id}/audio.mp3", headers={"Range": "bytes=0-65535"})
    again = time.perf_counter() - started
    assert first.status_code == 200 and ranged.status_code == 206
    print(
        f"clip audio, first request (cut from the 60-minute mp3, {len(first.content) // 1024} KB): {cut:.2f} s; "
        f"a range of it afterwards (cached): {again * 1000:.1f} ms"
    )
    started = time.perf_counter()
    download = client.get(f"/reps/{reps[4]}/prep?download=1")
    print(
        f"prep download (one file, {len(download.content) // 1024} KB, "
        f"{download.text.count('data:audio/mpeg')} clips cut and embedded): "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )


def bench_memory(folder: Path, files: int = 200) -> None:
    """Peak memory of `ingest --workers 1` on an hour-long stereo call and an hour-long mono call
    (diarized), and the resident memory across a batch of short files (it must not grow)."""
    from clipfinder.read.export import ffmpeg_binary

    stereo = hour_recording(folder / "stereo")
    mono = folder / "mono" / "hour-mono.mp3"
    mono.parent.mkdir(parents=True)
    subprocess.run(
        [ffmpeg_binary(), "-loglevel", "error", "-i", str(stereo), "-ac", "1", "-b:a", "32k", str(mono)], check=True
    )
    print("\n## memory: peak RSS of `clipfinder ingest --workers 1` (one process), and across a batch")
    for name, path in (("60-minute stereo call", stereo), ("60-minute mono call, diarized", mono)):
        started = time.monotonic()
        peak = _peak_rss_mb([sys.executable, "-m", "clipfinder", "ingest", str(path), "--workers", "1",
                             "--db", str(folder / f"{path.stem}.db")])  # fmt: skip
        print(f"{name}: peak {peak:.0f} MB ({time.monotonic() - started:.0f} s)")
    batch = folder / "batch"
    batch.mkdir()
    parts = sorted((ROOT / "fixtures" / "calls").rglob("*.wav")) + sorted((ROOT / "fixtures" / "calls").rglob("*.flac"))
    sources = [decode(p) for p in parts]
    for number in range(files):
        channels = sources[number % len(sources)]
        pad = np.zeros(160 * (1 + number), dtype=np.float32)  # every file's bytes differ
        write_wav(batch / f"call{number:03d}.wav", [np.concatenate([c[: 16000 * 12], pad]) for c in channels])
    script = (
        "import sys, resource; from pathlib import Path; from clipfinder import Index, ingest\n"
        "class P:\n"
        "    n = 0\n"
        "    def begin(self, f, a): pass\n"
        "    def during(self, p, s): pass\n"
        "    def advance(self, o):\n"
        "        P.n += 1\n"
        "        if P.n in (20, 100, 200):\n"
        "            rss = int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize() / 2**20\n"
        "            print(P.n, round(rss), flush=True)\n"
        "with Index(Path(sys.argv[2])) as index: ingest([sys.argv[1]], index, workers=1, progress=P())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(batch), str(folder / "batch.db")], check=True, capture_output=True, text=True
    ).stdout.split()
    resident = dict(zip(out[::2], out[1::2]))
    print(
        f"{files} files of 12 s, one process: resident {resident.get('20')} MB after 20 files, "
        f"{resident.get('100')} MB after 100, {resident.get('200')} MB after 200"
    )


def _peak_rss_mb(command: list[str]) -> float:
    """Peak RSS of the command's process, measured by a wrapper that runs only it."""
    wrapper = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *command], check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024


def hour_recording(folder: Path) -> Path:
    """A 60-minute stereo mp3: 12 x a 5-minute call built from the fixtures."""
    from clipfinder.read.export import ffmpeg_binary

    build_corpus(folder / "parts", 1, 5.0)
    (part,) = list((folder / "parts").rglob("*.wav"))
    hour = folder / "hour.mp3"
    subprocess.run(
        [ffmpeg_binary(), "-loglevel", "error", "-stream_loop", "11", "-i", str(part), "-b:a", "64k", str(hour)],
        check=True,
    )
    return hour


def bench_scale(pieces: list[list[Word]], calls: int, minutes: float, batch: int = 200) -> None:
    """Whether ingest slows as the index grows: `batch` new calls ingested into an index of 10
    calls and into one of `calls`; then search and `rematch` over the big index.

    The new calls go through `ingest` as a user runs it (finding, hashing and probing the files,
    skip checks, the worker's sentence splitting, matching, metrics and clips, writing,
    re-attribution), except that the speech model is replaced by synthetic transcripts made
    beforehand and the sentence model by random vectors: neither depends on the index, and their
    seconds per call would hide the index's milliseconds.
    """
    from clipfinder.pipeline import recording

    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as tmp, Index(Path(tmp) / "scale.db") as index:
        made: dict[str, Transcript] = {}

        def heard(job: Any) -> Transcript:
            return dataclasses.replace(made[job.sha256], path=job.path)

        def ingest_batch(name: str) -> float:
            """Seconds per call to ingest `batch` new recordings (1 s wavs) of synthetic calls."""
            folder = Path(tmp) / name
            for k in range(batch):
                path = folder / f"rep{k % 25:02d}" / f"call{k:03d}.wav"
                path.parent.mkdir(parents=True, exist_ok=True)
                noise = np.random.default_rng(len(made)).normal(0, 0.05, SAMPLE_RATE).astype(np.float32)
                write_wav(path, [noise, noise[::-1].copy()])
                words, duration = synthetic_words(pieces, minutes, seed=rng.randrange(1 << 30), scripted_every_s=300.0)
                sha = hashlib.sha256(path.read_bytes()).hexdigest()
                made[sha] = synthetic_transcript(words, duration, str(path), sha)
            with (
                mock.patch.object(recording, "transcribe_recording", heard),
                mock.patch.object(recording, "embed_call", stand_in_vectors),
            ):
                report = ingest([folder], index, workers=1)
            assert len(report.having(INDEXED)) == batch, report.outcomes[:3]
            return report.elapsed_s / batch

        def grow_to(total: int) -> None:
            have = len(index.calls())
            for first in range(have, total, 5000):  # a transaction per 5,000 calls
                with index.transaction():
                    for number in range(first, min(first + 5000, total)):
                        words, duration = synthetic_words(pieces, minutes, seed=number, scripted_every_s=300.0)
                        store_synthetic(index, words, duration, number, rng)

        grow_to(10)
        small = ingest_batch("first")
        started = time.monotonic()
        grow_to(calls)
        built = time.monotonic() - started
        big = ingest_batch("second")
        print(f"\n## index scale: synthetic calls of about {minutes:g} min (index built in {built:.0f} s)")
        print(f"ingest, index work per new call ({batch} calls, models replaced by ready transcripts and vectors):")
        print(f"  into an index of {10:>7,} calls: {small * 1000:6.1f} ms")
        print(f"  into an index of {calls:>7,} calls: {big * 1000:6.1f} ms")
        started = time.monotonic()
        report = rematch(index, load_rubric(), 30.0)
        elapsed = time.monotonic() - started
        total = len(index.calls())
        print(
            f"rematch of all {total:,} calls ({total * minutes / 60:,.0f} call-hours): {elapsed:.1f} s, "
            f"{report.clips:,} clips"
        )
        print(f"search over {total:,} calls, {clip_count(index):,} clips:")
        time_queries(index)
        size = sum(f.stat().st_size for f in Path(tmp).glob("scale.db*"))
        print(f"index file: {size / 1e9:.2f} GB")


def bench_export() -> None:
    from clipfinder.read.export import cut_audio

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        hour = hour_recording(folder)
        length = probe(hour).duration_s or 0
        print(f"\n## export: one 30 s clip at minute 45 of a {length / 60:.0f}-minute stereo mp3")
        runs = []
        for fmt in ("mp3", "wav"):
            started = time.perf_counter()
            cut_audio(hour, 2700.0, 2730.0, folder / f"clip.{fmt}", fmt)
            runs.append((fmt, time.perf_counter() - started))
        started = time.perf_counter()
        decode(hour)
        whole = time.perf_counter() - started
        for fmt, seconds in runs:
            print(f"clipfinder cut to {fmt}: {seconds:.2f} s")
        print(f"baseline, decoding the whole hour: {whole:.2f} s")


def bench_diarize(minutes: float = 10.0) -> None:
    from clipfinder.pipeline import diarize, encoder
    from clipfinder.pipeline.recording import channel_voice
    from clipfinder.pipeline.transcribe import transcribe_channel
    from clipfinder.pipeline.whisper_model import load_model, resolve_model

    pieces = []
    for name in STEREO[:2]:  # alice's calls: one rep voice, one prospect voice
        left, right = decode(ROOT / "fixtures" / "calls" / name)
        pieces.append(((left + right) / 2).astype(np.float32))
    parts, length, k = [], 0, 0
    while length < minutes * 60 * SAMPLE_RATE:
        parts.append(pieces[k % len(pieces)])
        length += len(parts[-1])
        k += 1
    mono = np.concatenate(parts)
    print(f"\n## diarize: one mono call of {len(mono) / SAMPLE_RATE / 60:.1f} min, tiled from alice's fixture calls")
    model = load_model(resolve_model(None), os.cpu_count() or 1)
    started = time.perf_counter()
    encoder.load_encoder()
    encoder.mel_frames(mono[:SAMPLE_RATE])
    print(f"encoder + feature code load (once per process): {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    segments = transcribe_channel(model, mono, "unknown", None)
    transcribe_s = time.perf_counter() - started
    words = sorted((w for seg in segments for w in seg.words), key=lambda w: w.start)
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        found = diarize.diarize(mono, words)
        runs.append(time.perf_counter() - started)
    diarize_s = statistics.median(runs)
    print(f"transcription (tiny.en, {os.cpu_count()} threads): {transcribe_s:.1f} s")
    print(
        f"diarization (median of 3): {diarize_s:.2f} s = {diarize_s / transcribe_s:.1%} of transcription; "
        f"{len(found.voices)} voices, {len(words)} words"
    )
    started = time.perf_counter()
    channel_voice(mono, [dataclasses.replace(w, speaker="rep") for w in words], "rep")
    print(f"rep-voice sample of a stereo call's rep channel (<= 120 windows): {time.perf_counter() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=6)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument(
        "--only",
        choices=["ingest", "batched", "matching", "rematch", "search", "scale", "export", "diarize", "memory"],
    )
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if args.only in (None, "matching", "rematch", "search", "scale"):
        pieces = fixture_words()
        if args.only in (None, "matching"):
            bench_matching(pieces)
        if args.only in (None, "rematch"):
            bench_rematch(pieces, 1000, 10.0, scripted_every_s=300.0)
            bench_rematch(pieces, 1000, 10.0, scripted_every_s=0.0)
        if args.only in (None, "search"):
            bench_search(pieces, 10_000, 3.0)
        if args.only in (None, "scale"):
            bench_scale(pieces, 100_000, 3.0)
    if args.only in (None, "export"):
        bench_export()
    if args.only in (None, "diarize"):
        bench_diarize()
    if args.only in (None, "memory"):
        with tempfile.TemporaryDirectory() as tmp:
            bench_memory(Path(tmp))
    if args.only not in (None, "ingest", "batched"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "calls"
        audio_s = build_corpus(folder, args.calls, args.minutes)
        if args.only == "batched":
            bench_batched(folder)
            return
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
        overhead_breakdown(folder, base)
        for workers in (1, 2):
            # a local Dask cluster, started and stopped by the command (its start-up time included)
            elapsed, _ = timed_ingest(folder, workers, "--executor", "dask")
            print(
                f"clipfinder ingest --executor dask --workers {workers}: {elapsed:6.1f} s  "
                f"({audio_s / elapsed:5.1f}x real time)"
            )
        bench_batched(folder)


if __name__ == "__main__":
    main()
