"""Finding clips: by skill, rep, account, date and free text (FTS5, with a fuzzy fallback)."""

from __future__ import annotations

import re

from clipfinder.errors import BadInput, NotFound
from clipfinder.pipeline.rubric import Rubric
from clipfinder.records import ClipHit
from clipfinder.store import queries
from clipfinder.store.clips import clip_terms
from clipfinder.store.index import Index
from clipfinder.store.settings import stored_rubric
from clipfinder.text import parse_moment

DEFAULT_LIMIT = 20
MOST_HITS = 100_000  # more clips than any page or export needs at once
# A typo'd query word is replaced by index terms at least this similar (0-100).
FUZZY_CUTOFF = 80


def search(
    index: Index,
    text: str | None = None,
    *,
    skill: str | None = None,
    rep: str | None = None,
    account: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[ClipHit]:
    """Clips matching every filter given, best-ranked first.

    `text` is searched as plain words (all must appear; FTS5 syntax has no effect). When no
    clip has them, each word is replaced by the index's terms that look like it, so a typo
    ("objcetion") still finds "objection".
    """
    if not 1 <= limit <= MOST_HITS:
        raise BadInput(
            f"the number of clips asked for (--limit, --top) must be between 1 and {MOST_HITS} (got {limit})"
        )
    if skill is not None:
        skills = known_skills(index)
        same = [k for k in skills if k.lower() == skill.strip().lower()]  # any case, like rep names
        if not same:
            raise NotFound(f"unknown skill '{skill}'; the skills are: {', '.join(skills)}")
        skill = same[0]
    if rep is not None:
        index.require_rep(rep)
    first = None if since is None else parse_moment(since, "--since").day.isoformat()
    last = None if until is None else parse_moment(until, "--until").day.isoformat()

    def run(fts: str | None) -> list[ClipHit]:
        return queries.find_clips(
            index, skill=skill, rep=rep, account=account, since=first, until=last, fts=fts, limit=limit
        )

    if text is None or not text.strip():
        return run(None)
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)*", text.lower())
    if not words:
        return []
    hits = run(" ".join(_quote(w) for w in words))
    if hits:
        return hits
    fuzzy = _fuzzy_query(index, words)
    return run(fuzzy) if fuzzy else []


def known_skills(index: Index) -> list[str]:
    """The rubric's skill ids, then any skill that still has clips from an earlier rubric."""
    ids = [s.id for s in stored_rubric(index).skills]
    return ids + [skill for skill in queries.clip_counts(index) if skill not in ids]


def rubric_clip_counts(index: Index) -> tuple[Rubric, dict[str, int]]:
    """The index's rubric and how many clips each skill has."""
    return stored_rubric(index), queries.clip_counts(index)


def get_clip(index: Index, clip_id: int) -> ClipHit:
    return queries.get_clip(index, clip_id)


def _quote(word: str) -> str:
    """An FTS5 string literal: whatever the word holds, it is matched as text."""
    return '"' + word.replace('"', '""') + '"'


def _fuzzy_query(index: Index, words: list[str]) -> str | None:
    """An FTS5 query where each word is OR-ed with the index terms that look like it."""
    from rapidfuzz import fuzz, process

    terms = clip_terms(index)
    if not terms:
        return None
    groups = []
    for word in words:
        scores = process.cdist([word], terms, scorer=fuzz.ratio, workers=1)[0]
        close = {terms[i] for i in range(len(terms)) if scores[i] >= FUZZY_CUTOFF}
        # Terms are stored stemmed ("objection" -> "object"): compare a stem with the word's start.
        close |= {
            t
            for t in terms
            if len(t) >= 4
            and t[0] == word[0]
            and max(fuzz.ratio(word[: len(t)], t), fuzz.ratio(word[: len(t) + 1], t)) >= FUZZY_CUTOFF
        }
        if not close:
            return None
        groups.append("(" + " OR ".join(_quote(t) for t in sorted(close)) + ")")
    return " AND ".join(groups)
