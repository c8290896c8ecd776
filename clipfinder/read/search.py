"""Finding clips: by skill, rep, account, date and free text (FTS5, with a fuzzy fallback)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from clipfinder.errors import BadInput, NotFound
from clipfinder.records import Attribution
from clipfinder.store.index import Index

DEFAULT_LIMIT = 20
# A typo'd query word is replaced by index terms at least this similar (0-100).
FUZZY_CUTOFF = 80


@dataclass(frozen=True)
class ClipHit:
    """One clip as `search` returns it (the `search --json` item)."""

    clip_id: int
    call_id: int
    path: str
    rep: str
    account: str | None
    date: str
    skill: str
    phrase: str
    score: float
    rank: float
    speaker: str
    start_s: float
    end_s: float
    match_start_s: float
    match_end_s: float
    matches: int
    text: str
    attribution: str  # how the call's speakers were told apart: channels, voiceprint, first-turn, none
    attribution_confidence: float | None
    confidence: float  # 0-1: how sure it is the skill's phrase was said (docs/rubric.md, "Confidence")
    kind: str  # how its surest match was found: exact, fuzzy (spelling) or sound (sounds alike)
    separability: float | None  # mono, diarized: how far apart the call's voices are

    @property
    def speakers_uncertain(self) -> bool:
        """True when the clip's rep/prospect labels may be wrong (a guessed or weak attribution)."""
        return Attribution(self.attribution, self.attribution_confidence, separability=self.separability).uncertain

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "speakers_uncertain": self.speakers_uncertain}


_COLUMNS = (
    "cl.id, cl.call_id, ca.path, ca.rep, ca.account, ca.date, cl.skill, cl.phrase, cl.score, cl.rank, cl.speaker, "
    "cl.start_s, cl.end_s, cl.match_start_s, cl.match_end_s, cl.matches, cl.text, "
    "coalesce(ca.attribution, 'channels'), ca.attribution_confidence, coalesce(cl.confidence, cl.score / 100.0), "
    "coalesce((select m.kind from matches m where m.clip_id = cl.id "
    "order by m.confidence desc, m.score desc limit 1), 'fuzzy'), "
    "ca.separability"
)


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
    if limit < 1:
        raise BadInput("--limit must be 1 or more")
    where, params = _filters(index, skill, rep, account, since, until)
    if text is None or not text.strip():
        return _run(index, where, params, None, limit)
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)*", text.lower())
    if not words:
        return []
    exact = " ".join(_quote(w) for w in words)
    hits = _run(index, where, params, exact, limit)
    if hits:
        return hits
    fuzzy = _fuzzy_query(index, words)
    return _run(index, where, params, fuzzy, limit) if fuzzy else []


def known_skills(index: Index) -> list[str]:
    from clipfinder.jobs.rematch import stored_rubric

    ids = [s.id for s in stored_rubric(index).skills]
    extra = [r[0] for r in index.db.execute("select distinct skill from clips order by skill") if r[0] not in ids]
    return ids + extra


def get_clip(index: Index, clip_id: int) -> ClipHit:
    row = index.db.execute(
        f"select {_COLUMNS} from clips cl join calls ca on ca.id = cl.call_id where cl.id = ?", [clip_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"no clip {clip_id}; `clipfinder search` lists clip ids")
    return ClipHit(*row)


def _filters(
    index: Index, skill: str | None, rep: str | None, account: str | None, since: str | None, until: str | None
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if skill is not None:
        skills = known_skills(index)
        if skill not in skills:
            raise NotFound(f"unknown skill '{skill}'; the skills are: {', '.join(skills)}")
        where.append("cl.skill = ?")
        params.append(skill)
    if rep is not None:
        index.require_rep(rep)
        where.append("lower(ca.rep) = lower(?)")
        params.append(rep)
    if account is not None:
        where.append("lower(ca.account) = lower(?)")
        params.append(account)
    for value, op, flag in ((since, ">=", "--since"), (until, "<=", "--until")):
        if value is not None:
            where.append(f"substr(ca.date, 1, 10) {op} ?")
            params.append(_iso_date(value, flag))
    return where, params


def _run(index: Index, where: list[str], params: list[Any], fts: str | None, limit: int) -> list[ClipHit]:
    sql = f"select {_COLUMNS} from clips cl join calls ca on ca.id = cl.call_id"
    clauses, args = list(where), list(params)
    if fts is not None:
        clauses.insert(0, "cl.id in (select rowid from clips_fts where clips_fts match ?)")
        args.insert(0, fts)
    if clauses:
        sql += " where " + " and ".join(clauses)
    sql += " order by cl.rank desc, ca.date desc, cl.id limit ?"
    return [ClipHit(*row) for row in index.db.execute(sql, [*args, limit])]


def _quote(word: str) -> str:
    """An FTS5 string literal: whatever the word holds, it is matched as text."""
    return '"' + word.replace('"', '""') + '"'


def _fuzzy_query(index: Index, words: list[str]) -> str | None:
    """An FTS5 query where each word is OR-ed with the index terms that look like it."""
    from rapidfuzz import fuzz, process

    terms = index.clip_terms()
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


def _iso_date(value: str, flag: str) -> str:
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        raise BadInput(f"{flag} must be a date such as 2026-11-16 (got {value!r})") from None
