"""The prep artifact on a week of the fixture calls (real ingest), as Markdown, as HTML, and as a
page opened in headless Chromium (a screenshot, and the embedded clip loaded by the browser)."""

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from clipfinder import Index
from clipfinder.coaching.loop import add_commitment, add_score, pin_clip, pins, set_focus
from clipfinder.coaching.prep import build_prep
from clipfinder.coaching.render import render_prep
from clipfinder.errors import NotFound
from clipfinder.read.search import search

from ..conftest import run

SESSION = "2026-11-20T09:00"


@pytest.fixture
def coached(db_copy):
    """alice in focus on discovery, a commitment 65 h before her Acme discovery call, two scores;
    bob in focus on next-steps, a commitment five days before his next call."""
    with Index(db_copy) as index:
        set_focus(index, "alice", "discovery", "2026-10-26")
        add_score(index, "alice", 3, when="2026-11-06")
        add_score(index, "alice", 4, when="2026-11-13")
        add_commitment(index, "alice", "Ask how they handle onboarding today", when="2026-11-13T17:00")
        set_focus(index, "bob", "next-steps", "2026-11-01")
        add_commitment(index, "bob", "Agree a dated next step", when="2026-11-14T12:00")
    return db_copy


def test_prep_gathers_the_session(coached):
    with Index(coached) as index:
        prep = build_prep(index, "alice", SESSION)
    assert prep.focus.skill == "discovery" and prep.rotation.weeks_in_focus == pytest.approx(25 / 7, abs=0.05)
    assert prep.last_commitment is not None and prep.last_commitment.met is True
    assert prep.last_commitment.calls[0].within_72h and prep.last_commitment.calls[0].clip_ids
    assert prep.clip is not None and prep.clip.hit.skill == "discovery"
    shown = [prep.clip, *prep.alternates]
    assert {v.hit.account for v in shown} == {"Acme", "Globex"}  # both of this period's discovery moments
    assert [v.hit.rank for v in shown] == sorted((v.hit.rank for v in shown), reverse=True)
    assert any("Rep:" in line for line in prep.clip.lines)
    assert prep.positive is not None and prep.positive.hit.speaker == "rep"
    assert prep.positive.hit.clip_id != prep.clip.hit.clip_id
    assert prep.metrics.this_week.calls == 2 and prep.metrics.this_week.talk_ratio is not None
    assert {a.account for a in prep.accounts} == {"Acme", "Globex"}
    assert [t.self_score for t in prep.trend][-3:-1] == [3, 4]


def test_bob_commitment_not_met_when_the_call_came_too_late(coached):
    with Index(coached) as index:
        prep = build_prep(index, "bob", "2026-11-21T09:00")
    assert prep.last_commitment is not None and prep.last_commitment.met is False
    assert prep.last_commitment.no_call_in_window


def test_markdown_writes_the_clip_audio_beside_it(coached, tmp_path):
    out = tmp_path / "alice.md"
    result = run("prep", "--db", coached, "--rep", "alice", "--date", SESSION, "--out", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    for heading in ("## Focus skill", "## Last week's commitment", "## The coaching clip", "## Agenda (30 min)"):
        assert heading in text
    assert "MET" in text and "0:10-0:25 **Coaching moment**" in text
    (link,) = re.findall(r"\[(alice-clip\d+\.mp3)\]", text.split("## The coaching clip")[1].split("##")[0])
    assert (tmp_path / link).stat().st_size > 10_000


def html_page(coached, tmp_path) -> Path:
    out = tmp_path / "alice.html"
    result = run("prep", "--db", coached, "--rep", "alice", "--date", SESSION, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_html_is_one_self_contained_file(coached, tmp_path):
    page = html_page(coached, tmp_path).read_text()
    assert "data-met='true'" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert page.count("<audio") >= 1 and "<svg id='trend-chart'" in page and "id='talk-line'" in page
    audio = re.search(r"data:audio/mpeg;base64,([A-Za-z0-9+/=]+)", page).group(1)
    mp3 = tmp_path / "embedded.mp3"
    mp3.write_bytes(base64.b64decode(audio))
    from clipfinder.pipeline.audio import decode

    (channel, *_) = decode(mp3)
    assert 25 <= len(channel) / 16000 <= 35  # a 30-second clip


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.skip("no Chromium on this machine (apt-get install chromium); .ci/run installs it")


FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-file-access-from-files",
]


def test_page_in_headless_chromium_draws_the_chart_and_plays_the_clip(coached, tmp_path):
    browser = chromium()
    page = html_page(coached, tmp_path)
    # The same page with the chart's marks removed is the baseline: the legend and text stay.
    bare = tmp_path / "bare.html"
    text = page.read_text()
    bare.write_text(re.sub(r"<(polyline|circle|rect class='skill-bar')[^>]*/>", "", text))
    counts = {}
    for name, source in (("page", page), ("bare", bare)):
        shot = tmp_path / f"{name}.png"
        subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={tmp_path / name}", f"--screenshot={shot}",
             "--window-size=900,2400", source.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        pixels = _png_rgb(shot)
        counts[name] = {c: _count_near(pixels, rgb) for c, rgb in MARKS.items()}
    drawn = {c: counts["page"][c] - counts["bare"][c] for c in MARKS}
    assert drawn["talk"] > 30, f"the talk-ratio points are not drawn: {drawn}"
    assert drawn["skill"] > 1000, f"the skill bars are not drawn: {drawn}"
    assert drawn["score"] > 60, f"the self-score dots are not drawn: {drawn}"
    # The browser itself loads the embedded clip: a page with the same <audio> reports its duration.
    src = re.search(r"src='(data:audio/mpeg;base64,[^']+)'", page.read_text()).group(1)
    probe = tmp_path / "probe.html"
    probe.write_text(
        f"<title>loading</title><audio id='a' preload='auto' src='{src}'></audio><script>"
        "const a=document.getElementById('a');"
        "a.addEventListener('loadedmetadata',()=>{document.title='duration '+a.duration.toFixed(1)});"
        "a.addEventListener('error',()=>{document.title='error '+(a.error&&a.error.code)});</script>"
    )
    dom = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile2'}", "--virtual-time-budget=15000",
         "--autoplay-policy=no-user-gesture-required", "--dump-dom", probe.as_uri()],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    duration = float(re.search(r"<title>duration ([\d.]+)</title>", dom).group(1))
    assert 25 <= duration <= 35


