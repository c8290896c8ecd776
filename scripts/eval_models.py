"""`make eval` (third part): which model and decoding to run, chosen by measurement.

For each setting (tiny.en greedy, tiny.en beam 5 = the default, tiny.en beam 5 with the rubric's
phrases as hotwords, and Whisper base beam 5 when the base extra is installed):
- word error rate on the real recordings in ../shared/audio;
- skill moments found on the fixture calls, on the clean audio and through a telephone line
  (8 kHz, 300-3400 Hz, mu-law), and clips holding no true moment;
- on the real 8 kHz Callytics call, the support rubric's moments found and false;
- transcription speed (one process, every core) on the fixtures, in times real time, and the
  end-to-end default ingest of fixtures/calls with each model;
- the clarity (tiny.en's mean word probability) of every file and base's probability that it is
  English: what the clarity and language-check thresholds rest on.
Every setting decodes the same files in the same run. Figures in docs/evaluation.md come from
this script.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clipfinder.pipeline.audio import SAMPLE_RATE  # noqa: E402
from clipfinder.pipeline.clips import build_clips  # noqa: E402
from clipfinder.pipeline.matching import Matcher  # noqa: E402
from clipfinder.pipeline.recording import Job, Settings, transcribe_recording  # noqa: E402
from clipfinder.pipeline.rubric import Rubric, load_rubric  # noqa: E402
from clipfinder.pipeline.transcribe import TranscribeOptions, transcribe_channel  # noqa: E402
from clipfinder.pipeline.whisper_model import ModelRef, base_model, load_model, resolve_model  # noqa: E402
from clipfinder.records import Word  # noqa: E402
from scripts.eval import AUDIO, SUPPORT_RUBRIC, callytics_truth, normalise, wer, wer_files  # noqa: E402
from tests.audio_helpers import phone_copy  # noqa: E402

FIXTURES = ROOT / "fixtures"
NAMES = ["acme-discovery", "globex-pricing", "initech-followup", "umbrella-intro"]


@dataclass(frozen=True)
class Setting:
    name: str
    model: ModelRef
    options: TranscribeOptions


def settings() -> list[Setting]:
    tiny = resolve_model(None)
    phrases = ", ".join(p for s in load_rubric().skills for p in s.phrases)
    out = [
        Setting("tiny.en greedy", tiny, TranscribeOptions(beam_size=1)),
        Setting("tiny.en beam 5 (default)", tiny, TranscribeOptions()),
        Setting("tiny.en beam 5 + rubric hotwords", tiny, TranscribeOptions(hotwords=phrases)),
    ]
    base = base_model()
    if base is not None:
        out.append(Setting("base beam 5", base, TranscribeOptions()))
    return out


def fixture_files(phone_folder: Path) -> dict[str, dict[str, Path]]:
    """{variant: {call name: path}} for the clean fixtures and their phone-line copies."""
    clean = {}
    for name in NAMES:
        (path,) = [p for p in (FIXTURES / "calls").rglob(f"{name}.*") if not p.name.endswith(".json")]
        clean[name] = path
    phone = {name: phone_copy(path, phone_folder / f"{name}.wav") for name, path in clean.items()}
    return {"clean": clean, "phone": phone}


def truth_moments(name: str) -> list[tuple[str, float, float]]:
    import json

    truth = json.loads((FIXTURES / "truth" / f"{name}.json").read_text())
    return [(skill, line["start"], line["end"]) for line in truth["lines"] for skill in line["skills"]]


def near(a: tuple[str, float, float], b: tuple[str, float, float], slack: float) -> bool:
    return a[0] == b[0] and a[1] < b[2] + slack and a[2] > b[1] - slack


def transcribe(setting: Setting, path: Path) -> tuple[list[Word], float]:
    """The call's attributed words as ingest makes them, and its duration."""
    import json

    sidecar = path.with_name(path.name + ".json")
    channels = None
    if sidecar.exists():
        roles = json.loads(sidecar.read_text()).get("channels")
        channels = tuple(roles) if roles else None
    job = Job(str(path), "eval", Settings(setting.model, setting.options, load_rubric(), 30.0), channels)
    transcript = transcribe_recording(job)
    return transcript.words, transcript.duration_s


