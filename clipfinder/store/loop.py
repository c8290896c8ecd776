"""The coaching log: focus history, commitments and self-scores, as the 1-on-1 loop writes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clipfinder.records import Commitment, Focus, Pin, Score
from clipfinder.text import now_utc

if TYPE_CHECKING:
    from clipfinder.store.index import Index


def add_focus(index: Index, rep: str, skill: str, since: str) -> Focus:
    with index.transaction():
        index._db.table("focus").insert({"rep": rep, "skill": skill, "since": since, "set_at": now_utc()})
    return Focus(rep, skill, since)


def focus_history(index: Index, rep: str) -> list[Focus]:
    """All focuses of a rep (as the index spells the name), oldest first."""
    rows = index._db.execute("select rep, skill, since from focus where rep = ? order by since, id", [rep])
    return [Focus(*row) for row in rows]


def add_commitment(index: Index, rep: str, skill: str, text: str, when: str) -> Commitment:
    with index.transaction():
        row = {"rep": rep, "skill": skill, "text": text, "date": when, "made_at": now_utc()}
        new_id = int(index._db.table("commitments").insert(row).last_pk or 0)
    return Commitment(new_id, rep, skill, text, when)


def commitments(index: Index, rep: str | None = None) -> list[Commitment]:
    """Commitments, oldest first, of one rep or all."""
    sql, params = "select id, rep, skill, text, date from commitments", []
    if rep is not None:
        sql += " where rep = ?"
        params.append(rep)
    return [Commitment(*row) for row in index._db.execute(sql + " order by date, id", params)]


def add_score(index: Index, rep: str, skill: str, score: int, when: str) -> Score:
    with index.transaction():
        row = {"rep": rep, "skill": skill, "score": score, "date": when, "made_at": now_utc()}
        index._db.table("scores").insert(row)
    return Score(rep, skill, score, when)


def scores(index: Index, rep: str, skill: str | None = None) -> list[Score]:
    """A rep's self-scores, oldest first, optionally of one skill."""
    sql, params = "select rep, skill, score, date from scores where rep = ?", [rep]
    if skill is not None:
        sql += " and skill = ?"
        params.append(skill)
    return [Score(*row) for row in index._db.execute(sql + " order by date, id", params)]


def add_pin(index: Index, rep: str, clip_id: int, when: str) -> Pin:
    with index.transaction():
        new_id = int(index._db.table("pins").insert({"rep": rep, "clip_id": clip_id, "pinned_at": when}).last_pk or 0)
    return Pin(new_id, rep, clip_id, when)


def pins(index: Index, rep: str) -> list[Pin]:
    """A rep's pinned clips that still exist and are still on the rep's calls, oldest first."""
    sql = (
        "select p.id, p.rep, p.clip_id, p.pinned_at from pins p join clips c on c.id = p.clip_id "
        "join calls ca on ca.id = c.call_id where p.rep = ? and lower(ca.rep) = lower(p.rep) "
        "order by p.pinned_at, p.id"
    )
    return [Pin(*row) for row in index._db.execute(sql, [rep])]
