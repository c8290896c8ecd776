"""Matching by meaning, measured (#14; `make eval`).

Recall and false clips for a rubric's phrases only, its examples only and both, on:
- the paraphrase fixtures (fixtures/paraphrase: every moment said in other words than the
  rubric's phrases, and near misses that use a skill's words for something else),
- the scripted fixtures (fixtures/calls: the rubric's own phrases),
- both again through an 8 kHz mu-law telephone line,
- the real customer-service call in ../shared/audio, with the support rubric (`--rubric support`),
  its moments marked by hand below from the call's transcript.
Then a sweep of the meaning threshold over the fixtures, to choose the default.

A moment is found when a match of its skill overlaps its line (1 s leeway). A clip is false when
no moment of its skill overlaps its matched words; a false clip on a near-miss line is also
counted as such. Run: .venv/bin/python scripts/eval_meaning.py
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clipfinder import Index, ingest  # noqa: E402
from clipfinder.jobs.rematch import rematch  # noqa: E402
from clipfinder.pipeline.rubric import Rubric, Skill, load_rubric  # noqa: E402
from clipfinder.read.export import ffmpeg_binary  # noqa: E402

AUDIO = ROOT.parent / "shared" / "audio"
TRUTH = ROOT / "fixtures" / "truth"
LEEWAY_S = 1.0
# The Callytics call's support moments (skill, start, end), marked by hand from its SRT turns.
CALLYTICS_MOMENTS = [
    ("greeting", 3.45, 9.17),
    ("empathy", 20.60, 23.50),
    ("probing", 23.50, 27.88),
    ("owning-the-fix", 38.03, 51.88),
    ("closing", 57.66, 65.95),
    ("closing", 69.02, 71.58),
]


@dataclasses.dataclass
class Corpus:
    name: str
    files: list[Path]
    moments: list[tuple[str, str, float, float]]  # (file stem, skill, start, end)
    near: list[tuple[str, str, float, float]]  # near misses, same shape
    rubric: Rubric
    seconds: float = 0.0


def fixture_corpus(name: str, folder: Path, rubric: Rubric) -> Corpus:
    files = sorted(p for p in folder.rglob("*") if p.suffix in {".wav", ".mp3", ".flac", ".ogg"})
    moments, near, seconds = [], [], 0.0
    for path in files:
        truth = json.loads((TRUTH / f"{path.stem}.json").read_text())
        seconds += truth["duration_s"]
        for line in truth["lines"]:
            moments += [(path.stem, skill, line["start"], line["end"]) for skill in line["skills"]]
            if "near_miss" in line:
                near.append((path.stem, line["near_miss"], line["start"], line["end"]))
    return Corpus(name, files, moments, near, rubric, seconds)


def phone_line(corpus: Corpus, folder: Path) -> Corpus:
    """The same calls through an 8 kHz mu-law line (each channel kept)."""
    files = []
    for path in corpus.files:
        target = folder / path.parent.name / f"{path.stem}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                ffmpeg_binary(),
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(path),
                "-ar",
                "8000",
                "-c:a",
                "pcm_mulaw",
                str(target),
            ],
            check=True,
        )
        sidecar = Path(f"{path}.json")
        if sidecar.exists():
            Path(f"{target}.json").write_text(sidecar.read_text())
        files.append(target)
    return dataclasses.replace(corpus, name=corpus.name + ", 8 kHz phone line", files=files)


def variant(rubric: Rubric, kind: str, threshold: float | None = None) -> Rubric | None:
    """The rubric with phrases only, examples only or both (None when nothing is left)."""
    skills = []
    for s in rubric.skills:
        phrases = s.phrases if kind in ("phrases", "both") else ()
        examples = s.examples if kind in ("examples", "both") else ()
        counters = s.counter_examples if examples else ()
        if not phrases and not examples:
            continue
        meaning = s.meaning_threshold if threshold is None else threshold
        skills.append(
            Skill(
                **{
                    **dataclasses.asdict(s),
                    "phrases": phrases,
                    "examples": examples,
                    "counter_examples": counters,
                    "meaning_threshold": meaning,
                }
            )
        )
    if not skills:
        return None
    return Rubric(tuple(skills), f"{rubric.source} ({kind})", f"{rubric.text}\n# {kind} {threshold}")


def score(index: Index, corpus: Corpus) -> tuple[int, int, int, int]:
    """(moments found, moments, false clips, false clips on near-miss lines)."""
    stems = {c.id: Path(c.path).stem for c in index.calls()}
    matches = [
        (stems[call], skill, start, end)
        for call, skill, start, end in index._db.execute("select call_id, skill, start_s, end_s from matches")
    ]
    clips = [
        (stems[call], skill, start, end)
        for call, skill, start, end in index._db.execute("select call_id, skill, match_start_s, match_end_s from clips")
    ]

    def overlaps(a: tuple[str, str, float, float], b: tuple[str, str, float, float]) -> bool:
        return a[0] == b[0] and a[1] == b[1] and a[2] < b[3] + LEEWAY_S and a[3] > b[2] - LEEWAY_S

    found = sum(1 for m in corpus.moments if any(overlaps(x, m) for x in matches))
    false = [c for c in clips if not any(overlaps(c, m) for m in corpus.moments)]
    near = sum(1 for c in false if any(overlaps(c, n) for n in corpus.near))
    return found, len(corpus.moments), len(false), near


def ingested(corpus: Corpus, folder: Path) -> Index:
    index = Index(folder / f"{abs(hash(corpus.name))}.db")
    ingest(corpus.files, index, workers=1)
    return index


def report(corpora: list[Corpus], folder: Path) -> dict[str, Index]:
    print("\n## Matching by meaning: phrases only, examples only, both")
    print(f"{'corpus':44} {'rubric':9} {'found':>9} {'recall':>7} {'false':>6} {'near':>5} {'false/h':>8}")
    indexes = {}
    for corpus in corpora:
        index = indexes[corpus.name] = ingested(corpus, folder)
        for kind in ("phrases", "examples", "both"):
            rubric = variant(corpus.rubric, kind)
            if rubric is None:
                continue
            rematch(index, rubric, 30.0)
            found, total, false, near = score(index, corpus)
            per_hour = false / (corpus.seconds / 3600)
            print(
                f"{corpus.name:44} {kind:9} {found:4d} / {total:<3d} {found / total:7.0%} {false:6d} {near:5d} "
                f"{per_hour:8.1f}"
            )
    return indexes


def sweep(corpora: list[Corpus], indexes: dict[str, Index]) -> None:
    print("\n## The meaning threshold, examples only, one threshold for every skill")
    names = [c.name for c in corpora]
    print("threshold  " + "  ".join(f"{n[:30]:>30}" for n in names))
    for threshold in (30, 35, 40, 45, 50, 55, 60, 65):
        cells = []
        for corpus in corpora:
            rubric = variant(corpus.rubric, "examples", threshold)
            assert rubric is not None
            index = indexes[corpus.name]
            rematch(index, rubric, 30.0)
            found, total, false, near = score(index, corpus)
            cells.append(f"{found:2d}/{total:<2d} found, {false:2d} false ({near} near)")
        print(f"{threshold:9}  " + "  ".join(f"{c:>30}" for c in cells))


def main() -> None:
    sales = load_rubric()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paraphrase = fixture_corpus("paraphrase fixtures", ROOT / "fixtures" / "paraphrase", sales)
        scripted = fixture_corpus("scripted fixtures", ROOT / "fixtures" / "calls", sales)
        corpora = [paraphrase, scripted, phone_line(paraphrase, folder / "p8k"), phone_line(scripted, folder / "s8k")]
        call = AUDIO / "callytics_cs_call_8k" / "Call01.wav"
        if call.exists():
            moments = [("Call01", skill, start, end) for skill, start, end in CALLYTICS_MOMENTS]
            corpora.append(Corpus("real support call (8 kHz)", [call], moments, [], load_rubric("support"), 73.5))
        indexes = report(corpora, folder)
        sweep(corpora[:4], indexes)
        for index in indexes.values():
            index.close()


if __name__ == "__main__":
    main()