def moments_found(setting: Setting, files: dict[str, Path]) -> tuple[int, int, int, float, float]:
    """(moments found, moments in all, clips holding no true moment, audio s, transcription s)."""
    matcher = Matcher(load_rubric())
    found = total = false = 0
    audio = spent = 0.0
    for name, path in files.items():
        started = time.perf_counter()
        words, duration = transcribe(setting, path)
        spent += time.perf_counter() - started
        audio += duration
        matches = matcher.match(words)
        truth = truth_moments(name)
        total += len(truth)
        found += sum(any(near((m.skill, m.start_s, m.end_s), t, 0.5) for m in matches) for t in truth)
        for clip in build_clips(matches, words, duration):
            if not any(near((m.skill, m.start_s, m.end_s), t, 0.5) for m in clip.matches for t in truth):
                false += 1
    return found, total, false, audio, spent


def support_call(setting: Setting, rubric: Rubric) -> tuple[int, int, int]:
    """(found, true moments, false matches) of the support rubric on the real 8 kHz call."""
    path = AUDIO / "callytics_cs_call_8k" / "Call01.wav"
    words, _ = transcribe(setting, path)
    matches = Matcher(rubric).match(words)
    truth = callytics_truth(rubric)
    found = [t for t in truth if any(near((m.skill, m.start_s, m.end_s), t, 1.0) for m in matches)]
    false = [m for m in matches if not any(near((m.skill, m.start_s, m.end_s), t, 1.0) for t in truth)]
    return len(found), len(truth), len(false)


def report_kernels() -> None:
    """The default setting's fixture recall under each CPU kernel set CTranslate2 can be forced to
    (each in its own process: the kernels are chosen when the library loads)."""
    import os
    import subprocess

    sets = ["GENERIC", "AVX2"] + (["AVX512"] if "avx512f" in Path("/proc/cpuinfo").read_text() else [])
    print("\n## The default setting under each CPU kernel set (CT2_FORCE_CPU_ISA)")
    print(f"{'kernels':10} {'clean':>6} {'false':>6} {'phone':>6} {'false':>6}")
    for isa in sets:
        env = {**os.environ, "CT2_FORCE_CPU_ISA": isa}
        out = subprocess.run(
            [sys.executable, __file__, "--default-recall"], env=env, capture_output=True, text=True, check=True
        )
        print(f"{isa:10} {out.stdout.strip()}")


def default_recall() -> None:
    """One line: the default setting's moments found (clean, false, phone, false)."""
    default = next(s for s in settings() if "default" in s.name)
    with tempfile.TemporaryDirectory() as tmp:
        files = fixture_files(Path(tmp))
        c_found, total, c_false, _, _ = moments_found(default, files["clean"])
        p_found, _, p_false, _, _ = moments_found(default, files["phone"])
    print(f"{c_found:3d}/{total:<2d} {c_false:6d} {p_found:3d}/{total:<2d} {p_false:6d}")


def report_ingest_speed() -> None:
    """End-to-end `clipfinder ingest fixtures/calls` (default workers, model loading included) per model."""
    from clipfinder import Index, ingest

    print("\n## End-to-end default ingest of fixtures/calls (default workers, model loading included)")
    for model in ["tiny.en"] + (["base"] if base_model() is not None else []):
        with tempfile.TemporaryDirectory() as tmp, Index(Path(tmp) / "speed.db") as index:
            started = time.perf_counter()
            report = ingest([FIXTURES / "calls"], index, model=model)
            spent = time.perf_counter() - started
            audio = sum(o.audio_s or 0 for o in report.outcomes)
        print(f"{model:10} {audio / 60:.1f} audio min in {spent:.1f} s = {audio / spent:.1f}x real time")


