"""The skill rubric: which phrases mark which coaching skill, read from TOML.

    [[skill]]
    id = "next-steps"               # stable id used in search and export
    name = "Asking for next steps"  # what a manager reads
    speaker = "rep"                 # rep | prospect | any
    phrases = ["schedule a follow up", "as a next step"]
    threshold = 85                  # optional, 0-100 (default DEFAULT_THRESHOLD)
    examples = ["I'll send the contract over right after this call"]   # matched by meaning
    counter_examples = ["I sent the contract last week"]              # optional: what it is not
    meaning_threshold = 90          # optional, 0-100 (default DEFAULT_MEANING_THRESHOLD)
    in_question = false             # optional: only inside a question
    expected = true                 # optional: its absence on a call is reported by `missed`
    description = "..."             # optional: what the skill is and why it matters

A skill has phrases, examples or both. The default rubric ships in the package
(default_rubric.toml) and is documented in docs/rubric.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import tomllib

from clipfinder.errors import BadInput
from clipfinder.records import PROSPECT, REP

# Mean per-word similarity (0-100) a phrase needs when its skill sets no threshold. Chosen so
# one short word off ("thru" for "through") passes and a missing or swapped word does not.
DEFAULT_THRESHOLD = 85
# Least likelihood (0-100: the skill's probe's probability x 100, pipeline/probe.py) a sentence
# needs to show a skill when the skill sets no meaning_threshold; chosen by measurement
# (scripts/eval_meaning.py, docs/rubric.md).
DEFAULT_MEANING_THRESHOLD = 97
# The matching rule's version, stored with an index's clips: an index whose clips an older rule
# made is matched again (store/settings.py). "probe 1": a probe per skill decides matches by
# meaning (before it, the cosine with the nearest example did).
MATCHING_RULE = "probe 1"
SPEAKERS = (REP, PROSPECT, "any")
KEYS = {
    "id",
    "name",
    "speaker",
    "phrases",
    "threshold",
    "in_question",
    "expected",
    "description",
    "examples",
    "counter_examples",
    "meaning_threshold",
}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
Failure = Callable[[str, str], BadInput]  # (field, problem) -> the error naming file, skill and field


@dataclass(frozen=True)
class Skill:
    """One coaching skill: the phrases that show it, and example sentences matched by meaning."""

    id: str
    name: str
    speaker: str
    phrases: tuple[str, ...]
    threshold: float = DEFAULT_THRESHOLD
    in_question: bool = False
    expected: bool = False
    description: str = ""
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    meaning_threshold: float = DEFAULT_MEANING_THRESHOLD

    @property
    def said_by(self) -> str | None:
        """The role whose words show this skill, None when anyone's do."""
        return None if self.speaker == "any" else self.speaker


@dataclass(frozen=True)
class Rubric:
    """A validated rubric and where it came from (its text is stored in the index)."""

    skills: tuple[Skill, ...]
    source: str
    text: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]

    @property
    def has_examples(self) -> bool:
        return any(s.examples for s in self.skills)

    def skill(self, skill_id: str) -> Skill:
        for s in self.skills:
            if s.id == skill_id:
                return s
        known = ", ".join(s.id for s in self.skills)
        raise BadInput(f"unknown skill '{skill_id}'; the rubric's skills are: {known}")


# The rubrics that ship in the package, by the name --rubric takes instead of a file, and the
# source each is labelled with (in errors, and in an index's settings).
BUILT_IN = {"sales": "default_rubric.toml", "support": "support_rubric.toml"}
BUILT_IN_SOURCE = {"sales": "default rubric", "support": "built-in support rubric"}


def built_in_named(source: str | None) -> str | None:
    """The name of the built-in rubric a source label stands for ("default rubric": "sales")."""
    return next((name for name, label in BUILT_IN_SOURCE.items() if label == source), None)


@lru_cache(maxsize=len(BUILT_IN))
def built_in_rubric(name: str) -> Rubric:
    """A built-in rubric by name, read and validated once per process."""
    text = resources.files("clipfinder").joinpath(BUILT_IN[name]).read_text(encoding="utf-8")
    return parse_rubric(text, BUILT_IN_SOURCE[name])


def built_in_name(rubric: Rubric) -> str | None:
    """The name of the built-in rubric this one is, word for word, else None."""
    return next((name for name in BUILT_IN if built_in_rubric(name).text == rubric.text), None)


def default_rubric_text() -> str:
    return built_in_rubric("sales").text


def load_rubric(path: Path | str | None = None) -> Rubric:
    """Read and validate a rubric file, or a built-in rubric by name ("sales", "support") when no
    such file exists; None gives the default sales rubric."""
    if path is None:
        return built_in_rubric("sales")
    if str(path) in BUILT_IN and not Path(path).exists():
        return built_in_rubric(str(path))
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the rubric ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: the rubric is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    return parse_rubric(text, str(path))


