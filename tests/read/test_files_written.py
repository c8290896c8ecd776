"""Files clipfinder writes for the user: it never replaces a file that is there unless asked, and
a failure half-way (a full disk) leaves the old file or nothing, never a truncated one."""

import errno
import os

import pytest

from clipfinder import Index
from clipfinder.errors import CannotWrite
from clipfinder.read.export import export_clips

from ..conftest import run


def first_clip(db) -> int:
    with Index(db) as index:
        return index._db.execute("select min(id) from clips").fetchone()[0]


def test_a_second_export_into_the_same_folder_keeps_the_first(db_copy, tmp_path):
    out = tmp_path / "monday"
    clip = first_clip(db_copy)
    with Index(db_copy) as index:
        first = export_clips(index, [clip], out, fmt="wav")
        kept = {p.name: p.read_bytes() for p in out.iterdir()}
        second = export_clips(index, [clip], out, fmt="wav")
        (one,), (two,) = first.clips, second.clips
        assert two.audio.name == one.audio.name.replace(".wav", "-2.wav")
        assert two.subtitles.name == one.subtitles.name.replace(".srt", "-2.srt")
        assert (first.manifest.name, second.manifest.name) == ("manifest.json", "manifest-2.json")
        assert {p.name: p.read_bytes() for p in out.iterdir() if p.name in kept} == kept
        again = export_clips(index, [clip], out, fmt="wav", overwrite=True)
    assert again.clips[0].audio == one.audio and again.manifest == first.manifest
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_out_naming_a_file_is_an_error_and_the_file_stays(db_copy, tmp_path):
    mine = tmp_path / "notes.txt"
    mine.write_text("my notes")
    result = run("export", str(first_clip(db_copy)), "--out", mine, "--db", db_copy)
    assert result.exit_code == 1 and "is a file; --out needs a folder" in result.output
    assert mine.read_text() == "my notes"


def test_an_encoder_failure_leaves_no_clip_behind(db_copy, tmp_path, monkeypatch):
    from pydub import AudioSegment
    from pydub.exceptions import CouldntEncodeError

    def disk_full(self, out_f, **kwargs):
        with open(out_f, "wb") as half:
            half.write(b"ID3" + bytes(100))  # what ffmpeg wrote before the disk filled
        raise CouldntEncodeError("Encoding failed. ffmpeg returned error code: 1\n\nNo space left on device")

    monkeypatch.setattr(AudioSegment, "export", disk_full)
    out = tmp_path / "out"
    with Index(db_copy) as index, pytest.raises(CannotWrite, match="No space left on device"):
        export_clips(index, [first_clip(db_copy)], out)
    assert list(out.iterdir()) == []


def test_prep_makes_its_folder_refuses_a_folder_and_keeps_the_old_page_on_failure(db_copy, tmp_path, monkeypatch):
    page = tmp_path / "preps" / "week48" / "bob.md"
    args = ["prep", "--rep", "bob", "--date", "2026-11-20T09:00", "--db", db_copy]
    assert run(*args, "--out", page).exit_code == 0 and page.read_text().startswith("# 1-on-1 prep: bob")
    onto = run(*args, "--out", tmp_path / "preps")
    assert onto.exit_code == 1 and "is a folder; --out needs a file name" in onto.output

    def no_space(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    page.write_text("last week's notes")
    monkeypatch.setattr(os, "replace", no_space)
    full = run(*args, "--out", page)
    # the clip's audio beside the page is the first file it writes
    assert full.exit_code == 1 and f"cannot write {page.parent}/" in full.output
    assert full.output.strip().endswith("No space left on device")
    assert page.read_text() == "last week's notes"
    assert not [p for p in page.parent.iterdir() if p.name.endswith(".part")]
