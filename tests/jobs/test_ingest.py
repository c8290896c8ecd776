"""Finding recordings in folders (no model needed), and progress within a recording (the real model)."""

import pytest

from clipfinder.jobs.ingest import FAILED, NOT_AUDIO, find_recordings

from ..audio_helpers import tone, write_wav


def test_folders_are_searched_recursively_and_non_audio_is_reported(tmp_path):
    calls = tmp_path / "calls"
    (calls / "alice" / "nested").mkdir(parents=True)
    wav = write_wav(calls / "alice" / "nested" / "a.wav", [tone(0.5)])
    renamed = write_wav(calls / "alice" / "recording.bin", [tone(0.5)])  # audio whatever its name
    (calls / "alice" / "a.wav.json").write_text("{}")
    (calls / "alice" / "notes.txt").write_text("notes")
    (calls / ".DS_Store").write_bytes(b"\x00\x01")
    (calls / "index.db").write_bytes(b"SQLite format 3\x00")
    (calls / "index.db-wal").write_bytes(b"")
    recordings, outcomes = find_recordings([calls], exclude=[calls / "index.db", calls / "index.db-wal"])
    assert sorted(recordings) == sorted([wav.resolve(), renamed.resolve()])
    assert [(o.path.rsplit("/", 1)[-1], o.status) for o in outcomes] == [("notes.txt", NOT_AUDIO)]


def test_a_named_file_that_is_not_audio_or_missing_is_a_failure(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("notes")
    recordings, outcomes = find_recordings([notes, tmp_path / "missing.wav"])
    assert recordings == []
    assert [o.status for o in outcomes] == [FAILED, FAILED]
    assert "no such file or folder" in outcomes[1].detail


def test_the_same_file_given_twice_is_seen_once(tmp_path):
    wav = write_wav(tmp_path / "a.wav", [tone(0.5)])
    recordings, _ = find_recordings([wav, tmp_path, wav])
    assert recordings == [wav.resolve()]


def test_a_folder_that_cannot_be_read_is_reported_not_passed_over(tmp_path, monkeypatch):
    import os

    (tmp_path / "calls" / "locked").mkdir(parents=True)
    (tmp_path / "calls" / "open").mkdir()
    write_wav(tmp_path / "calls" / "open" / "a.wav", [tone(1.0)])
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):  # what a folder without read permission does
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    recordings, outcomes = find_recordings([tmp_path / "calls"])
    assert [r.name for r in recordings] == ["a.wav"]
    assert [(o.status, o.detail) for o in outcomes] == [
        (FAILED, f"{tmp_path / 'calls' / 'locked'}: cannot read this folder (Permission denied)")
    ]


def test_a_file_name_that_is_not_utf8_is_reported_not_fatal(tmp_path):
    import os

    write_wav(tmp_path / "good.wav", [tone(1.0)])
    bad = os.fsencode(tmp_path) + b"/caf\xe9.wav"
    with open(bad, "wb") as f:
        f.write((tmp_path / "good.wav").read_bytes())
    recordings, outcomes = find_recordings([tmp_path])
    assert [r.name for r in recordings] == ["good.wav"]
    ((status, detail),) = [(o.status, o.detail) for o in outcomes]
    assert status == FAILED and detail.endswith("the file name is not UTF-8 text; rename it")


class _Heard:
    """A Progress that keeps every report."""

    def __init__(self):
        self.during_reports: list[tuple[str, float]] = []
        self.done: list[str] = []

    def begin(self, files, audio_s):
        pass

    def advance(self, outcome):
        self.done.append(outcome.path)

    def during(self, path, seconds):
        self.during_reports.append((path, seconds))


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_hears_how_far_into_each_recording_transcription_is(tmp_path, workers):
    import numpy as np

    from clipfinder import Index, ingest
    from clipfinder.pipeline.audio import decode

    from ..conftest import CALLS

    # the model's segments arrive a batch of speech chunks (up to 4 x 30 s) at a time: a stereo
    # call reports at least once per channel, and a 4-minute mono call several times
    long_call = tmp_path / "bob" / "long.wav"
    long_call.parent.mkdir()
    write_wav(long_call, [np.tile(decode(CALLS / "bob" / "umbrella-intro.ogg")[0], 8)])
    files = [CALLS / "alice" / "acme-discovery.wav", long_call]
    heard = _Heard()
    with Index(tmp_path / "p.db") as index:
        ingest(files, index, workers=workers, progress=heard)
        lengths = {c.path: c.duration_s for c in index.calls()}
    assert sorted(heard.done) == sorted(str(f) for f in files)
    for path, length in lengths.items():
        seconds = [s for p, s in heard.during_reports if p == path]
        # several reports per recording, never past its end, the last one well into it
        assert len(seconds) >= 2, (path, seconds)
        assert all(0 <= s <= length + 0.01 for s in seconds)
        assert seconds[-1] > 0.4 * length
    mono = [s for p, s in heard.during_reports if p == str(long_call)]
    assert mono == sorted(mono) and mono[0] < 0.6 * lengths[str(long_call)], mono
