"""Mono calls end to end with the real model and encoder: fixture calls mixed down to one channel,
so every word's true speaker is known from the script."""

import json

import pytest

from clipfinder import Index, ingest
from clipfinder.errors import BadAudio, BadInput
from clipfinder.jobs.enroll import enroll
from clipfinder.pipeline.audio import decode
from clipfinder.store import voices

from .audio_helpers import tone, write_wav
from .conftest import CALLS, run, truth

ROLE_CHANNELS = {"acme-discovery": "alice/acme-discovery.wav", "globex-pricing": "alice/globex-pricing.mp3"}


def true_speaker(lines, word):
    middle = (word.start + word.end) / 2
    return min(lines, key=lambda ln: max(ln["start"] - middle, middle - ln["end"], 0))["speaker"]


@pytest.fixture(scope="module")
def mono_db(tmp_path_factory):
    """alice's two stereo fixture calls mixed to mono and ingested: no voiceprint, so guessed roles."""
    folder = tmp_path_factory.mktemp("mono")
    (folder / "calls").mkdir()
    for name, src in ROLE_CHANNELS.items():
        left, right = decode(CALLS / src)
        write_wav(folder / "calls" / f"{name}.wav", [(left + right) / 2])
        (folder / "calls" / f"{name}.json").write_text(json.dumps({"rep": "alice", "date": "2026-11-20"}))
    db = folder / "mono.db"
    with Index(db) as index:
        report = ingest([folder / "calls"], index)
    assert report.ok
    return db, folder


@pytest.mark.parametrize("name", list(ROLE_CHANNELS))
def test_word_attribution_on_mixed_down_fixtures_is_at_least_95_percent(mono_db, name):
    db, _ = mono_db
    lines = truth(name)["lines"]
    with Index(db) as index:
        (call,) = [c for c in index.calls() if name in c.path]
        words = index.words(call.id)
        ratio = index.metrics(call.id).talk_ratio
    right = sum(true_speaker(lines, w) == w.speaker for w in words)
    assert len(words) > 50
    assert right / len(words) >= 0.95
    assert ratio == pytest.approx(truth(name)["talk_ratio"], abs=0.05)
    assert call.attribution.method == "first-turn" and call.attribution.uncertain


def test_enrolling_the_rep_attributes_by_voiceprint_without_retranscribing(mono_db, tmp_path):
    db, _ = mono_db
    left, _ = decode(CALLS / "alice" / "acme-discovery.wav")  # alice's own channel
    memo = write_wav(tmp_path / "alice-memo.wav", [left])
    with Index(db) as index:
        before = {c.id: index.words(c.id) for c in index.calls()}
        report = enroll(index, "alice", [memo])
        calls = index.calls()
        after = {c.id: index.words(c.id) for c in calls}
    assert report.reattributed == 2 and report.samples[0].seconds > 10
    for call in calls:
        assert call.attribution.method == "voiceprint" and call.attribution.confidence >= 0.5
        # the same words and times (nothing transcribed again), the same roles (the guess was right)
        assert [(w.start, w.text, w.speaker) for w in after[call.id]] == [
            (w.start, w.text, w.speaker) for w in before[call.id]
        ]


def test_enrolling_the_wrong_voice_flips_the_roles(mono_db, tmp_path):
    """A voiceprint decides the rep: enrolling the prospect's voice as alice swaps every role,
    and the clips are rebuilt for the new roles (a rep's phrase now said by "the prospect" no
    longer makes a rep-skill clip)."""
    db, folder = mono_db
    copy = tmp_path / "copy.db"
    with Index(db) as index:
        index._db.execute("vacuum into ?", [str(copy)])
    _, prospect = decode(CALLS / "alice" / "acme-discovery.wav")
    memo = write_wav(tmp_path / "not-alice.wav", [prospect])
    sql = "select skill, start_s, speaker from matches where call_id = ?"
    with Index(copy) as index:
        (call,) = [c for c in index.calls() if "acme" in c.path]
        ratio = index.metrics(call.id).talk_ratio
        before = set(index._db.execute(sql, [call.id]).fetchall())
        enroll(index, "alice", [memo])
        flipped = index.metrics(call.id).talk_ratio
        after = set(index._db.execute(sql, [call.id]).fetchall())
        roles = {(w.start, w.speaker) for w in index.words(call.id)}
    assert flipped == pytest.approx(1 - ratio, abs=0.02)
    assert any(speaker == "rep" for _, _, speaker in before)  # the guess found alice's own skills
    assert not before & after  # each of them was said by the voice that is now the prospect
    assert all((start, speaker) in roles for _, start, speaker in after)  # any new clip follows the new roles


