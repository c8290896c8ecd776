import json

import pytest

from clipfinder.errors import BadMetadata
from clipfinder.jobs.metadata import load_metadata, read_manifest


@pytest.fixture
def rec(tmp_path):
    folder = tmp_path / "carol"
    folder.mkdir()
    path = folder / "call1.mp3"
    path.write_bytes(b"audio")
    return path


def test_defaults_rep_from_folder_and_date_from_mtime(rec):
    meta = load_metadata(rec)
    assert meta.rep == "carol"
    assert meta.source == "default"
    assert len(meta.date) == 19 and meta.date[4] == "-"
    assert meta.channels is None


@pytest.mark.parametrize("sidecar_name", ["call1.mp3.json", "call1.json"])
def test_sidecar_under_either_name(rec, sidecar_name):
    (rec.parent / sidecar_name).write_text(
        json.dumps(
            {
                "rep": "dave",
                "account": "Acme",
                "date": "2026-11-16",
                "title": "Disco",
                "channels": ["prospect", "rep"],
            }
        )
    )
    meta = load_metadata(rec)
    assert (meta.rep, meta.account, meta.date, meta.title, meta.channels, meta.source) == (
        "dave",
        "Acme",
        "2026-11-16",
        "Disco",
        ("prospect", "rep"),
        "sidecar",
    )


def test_full_name_sidecar_wins_over_stem_sidecar(rec):
    (rec.parent / "call1.mp3.json").write_text(json.dumps({"rep": "full"}))
    (rec.parent / "call1.json").write_text(json.dumps({"rep": "stem"}))
    assert load_metadata(rec).rep == "full"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({"acount": "typo"}), "unknown field.*acount"),
        (json.dumps({"date": "last tuesday"}), "field 'date'"),
        (json.dumps({"rep": 42}), "field 'rep' must be text"),
        (json.dumps({"channels": ["rep", "rep"]}), "field 'channels'"),
        (json.dumps({"channels": "rep"}), "field 'channels'"),
    ],
)
def test_malformed_sidecar_is_a_clear_error_naming_the_file(rec, content, message):
    (rec.parent / "call1.mp3.json").write_text(content)
    with pytest.raises(BadMetadata, match=message) as err:
        load_metadata(rec)
    assert "call1.mp3.json" in str(err.value)


def test_manifest_rows_resolve_relative_to_the_csv(rec, tmp_path):
    manifest = tmp_path / "calls.csv"
    manifest.write_text("path,rep,account,date,channels\ncarol/call1.mp3,erin,Initech,2026-11-20T09:30,prospect;rep\n")
    meta = load_metadata(rec, read_manifest(manifest))
    assert (meta.rep, meta.account, meta.date, meta.channels, meta.source) == (
        "erin",
        "Initech",
        "2026-11-20T09:30:00",
        ("prospect", "rep"),
        "manifest",
    )


def test_manifest_without_path_column_or_with_unknown_columns_is_rejected(tmp_path):
    bad = tmp_path / "calls.csv"
    bad.write_text("file,rep\nx.mp3,a\n")
    with pytest.raises(BadMetadata, match="'path' column"):
        read_manifest(bad)
    bad.write_text("path,rep,stage\nx.mp3,a,won\n")
    with pytest.raises(BadMetadata, match="stage"):
        read_manifest(bad)


def test_channels_option_applies_only_where_metadata_is_silent(rec):
    assert load_metadata(rec, channels=("prospect", "rep")).channels == ("prospect", "rep")
    (rec.parent / "call1.mp3.json").write_text(json.dumps({"channels": ["rep", "prospect"]}))
    assert load_metadata(rec, channels=("prospect", "rep")).channels == ("rep", "prospect")


@pytest.mark.parametrize("field", ["rep", "account", "title"])
def test_a_name_with_control_characters_is_refused(rec, field):
    (rec.parent / "call1.mp3.json").write_text(json.dumps({field: "Acme\x1b]0;owned\x07\nCorp"}))
    with pytest.raises(BadMetadata, match=f"field '{field}' holds control characters"):
        load_metadata(rec)


def test_a_folder_name_with_control_characters_is_no_rep(tmp_path):
    folder = tmp_path / "bo\x1bb"
    folder.mkdir()
    (folder / "x.wav").write_bytes(b"audio")
    with pytest.raises(BadMetadata, match="give the rep in a sidecar"):
        load_metadata(folder / "x.wav")


def test_a_date_outside_1900_to_2999_is_refused(rec):
    (rec.parent / "call1.mp3.json").write_text(json.dumps({"date": "9999-12-31"}))
    with pytest.raises(BadMetadata, match="field 'date'"):
        load_metadata(rec)
