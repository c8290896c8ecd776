"""`make eval`: quality on real human speech in ../shared/audio (skipped where absent).

Reports word error rate of the default model per file, and for stereo calls built from real
headset tracks, the rep's talk share measured by clipfinder against the RTTM truth (with and
without the crosstalk filter). Figures in docs/evaluation.md come from this script.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AUDIO = ROOT.parent / "shared" / "audio"
SUPPORT_RUBRIC = ROOT / "scripts" / "eval_rubric_support.toml"

from clipfinder import Index, ingest  # noqa: E402
from clipfinder.pipeline.audio import decode  # noqa: E402
from clipfinder.pipeline.rubric import Rubric  # noqa: E402
from clipfinder.pipeline.transcribe import transcribe_channel  # noqa: E402
from clipfinder.pipeline.whisper_model import load_model, resolve_model  # noqa: E402
from tests.audio_helpers import write_wav  # noqa: E402


def normalise(text: str) -> str:
    text = text.lower().replace("-", " ").replace("_", " ")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))


def transcribe_text(samples: np.ndarray) -> str:
    model = load_model(resolve_model(None), 0)
    return " ".join(s.text for s in transcribe_channel(model, samples, "unknown", None))


def rttm_union(path: Path, speaker: str, limit: float) -> float:
    spans = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) > 7 and parts[7] == speaker:
            start, dur = float(parts[3]), float(parts[4])
            spans.append((start, min(start + dur, limit)))
    total, last_end = 0.0, 0.0
    for start, end in sorted(spans):
        start = max(start, last_end)
        if end > start:
            total += end - start
            last_end = end
    return total


def srt_text(path: Path) -> str:
    lines = [
        re.sub(r"^\[[^\]]+\]\s*", "", line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().isdigit() and "-->" not in line
    ]
    return " ".join(lines)


def wer_files() -> list[tuple[str, str, np.ndarray]]:
    """(name, reference text, 16 kHz samples) of every real recording with a word transcript."""
    rows: list[tuple[str, str, np.ndarray]] = []
    jfk = AUDIO / "jfk_inaugural_11s"
    if jfk.exists():
        rows.append(
            ("jfk_inaugural_11s (44.1 kHz FLAC)", (jfk / "reference.txt").read_text(), decode(jfk / "jfk.flac")[0])
        )
    libri = AUDIO / "librispeech_stereo_2ch_5s"
    if libri.exists():
        refs = dict(line.split("\t", 1) for line in (libri / "reference.txt").read_text().splitlines() if "\t" in line)
        left, right = decode(libri / "stereo_diarization.wav")
        rows.append(("librispeech stereo, left channel", refs["LEFT"], left))
        rows.append(("librispeech stereo, right channel", refs["RIGHT"], right))
    ami = AUDIO / "ami_4spk_mixture_60s"
    if ami.exists():
        for letter, source in (("A", "source0"), ("B", "source1"), ("D", "source3")):
            ref = (ami / "text" / f"mixture.{letter}.words_joined.txt").read_text()
            rows.append((f"AMI headset {source} (speaker {letter})", ref, decode(ami / "sources" / f"{source}.wav")[0]))
    call = AUDIO / "callytics_cs_call_8k"
    if call.exists():
        rows.append(
            (
                "callytics 8 kHz phone call (mono, both sides)",
                srt_text(call / "Call01.srt"),
                decode(call / "Call01.wav")[0],
            )
        )
    return rows


def report_wer() -> None:
    print("## Word error rate, default model (tiny.en), beam 5, VAD on")
    print(f"{'file':48} {'words':>6} {'WER':>6}")
    rows = wer_files()
    for name, ref, samples in rows:
        print(f"{name:48} {len(normalise(ref).split()):6d} {wer(ref, transcribe_text(samples)):6.1%}")
    if not rows:
        print("(no shared audio found)")


def report_stereo_talk_share() -> None:
    ami = AUDIO / "ami_4spk_mixture_60s"
    if not ami.exists():
        return
    print("\n## Stereo talk share on real headset tracks (AMI; two tracks = rep and prospect channels)")
    print("Truth: union of each speaker's RTTM turns. Error = measured rep share - true rep share.")
    speakers = {"source0": "MEO015", "source1": "FEE013", "source3": "FEE016"}
    print(f"{'rep track / prospect track':28} {'true':>6} {'measured':>9} {'error':>8}")
    errors = []
    for rep, prospect in (("source3", "source1"), ("source0", "source3"), ("source1", "source0")):
        channels = [decode(ami / "sources" / f"{s}.wav")[0] for s in (rep, prospect)]
        true_rep, true_prospect = (rttm_union(ami / "mixture.rttm", speakers[s], 60.0) for s in (rep, prospect))
        true_share = true_rep / (true_rep + true_prospect)
        with tempfile.TemporaryDirectory() as tmp:
            path = write_wav(Path(tmp) / "pair.wav", channels)
            with Index(Path(tmp) / "eval.db") as index:
                ingest([path], index, workers=1)
                (call,) = index.calls()
                measured = index.metrics(call.id).talk_ratio or 0.0
        errors.append(abs(measured - true_share) * 100)
        print(f"{rep + ' / ' + prospect:28} {true_share:6.1%} {measured:9.1%} {(measured - true_share) * 100:+7.1f}pt")
    print(f"mean absolute error: {sum(errors) / len(errors):.1f} points")


def report_fixture_talk_ratio() -> None:
    """Synthetic stereo fixtures: measured talk ratio against the script's truth."""
    import json

    print("## Talk ratio on the synthetic stereo fixtures (fixtures/truth)")
    print(f"{'call':22} {'true':>6} {'measured':>9} {'error':>7}")
    with tempfile.TemporaryDirectory() as tmp, Index(Path(tmp) / "eval.db") as index:
        ingest([ROOT / "fixtures" / "calls"], index)
        for call in sorted(index.calls(), key=lambda c: c.path):
            truth = json.loads((ROOT / "fixtures" / "truth" / f"{Path(call.path).stem}.json").read_text())
            measured = index.metrics(call.id).talk_ratio
            if measured is None:
                print(f"{Path(call.path).stem:22} {truth['talk_ratio']:6.1%} {'n/a (mono)':>9}")
                continue
            error = (measured - truth["talk_ratio"]) * 100
            print(f"{Path(call.path).stem:22} {truth['talk_ratio']:6.1%} {measured:9.1%} {error:+6.1f}pt")
    print()