def test_rematch_goes_back_to_a_guess_when_the_voiceprint_is_removed(db_copy):
    with Index(db_copy) as index:
        index._db.execute("delete from voice_samples where rep = 'bob'")
    result = run("rematch", "--db", db_copy)
    assert result.exit_code == 0 and "1 mono calls re-attributed" in result.output
    stats = run("stats", "--db", db_copy, "--rep", "bob")
    assert "guess ?" in stats.output
    found = run("search", "--db", db_copy, "--rep", "bob", "--limit", "50")
    assert "?]" in found.output and "enroll" in found.output
    items = json.loads(run("search", "--db", db_copy, "--rep", "bob", "--json").output)
    assert {i["speakers_uncertain"] for i in items if "umbrella" in i["path"]} == {True}


def test_enroll_cli_reports_speech_and_rejects_bad_recordings(tmp_path):
    db = tmp_path / "x.db"
    left, _ = decode(CALLS / "bob" / "initech-followup.flac")
    memo = write_wav(tmp_path / "bob.wav", [left])
    result = run("enroll", "bob", str(memo), "--db", db)
    assert result.exit_code == 0, result.output
    assert "enrolled bob:" in result.output
    assert "bob" in run("voices", "--db", db).output
    beep = write_wav(tmp_path / "hum.wav", [tone(4.0, freq=50.0, level=0.01)])
    bad = run("enroll", "bob", str(beep), "--db", db)
    assert bad.exit_code == 1 and "too little to learn a voice" in bad.output
    missing = run("enroll", "bob", str(tmp_path / "nope.wav"), "--db", db)
    assert missing.exit_code == 1 and "no such file" in missing.output
    with Index(db) as index:
        assert len(voices.voice_samples(index, "bob")) == 1  # the failed enrolments stored nothing
        with pytest.raises(BadAudio):
            enroll(index, "bob", [beep])


def test_speakers_option_is_checked(tmp_path):
    with Index(tmp_path / "x.db") as index, pytest.raises(BadInput, match="--speakers"):
        ingest([CALLS / "bob"], index, speakers=0)


def test_a_later_stereo_call_fixes_an_earlier_guess(tmp_path):
    """bob's mono call ingested alone is a guess; his stereo call in a later run gives him a voiceprint."""
    with Index(tmp_path / "x.db") as index:
        ingest([CALLS / "bob" / "umbrella-intro.ogg"], index, workers=1)
        (mono,) = index.calls()
        assert mono.attribution.method == "first-turn"
        report = ingest([CALLS / "bob" / "initech-followup.flac"], index, workers=1)
        again = index.find_call(mono.id)
        assert report.reattributed == 1
        assert again.attribution.method == "voiceprint" and not again.attribution.uncertain
        assert len(voices.voice_samples(index, "bob")) == 1


def test_an_index_from_before_diarization_upgrades_in_place(tmp_path):
    """A schema-2 database (the release before voices) opens, migrates, and keeps its calls."""
    from clipfinder.store.schema import MIGRATIONS

    from .conftest import database_at

    path = tmp_path / "old.db"
    db = database_at(path, 2)
    for number, layout in ((1, "stereo"), (2, "mono")):
        db.table("calls").insert(
            {"id": number, "sha256": f"{number}" * 64, "path": f"/c{number}.wav", "rep": "alice", "date": "2026-11-20",
             "duration_s": 10.0, "layout": layout, "model": "tiny.en", "language": "en", "ingested_at": "x"}
        )  # fmt: skip
    db.close()
    with Index(path) as index:
        assert index.schema_version() == MIGRATIONS[-1][0]
        by_id = {c.id: c for c in index.calls()}
        assert by_id[1].attribution.method == "channels" and not by_id[1].attribution.uncertain
        assert by_id[2].attribution.method == "none" and by_id[2].attribution.uncertain
        assert voices.rep_samples(index, "alice") == [] and voices.speech(index, 2) == []
