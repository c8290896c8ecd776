"""Matching by meaning, measured (#14; `make eval`).

Recall and false clips for a rubric's phrases only, its examples only and both, on:
- the paraphrase fixtures (fixtures/paraphrase: every moment said in other words than the
  rubric's phrases, and near misses that use a skill's words for something else),
- the scripted fixtures (fixtures/calls: the rubric's own phrases),
- both again through an 8 kHz mu-law telephone line,
- the real customer-service call in ../shared/audio, with the support rubric (`--rubric support`),
  its moments marked by hand below from the call's transcript,
- held-out call scripts (fixtures/heldout/sales_calls.json: eight sales calls, 54 minutes of
  talk at 150 words a minute, written by someone who had seen neither the rubric's examples nor
  the fixtures): as text through the matcher by meaning, without transcription, and spoken as
  stereo calls (espeak-ng and sox, as `make fixtures`; skipped without them), clean and through
  the phone line: the false clips an hour of ordinary talk brings, which the short fixtures
  cannot measure.
Then a sweep of the meaning threshold over the fixtures and the held-out calls, to choose the
default.

A moment is found when a match of its skill overlaps its line (1 s leeway). A clip is false when
no moment of its skill overlaps its matched words; a false clip on a near-miss line is also
counted as such. Run: .venv/bin/python scripts/eval_meaning.py
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clipfinder import Index, ingest  # noqa: E402
from clipfinder.jobs.rematch import rematch  # noqa: E402
from clipfinder.pipeline.matching import best_per_moment  # noqa: E402
from clipfinder.pipeline.meaning import MeaningMatcher, sentence_vectors  # noqa: E402
from clipfinder.pipeline.rubric import Rubric, Skill, load_rubric  # noqa: E402
from clipfinder.pipeline.sentence_model import sentence_model  # noqa: E402
from clipfinder.pipeline.shipped_vectors import with_shipped  # noqa: E402
from clipfinder.read.export import ffmpeg_binary  # noqa: E402
from clipfinder.records import Match, Word  # noqa: E402

AUDIO = ROOT.parent / "shared" / "audio"
TRUTH = ROOT / "fixtures" / "truth"
LEEWAY_S = 1.0
HELDOUT = ROOT / "fixtures" / "heldout" / "sales_calls.json"
# the held-out scripts' words are timed at 150 a minute with 0.6 s between lines
WORD_S, PAUSE_S = 0.4, 0.6
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


def spoken_heldout(rubric: Rubric, folder: Path) -> Corpus | None:
    """The held-out scripts spoken as stereo calls (espeak-ng and sox, as `make fixtures` does);
    None, with a note, where those are not installed."""
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        print("(the held-out scripts are not spoken: needs espeak-ng and sox, apt-get install espeak-ng sox)")
        return None
    sys.path.insert(0, str(ROOT / "fixtures"))
    from make_fixtures import build_call

    folder.mkdir(parents=True, exist_ok=True)
    files, moments, seconds = [], [], 0.0
    for number, script in enumerate(json.loads(HELDOUT.read_text()), 1):
        lines = [
            {"who": x["speaker"], "say": x["text"], "skills": [x["skill"]] if x["skill"] else []}
            for x in script["lines"]
        ]
        call = {"file": f"heldout/heldout-{number}.flac", "layout": "stereo", "line": lines}
        truth = build_call(call, folder, folder)
        files.append(folder / "calls" / call["file"])
        seconds += truth["duration_s"]
        stem = f"heldout-{number}"
        moments += [(stem, skill, x["start"], x["end"]) for x in truth["lines"] for skill in x["skills"]]
    return Corpus("held-out scripts, spoken", files, moments, [], rubric, seconds)


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
    print(f"{'corpus':44} {'min':>5} {'rubric':9} {'found':>9} {'recall':>7} {'false':>6} {'near':>5} {'false/h':>8}")
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
                f"{corpus.name:44} {corpus.seconds / 60:5.1f} {kind:9} {found:4d} / {total:<3d} {found / total:7.0%} "
                f"{false:6d} {near:5d} "
                f"{per_hour:8.1f}"
            )
    return indexes


def heldout_calls() -> list[tuple[list[Word], list[tuple[str, int, int]]]]:
    """The held-out scripts as words, and their moments as (skill, first word, last word)."""
    calls = []
    for call in json.loads(HELDOUT.read_text()):
        words: list[Word] = []
        moments = []
        t = 0.0
        for line in call["lines"]:
            first = len(words)
            for token in line["text"].split():
                words.append(Word(round(t, 2), round(t + WORD_S - 0.1, 2), token, 1.0, line["speaker"]))
                t += WORD_S
            if line["skill"]:
                moments.append((line["skill"], first, len(words) - 1))
            t += PAUSE_S
        calls.append((words, moments))
    return calls


def covers(match: Match, moment: tuple[str, int, int]) -> bool:
    """Whether a match is of a held-out moment's skill and overlaps its words."""
    skill, first, last = moment
    return match.skill == skill and match.word_start <= last and match.word_end >= first


