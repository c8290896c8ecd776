"""The whole chain with the real embedded model on the fixture calls: no mocks."""

import shutil

import numpy as np
import pytest

from clipfinder import Index, ingest
from clipfinder.jobs.ingest import FAILED, INDEXED, NOT_AUDIO, SKIPPED
from clipfinder.pipeline.audio import decode

from .audio_helpers import tone, write_wav
from .conftest import CALLS, truth

STEREO = ["acme-discovery", "globex-pricing", "initech-followup"]


def by_name(index: Index) -> dict:
    return {c.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]: c for c in index.calls()}


def test_every_fixture_is_indexed(ingested):
    _, report = ingested
    assert len(report.having(INDEXED)) == 4
    assert report.ok


@pytest.mark.parametrize("name", STEREO)
def test_stereo_talk_ratio_within_003_of_truth(ingested, name):
    db, _ = ingested
    with Index(db) as index:
        call = by_name(index)[name]
        measured = index.metrics(call.id)
    expected = truth(name)
    assert call.layout == "stereo"
    assert measured.talk_ratio == pytest.approx(expected["talk_ratio"], abs=0.03)
    for role in ("rep", "prospect"):
        assert measured.talk_seconds[role] == pytest.approx(expected["talk_seconds"][role], rel=0.15)


def test_sidecar_channel_order_is_honoured(ingested):
    """globex-pricing has the prospect on channel 0; swapping would put the ratio near 0.41."""
    db, _ = ingested
    with Index(db) as index:
        call = by_name(index)["globex-pricing"]
        segments = index.segments(call.id)
    assert call.channels == ("prospect", "rep")
    rep_text = " ".join(s.text for s in segments if s.speaker == "rep").lower()
    assert "put together a" in rep_text
    assert "price is too high" not in rep_text


def test_metadata_lands_in_the_index(ingested):
    db, _ = ingested
    with Index(db) as index:
        calls = by_name(index)
    assert (calls["acme-discovery"].rep, calls["acme-discovery"].account) == ("alice", "Acme")
    assert calls["acme-discovery"].date == "2026-11-16T10:00:00"
    assert calls["initech-followup"].rep == "bob"  # no sidecar: the folder's name


def test_mono_call_is_diarized_and_matched_to_the_reps_stereo_voice(ingested):
    """bob's stereo call teaches his voice in the same batch; his mono call is then attributed by it."""
    db, report = ingested
    with Index(db) as index:
        call = by_name(index)["umbrella-intro"]
        metrics = index.metrics(call.id)
        speakers = {s.speaker for s in index.segments(call.id)}
    assert call.layout == "mono"
    assert speakers == {"rep", "prospect"}
    assert call.attribution.method == "voiceprint" and not call.attribution.uncertain
    assert metrics.talk_ratio == pytest.approx(truth("umbrella-intro")["talk_ratio"], abs=0.05)
    assert report.reattributed == 1


def test_mono_call_without_the_diarize_extra_keeps_unknown_speakers(tmp_path, monkeypatch):
    from clipfinder.pipeline import encoder

    monkeypatch.setattr(encoder, "available", lambda: False)
    with Index(tmp_path / "x.db") as index:
        report = ingest([CALLS / "bob" / "umbrella-intro.ogg"], index, workers=1)
        (call,) = index.calls()
        metrics = index.metrics(call.id)
        speakers = {s.speaker for s in index.segments(call.id)}
    assert report.ok and report.undiarized == 1
    assert "pip install 'clipfinder[diarize]'" in report.having(INDEXED)[0].detail
    assert call.attribution.method == "none" and call.attribution.uncertain
    assert speakers == {"unknown"}
    assert metrics.talk_ratio is None
    assert metrics.talk_seconds["unknown"] > 10


def test_words_are_real_text_with_ordered_timestamps(ingested):
    db, _ = ingested
    with Index(db) as index:
        call = by_name(index)["acme-discovery"]
        segments = index.segments(call.id)
    text = " ".join(s.text for s in segments).lower()
    for phrase in ("walk me through", "onboarding", "calendar invite"):
        assert phrase in text
    for s in segments:
        assert all(s.start - 0.01 <= w.start <= w.end <= s.end + 0.01 for w in s.words)
    rep_segments = [s for s in segments if s.speaker == "rep"]
    assert any("next step" in s.text.lower() for s in rep_segments)


def test_reingest_skips_everything_exactly(ingested):
    db, _ = ingested
    with Index(db) as index:
        before = index._db.execute("select count(*) from words").fetchone()[0]
        report = ingest([CALLS], index, workers=1)
        after = index._db.execute("select count(*) from words").fetchone()[0]
    assert [o.status for o in report.outcomes] == [SKIPPED] * 4
    assert all("already indexed as call" in o.detail for o in report.outcomes)
    assert before == after


