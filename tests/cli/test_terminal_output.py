"""Names from file systems and metadata never reach the terminal raw: escape sequences, BEL and
newlines are shown as escapes by every command, and rich never reads a file name as markup."""

import io
import shutil

import pytest

from clipfinder import Index, ingest
from clipfinder.cli.progress import BarProgress, LineProgress
from clipfinder.coaching.loop import add_commitment, set_focus
from clipfinder.jobs.ingest import FAILED, Outcome
from clipfinder.jobs.rematch import rematch
from clipfinder.store.settings import stored_rubric

from ..conftest import CALLS, add_call, run

EVIL = "evil\x1b[31m[/b]\x07"
LINES = [
    ("rep", "could you walk me through how your team handles onboarding today"),
    ("prospect", "honestly the price is a lot higher than we expected"),
]


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    """An index whose names hold control characters (written before they were refused)."""
    path = tmp_path_factory.mktemp("evil") / "team.db"
    with Index(path) as index:
        add_call(index, LINES, date="2026-11-16T10:00", name=EVIL)
        index._db.execute("update calls set account = ?, title = ?", ["Acme\n\x1b]0;owned\x07", "t\rx"])
        rematch(index, stored_rubric(index), 30.0)
        set_focus(index, "alice", "discovery", "2026-11-01")
        add_commitment(index, "alice", "ask about onboarding", when="2026-11-15T09:00")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["calls"],
        ["stats"],
        ["search"],
        ["missed", "1"],
        ["transcript", "1"],
        ["followup", "--as-of", "2026-11-20"],
        ["prep", "--rep", "alice", "--date", "2026-11-20T09:00", "--format", "md"],
        ["calls", "--json"],
        ["transcript", "/calls/" + EVIL + ".wav"],
    ],
)
def test_no_command_prints_a_control_character(legacy, args):
    result = run(*args, "--db", legacy)
    assert result.exit_code == 0, result.output
    assert not {"\x1b", "\x07", "\r"} & set(result.output)


def test_a_table_keeps_one_line_per_call_and_shows_the_escapes(legacy):
    lines = run("calls", "--db", legacy).output.strip().splitlines()
    assert len(lines) == 2  # the header and the one call: the newline in the account did not split it
    assert "evil\\x1b[31m[/b]\\x07" in lines[1] and "Acme\\n\\x1b]0;owned\\x07" in lines[1]


def test_an_error_naming_a_bad_file_is_escaped_too(tmp_path):
    result = run("ingest", tmp_path / f"{EVIL}.wav", "--db", tmp_path / "x.db")
    assert result.exit_code == 1 and "\x1b" not in result.output and "evil\\x1b[31m" in result.output


def test_the_progress_bar_prints_brackets_in_file_names_as_text():
    stream = io.StringIO()
    bar = BarProgress(stream)
    bar.begin(2, 0.0)
    bar.advance(Outcome("/calls/x[/y]/b.wav", FAILED, "/calls/x[/y]/b.wav: cannot decode"))
    bar.advance(Outcome("/calls/Q4 [draft]/c.wav", FAILED, "/calls/Q4 [draft]/c.wav: cannot decode"))
    assert stream.getvalue().splitlines() == [
        "failed /calls/x[/y]/b.wav: cannot decode",
        "failed /calls/Q4 [draft]/c.wav: cannot decode",
    ]


def test_log_lines_cut_only_the_files_own_path_from_its_reason():
    stream = io.StringIO()
    lines = LineProgress(stream)
    lines.begin(2, 0.0)
    lines.advance(Outcome("/calls/Re: Acme.wav", FAILED, "/calls/Re: Acme.wav: cannot decode"))
    lines.advance(Outcome("/calls/b.wav", FAILED, "/calls/b.wav.json: field 'date': not a date"))
    assert stream.getvalue().splitlines()[1:] == [
        "[1/2] failed: /calls/Re: Acme.wav (cannot decode)",
        "[2/2] failed: /calls/b.wav (/calls/b.wav.json: field 'date': not a date)",
    ]


def test_a_failing_file_with_markup_in_its_name_does_not_stop_the_batch(tmp_path):
    broken = tmp_path / "calls" / "x[/b]"
    broken.mkdir(parents=True)
    (broken / "a.wav").write_bytes(b"RIFF" + bytes(100))
    shutil.copy(CALLS / "bob" / "umbrella-intro.ogg", tmp_path / "calls" / "z.ogg")
    stream = io.StringIO()
    with Index(tmp_path / "x.db") as index:
        report = ingest([tmp_path / "calls"], index, workers=1, progress=BarProgress(stream))
    assert sorted(o.status.value for o in report.outcomes) == ["failed", "indexed"]
    assert "x[/b]/a.wav" in stream.getvalue()
