import json

import pytest

from clipfinder import Index
from clipfinder.errors import BadInput, NotFound
from clipfinder.pipeline.audio import decode
from clipfinder.read.export import export_clips, safe_name


def test_safe_name_keeps_metadata_inside_the_folder():
    assert safe_name("clip3", "next-steps", "../../etc/passwd") == "clip3_next-steps_etc-passwd"
    assert safe_name("clip3", "x", "..") == "clip3_x_x"
    assert "/" not in safe_name("a/b", "c\\d", "e f")


def test_hostile_rep_name_cannot_write_outside_out(db_copy, tmp_path):
    with Index(db_copy) as index:
        index._db.execute("update calls set rep = '../../../escape'")
        clip_id = index._db.execute("select min(id) from clips").fetchone()[0]
        (done,) = export_clips(index, [clip_id], tmp_path / "out", fmt="wav").clips
    assert done.audio.parent == (tmp_path / "out").resolve()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [done.audio.name, done.subtitles.name, "manifest.json"]
    )
    assert not list(tmp_path.parent.glob("escape*"))


def test_subtitles_are_clip_relative_with_speakers_and_manifest_lists_the_files(db_copy, tmp_path):
    with Index(db_copy) as index:
        clip_id = index._db.execute("select id from clips where skill = 'price-objection' order by id").fetchone()[0]
        (done,) = export_clips(index, [clip_id], tmp_path / "out", fmt="mp3", subtitles="vtt").clips
    vtt = done.subtitles.read_text()
    assert vtt.startswith("WEBVTT\n\n00:00:")
    assert "<v Prospect>" in vtt and "<v Rep>" in vtt
    last_end = vtt.strip().split("\n\n")[-1].split("\n")[0].split(" --> ")[1]
    assert last_end <= "00:00:30.000"
    (item,) = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert item["audio"] == done.audio.name and item["subtitles"] == done.subtitles.name
    assert item["clip_id"] == clip_id and item["duration_s"] == pytest.approx(30.0, abs=0.01)
    assert len(decode(done.audio)[0]) / 16000 == pytest.approx(30.0, abs=0.1)


def test_unknown_clip_or_format_writes_nothing(db_copy, tmp_path):
    with Index(db_copy) as index:
        with pytest.raises(NotFound, match="no clip 999"):
            export_clips(index, [1, 999], tmp_path / "out")
        with pytest.raises(BadInput, match="mp3, wav, ogg, m4a"):
            export_clips(index, [1], tmp_path / "out", fmt="flac")
        with pytest.raises(BadInput, match="srt, vtt, none"):
            export_clips(index, [1], tmp_path / "out", subtitles="ass")
    assert not (tmp_path / "out").exists()


def test_a_moved_recording_is_a_clear_error(db_copy, tmp_path):
    with Index(db_copy) as index:
        index._db.execute("update calls set path = '/nowhere/call.wav'")
        with pytest.raises(BadInput, match="no longer there"):
            export_clips(index, [1], tmp_path / "out")