def test_a_broken_file_is_recorded_and_the_rest_of_the_batch_indexes(tmp_path):
    folder = tmp_path / "calls" / "bob"
    folder.mkdir(parents=True)
    shutil.copy(CALLS / "bob" / "initech-followup.flac", folder)
    (folder / "corrupt.mp3").write_bytes(b"ID3" + bytes(range(256)) * 40)
    (folder / "empty.wav").write_bytes(b"")
    write_wav(folder / "silence.wav", [np.zeros(16000 * 3, dtype=np.float32)])
    (folder / "notes.txt").write_text("not a call\n")
    (folder / "bad-meta.wav").write_bytes((CALLS / "alice" / "acme-discovery.wav").read_bytes()[:200_000])
    (folder / "bad-meta.wav.json").write_text('{"rep": ')
    with Index(tmp_path / "x.db") as index:
        report = ingest([tmp_path / "calls"], index, workers=2)
        failed = {o.path.rsplit("/", 1)[-1]: o.detail for o in report.having(FAILED)}
        stored_failures = {f["path"].rsplit("/", 1)[-1] for f in index.failures()}
        indexed = [c.path.rsplit("/", 1)[-1] for c in index.calls()]
    assert indexed == ["initech-followup.flac"]
    assert set(failed) == {"corrupt.mp3", "empty.wav", "silence.wav", "bad-meta.wav"}
    assert "no speech" in failed["silence.wav"]
    assert "not valid JSON" in failed["bad-meta.wav"]
    assert stored_failures == set(failed)
    assert [o.path.rsplit("/", 1)[-1] for o in report.having(NOT_AUDIO)] == ["notes.txt"]
    assert not report.ok


def test_dual_mono_stereo_is_treated_as_mono(tmp_path):
    (mono,) = decode(CALLS / "bob" / "umbrella-intro.ogg")
    path = write_wav(tmp_path / "bridge.wav", [mono, mono])
    with Index(tmp_path / "x.db") as index:
        report = ingest([path], index)
        (call,) = index.calls()
        assert report.ok and call.layout == "mono"
        assert call.attribution.method == "first-turn" and call.attribution.voices == 2


def test_force_retranscribes_and_keeps_the_call_id(tmp_path):
    path = write_wav(tmp_path / "beep.wav", [tone(2.0)])
    src = CALLS / "bob" / "initech-followup.flac"
    with Index(tmp_path / "x.db") as index:
        ingest([src], index)
        (first,) = index.calls()
        report = ingest([src, path], index, force=True, workers=1)
        (again,) = index.calls()
    assert again.id == first.id and again.ingested_at >= first.ingested_at
    assert {o.status for o in report.outcomes} == {INDEXED, FAILED}


def test_manifest_alone_names_the_files_and_their_channels(tmp_path):
    """Channels swapped by the manifest: the rep's share becomes the prospect's."""
    src = CALLS / "bob" / "initech-followup.flac"
    manifest = tmp_path / "calls.csv"
    manifest.write_text(f"path,rep,account,date,channels\n{src},erin,Initech,2026-11-20,prospect;rep\n")
    with Index(tmp_path / "x.db") as index:
        report = ingest([], index, manifest=manifest)
        (call,) = index.calls()
        ratio = index.metrics(call.id).talk_ratio
    assert report.ok
    assert (call.rep, call.account, call.date, call.channels) == ("erin", "Initech", "2026-11-20", ("prospect", "rep"))
    assert ratio == pytest.approx(1 - truth("initech-followup")["talk_ratio"], abs=0.03)


class _StopAfterFirstIndexed:
    """A progress receiver that interrupts the run like Ctrl-C once one call is stored."""

    def begin(self, files, audio_s):
        pass

    def advance(self, outcome):
        if outcome.status == INDEXED:
            raise KeyboardInterrupt


def test_an_interrupted_run_keeps_whole_calls_and_the_next_run_finishes(tmp_path, calls_copy):
    db = tmp_path / "x.db"
    with Index(db) as index, pytest.raises(KeyboardInterrupt):
        ingest([calls_copy], index, workers=2, progress=_StopAfterFirstIndexed())
    with Index(db) as index:
        (kept,) = index.calls()
        counts = [
            index._db.execute(f"select count(distinct call_id) from {t}").fetchone()[0] for t in ("words", "metrics")
        ]
        assert counts == [1, 1]
        report = ingest([calls_copy], index, workers=2)
        assert len(report.having(INDEXED)) == 3 and len(report.having(SKIPPED)) == 1
        assert len(index.calls()) == 4