def heldout_score(rubric: Rubric) -> tuple[int, int, int, float]:
    """(moments found, moments, false clips, hours of talk) of a rubric's examples on the
    held-out scripts: one clip per skill per stretch of words, as in a call."""
    embed = with_shipped(sentence_model().embed)
    matcher = MeaningMatcher(rubric, embed)
    found = total = false = 0
    seconds = 0.0
    for words, moments in heldout_calls():
        matches = best_per_moment(matcher.match(words, sentence_vectors(words, embed)))
        found += sum(1 for moment in moments if any(covers(m, moment) for m in matches))
        total += len(moments)
        false += sum(1 for m in matches if not any(covers(m, moment) for moment in moments))
        seconds += words[-1].end
    return found, total, false, seconds / 3600


def heldout_report(rubric: Rubric) -> None:
    variant_rubric = variant(rubric, "examples")
    assert variant_rubric is not None
    found, total, false, hours = heldout_score(variant_rubric)
    print(f"\n## Held-out call scripts (text, no transcription): {hours * 60:.0f} minutes of talk")
    print(
        f"examples at the default thresholds: {found} / {total} found ({found / total:.0%}), {false} false ({false / hours:.1f} an hour)"
    )


def sweep(corpora: list[Corpus], indexes: dict[str, Index], rubric: Rubric) -> None:
    print("\n## The meaning threshold, examples only, one threshold for every skill")
    names = [c.name for c in corpora] + ["held-out scripts (text)"]
    print("threshold  " + "  ".join(f"{n[:30]:>30}" for n in names))
    for threshold in (80, 90, 95, 97, 98, 99, 99.5):
        cells = []
        for corpus in corpora:
            tried = variant(corpus.rubric, "examples", threshold)
            assert tried is not None
            index = indexes[corpus.name]
            rematch(index, tried, 30.0)
            found, total, false, near = score(index, corpus)
            cells.append(f"{found:2d}/{total:<2d} found, {false:2d} false ({near} near)")
        held = variant(rubric, "examples", threshold)
        assert held is not None
        found, total, false, hours = heldout_score(held)
        cells.append(f"{found:2d}/{total:<2d} found, {false:2d} false ({false / hours:.1f}/h)")
        print(f"{threshold:9}  " + "  ".join(f"{c:>30}" for c in cells))


def main() -> None:
    sales = load_rubric()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paraphrase = fixture_corpus("paraphrase fixtures", ROOT / "fixtures" / "paraphrase", sales)
        scripted = fixture_corpus("scripted fixtures", ROOT / "fixtures" / "calls", sales)
        corpora = [paraphrase, scripted, phone_line(paraphrase, folder / "p8k"), phone_line(scripted, folder / "s8k")]
        spoken = spoken_heldout(sales, folder / "heldout")
        if spoken is not None:
            corpora += [spoken, phone_line(spoken, folder / "h8k")]
        call = AUDIO / "callytics_cs_call_8k" / "Call01.wav"
        if call.exists():
            moments = [("Call01", skill, start, end) for skill, start, end in CALLYTICS_MOMENTS]
            corpora.append(Corpus("real support call (8 kHz)", [call], moments, [], load_rubric("support"), 73.5))
        indexes = report(corpora, folder)
        heldout_report(sales)
        sweep([c for c in corpora if c.rubric is sales], indexes, sales)
        for index in indexes.values():
            index.close()


if __name__ == "__main__":
    main()
