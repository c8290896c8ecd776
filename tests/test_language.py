"""The spoken language: --language is checked, and a call in another language is flagged, not matched."""

import shutil

import pytest

from clipfinder import Index, ingest
from clipfinder.cli.views import calls_table, missed_text
from clipfinder.errors import BadInput
from clipfinder.pipeline.whisper_model import base_model, check_language, is_multilingual, resolve_model
from clipfinder.read.missed import missed_skills

from .conftest import CALLS, ROOT, run

GERMAN = ROOT / "fixtures" / "other" / "carla" / "mueller-erstgespraech.ogg"
needs_base = pytest.mark.skipif(base_model() is None, reason="the base extra is not installed (make test installs it)")


def test_language_codes_are_checked_against_whisper_and_the_model():
    tiny = resolve_model(None)
    assert not is_multilingual(tiny)
    assert check_language(" EN ", tiny) == "en"
    with pytest.raises(BadInput, match="'xx' is not a language Whisper knows"):
        check_language("xx", tiny)
    with pytest.raises(BadInput, match="tiny.en knows only English.*--model base"):
        check_language("de", tiny)


def test_cli_rejects_an_unknown_language_before_any_work(tmp_path):
    result = run("ingest", str(CALLS / "bob"), "--db", tmp_path / "x.db", "--language", "xx")
    assert result.exit_code == 1 and "Error: --language 'xx' is not a language Whisper knows" in result.output
    auto = run("ingest", str(CALLS / "bob"), "--db", tmp_path / "x.db", "--language", "auto")
    assert auto.exit_code == 1 and "for --language auto use a multilingual model: --model base" in auto.output
    with Index(tmp_path / "x.db") as index:
        assert index.calls() == []


@needs_base
def test_base_is_multilingual_and_takes_any_language():
    base = base_model()
    assert is_multilingual(base) and check_language("de", base) == "de" and check_language("auto", base) == "auto"


@needs_base
def test_a_german_call_is_flagged_and_not_matched_while_english_calls_are(tmp_path):
    folder = tmp_path / "calls"
    (folder / "carla").mkdir(parents=True)
    shutil.copy(GERMAN, folder / "carla" / GERMAN.name)
    shutil.copy(f"{GERMAN}.json", folder / "carla" / f"{GERMAN.name}.json")
    shutil.copytree(CALLS / "bob", folder / "bob")
    with Index(tmp_path / "l.db") as index:
        report = ingest([folder], index, workers=1)
        assert report.ok and [o.path for o in report.off_language] == [str(folder / "carla" / GERMAN.name)]
        calls = {c.rep: c for c in index.calls()}
        german = calls["carla"]
        assert german.off_language and german.language != "en" and german.language_probability is not None
        assert index._db.execute("select count(*) from clips where call_id = ?", [german.id]).fetchone()[0] == 0
        assert not calls["bob"].off_language
        assert index._db.execute("select count(*) from clips where call_id = ?", [calls["bob"].id]).fetchone()[0] > 0
        assert "NOT en" in calls_table([(german, index.metrics(german.id))])
        assert "Not matched against the rubric: the call does not sound like en" in missed_text(
            missed_skills(index, str(german.id))
        )
        # a rematch (new rubric, new voiceprint) never matches it either
        run_result = run("rematch", "--db", tmp_path / "l.db", "--clip-seconds", "20")
        assert run_result.exit_code == 0
        assert index._db.execute("select count(*) from clips where call_id = ?", [german.id]).fetchone()[0] == 0
