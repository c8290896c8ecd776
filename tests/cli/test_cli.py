"""The CLI through typer's CliRunner: exit codes, messages and --json shapes."""

import json
import shutil

import pytest

from scripts.cli_reference import reference

from ..conftest import CALLS, ROOT, run


def test_every_command_has_help_with_an_example():
    from scripts.cli_reference import help_text

    for command in ("ingest", "calls", "stats", "transcript", "rematch", "skills", "search", "export", "missed"):
        assert "Example: clipfinder " + command in help_text([command])


def test_cli_reference_doc_is_in_step_with_help():
    assert (ROOT / "docs" / "cli.md").read_text() == reference(), "run `make docs`"


def test_ingest_summary_skip_and_exit_codes(tmp_path):
    folder = tmp_path / "calls" / "bob"
    folder.mkdir(parents=True)
    shutil.copy(CALLS / "bob" / "initech-followup.flac", folder)
    db = tmp_path / "x.db"
    first = run("ingest", tmp_path / "calls", "--db", db)
    assert first.exit_code == 0, first.output
    assert "1 indexed" in first.output and "0 failed" in first.output
    assert "indexed: " in first.output  # plain progress lines when not on a terminal
    again = run("ingest", tmp_path / "calls", "--db", db)
    assert again.exit_code == 0
    assert "0 indexed" in again.output and "1 skipped" in again.output and "already indexed as call 1" in again.output
    (folder / "broken.m4a").write_bytes(b"\x00" * 999)
    broken = run("ingest", tmp_path / "calls", "--db", db)
    assert broken.exit_code == 1
    assert "1 failed" in broken.output and "FAILED" in broken.output and "broken.m4a" in broken.output
    assert "Traceback" not in broken.output


def test_calls_json_shape(ingested):
    db, _ = ingested
    result = run("calls", "--db", db, "--json")
    assert result.exit_code == 0
    items = json.loads(result.output)
    assert len(items) == 4
    assert {"call_id", "path", "rep", "account", "date", "duration_s", "layout", "talk_ratio"} <= set(items[0])
    alice = json.loads(run("calls", "--db", db, "--json", "--rep", "Alice").output)
    assert {i["rep"] for i in alice} == {"alice"} and len(alice) == 2


def test_stats_json_shape_and_values(ingested):
    db, _ = ingested
    items = json.loads(run("stats", "--db", db, "--json").output)
    assert len(items) == 4
    for item in items:
        assert {
            "call_id",
            "path",
            "rep",
            "date",
            "duration_s",
            "talk_ratio",
            "talk_seconds",
            "longest_monologue_s",
            "questions",
            "interactivity",
            "patience_s",
        } <= set(item)
        assert set(item["talk_seconds"]) >= {"rep", "prospect"}
        if item["layout"] == "stereo":
            assert 0 < item["talk_ratio"] < 1
            assert item["questions"]["rep"] >= 1
            assert item["speakers"] == "channels" and not item["speakers_uncertain"]
        else:
            assert 0 < item["talk_ratio"] < 1 and item["speakers"].startswith("voiceprint")
    reps = json.loads(run("stats", "--db", db, "--json", "--per-rep").output)
    assert [r["rep"] for r in reps] == ["alice", "bob"]
    assert reps[1]["calls"] == 2 and reps[1]["calls_with_roles"] == 2 and reps[1]["calls_uncertain"] == 0


def test_stats_table_shows_anchors(ingested):
    db, _ = ingested
    result = run("stats", "--db", db)
    assert result.exit_code == 0
    assert "43:57" in result.output and "11-14 questions" in result.output
    assert "Averages per rep" in result.output


