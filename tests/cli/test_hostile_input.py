"""Hostile and edge-value input on the command line: every command answers with one line and a
non-zero exit, never a traceback, and a failing command changes nothing in the index. The second
half fuzzes the options that take numbers, dates and text (hypothesis, a bounded number of cases)."""

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clipfinder import Index
from clipfinder.coaching.loop import set_focus
from clipfinder.jobs.rematch import rematch
from clipfinder.store.settings import stored_rubric

from ..conftest import add_call, run

DISCOVERY = ("rep", "could you walk me through how your team handles onboarding today")
PRICE = ("prospect", "honestly the price is a lot higher than we expected")
HUGE = "99999999999999999999"
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same cases on every run and machine; widen max_examples to explore
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "team.db"
    with Index(path) as index:
        add_call(index, [DISCOVERY, PRICE], date="2026-11-16T10:00", name="a")
        add_call(index, [PRICE, DISCOVERY], rep="bob", account="Globex", date="2026-11-18", name="b")
        rematch(index, stored_rubric(index), 30.0)
        set_focus(index, "alice", "discovery", "2026-11-01")
    return path


@pytest.fixture
def copy(team, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(team, path)
    return path


def snapshot(path) -> dict[str, list]:
    """Every row of every table that a command could change."""
    with Index(path) as index:
        tables = ("calls", "words", "segments", "metrics", "clips", "matches", "focus", "commitments", "scores")
        return {t: index._db.execute(f"select * from {t} order by rowid").fetchall() for t in tables}


def one_line_error(result) -> bool:
    lines = result.output.strip().splitlines()
    return result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error: ")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["commit", "--rep", "alice", "x", "--date", "9999-12-31T23:59"], "between the years 1900 and 2999"),
        (["prep", "--rep", "alice", "--date", "0001-01-01"], "between the years 1900 and 2999"),
        (["followup", "--as-of", "9999-12-31"], "between the years 1900 and 2999"),
        (["search", "--since", "2026-11-01xyz"], "--since must be a date"),
        (["search", "--until", ""], "--until must be a date"),
        (["search", "--limit", HUGE], "between 1 and 100000"),
        (["search", "--limit", "-3"], "between 1 and 100000"),
        (["export", "--skill", "discovery", "--top", HUGE], "between 1 and 100000"),
        (["transcript", HUGE], f"no call '{HUGE}'"),
        (["stats", "--call", HUGE], f"no call '{HUGE}'"),
        (["missed", HUGE], f"no call '{HUGE}'"),
        (["export", HUGE], f"no clip {HUGE}"),
        (["score", "--rep", "alice", HUGE], "1 to 5"),
        (["trend", "--rep", "alice", "--weeks", HUGE], "--weeks must be between 1 and 104"),
        (["commit", "--rep", "alice", "ring \x07 the bell"], "control characters"),
        (["focus", "--rep", "zed\x1b[31m"], "no calls for rep 'zed\\x1b[31m'"),
    ],
)
def test_bad_values_are_one_line_errors_and_change_nothing(copy, args, says):
    before = snapshot(copy)
    result = run(*args, "--db", copy)
    assert one_line_error(result), result.output
    assert says in result.output and "\x1b" not in result.output and "\x07" not in result.output
    assert snapshot(copy) == before


def test_an_unexpected_error_is_one_line_with_a_report_hint_and_debug_shows_it(copy, monkeypatch):
    from clipfinder.read import search

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(search, "find", broken)
    result = run("search", "--db", copy)
    assert result.exit_code == 3
    assert result.output.strip() == (
        "Error: unexpected ZeroDivisionError: a bug. This is a bug in clipfinder; please report it with the "
        "command you ran (--debug shows where it happened)."
    )
    debug = run("--debug", "search", "--db", copy)
    assert isinstance(debug.exception, ZeroDivisionError)


def no_traceback(result) -> bool:
    """Exit 0 (it worked), 1 (our error) or 2 (a usage error typer explains); nothing escaped."""
    return result.exit_code in (0, 1, 2) and (result.exception is None or isinstance(result.exception, SystemExit))


@FUZZ
@given(text=st.text(max_size=40), since=st.one_of(st.none(), st.text(max_size=25)), limit=st.integers(-(2**70), 2**70))
def test_search_takes_any_text_dates_and_limits(team, text, since, limit):
    args = ["search", text, "--limit", str(limit), "--db", team] + ([] if since is None else ["--since", since])
    assert no_traceback(run(*args))


@FUZZ
@given(ref=st.one_of(st.text(max_size=30), st.integers(-(2**80), 2**80).map(str)))
def test_every_command_taking_a_call_takes_any_reference(team, ref):
    for command in (["transcript", ref], ["missed", ref], ["stats", "--call", ref]):
        assert no_traceback(run(*command, "--db", team))


@FUZZ
@given(when=st.text(max_size=30), score=st.text(max_size=8), note=st.text(max_size=60))
def test_the_loop_commands_take_any_dates_scores_and_texts(copy, when, score, note):
    for command in (
        ["commit", "--rep", "alice", note, "--date", when],
        ["score", "--rep", "alice", score, "--date", when],
        ["prep", "--rep", "alice", "--date", when, "--format", "md"],
        ["followup", "--as-of", when],
    ):
        result = run(*command, "--db", copy)
        assert no_traceback(result), (command, result.output)
        assert "\x1b" not in result.output


def test_a_file_system_refusal_is_the_users_error_not_a_bug(copy, monkeypatch):
    from pathlib import Path

    real_exists = Path.exists

    def exists(self, *args, **kwargs):
        if "locked" in str(self):
            raise PermissionError(13, "Permission denied", str(self))
        return real_exists(self, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", exists)
    result = run("calls", "--db", "/srv/locked/team.db")
    assert one_line_error(result)
    assert result.output.strip() == "Error: cannot use /srv/locked/team.db: Permission denied"


def test_a_reader_that_goes_away_ends_the_command_quietly(copy, monkeypatch):
    from clipfinder.cli import views

    def gone(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(views, "calls_table", gone)
    result = run("calls", "--db", copy)
    assert result.exit_code == 1 and result.output == ""


def test_a_call_id_of_thousands_of_digits_is_just_not_found(copy):
    result = run("transcript", "9" * 5000, "--db", copy)
    assert one_line_error(result) and "no call" in result.output


def test_a_date_an_earlier_release_stored_out_of_range_stops_nobody(copy):
    with Index(copy) as index:
        index._db.execute(
            "insert into commitments (rep, skill, text, date, made_at) values "
            "('alice', 'discovery', 'far future', '9999-12-31T23:59', '2026-11-01')"
        )
    result = run("followup", "--as-of", "2026-11-20", "--db", copy)
    assert result.exit_code == 0 and "far future" in result.output
    assert run("prep", "--rep", "alice", "--date", "2026-11-20T09:00", "--db", copy).exit_code == 0
