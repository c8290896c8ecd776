import pytest

from clipfinder import Index
from clipfinder.errors import BadInput, NotFound
from clipfinder.jobs.rematch import rematch
from clipfinder.pipeline.rubric import load_rubric
from clipfinder.read.search import find, search
from clipfinder.store.settings import stored_rubric

from ..conftest import add_call


@pytest.fixture
def index(tmp_path):
    with Index(tmp_path / "s.db") as idx:
        add_call(
            idx,
            [
                ("rep", "Could you walk me through your onboarding?"),
                ("prospect", "Honestly the price is too high, that is my main objection."),
            ],
            rep="alice",
            account="Acme",
            date="2026-11-16",
        )
        add_call(
            idx,
            [
                ("rep", "Tell me about your renewals."),
                ("prospect", "We are also looking at Initech."),
                ("rep", "Should we schedule a follow up next week?"),
            ],
            rep="bob",
            account="Initech",
            date="2026-11-20",
        )
        add_call(
            idx,
            [("rep", "As a next step can we book a meeting with your director?")],
            rep="alice",
            account="Globex",
            date="2026-10-01",
        )
        rematch(idx, load_rubric(), 30.0)
        yield idx


def skills(hits):
    return sorted(h.skill for h in hits)


def test_by_skill_rep_account_and_dates(index):
    assert skills(search(index, skill="next-steps")) == ["next-steps", "next-steps"]
    assert {h.rep for h in search(index, rep="ALICE")} == {"alice"}
    assert skills(search(index, account="initech")) == ["competitor", "discovery", "next-steps"]
    assert {h.account for h in search(index, since="2026-11-01")} == {"Acme", "Initech"}
    assert {h.account for h in search(index, until="2026-10-31")} == {"Globex"}
    assert skills(search(index, skill="next-steps", rep="alice")) == ["next-steps"]


def test_free_text_and_typo_fallback(index):
    exact = search(index, "main objection")
    assert exact[0].skill == "price-objection"
    assert all("objection" in h.text for h in exact)
    typo = search(index, "objcetion")
    assert [h.clip_id for h in typo] == [h.clip_id for h in exact]
    assert search(index, "zebra") == []


@pytest.mark.parametrize(
    "query",
    ['"price', "price*", "price OR walk", "-price", "(price", "price AND NOT", "NEAR(a b)", "'; drop table clips; --"],
)
def test_fts_syntax_is_searched_as_text_never_an_error(index, query):
    hits = search(index, query)
    assert isinstance(hits, list)
    assert index._db.execute("select count(*) from clips").fetchone()[0] > 0


def test_or_is_a_word_not_an_operator(index):
    assert search(index, "price OR walk") == []  # all words must appear; "or" is not in that clip


def test_json_fields(index):
    hit = search(index, skill="competitor")[0].to_json()
    for key in (
        "clip_id",
        "call_id",
        "path",
        "rep",
        "account",
        "date",
        "skill",
        "phrase",
        "score",
        "speaker",
        "start_s",
        "end_s",
        "match_start_s",
        "match_end_s",
        "text",
    ):
        assert key in hit
    assert hit["phrase"] == "we are also looking at" and hit["speaker"] == "prospect"
    assert hit["start_s"] <= hit["match_start_s"] < hit["match_end_s"] <= hit["end_s"]
    assert "Prospect: We are also looking at Initech." in hit["text"]


def test_limit_and_errors(index):
    assert len(search(index, limit=2)) == 2
    with pytest.raises(NotFound, match="unknown skill 'closing'; the skills are: discovery"):
        search(index, skill="closing")
    with pytest.raises(NotFound, match="reps in the index: alice, bob"):
        search(index, rep="carol")
    with pytest.raises(BadInput, match="--since"):
        search(index, since="last week")


def test_rematch_keeps_clip_ids_and_never_reuses_an_id(index):
    before = {(h.call_id, h.skill, h.start_s): h.clip_id for h in search(index, limit=100)}
    rematch(index, load_rubric(), 30.0)
    after = {(h.call_id, h.skill, h.start_s): h.clip_id for h in search(index, limit=100)}
    assert before == after
    narrow = load_rubric().text.replace('"walk me through",', "")
    from clipfinder.pipeline.rubric import parse_rubric

    rematch(index, parse_rubric(narrow, "narrow.toml"), 30.0)
    rematch(index, load_rubric(), 30.0)
    again = {(h.call_id, h.skill, h.start_s): h.clip_id for h in search(index, limit=100)}
    removed_and_back = set(again.values()) - set(before.values())
    assert removed_and_back and min(removed_and_back) > max(before.values())


def test_a_skill_id_is_found_in_any_case(tmp_path):
    with Index(tmp_path / "x.db") as index:
        add_call(index, [("rep", "could you walk me through how your team handles onboarding today")])
        rematch(index, stored_rubric(index), 30.0)
        assert [h.skill for h in search(index, skill="Discovery")] == ["discovery"]


def test_whole_transcripts_are_searched_and_each_hit_gets_a_window(tmp_path):
    filler = [("prospect", "we talked about the weather and the team offsite for a while")] * 12
    with Index(tmp_path / "t.db") as idx:
        call_id = add_call(
            idx,
            [*filler, ("prospect", "the invoice from last quarter was wrong"), *filler],
            rep="alice",
            account="Acme",
        )
        rematch(idx, load_rubric(), 30.0)
        found = find(idx, "invoice")
        assert found.clips == [] and found.fallback is None  # no skill is about invoices
        [passage] = found.passages
        assert passage.call_id == call_id and passage.speaker == "prospect"
        assert passage.end_s - passage.start_s == pytest.approx(30.0)
        assert passage.start_s < passage.hit_start_s < passage.hit_end_s < passage.end_s
        assert "the invoice from last quarter was wrong" in passage.text
        assert passage.to_json()["result"] == "passage"
        # a typo finds the same window and says it used the fallback
        typo = find(idx, "invoise")
        assert [p.start_s for p in typo.passages] == [passage.start_s]
        assert typo.fallback == {"invoise": ["invoic"]} and "invoise -> invoic" in typo.fallback_note
        # clips-only search and a skill filter leave transcripts out
        assert search(idx, "invoice") == [] and find(idx, "invoice", skill="discovery").passages == []
        assert find(idx, "invoice", rep="alice", since="2026-11-16").passages
        assert find(idx, "invoice", since="2026-11-17").passages == []


def test_words_inside_a_clip_are_not_repeated_as_a_passage(index):
    found = find(index, "objection")
    assert "price-objection" in {h.skill for h in found.clips} and found.passages == []


def test_passages_never_repeat_a_window(tmp_path):
    filler = [("prospect", "we talked about the weather and the team offsite for a while")] * 6
    with Index(tmp_path / "t.db") as idx:
        add_call(
            idx,
            [*filler, ("prospect", "the invoice was late"), ("rep", "which invoice was it"), *filler * 3,
             ("prospect", "another invoice came"), *filler],
        )  # fmt: skip
        found = find(idx, "invoice")
    windows = sorted((p.start_s, p.end_s) for p in found.passages)
    assert len(windows) == 2  # the two mentions 4 s apart share one window; the third has its own
    assert all(a[1] <= b[0] for a, b in zip(windows, windows[1:]))