def report_clarity() -> None:
    """What the clarity and language-check thresholds rest on: tiny.en's mean word probability per
    file, and base's probability of English for the same audio (the language check)."""
    from clipfinder.pipeline.audio import decode
    from clipfinder.pipeline.transcribe import detect_language

    tiny = load_model(resolve_model(None), 0)
    base = base_model()
    detector = load_model(base, 0) if base is not None else None
    rows: list[tuple[str, list]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for variant, paths in fixture_files(Path(tmp)).items():
            rows += [(f"fixture {name} ({variant})", decode(path)) for name, path in paths.items()]
        german = FIXTURES / "other" / "carla" / "mueller-erstgespraech.ogg"
        rows.append(("fixture German call (clean)", decode(german)))
    rows += [(name, [samples]) for name, _, samples in wer_files()] if AUDIO.exists() else []
    print("\n## Clarity (tiny.en mean word probability) and the language check (base: probability of English)")
    print(f"{'file':48} {'clarity':>8} {'P(en)':>6}")
    for name, channels in rows:
        heard = [
            w.probability for c in channels for seg in transcribe_channel(tiny, c, "unknown", None) for w in seg.words
        ]
        clarity = sum(heard) / len(heard) if heard else float("nan")
        english = "-"
        if detector is not None:
            mixed = channels[0] if len(channels) == 1 else (channels[0] + channels[1]) / 2
            english = f"{detect_language(detector, mixed)[2].get('en', 0.0):.2f}"
        print(f"{name[:48]:48} {clarity:8.2f} {english:>6}")


def main() -> None:
    if "--default-recall" in sys.argv:
        default_recall()
        return
    if "--clarity" in sys.argv:
        report_clarity()
        return
    chosen = settings()
    with tempfile.TemporaryDirectory() as tmp:
        files = fixture_files(Path(tmp))
        print("## Model and decoding: skill moments on the fixture calls, clean and through a phone line")
        print("(8 kHz, 300-3400 Hz, mu-law; 13 scripted moments; speed = audio s / transcription s, one process)")
        print(f"{'setting':34} {'clean':>6} {'false':>6} {'phone':>6} {'false':>6} {'phone/clean':>12} {'speed':>7}")
        for s in chosen:
            c_found, total, c_false, audio, spent = moments_found(s, files["clean"])
            p_found, _, p_false, _, _ = moments_found(s, files["phone"])
            share = p_found / c_found if c_found else 0.0
            print(
                f"{s.name:34} {c_found:3d}/{total:<2d} {c_false:6d} {p_found:3d}/{total:<2d} {p_false:6d} "
                f"{share:12.0%} {audio / spent:6.1f}x"
            )
    report_kernels()
    report_ingest_speed()
    report_clarity()
    if not AUDIO.exists():
        print(f"\n{AUDIO} not found: no real-speech figures.")
        return
    rows = wer_files()
    print("\n## Model and decoding: word error rate on real speech (../shared/audio)")
    print(f"{'file':48} {'words':>6} " + " ".join(f"{s.name[:22]:>23}" for s in chosen))
    totals = {s.name: [0.0, 0] for s in chosen}
    for name, ref, samples in rows:
        cells = []
        for s in chosen:
            model = load_model(s.model, 0)
            text = " ".join(seg.text for seg in transcribe_channel(model, samples, "unknown", None, s.options))
            value = wer(ref, text)
            words = len(normalise(ref).split())
            totals[s.name][0] += value * words
            totals[s.name][1] += words
            cells.append(f"{value:23.1%}")
        print(f"{name[:48]:48} {len(normalise(ref).split()):6d} " + " ".join(cells))
    print(f"{'all words':48} {'':6} " + " ".join(f"{t[0] / t[1]:23.1%}" for t in totals.values() if t[1]))
    rubric = load_rubric(SUPPORT_RUBRIC)
    print("\n## Model and decoding: support rubric on the real 8 kHz Callytics call")
    print(f"{'setting':34} {'found':>6} {'false':>6}")
    for s in chosen:
        found, total, false = support_call(s, rubric)
        print(f"{s.name:34} {found:3d}/{total:<2d} {false:6d}")
    print(f"\n(sample rate {SAMPLE_RATE} Hz; tiny.en and base run int8 on the CPU)")


if __name__ == "__main__":
    main()
