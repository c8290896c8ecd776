import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipfinder.errors import BadInput
from clipfinder.pipeline.rubric import DEFAULT_THRESHOLD, load_rubric, normalise_words, parse_rubric

GOOD = """
[[skill]]
id = "next-steps"
name = "Asking for next steps"
speaker = "rep"
phrases = ["schedule a follow up"]
threshold = 88
in_question = true
expected = true
"""


def test_default_rubric_has_the_sales_skills():
    rubric = load_rubric()
    ids = [s.id for s in rubric.skills]
    for skill in ("discovery", "pain", "decision-process", "price-objection", "competitor", "next-steps"):
        assert skill in ids
    assert all(s.description for s in rubric.skills)
    assert rubric.skill("price-objection").speaker == "prospect"
    assert {s.id for s in rubric.skills if s.expected} == {"discovery", "next-steps"}


def test_fields_are_read():
    skill = parse_rubric(GOOD, "team.toml").skills[0]
    assert (skill.id, skill.speaker, skill.threshold, skill.in_question, skill.expected) == (
        "next-steps",
        "rep",
        88,
        True,
        True,
    )
    minimal = parse_rubric('[[skill]]\nid = "x"\nphrases = ["hi there"]\n', "m.toml").skills[0]
    assert (minimal.speaker, minimal.threshold, minimal.name) == ("any", DEFAULT_THRESHOLD, "x")


def test_a_skill_may_have_examples_instead_of_phrases():
    text = (
        '[[skill]]\nid = "next-steps"\n'
        'examples = ["Shall we book a time next week?", "I will send the contract today"]\n'
        'counter_examples = ["We met last week"]\nmeaning_threshold = 45\n'
    )
    rubric = parse_rubric(text, "m.toml")
    skill = rubric.skills[0]
    assert skill.phrases == () and skill.examples == (
        "Shall we book a time next week?",
        "I will send the contract today",
    )
    assert (skill.counter_examples, skill.meaning_threshold, rubric.has_examples) == (("We met last week",), 45, True)
    assert not parse_rubric(GOOD, "team.toml").has_examples


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('phrases = ["schedule a follow up"]', 'phrases = ["a"]\ncolour = "red"'), "colour"),
        (('phrases = ["schedule a follow up"]', "phrases = []"), "phrases"),
        (('phrases = ["schedule a follow up"]', 'phrases = ["..."]'), "phrases"),
        (('speaker = "rep"', 'speaker = "manager"'), "speaker"),
        (("threshold = 88", "threshold = 101"), "threshold"),
        (("threshold = 88", "threshold = -1"), "threshold"),
        (("threshold = 88", 'threshold = "high"'), "threshold"),
        (("in_question = true", 'in_question = "yes"'), "in_question"),
        (("threshold = 88", 'threshold = 88\nexamples = ["ok"]'), "examples"),
        (("threshold = 88", "threshold = 88\nexamples = []"), "examples"),
        (("threshold = 88", 'threshold = 88\nexamples = "shall we book a time next week"'), "examples"),
        (("threshold = 88", 'threshold = 88\ncounter_examples = ["we met last week"]'), "counter_examples"),
        (
            ("threshold = 88", 'threshold = 88\nexamples = ["book a time"]\nmeaning_threshold = 1.5e3'),
            "meaning_threshold",
        ),
        (('phrases = ["schedule a follow up"]', 'description = "no phrases, no examples"'), "phrases"),
    ],
)
def test_bad_fields_name_the_file_skill_and_field(change, field):
    text = GOOD.replace(*change)
    with pytest.raises(BadInput) as err:
        parse_rubric(text, "team.toml")
    message = str(err.value)
    assert message.startswith("team.toml: skill 'next-steps': field '" + field + "'")


def test_duplicate_ids_bad_toml_and_empty_rubric_are_rejected():
    with pytest.raises(BadInput, match="skill 'next-steps': field 'id': duplicate"):
        parse_rubric(GOOD + GOOD, "team.toml")
    with pytest.raises(BadInput, match="team.toml: not valid TOML"):
        parse_rubric("[[skill]\nid=", "team.toml")
    with pytest.raises(BadInput, match="no skills"):
        parse_rubric("", "team.toml")
    with pytest.raises(BadInput, match="field 'id'"):
        parse_rubric('[[skill]]\nid = "Next Steps!"\nphrases = ["x"]\n', "team.toml")


def test_missing_rubric_file(tmp_path):
    with pytest.raises(BadInput, match="cannot read the rubric"):
        load_rubric(tmp_path / "none.toml")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Follow-up,", ["follow", "up"]),
        ("We DON'T have the budget.", ["we", "do", "not", "have", "the", "budget"]),
        ("We can\u2019t", ["we", "can", "not"]),
        ("book 30 minutes", ["book", "thirty", "minutes"]),
        ("over 10,000 or 7", ["over", "10000", "or", "seven"]),
        ("\u201cWalk me thru\u201d", ["walk", "me", "thru"]),
    ],
)
def test_normalise_words(text, words):
    assert normalise_words(text) == words


def test_a_skill_that_is_not_a_table_and_a_file_that_is_not_utf8_are_clear_errors(tmp_path):
    with pytest.raises(BadInput, match=r"skill #1: each skill is a \[\[skill\]\] table"):
        parse_rubric('skill = ["a", 1]\n', "team.toml")
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('[[skill]]\nid = "x"\nname = "Pr\u00e9sentation"\nphrases = ["x"]\n'.encode("latin-1"))
    with pytest.raises(BadInput, match="latin1.toml: the rubric is not UTF-8 text"):
        load_rubric(latin1)


VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False), st.text()),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=8,
)


def toml_value(value) -> str:
    """A TOML literal for the generated value (None leaves the key out)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if abs(value) != float("inf") else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return json.dumps(value)
    return "[" + ", ".join(toml_value(v) for v in value if v is not None) + "]"


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    fields=st.dictionaries(
        st.sampled_from(
            ["id", "name", "speaker", "phrases", "threshold", "in_question", "expected", "examples", "other"]
        ),
        VALUES,
        max_size=6,
    ),
    junk=st.text(max_size=30),
)
def test_any_rubric_file_is_a_rubric_or_one_clear_error(fields, junk):
    body = "".join(f"{key} = {toml_value(v)}\n" for key, v in fields.items() if v is not None)
    for text in (f"[[skill]]\n{body}", junk, f"skill = {toml_value(list(fields.values()))}\n"):
        try:
            rubric = parse_rubric(text, "fuzz.toml")
        except BadInput as exc:
            assert str(exc).startswith("fuzz.toml: ")
        else:
            assert rubric.skills and all(s.phrases or s.examples for s in rubric.skills)


def test_built_in_rubrics_by_name_have_examples_for_each_skill(tmp_path, monkeypatch):
    sales, support = load_rubric("sales"), load_rubric("support")
    assert sales.text == load_rubric().text
    assert [s.id for s in support.skills] == ["greeting", "empathy", "probing", "owning-the-fix", "closing"]
    for skill in (*sales.skills, *support.skills):
        if skill.id != "hedging":  # filler words: phrases only
            # enough for a probe: about 50 sentences that show the skill, 20 that only sound like it
            assert len(skill.examples) >= 40 and len(skill.counter_examples) >= 15, skill.id
    assert load_rubric().skill("commitment").speaker == "prospect"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "support").write_text('[[skill]]\nid = "mine"\nphrases = ["hello there"]\n')
    assert [s.id for s in load_rubric("support").skills] == ["mine"]  # a file of that name wins