def report_matching_on_a_phone_call() -> None:
    """Rubric matching on the real 8 kHz call against its hand transcript, beside exact keywords."""
    call = AUDIO / "callytics_cs_call_8k"
    if not call.exists():
        return
    from clipfinder.pipeline.rubric import load_rubric, normalise_words

    rubric = load_rubric(SUPPORT_RUBRIC)
    truth = callytics_truth(rubric)
    rubric_path = SUPPORT_RUBRIC
    with tempfile.TemporaryDirectory() as tmp, Index(Path(tmp) / "eval.db") as index:
        ingest([call / "Call01.wav"], index, rubric=rubric_path, workers=1)
        (c,) = index.calls()
        fuzzy = [tuple(r) for r in index._db.execute("select skill, start_s, end_s from matches")]
        words = index.words(c.id)
    tokens = [(t, w.start, w.end) for w in words for t in normalise_words(w.text)]
    exact = []
    for skill in rubric.skills:
        for phrase in skill.phrases:
            want = normalise_words(phrase)
            for i in range(len(tokens) - len(want) + 1):
                if [t for t, _, _ in tokens[i : i + len(want)]] == want:
                    exact.append((skill.id, tokens[i][1], tokens[i + len(want) - 1][2]))
    print("\n## Rubric matching on the real 8 kHz phone call (tiny.en transcript)")
    print(
        f"{len(truth)} rubric moments in the hand transcript, {len(rubric.skills)} skills (scripts/eval_rubric_support.toml)"
    )
    print(f"{'method':34} {'found':>6} {'missed':>7} {'false':>6}")
    for name, found in (("clipfinder fuzzy word alignment", fuzzy), ("exact keyword match (baseline)", exact)):
        hit = [t for t in truth if any(m[0] == t[0] and m[1] < t[2] + 1 and m[2] > t[1] - 1 for m in found)]
        false = [m for m in found if not any(m[0] == t[0] and m[1] < t[2] + 1 and m[2] > t[1] - 1 for t in truth)]
        print(f"{name:34} {len(hit):6d} {len(truth) - len(hit):7d} {len(false):6d}")


def callytics_truth(rubric: Rubric) -> list[tuple[str, float, float]]:
    """(skill, start, end) of each rubric phrase really said on the Callytics call (its SRT)."""
    from clipfinder.pipeline.rubric import normalise_words

    truth = []
    for block in (AUDIO / "callytics_cs_call_8k" / "Call01.srt").read_text(encoding="utf-8").split("\n\n"):
        lines = [x for x in block.strip().splitlines() if x.strip()]
        if len(lines) < 3 or "-->" not in lines[1]:
            continue
        start, end = (_srt_seconds(t) for t in lines[1].split(" --> "))
        said = " " + " ".join(normalise_words(" ".join(lines[2:]))) + " "
        for skill in rubric.skills:
            if any(" " + " ".join(normalise_words(p)) + " " in said for p in skill.phrases):
                truth.append((skill.id, start, end))
    return truth


def _srt_seconds(stamp: str) -> float:
    h, m, rest = stamp.strip().split(":")
    return int(h) * 3600 + int(m) * 60 + float(rest.replace(",", "."))


def report_invented_phrases() -> None:
    """How the filter for phrases Whisper invents (transcribe.likely_invented) does: what it drops
    on 0.3 s fragments of the fixture calls, and on whole real and fixture recordings."""
    from clipfinder.pipeline.transcribe import TranscribeOptions, likely_invented

    model = load_model(resolve_model(None), 0)
    kwargs = TranscribeOptions(language="en").model_kwargs()

    def judged(samples: np.ndarray) -> list[bool]:
        return [likely_invented(s.no_speech_prob, s.avg_logprob) for s in model.transcribe(samples, **kwargs)[0]]

    fixtures = sorted(
        p for p in (ROOT / "fixtures" / "calls").rglob("*") if p.suffix in {".wav", ".mp3", ".flac", ".ogg"}
    )
    rng = np.random.default_rng(7)
    fragments: list[bool] = []
    for path in fixtures:
        samples = decode(path)[0]
        for _ in range(40):
            start = int(rng.uniform(0, len(samples) / 16000 - 0.5) * 16000)
            fragments += judged(samples[start : start + 4800])
    whole: list[bool] = []
    for path in fixtures:
        for channel in decode(path):
            whole += judged(channel)
    for _name, _ref, samples in wer_files():
        whole += judged(samples)
    print("\n## Phrases Whisper invents on fragments (transcribe.likely_invented)")
    print(f"0.3 s fragments of the fixture calls: {len(fragments)} segments with words, {sum(fragments)} dropped")
    print(f"whole recordings (fixtures and real speech): {len(whole)} segments, {sum(whole)} dropped")


def main() -> None:
    report_fixture_talk_ratio()
    if not AUDIO.exists():
        print(f"{AUDIO} not found: nothing to evaluate (the test suite does not need it).")
        return
    report_wer()
    report_stereo_talk_share()
    report_matching_on_a_phone_call()
    report_invented_phrases()


if __name__ == "__main__":
    main()