@pytest.mark.parametrize(("fmt", "start"), [("txt", "[00:"), ("srt", "1\n00:00:"), ("vtt", "WEBVTT"), ("json", "[")])
def test_transcript_formats(ingested, fmt, start):
    db, _ = ingested
    path = str(CALLS.resolve() / "alice" / "acme-discovery.wav")
    result = run("transcript", path, "--db", db, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(start)
    assert "onboarding" in result.output.lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["transcript", "999"], "no call '999'"),
        (["calls", "--rep", "zed"], "no calls for rep 'zed'"),
        (["transcript", "1", "--format", "docx"], "unknown transcript format"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(ingested, args, message):
    db, _ = ingested
    result = run(*args, "--db", db)
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert "Traceback" not in result.output


def test_missing_database_is_an_error_not_a_new_file(tmp_path):
    result = run("calls", "--db", tmp_path / "none.db")
    assert result.exit_code == 1 and "no database at" in result.output
    assert not (tmp_path / "none.db").exists()


def test_bad_channels_and_unknown_model_fail_before_any_work(tmp_path):
    bad = run("ingest", CALLS, "--db", tmp_path / "x.db", "--channels", "rep,customer")
    assert bad.exit_code == 1 and "Error: channels must name each role" in bad.output
    model = run(
        "ingest", CALLS, "--db", tmp_path / "x.db", "--model", "nosuch", env={"CLIPFINDER_MODELS": str(tmp_path)}
    )
    assert model.exit_code == 1
    assert "Error: No model named 'nosuch'" in model.output and str(tmp_path / "nosuch") in model.output


def test_db_from_environment(ingested):
    db, _ = ingested
    result = run("calls", env={"CLIPFINDER_DB": str(db)})
    assert result.exit_code == 0 and "acme-discovery" in result.output


def test_search_table_and_json(ingested):
    db, _ = ingested
    table = run("search", "--db", db, "--skill", "price-objection")
    assert table.exit_code == 0
    assert "price-objection" in table.output and "@00:" in table.output
    items = json.loads(run("search", "--db", db, "--json", "--rep", "alice", "--skill", "competitor").output)
    assert len(items) == 1 and items[0]["account"] == "Globex"
    assert json.loads(run("search", "zebra", "--db", db, "--json").output) == []
    weird = run("search", '"(price OR -budget*', "--db", db)
    assert weird.exit_code == 0 and "Traceback" not in weird.output


def test_skills_and_missed(ingested):
    db, _ = ingested
    skills = run("skills", "--db", db)
    assert skills.exit_code == 0 and "next-steps" in skills.output and "default rubric" in skills.output
    path = str(CALLS.resolve() / "bob" / "initech-followup.flac")
    missed = run("missed", path, "--db", db)
    assert missed.exit_code == 0
    assert "discovery: Open discovery questions" in missed.output and "last spoke at 00:3" in missed.output
    data = json.loads(run("missed", path, "--db", db, "--json").output)
    assert [m["skill"] for m in data["missed"]] == ["discovery"]
    assert 30 < data["prospect_last_s"] <= data["duration_s"]


def test_rematch_with_a_bad_rubric_changes_nothing(db_copy, tmp_path):
    db = db_copy
    bad = tmp_path / "bad.toml"
    bad.write_text('[[skill]]\nid = "x"\nspeaker = "manager"\nphrases = ["hi"]\n')
    before = run("search", "--db", db, "--json", "--limit", "100").output
    result = run("rematch", "--db", db, "--rubric", bad)
    assert result.exit_code == 1
    assert f"Error: {bad}: skill 'x': field 'speaker'" in result.output
    assert run("search", "--db", db, "--json", "--limit", "100").output == before


def test_rematch_with_a_new_rubric_and_back(db_copy, tmp_path):
    db = db_copy
    custom = tmp_path / "team.toml"
    custom.write_text('[[skill]]\nid = "renewals"\nspeaker = "any"\nphrases = ["renewal process"]\n')
    result = run("rematch", "--db", db, "--rubric", custom)
    assert result.exit_code == 0 and "4 calls re-matched" in result.output
    items = json.loads(run("search", "--db", db, "--json").output)
    assert {i["skill"] for i in items} == {"renewals"}
    assert "renewals" in run("skills", "--db", db).output
    from clipfinder.pipeline.rubric import default_rubric_text

    default = tmp_path / "default.toml"
    default.write_text(default_rubric_text())
    assert run("rematch", "--db", db, "--rubric", default).exit_code == 0
    assert len(json.loads(run("search", "--db", db, "--json", "--limit", "100").output)) == 13


def test_export_top_by_skill(ingested, tmp_path):
    db, _ = ingested
    result = run(
        "export", "--db", db, "--skill", "next-steps", "--top", "2", "--out", tmp_path / "monday", "--format", "wav"
    )
    assert result.exit_code == 0, result.output
    assert "2 clip(s) exported" in result.output
    assert len(list((tmp_path / "monday").glob("*.wav"))) == 2
    both = run("export", "1", "--db", db, "--top", "2", "--out", tmp_path / "x")
    assert both.exit_code == 1 and "not both" in both.output


def test_clip_shows_one_clip_with_its_call_window_and_words(ingested):
    db, _ = ingested
    hit = json.loads(run("search", "--db", db, "--limit", "1", "--json").output)[0]
    text = run("clip", str(hit["clip_id"]), "--db", db)
    assert text.exit_code == 0
    head = text.output.splitlines()
    assert head[0].startswith(f"clip {hit['clip_id']}: {hit['skill']}, confidence ")
    assert head[1].startswith(f"call {hit['call_id']}: {hit['rep']}, ")
    assert head[2].startswith("window ") and f'"{hit["phrase"]}"' in head[2]
    assert any(line.startswith("[") for line in head[4:])
    shown = json.loads(run("clip", str(hit["clip_id"]), "--db", db, "--json").output)
    assert shown["clip_id"] == hit["clip_id"] and shown["lines"]
    assert run("clip", "999999", "--db", db).exit_code == 1


def test_transcript_between_two_points(ingested):
    db, _ = ingested
    whole = run("transcript", "1", "--db", db).output.splitlines()
    part = run("transcript", "1", "--from", "0:10", "--to", "20", "--db", db).output.splitlines()
    assert 0 < len(part) < len(whole)
    assert all("00:10" <= line[1:6] <= "00:20" for line in part)
    for args, says in ((["--from", "1:xx"], "--from must be a time"), (["--from", "30", "--to", "0:20"], "after")):
        result = run("transcript", "1", *args, "--db", db)
        assert result.exit_code == 1 and says in result.output


# A skill with examples only, said in other words in initech-followup ("should we schedule a
# follow up for early january?": its probe gives 0.95; 0.66 even when heard as "welcome eating"),
# so the sentence model finds it and nothing else can.
FOLLOW_UP_BY_MEANING = """
[[skill]]
id = "follow-up"
speaker = "rep"
examples = ["could we put a follow-up meeting on the calendar for the start of january"]
meaning_threshold = 50
"""


def test_rematch_without_the_sentence_model_says_how_to_get_it_and_finds_nothing_by_meaning(
    db_copy, tmp_path, monkeypatch
):
    from clipfinder.jobs import rematch as rematching
    from clipfinder.pipeline import meaning
    from clipfinder.pipeline.sentence_model import INSTALL_HINT, is_available

    rubric = tmp_path / "follow-up.toml"
    rubric.write_text(FOLLOW_UP_BY_MEANING)
    if is_available():  # with the model, the skill is found by meaning
        assert run("rematch", "--db", db_copy, "--rubric", rubric).exit_code == 0
        items = json.loads(run("search", "--db", db_copy, "--json").output)
        # at least the initech moment (another machine's words may bring a second one over 50)
        assert items and {(i["skill"], i["kind"]) for i in items} == {("follow-up", "meaning")}
    monkeypatch.setattr(rematching, "is_available", lambda: False)
    monkeypatch.setattr(meaning, "is_available", lambda: False)
    result = run("rematch", "--db", db_copy, "--rubric", rubric)
    assert result.exit_code == 0, result.output
    assert result.output.count(INSTALL_HINT) == 1 and "Traceback" not in result.output
    assert json.loads(run("search", "--db", db_copy, "--json").output) == []
    # the examples were skipped, so the index does not count as matched by this rule: the first
    # rematch or ingest with the model matches them
    from clipfinder import Index
    from clipfinder.store.settings import matched_with, stored_clip_seconds, stored_rubric

    with Index(db_copy) as index:
        assert not matched_with(index, stored_rubric(index), stored_clip_seconds(index))
