"""Re-matching stored words: a new rubric replaces every clip at once, ids survive an unchanged
rubric, and matching many calls in helper processes gives the same clips as one process."""

import os

import pytest

from clipfinder import Index
from clipfinder.errors import BadInput
from clipfinder.jobs import rematch as rematching
from clipfinder.jobs.rematch import choose, rematch, settle_rubric
from clipfinder.pipeline.rubric import load_rubric, parse_rubric
from clipfinder.store import queries
from clipfinder.store.settings import RUBRIC_TEXT, RULE, get_setting, put_setting, stored_clip_seconds, stored_rubric

from ..conftest import add_call

DISCOVERY = ("rep", "could you walk me through how your team handles onboarding today")
PRICE = ("prospect", "honestly the price is a lot higher than we expected")
ANSWER = ("rep", "i hear you, can we look at what the delay is costing you each month")
ONBOARDING_ONLY = """
[[skill]]
id = "onboarding"
speaker = "rep"
phrases = ["handles onboarding"]
"""


@pytest.fixture
def team(tmp_path):
    path = tmp_path / "team.db"
    with Index(path) as index:
        for day in range(1, 7):
            add_call(index, [DISCOVERY, PRICE, ANSWER], date=f"2026-11-0{day}", name=f"call-{day}")
        rematch(index, stored_rubric(index), 30.0)
    return path


def clips(index):
    return sorted((h.call_id, h.skill, h.start_s, h.clip_id) for h in queries.find_clips(index, limit=1000))


def test_a_new_rubric_replaces_every_clip_and_is_remembered(team):
    with Index(team) as index:
        assert {skill for _, skill, _, _ in clips(index)} >= {"discovery"}
        report = rematch(index, parse_rubric(ONBOARDING_ONLY, "team.toml"), 20.0)
        assert (report.calls, report.clips, report.rubric) == (6, 6, "team.toml")
        assert {skill for _, skill, _, _ in clips(index)} == {"onboarding"}
        assert stored_rubric(index).source == "team.toml" and stored_clip_seconds(index) == 20.0
        assert all(round(h.end_s - h.start_s, 1) <= 20.0 for h in queries.find_clips(index, limit=100))


def test_clip_ids_survive_a_rematch_with_the_same_rubric(team):
    with Index(team) as index:
        before = clips(index)
        rematch(index, stored_rubric(index), 30.0)
        assert clips(index) == before


def test_clips_an_older_matching_rule_made_are_made_again(team, monkeypatch):
    with Index(team) as index:
        with index.transaction():  # as an index of the release before the probes left it
            index._db.execute("delete from settings where key = ?", [RULE])
        made = []
        monkeypatch.setattr(rematching, "rematch", lambda *args: made.append(args))
        settle_rubric(index, None, None)
        assert len(made) == 1
        monkeypatch.undo()
        settle_rubric(index, None, None)  # matched with this rule now: nothing to do
        monkeypatch.setattr(rematching, "rematch", lambda *args: made.append(args))
        settle_rubric(index, None, None)
        assert len(made) == 1


def test_an_index_made_with_a_built_in_rubric_gets_this_releases_text(team):
    with Index(team) as index:
        assert stored_rubric(index).source == "default rubric"
        with index.transaction():  # an earlier release's default rubric, stored with the clips
            put_setting(index._db, RUBRIC_TEXT, '[[skill]]\nid = "old"\nphrases = ["an old phrase"]\n')
        assert stored_rubric(index).text == load_rubric(None).text
        rematch(index, load_rubric("support"), 30.0)
        assert stored_rubric(index).text == load_rubric("support").text
        team_rubric = parse_rubric(ONBOARDING_ONLY, "team.toml")
        rematch(index, team_rubric, 30.0)  # a team's own rubric is kept as it was written
        assert get_setting(index._db, RUBRIC_TEXT) == stored_rubric(index).text == team_rubric.text
        # even under a built-in rubric's label (a file named so, or a notebook's)
        labelled = parse_rubric(ONBOARDING_ONLY, "default rubric")
        rematch(index, labelled, 30.0)
        assert stored_rubric(index).text == labelled.text


def test_choose_keeps_the_index_settings_and_checks_new_ones(team, tmp_path):
    with Index(team) as index:
        rubric, seconds = choose(index, None, None)
        assert (rubric.text, seconds) == (stored_rubric(index).text, 30.0)
        with pytest.raises(BadInput, match="--clip-seconds must be between 5 and 600"):
            choose(index, None, 2)
        broken = tmp_path / "broken.toml"
        broken.write_text("[[skill]]\nid = 'x'\n")
        with pytest.raises(BadInput):
            choose(index, broken, None)
        assert stored_rubric(index).text == rubric.text  # a bad rubric changed nothing


def test_helper_processes_match_exactly_as_one_process_does(team, monkeypatch):
    with Index(team) as index:
        rematch(index, parse_rubric(ONBOARDING_ONLY, "team.toml"), 30.0)
        alone = clips(index)
        rematch(index, stored_rubric(index), 30.0)
        # six calls in batches of two: three batches for two helper processes
        monkeypatch.setattr(rematching, "PARALLEL_FROM", 2)
        monkeypatch.setattr(rematching, "BATCH_CALLS", 2)
        monkeypatch.setattr(rematching.os, "cpu_count", lambda: 2)  # also on a one-core machine
        pools = []
        real_pool = rematching.ProcessPoolExecutor

        def counted_pool(*args, **kwargs):
            pools.append(kwargs.get("max_workers"))
            return real_pool(*args, **kwargs)

        monkeypatch.setattr(rematching, "ProcessPoolExecutor", counted_pool)
        rematch(index, parse_rubric(ONBOARDING_ONLY, "team.toml"), 30.0)
        assert pools == [2]
        assert [c[:3] for c in clips(index)] == [c[:3] for c in alone]


BY_MEANING = """
[[skill]]
id = "cost"
speaker = "rep"
examples = [
    "What is this problem costing your business every month?",
    "How much money do you lose because of the delay?",
]
meaning_threshold = 50
"""


def test_a_rubric_with_examples_is_matched_from_stored_sentence_vectors(tmp_path, monkeypatch):
    rubric = parse_rubric(BY_MEANING, "team.toml")
    with Index(tmp_path / "team.db") as index:
        for day in range(1, 7):  # stored without sentence vectors: the first rematch embeds them
            add_call(index, [DISCOVERY, PRICE, ANSWER], date=f"2026-11-0{day}", name=f"call-{day}")
        report = rematch(index, rubric, 30.0)
        assert (report.embedded, report.hint) == (6, None)
        hits = queries.find_clips(index, limit=100)
        # "can we look at what the delay is costing you each month": its probe gives 0.94
        assert len(hits) == 6 and {(h.skill, h.kind, h.speaker) for h in hits} == {("cost", "meaning", "rep")}
        first = clips(index)

        def no_model(words):
            raise AssertionError("the calls' sentences were embedded again")

        monkeypatch.setattr(rematching, "embed_call", no_model)
        monkeypatch.setattr(rematching, "PARALLEL_FROM", 2)
        monkeypatch.setattr(rematching, "BATCH_CALLS", 2)
        monkeypatch.setattr(rematching.os, "cpu_count", lambda: 2)
        again = rematch(index, rubric, 30.0)  # in helper processes, from the stored vectors
        assert again.embedded == 0 and clips(index) == first


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: BLAS runs one thread anyway")
def test_a_helper_process_runs_numpy_on_one_thread():
    # a core's share of the work each: BLAS threads per core in every helper would wait on each other
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=rematching._start_helper) as pool:
        assert pool.submit(_blas_threads).result() == [1]
