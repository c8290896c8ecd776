"""`make eval` (second part): diarization of mono calls on real speech in ../shared/audio.

For each file with speaker truth: diarization error rate (pyannote.metrics, 0.25 s collar each
side of a reference boundary, overlap scored) of clipfinder's diarization and of a plain
embedding-plus-clustering baseline on the same speech regions and encoder; the rep's talk
share as clipfinder reports it against the truth; whether the rep's voice was found by
voiceprint and by the no-voiceprint guess; and diarization time beside transcription time.
Then word-level attribution on the synthetic fixtures mixed down to mono.
Figures in docs/diarization.md come from this script. `EVAL_MODEL=base make eval` (or any
--model value) measures the same with another model's transcripts.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AUDIO = ROOT.parent / "shared" / "audio"

from clipfinder.pipeline import clustering, diarize, encoder  # noqa: E402
from clipfinder.pipeline.audio import decode  # noqa: E402
from clipfinder.pipeline.metrics import compute_metrics  # noqa: E402
from clipfinder.pipeline.recording import attribute_mono  # noqa: E402
from clipfinder.pipeline.speakers import rep_by_first_turn, role_speech  # noqa: E402
from clipfinder.pipeline.transcribe import transcribe_channel  # noqa: E402
from clipfinder.pipeline.whisper_model import load_model, resolve_model  # noqa: E402
from clipfinder.records import MIN_SEPARABILITY, Transcript, VoiceSample, Word  # noqa: E402

MODEL_ENV = "EVAL_MODEL"
Turns = list[tuple[float, float, str]]  # (start, end, speaker) truth


def rttm(path: Path, file: str, keep: set[str] | None = None) -> Turns:
    turns = []
    for line in path.read_text().splitlines():
        p = line.split()
        if len(p) > 7 and p[1] == file and (keep is None or p[7] in keep):
            turns.append((float(p[3]), float(p[3]) + float(p[4]), p[7]))
    return turns


def srt_turns(path: Path) -> Turns:
    turns = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        lines = block.splitlines()
        start, end = (_seconds(t) for t in lines[1].split(" --> "))
        speaker = re.match(r"\[([^\]]+)\]", lines[2])
        turns.append((start, end, speaker.group(1) if speaker else "?"))
    return turns


def _seconds(stamp: str) -> float:
    h, m, s = stamp.strip().replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def falcon_turns(path: Path) -> Turns:
    data = json.loads(path.read_text())["tests"]["diarization_tests"][0]["segments"]
    return [(s["start_sec"], s["end_sec"], str(s["speaker_tag"])) for s in data]


def union(turns: Turns, speaker: str, limit: float = 1e9) -> list[tuple[float, float]]:
    spans = sorted((a, min(b, limit)) for a, b, s in turns if s == speaker and a < limit)
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def seconds_of(spans: list[tuple[float, float]]) -> float:
    return sum(b - a for a, b in spans)


def der(truth: Turns, spans: list[tuple[float, float, int]]) -> dict[str, float]:
    """pyannote.metrics DER with a 0.25 s collar each side; the hypothesis is the speech spans per
    voice, joined across gaps under 0.5 s (clipfinder's talk-interval merge gap)."""
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    reference, hypothesis = Annotation(), Annotation()
    for a, b, s in truth:
        reference[Segment(a, b)] = s
    for start, end, label in spans:
        hypothesis[Segment(start, max(end, start + 0.02))] = f"voice{label}"
    hypothesis = hypothesis.support(collar=0.5)
    metric = DiarizationErrorRate(collar=0.5)
    detail = metric(reference, hypothesis, detailed=True, uem=_extent(truth, spans))
    total = detail["total"]
    return {
        "der": detail["diarization error rate"],
        "miss": detail["missed detection"] / total,
        "fa": detail["false alarm"] / total,
        "confusion": detail["confusion"] / total,
    }


def _extent(truth: Turns, spans: list[tuple[float, float, int]]):  # noqa: ANN202
    from pyannote.core import Segment, Timeline

    end = max(max(b for _, b, _ in truth), max((b for _, b, _ in spans), default=0.0))
    return Timeline([Segment(0.0, end)])


def baseline_labels(samples: np.ndarray, words: list[Word], speakers: int) -> list[int]:
    """Plain embedding + clustering: 1.6 s windows every 0.8 s over the same speech regions, the
    same encoder, average-linkage clustering into `speakers` voices, and each word takes the voice
    of the window whose centre is nearest. No word-level scoring, no smoothing."""
    mel = encoder.mel_frames(samples)
    regions = diarize.speech_regions(words, clustering.DiarizeOptions().join_gap_s)
    windows = encoder.speech_windows(regions, 0.8, len(mel))
    embeddings = encoder.embed_windows(mel, windows)
    labels = clustering.cluster(embeddings, clustering.DiarizeOptions(speakers=speakers))
    centres = np.array([(a + b) / 2 * encoder.FRAME_S for a, b in windows])
    return [int(labels[int(np.argmin(np.abs(centres - (w.start + w.end) / 2)))]) for w in words]


def voice_print(samples: np.ndarray, spans: list[tuple[float, float]]) -> VoiceSample:
    embeddings, seconds = encoder.region_embeddings(samples, spans)
    return VoiceSample.of(encoder.mean_voice(embeddings), seconds)


def cases() -> list[dict]:
    """Each real file: samples, truth turns, the speaker playing the rep, and where their
    voiceprint comes from (other audio of the same person wherever the data has it)."""
    found = []
    ami2 = AUDIO / "ami_2spk_dev_30s"
    if ami2.exists():
        rttm_path = ami2 / "debug.development.rttm"
        audio = {n: decode(ami2 / f"{n}.wav")[0] for n in ("dev00", "dev01")}
        for name, other in (("dev00", "dev01"), ("dev01", "dev00")):
            found.append(
                {
                    "name": f"AMI {name} (2 spk)",
                    "samples": audio[name],
                    "truth": rttm(rttm_path, name),
                    "rep": "MEE009",
                    "print": (audio[other], union(rttm(rttm_path, other), "MEE009"), f"MEE009 in {other}"),
                }
            )
    call = AUDIO / "callytics_cs_call_8k"
    if call.exists():
        truth = srt_turns(call / "Call01.srt")
        samples = decode(call / "Call01.wav")[0]
        found.append(
            {
                "name": "Callytics 8 kHz call (2 spk)",
                "samples": samples,
                "truth": truth,
                "rep": "CSR",
                "print": (samples, union(truth, "CSR", 36.0), "CSR turns in the first 36 s"),
            }
        )
    ami4 = AUDIO / "ami_4spk_mixture_60s"
    if ami4.exists():
        turns = rttm(ami4 / "mixture.rttm", "mixture")
        ids = {0: "MEO015", 1: "FEE013", 3: "FEE016"}
        sources = {i: decode(ami4 / "sources" / f"source{i}.wav")[0] for i in ids}
        for a, b in ((0, 1), (1, 3), (3, 0)):
            n = min(len(sources[a]), len(sources[b]))
            mix = sources[a][:n] + sources[b][:n]
            mix = (mix / max(1e-6, float(np.abs(mix).max())) * 0.9).astype(np.float32)
            found.append(
                {
                    "name": f"AMI headsets {a}+{b} mixed (2 spk)",
                    "samples": mix,
                    "truth": [t for t in turns if t[2] in (ids[a], ids[b])],
                    "rep": ids[a],
                    "print": (sources[a], union(turns, ids[a]), f"{ids[a]}'s own headset track"),
                }
            )
        found.append(
            {
                "name": "AMI meeting mix (4 spk)",
                "samples": decode(ami4 / "mixture.wav")[0],
                "truth": turns,
                "rep": None,
                "print": None,
            }
        )
    falcon = AUDIO / "falcon_3spk_18s"
    if falcon.exists():
        found.append(
            {
                "name": "Falcon 3 speakers in turn",
                "samples": decode(falcon / "test.wav")[0],
                "truth": falcon_turns(falcon / "test_data.json"),
                "rep": None,
                "print": None,
            }
        )
    return found


def report_real() -> None:
    model = load_model(resolve_model(os.environ.get(MODEL_ENV)), 0)
    started = time.monotonic()
    encoder.load_encoder()
    encoder.mel_frames(np.zeros(16000, dtype=np.float32))
    print(f"(encoder and feature code loaded in {time.monotonic() - started:.1f} s, once per worker process)\n")
    print("## Diarization on real speech (DER: pyannote.metrics, 0.25 s collar each side, overlap scored)")
    print(
        f"{'file':34} {'spk':>5} {'DER':>6} {'miss':>5} {'FA':>5} {'conf':>5} {'words DER':>9} {'base DER':>8}"
        f" {'base conf':>9} {'talk err':>8} {'|w|/|o|':>9} {'by print':>10} {'guess':>6} {'sep':>5} {'transcr s':>9} {'diar s':>6}"
    )
    ders, ders_words, bases, talk_errors, words_errors, oracle_errors = [], [], [], [], [], []
    for case in cases():
        samples, truth = case["samples"], case["truth"]
        t0 = time.monotonic()
        segments = transcribe_channel(model, samples, "unknown", None)
        transcribe_s = time.monotonic() - t0
        transcript = Transcript("eval", "-", len(samples) / 16000, "mono", tuple(segments), "tiny.en", "en")
        voiceprint = voice_print(*case["print"][:2]) if case["print"] else None
        t0 = time.monotonic()
        attributed = attribute_mono(transcript, samples, clustering.DiarizeOptions(), voiceprint)
        diarize_s = time.monotonic() - t0
        words = attributed.words
        true_count = len({s for _, _, s in truth})
        ours = der(truth, list(attributed.speech))
        ours_words = der(truth, [(w.start, w.end, w.voice or 0) for w in words])
        base_labels = baseline_labels(samples, words, len(attributed.voices))
        base = der(truth, [(w.start, w.end, label) for w, label in zip(words, base_labels)])
        ders.append(ours["der"])
        ders_words.append(ours_words["der"])
        bases.append(base["der"])
        talk, talk_w, by_print, guess = "", "", "", ""
        if case["rep"] is not None:
            rep_voice = _voice_of(truth, case["rep"], words)
            speech = role_speech(attributed.speech, attributed.attribution.rep_voice)
            metrics = compute_metrics(words, list(attributed.segments), transcript.duration_s, speech)
            words_only = compute_metrics(words, list(attributed.segments), transcript.duration_s)
            oracle = [replace(w, speaker="rep" if _in_turns(truth, case["rep"], w) else "prospect") for w in words]
            oracle_ratio = compute_metrics(oracle, [], transcript.duration_s).talk_ratio or 0.0
            rep_s = seconds_of(union(truth, case["rep"]))
            other_s = sum(seconds_of(union(truth, s)) for s in {s for _, _, s in truth} - {case["rep"]})
            true_share = rep_s / (rep_s + other_s)
            error = ((metrics.talk_ratio or 0.0) - true_share) * 100
            talk_errors.append(abs(error))
            words_errors.append(abs(((words_only.talk_ratio or 0.0) - true_share) * 100))
            oracle_errors.append(abs((oracle_ratio - true_share) * 100))
            talk = f"{error:+.1f}pt"
            talk_w = f"{words_errors[-1]:.1f}/{oracle_errors[-1]:.1f}"
            rep_words = [w for w in words if w.speaker == "rep"]
            found_voice = rep_words[0].voice if rep_words else None
            ok = "yes" if found_voice == rep_voice else "NO"
            by_print = f"{ok} {attributed.attribution.confidence:.2f}"
            unprinted = [replace(w, speaker="unknown") for w in words]
            guess = "yes" if rep_by_first_turn(unprinted) == rep_voice else "no"
        print(
            f"{case['name']:34} {true_count}/{len(attributed.voices):<3} {ours['der']:6.1%} {ours['miss']:5.1%}"
            f" {ours['fa']:5.1%} {ours['confusion']:5.1%} {ours_words['der']:9.1%} {base['der']:8.1%}"
            f" {base['confusion']:9.1%} {talk:>8} {talk_w:>9} {by_print:>10} {guess:>6}"
            f" {diarize.separability(attributed.voices):5.2f} {transcribe_s:9.1f}"
            f" {diarize_s:6.2f}"
        )
    if ders:
        print(
            f"mean DER: clipfinder {np.mean(ders):.1%} (words only {np.mean(ders_words):.1%}), "
            f"baseline {np.mean(bases):.1%}"
        )
    if talk_errors:
        print(
            f"|talk-share error| on two-speaker files, mean / max: clipfinder {np.mean(talk_errors):.1f} / "
            f"{max(talk_errors):.1f} pt; words only {np.mean(words_errors):.1f} / {max(words_errors):.1f} pt; "
            f"words given their true speakers {np.mean(oracle_errors):.1f} / {max(oracle_errors):.1f} pt"
        )
    print("spk = true/found speakers; words DER = clipfinder scored on its transcribed words only;")
    print("talk err = clipfinder's rep talk ratio - the truth's rep share (rep found by voiceprint);")
    print("|w|/|o| = that error measured on words alone / on words given their true speakers (the floor set by")
    print("what the model transcribed); by print = rep voice found by the voiceprint (confidence);")
    print("guess = rep voice found by the first-turn guess instead; sep = diarize.separability of the voices")
    print(f"(the talk ratio is not to be reported under {MIN_SEPARABILITY}).")


def _in_turns(truth: Turns, speaker: str, word: Word) -> bool:
    middle = (word.start + word.end) / 2
    return min(truth, key=lambda t: max(t[0] - middle, middle - t[1], 0))[2] == speaker


def _voice_of(truth: Turns, speaker: str, words: list[Word]) -> int | None:
    """The diarized voice whose words fall most inside `speaker`'s true turns."""
    spans = union(truth, speaker)
    overlap: dict[int, float] = {}
    for w in words:
        inside = sum(max(0.0, min(b, w.end) - max(a, w.start)) for a, b in spans)
        if w.voice is not None:
            overlap[w.voice] = overlap.get(w.voice, 0.0) + inside
    return max(overlap, key=lambda v: overlap[v]) if overlap else None


def report_fixtures() -> None:
    """Word-level attribution on the synthetic fixtures, every call mixed down to one channel."""
    model = load_model(resolve_model(os.environ.get(MODEL_ENV)), 0)
    print("\n## Word-level speaker attribution on the synthetic fixtures mixed to mono (no voiceprint)")
    print(f"{'call':22} {'words':>6} {'right':>6} {'share':>7} {'talk err':>8} {'sep':>5}")
    total = right = 0
    for path in sorted((ROOT / "fixtures" / "calls").rglob("*.*")):
        if path.suffix == ".json":
            continue
        truth = json.loads((ROOT / "fixtures" / "truth" / f"{path.stem}.json").read_text())
        channels = decode(path)
        samples = channels[0] if len(channels) == 1 else ((channels[0] + channels[1]) / 2).astype(np.float32)
        segments = transcribe_channel(model, samples, "unknown", None)
        transcript = Transcript(str(path), "-", len(samples) / 16000, "mono", tuple(segments), "tiny.en", "en")
        attributed = attribute_mono(transcript, samples, clustering.DiarizeOptions(), None)
        words = attributed.words
        ok = sum(_true_role(truth["lines"], w) == w.speaker for w in words)
        speech = role_speech(attributed.speech, attributed.attribution.rep_voice)
        ratio = compute_metrics(words, list(attributed.segments), transcript.duration_s, speech).talk_ratio or 0.0
        total, right = total + len(words), right + ok
        print(
            f"{path.stem:22} {len(words):6d} {ok:6d} {ok / len(words):7.1%} {(ratio - truth['talk_ratio']) * 100:+7.1f}pt"
            f" {diarize.separability(attributed.voices):5.2f}"
        )
    print(f"{'all':22} {total:6d} {right:6d} {right / total:7.1%}")


def _true_role(lines: list[dict], word: Word) -> str:
    middle = (word.start + word.end) / 2
    return min(lines, key=lambda ln: max(ln["start"] - middle, middle - ln["end"], 0))["speaker"]


def main() -> None:
    report_fixtures()
    if not AUDIO.exists():
        print(f"\n{AUDIO} not found: no real-speech figures.")
        return
    print()
    report_real()


if __name__ == "__main__":
    main()