MARKS = {"talk": (0x1F, 0x5F, 0xBF), "skill": (0x9F, 0xD3, 0xB0), "score": (0xF2, 0x8C, 0x28)}


def _count_near(pixels, color, tolerance=24) -> int:
    import numpy as np

    return int(np.sum(np.all(np.abs(pixels - np.array(color)) <= tolerance, axis=1)))


def _png_rgb(path: Path):
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=int).reshape(-1, 3)


def test_prep_json_free_cli_errors(coached):
    bad = run("prep", "--db", coached, "--rep", "carol")
    assert bad.exit_code == 1 and "alice, bob" in bad.output
    fmt = run("prep", "--db", coached, "--rep", "alice", "--format", "pdf")
    assert fmt.exit_code == 1 and "md or html" in fmt.output
    assert json.loads(run("trend", "--db", coached, "--rep", "alice", "--json").output)


def test_this_week_is_the_seven_days_of_hours_before_the_session(tmp_path):
    from ..conftest import add_call

    line = [("rep", "could you walk me through how your team handles onboarding today")]
    with Index(tmp_path / "x.db") as index:
        add_call(index, line, date="2026-11-16T08:00", name="a week and an hour before")
        add_call(index, line, date="2026-11-16T09:30", name="six days and a bit before")
        add_call(index, line, date="2026-11-23T10:00", name="after the session")
        set_focus(index, "alice", "discovery", "2026-11-01")
        prep = build_prep(index, "alice", "2026-11-23T09:00")
    assert (prep.metrics.this_week.calls, prep.metrics.last_4_weeks.calls) == (1, 1)


def test_a_pinned_clip_is_the_next_preps_coaching_clip(coached):
    with Index(coached) as index:
        best = build_prep(index, "alice", SESSION).clip.hit.clip_id
        other = next(h for h in search(index, rep="alice", limit=50) if h.clip_id != best)
        # pinned before the last 1-on-1 (the commitment on 11-13): not for this prep
        pin_clip(index, other.clip_id, when="2026-11-12T10:00")
        assert build_prep(index, "alice", SESSION).clip.hit.clip_id == best
        made = pin_clip(index, other.clip_id, when="2026-11-18T10:00")
        assert (made.rep, made.clip_id) == ("alice", other.clip_id)
        prep = build_prep(index, "alice", SESSION)
        assert prep.clip.hit.clip_id == other.clip_id and "pinned on 2026-11-18T10:00" in prep.clip_note
        assert other.clip_id not in {a.hit.clip_id for a in prep.alternates}
        # a pin after the session is for the one after
        pin_clip(index, best, when="2026-11-21T10:00")
        assert build_prep(index, "alice", SESSION).clip.hit.clip_id == other.clip_id
        with pytest.raises(NotFound, match="no clip 99999"):
            pin_clip(index, 99999)


def test_a_moved_recording_leaves_the_prep_without_that_audio_not_without_a_prep(coached, tmp_path):
    with Index(coached) as index:
        with index.transaction():
            index._db.execute("update calls set path = '/gone/' || id || '.wav'")
        page = render_prep(build_prep(index, "alice", SESSION), "html")
        doc = render_prep(build_prep(index, "alice", SESSION), "md", tmp_path / "alice.md")
    assert page.count("No audio: the recording /gone/") == 2 and "<audio" not in page
    assert "No audio: the recording /gone/" in doc and not list(tmp_path.glob("*.mp3"))


def test_a_pin_does_not_follow_a_call_to_another_rep(coached):
    with Index(coached) as index:
        clip = search(index, rep="alice", limit=1)[0]
        pin_clip(index, clip.clip_id, when="2026-11-18T10:00")
        assert [p.clip_id for p in pins(index, "alice")] == [clip.clip_id]
        with index.transaction():
            index._db.execute("update calls set rep = 'bob' where id = ?", [clip.call_id])
        assert pins(index, "alice") == []
