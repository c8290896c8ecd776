"""The rubric-and-clips quality bar on the fixture calls, with the real model (docs/rubric.md)."""

import json
from pathlib import Path

import pytest

from clipfinder import Index, ingest
from clipfinder.pipeline.audio import decode
from clipfinder.read.export import export_clips

from .conftest import truth


def stored_matches(index: Index) -> list[dict]:
    rows = index._db.execute(
        "select ca.path, cl.id, m.skill, m.start_s, m.end_s from matches m "
        "join clips cl on cl.id = m.clip_id join calls ca on ca.id = m.call_id"
    ).fetchall()
    return [{"call": Path(p).stem, "clip": c, "skill": s, "start": a, "end": b} for p, c, s, a, b in rows]


def moments(name: str) -> list[tuple[str, float, float]]:
    return [(skill, line["start"], line["end"]) for line in truth(name)["lines"] for skill in line["skills"]]


def overlaps(m: dict, start: float, end: float) -> bool:
    return m["start"] < end + 0.5 and m["end"] > start - 0.5


NAMES = ["acme-discovery", "globex-pricing", "initech-followup", "umbrella-intro"]


@pytest.mark.parametrize("name", NAMES)
def test_every_scripted_skill_moment_is_found(ingested, name):
    db, _ = ingested
    with Index(db) as index:
        found = [m for m in stored_matches(index) if m["call"] == name]
    for skill, start, end in moments(name):
        assert any(m["skill"] == skill and overlaps(m, start, end) for m in found), f"{name}: {skill} at {start}s"


def false_clips(index: Index) -> list[list[dict]]:
    """The matches of every clip that holds no true moment of its skill (one list per such clip)."""
    matches = stored_matches(index)
    out = []
    for (clip_id,) in index._db.execute("select id from clips"):
        held = [m for m in matches if m["clip"] == clip_id]
        if not any(any(k == m["skill"] and overlaps(m, a, b) for k, a, b in moments(m["call"])) for m in held):
            out.append(held)
    return out


def test_no_clip_holds_no_true_moment_of_its_skill(ingested):
    db, _ = ingested
    with Index(db) as index:
        clips = index._db.execute("select count(*) from clips").fetchone()[0]
        assert false_clips(index) == []
    assert clips == sum(len(moments(n)) for n in NAMES)  # one clip per scripted moment here


def test_exported_clips_have_the_window_length_and_contain_their_phrase(ingested, tmp_path):
    db, _ = ingested
    with Index(db) as index:
        first_per_call = index._db.execute("select min(id) from clips group by call_id").fetchall()
        ids = [r[0] for r in first_per_call]
        done = export_clips(index, ids, tmp_path / "out", fmt="wav", subtitles="srt").clips
    for e in done:
        seconds = len(decode(e.audio)[0]) / 16000
        assert seconds == pytest.approx(e.clip.end_s - e.clip.start_s, abs=0.1)
    # Transcribe the exported audio again, as new calls, and look for each clip's skill.
    for e in done:
        sidecar = {"rep": e.clip.rep, **({"channels": list(e.channels)} if e.channels else {})}
        (e.audio.parent / f"{e.audio.name}.json").write_text(json.dumps(sidecar))
    with Index(tmp_path / "again.db") as again:
        report = ingest([tmp_path / "out"], again, workers=2)
        assert report.ok
        found = {
            Path(path).name: {s for (s,) in again._db.execute("select skill from clips where call_id = ?", [call_id])}
            for call_id, path in again._db.execute("select id, path from calls")
        }
    for e in done:
        assert e.clip.skill in found[e.audio.name], f"{e.audio.name}: {e.clip.phrase!r} not heard again"