def parse_rubric(text: str, source: str) -> Rubric:
    """Validate rubric TOML; every error names the file, the skill and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{source}: not valid TOML ({exc})") from exc
    extra = sorted(set(data) - {"skill"})
    if extra:
        raise BadInput(f"{source}: unknown top-level key(s) {', '.join(extra)}; a rubric is a list of [[skill]] tables")
    raw_skills = data.get("skill")
    if not isinstance(raw_skills, list) or not raw_skills:
        raise BadInput(f"{source}: no skills; add at least one [[skill]] table")
    skills: list[Skill] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_skills, 1):
        if not isinstance(raw, dict):
            raise BadInput(
                f"{source}: skill #{number}: each skill is a [[skill]] table with an id and phrases or examples"
            )
        skill = _skill(raw, source, number)
        if skill.id in seen:
            raise BadInput(f"{source}: skill '{skill.id}': field 'id': duplicate id (ids must be unique)")
        seen.add(skill.id)
        skills.append(skill)
    return Rubric(tuple(skills), source, text)


def _skill(raw: dict[str, Any], source: str, number: int) -> Skill:
    label = f"skill '{raw['id']}'" if isinstance(raw.get("id"), str) else f"skill #{number}"

    def fail(field: str, problem: str) -> BadInput:
        return BadInput(f"{source}: {label}: field '{field}': {problem}")

    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key; the keys are {', '.join(sorted(KEYS))}")
    skill_id = raw.get("id")
    if not isinstance(skill_id, str) or not ID_PATTERN.match(skill_id):
        raise fail("id", "required; lower-case letters, digits, '-' and '_' (e.g. \"next-steps\")")
    name = raw.get("name", skill_id)
    if not isinstance(name, str) or not name.strip():
        raise fail("name", "must be non-empty text")
    speaker = raw.get("speaker", "any")
    if speaker not in SPEAKERS:
        raise fail("speaker", f"must be one of {', '.join(SPEAKERS)} (got {speaker!r})")
    phrases = _texts(raw, "phrases", fail, lambda text: bool(normalise_words(text)))
    examples = _texts(raw, "examples", fail, lambda text: len(normalise_words(text)) >= 2)
    counter_examples = _texts(raw, "counter_examples", fail, lambda text: len(normalise_words(text)) >= 2)
    if not phrases and not examples:
        raise fail("phrases", "a skill needs phrases, examples or both (each a non-empty list)")
    if counter_examples and not examples:
        raise fail("counter_examples", "counter-examples only sharpen examples; add examples too")
    threshold = _percent(raw, "threshold", DEFAULT_THRESHOLD, fail)
    meaning_threshold = _percent(raw, "meaning_threshold", DEFAULT_MEANING_THRESHOLD, fail)
    for flag in ("in_question", "expected"):
        if not isinstance(raw.get(flag, False), bool):
            raise fail(flag, "must be true or false")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise fail("description", "must be text")
    return Skill(
        id=skill_id,
        name=name.strip(),
        speaker=speaker,
        phrases=phrases,
        threshold=threshold,
        in_question=raw.get("in_question", False),
        expected=raw.get("expected", False),
        description=description.strip(),
        examples=examples,
        counter_examples=counter_examples,
        meaning_threshold=meaning_threshold,
    )


def _texts(raw: dict[str, Any], field: str, fail: Failure, usable: Callable[[str], bool]) -> tuple[str, ...]:
    """A list-of-text field (phrases, examples...), stripped; () when absent."""
    if field not in raw:
        return ()
    values = raw[field]
    what = "phrase" if field == "phrases" else "sentence of at least two words"
    if not isinstance(values, list) or not values:
        raise fail(field, f"must be a non-empty list, each a {what}")
    for value in values:
        if not isinstance(value, str) or not usable(value):
            raise fail(field, f"every entry must be a {what} (got {value!r})")
    return tuple(v.strip() for v in values)


def _percent(raw: dict[str, Any], field: str, default: float, fail: Failure) -> float:
    value = raw.get(field, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise fail(field, f"must be a number from 0 to 100 (got {value!r})")
    return float(value)


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
# Whisper writes "don't" and "30"; people write rubrics both ways. Both sides are expanded the
# same way so the spelling never decides a match.
_CONTRACTIONS = [
    (re.compile(r"\bcan't\b"), "can not"),
    (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"\bi'm\b"), "i am"),
]
_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """0-999 in words ("30" -> "thirty"); larger numbers stay digits."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_words(rest))
    return str(n)


def normalise_words(text: str) -> list[str]:
    """Lower-case words with punctuation dropped, for phrases and transcript words alike.

    Hyphens and slashes split words ("follow-up" -> follow up), contractions are expanded
    ("don't" -> do not) and numbers under 1000 are spelled out ("30" -> thirty), so case,
    punctuation and spelling style never decide a match.
    """
    text = text.translate(_APOSTROPHES).lower()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = re.sub(r"[-/\u2013\u2014]", " ", text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 10,000 -> 10000
    text = re.sub(r"\b\d{1,3}\b", lambda m: number_words(int(m.group())), text)
    return [w.strip("'") for w in re.sub(r"[^a-z0-9' ]+", " ", text).split() if w.strip("'")]
