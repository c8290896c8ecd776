"""Reading the index for the read and coaching layers: clips as search hits, the numbers of a
rep's calls, and what a call or commitment needs. Each query returns records, never rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from clipfinder.errors import NotFound
from clipfinder.records import BY_CHANNEL, REP, UNKNOWN, Attribution, ClipHit, RepCall, Word
from clipfinder.store.connection import LARGEST_INTEGER
from clipfinder.text import stored_moment

if TYPE_CHECKING:
    from clipfinder.store.index import Index

# A call that was not found to be in another language than its rubric's (Call.off_language);
# only such calls are matched against the rubric.
IN_RUBRIC_LANGUAGE = "(language_probability is null or language = coalesce(expected_language, language))"

_HIT_COLUMNS = (
    "cl.id, cl.call_id, ca.path, ca.rep, ca.account, ca.date, cl.skill, cl.phrase, cl.score, cl.rank, cl.speaker, "
    "cl.start_s, cl.end_s, cl.match_start_s, cl.match_end_s, cl.matches, cl.text, "
    "coalesce(ca.attribution, 'channels'), ca.attribution_confidence, coalesce(cl.confidence, cl.score / 100.0), "
    "coalesce((select m.kind from matches m where m.clip_id = cl.id "
    "order by m.confidence desc, m.score desc limit 1), 'fuzzy'), "
    "ca.separability"
)


# A text search whose words are in more clips than this walks clips best-first and keeps those
# that hold them, instead of reading every clip that does and sorting them all (make bench,
# "index scale": "calendar invite" is in 40,000 of 382,000 clips there).
FEW_TEXT_MATCHES = 2000


def find_clips(
    index: Index,
    *,
    skill: str | None = None,
    rep: str | None = None,
    account: str | None = None,
    since: str | None = None,
    until: str | None = None,
    fts: str | None = None,
    min_confidence: float | None = None,
    limit: int = 20,
) -> list[ClipHit]:
    """Clips passing every filter, best-ranked first (among equal ranks, the latest call indexed
    first); `since`/`until` are ISO days, compared with the call's day; `fts` is an FTS5 query over
    the clip text; rep and account ignore case."""
    where, args = _call_filters(rep, account, since, until)
    if skill is not None:
        where.append("cl.skill = ?")
        args.append(skill)
    if min_confidence is not None:
        where.append("coalesce(cl.confidence, cl.score / 100.0) >= ?")
        args.append(min_confidence)
    if fts is not None:
        many = _text_matches(index, fts) > FEW_TEXT_MATCHES
        # `+`: check each clip of the walk against the matching ids rather than start from them
        where.append(f"{'+' if many else ''}cl.id in (select rowid from clips_fts where clips_fts match ?)")
        args.append(fts)
    # the order an index of clips holds (migration 8), so the best `limit` are read without a sort
    best = "select cl.id from clips cl join calls ca on ca.id = cl.call_id"
    if where:
        best += " where " + " and ".join(where)
    order = " order by cl.rank desc, cl.call_id desc, cl.id desc"
    sql = (
        f"select {_HIT_COLUMNS} from ({best}{order} limit ?) top "
        f"join clips cl on cl.id = top.id join calls ca on ca.id = cl.call_id{order}"
    )
    return [ClipHit(*row) for row in index._db.execute(sql, [*args, limit])]


def _text_matches(index: Index, fts: str) -> int:
    """How many clips hold the words of an FTS5 query."""
    return int(index._db.execute("select count(*) from clips_fts where clips_fts match ?", [fts]).fetchone()[0])


def _call_filters(
    rep: str | None, account: str | None, since: str | None, until: str | None
) -> tuple[list[str], list[Any]]:
    """SQL conditions on the calls table (alias ca): rep and account ignore case, days are ISO.

    Each is written so an index of calls serves it (schema migration 8): `collate nocase` rather
    than lower(), and a call's date compared whole rather than its first ten characters.
    """
    where: list[str] = []
    args: list[Any] = []
    for column, value in (("ca.rep = ? collate nocase", rep), ("ca.account = ? collate nocase", account)):
        if value is not None:
            where.append(column)
            args.append(value)
    if since is not None:
        where.append("ca.date >= ?")  # a date-time of that day sorts after the bare day
        args.append(since)
    if until is not None:
        where.append("ca.date < ?")
        args.append(day_after(until))
    return where, args


def day_after(day: str) -> str:
    """The ISO day after an ISO day: a call's stored date (a day or a date-time) is on or before
    `day` exactly when it sorts before this."""
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def find_segments(
    index: Index,
    fts: str,
    *,
    rep: str | None = None,
    account: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 20,
) -> list[tuple[Any, ...]]:
    """Transcript segments matching the FTS5 query, the latest indexed first: (call_id, path, rep,
    account, date, segment idx, speaker, start_s, end_s, duration_s) of each.

    The full-text index holds segments in that order, so common words cost no more than rare
    ones; ordering by relevance (bm25) scored every segment holding them: 0.7 s for a word in a
    million segments (make bench, "index scale").
    """
    where, args = _call_filters(rep, account, since, until)
    sql = (
        "select s.call_id, ca.path, ca.rep, ca.account, ca.date, s.idx, s.speaker, s.start_s, s.end_s, ca.duration_s "
        "from segments_fts f join segments s on s.id = f.rowid join calls ca on ca.id = s.call_id "
        "where segments_fts match ?"
    )
    sql += "".join(f" and {w}" for w in where)
    sql += " order by f.rowid desc limit ?"
    return list(index._db.execute(sql, [fts, *args, limit]))


def segment_words(index: Index, call_id: int, segment_idx: int) -> list[tuple[float, float, str]]:
    """(start, end, text) of one segment's words."""
    sql = "select start_s, end_s, text from words where call_id = ? and segment_idx = ? order by idx"
    return list(index._db.execute(sql, [call_id, segment_idx]))


def get_clip(index: Index, clip_id: int) -> ClipHit:
    row = None
    if 0 <= clip_id <= LARGEST_INTEGER:
        sql = f"select {_HIT_COLUMNS} from clips cl join calls ca on ca.id = cl.call_id where cl.id = ?"
        row = index._db.execute(sql, [clip_id]).fetchone()
    if row is None:
        raise NotFound(f"no clip {clip_id}; `clipfinder search` lists clip ids")
    return ClipHit(*row)


def count_clips(index: Index, skill: str, rep: str, since: str, until: str) -> int:
    """How many clips of `skill` the rep's calls (rep as the index spells it) from the ISO day
    `since` to `until` have."""
    # through the rep's calls in the date range (their index), then each call's clips
    sql = (
        "select count(*) from calls ca join clips cl on cl.call_id = ca.id "
        "where ca.rep = ? and ca.date >= ? and ca.date < ? and +cl.skill = ?"
    )
    return int(index._db.execute(sql, [rep, since, day_after(until), skill]).fetchone()[0])


def call_clips(index: Index, call_id: int) -> list[ClipHit]:
    """A call's clips in time order."""
    sql = f"select {_HIT_COLUMNS} from clips cl join calls ca on ca.id = cl.call_id where cl.call_id = ?"
    return [ClipHit(*row) for row in index._db.execute(sql + " order by cl.start_s, cl.id", [call_id])]


def window_words(index: Index, call_id: int, start_s: float, end_s: float) -> list[Word]:
    """A call's words inside [start_s, end_s] (50 ms leeway), in time order."""
    sql = (
        "select start_s, end_s, text, probability, speaker, timed, voice from words "
        "where call_id = ? and start_s >= ? and end_s <= ? order by start_s, idx"
    )
    rows = index._db.execute(sql, [call_id, start_s - 0.05, end_s + 0.05])
    return [Word(a, b, text, p, speaker, bool(timed), voice) for a, b, text, p, speaker, timed, voice in rows]


def clip_skills(index: Index) -> list[str]:
    """The skills that have clips, in order (skills no longer in the rubric included)."""
    return distinct_values(index, "clips", "skill")


def distinct_values(index: Index, table: str, column: str) -> list[str]:
    """The distinct non-null values of a column that leads an index of its table, in order.

    One index seek per value, where `select distinct` would read every row: the skills of
    400,000 clips, the reps of 100,000 calls.
    """
    sql = (
        f"with recursive v(x) as (select min({column}) from {table} union all "
        f"select (select min({column}) from {table} where {column} > v.x) from v where v.x is not null) "
        "select x from v where x is not null"
    )
    return [row[0] for row in index._db.execute(sql)]


def clip_counts(index: Index) -> dict[str, int]:
    """How many clips each skill has (skills no longer in the rubric included)."""
    return dict(index._db.execute("select skill, count(*) from clips group by skill order by skill").fetchall())


def call_skills(index: Index, call_id: int) -> set[str]:
    """The skills with a clip on a call."""
    return {r[0] for r in index._db.execute("select distinct skill from clips where call_id = ?", [call_id])}


def skill_clip_ids(index: Index, call_id: int, skill: str) -> list[int]:
    """A call's clips of one skill, best-ranked first."""
    # `+skill`: look the call up by its own index; the (skill, rank, ...) index would walk every clip of the skill
    rows = index._db.execute(
        "select id from clips where call_id = ? and +skill = ? order by rank desc", [call_id, skill]
    )
    return [r[0] for r in rows]


def last_word_end(index: Index, call_id: int, speaker: str) -> float | None:
    """When a speaker's last word on a call ends (None if they said nothing)."""
    row = index._db.execute("select max(end_s) from words where call_id = ? and speaker = ?", [call_id, speaker])
    return row.fetchone()[0]


def clarity(index: Index, call_id: int, speaker: str | None = None) -> float | None:
    """Mean probability the model gave the call's words (one speaker's, if given); None if none.

    On a call whose speakers are unknown (mono, not diarized) a speaker's clarity is everyone's.
    """
    sql = "select avg(probability) from words where call_id = ?"
    args: list[Any] = [call_id]
    if speaker is not None:
        sql += " and speaker in (?, ?)"
        args += [speaker, UNKNOWN]
    value = index._db.execute(sql, args).fetchone()[0]
    return None if value is None else round(float(value), 3)


def rep_clarity(index: Index, rep: str, since: str = "") -> dict[int, float]:
    """`clarity(call, REP)` of every call of `rep` (on or after the ISO day `since`) that has rep
    words, in one query."""
    rows = index._db.execute(
        "select w.call_id, round(avg(w.probability), 3) from words w join calls c on c.id = w.call_id "
        "where c.rep = ? and c.date >= ? and w.speaker in (?, ?) group by w.call_id",
        [rep, since, REP, UNKNOWN],
    )
    return dict(rows.fetchall())


def rep_calls(index: Index, rep: str, since: str = "", with_clarity: bool = True) -> list[RepCall]:
    """The rep's calls (on or after the ISO day `since`), oldest first, with talk numbers, skills
    heard and how clearly (None for every call without `with_clarity`: it reads every word)."""
    heard: dict[int, set[str]] = {}
    for call_id, skill in index._db.execute(
        "select distinct cl.call_id, cl.skill from clips cl join calls c on c.id = cl.call_id "
        "where c.rep = ? and c.date >= ?",
        [rep, since],
    ):
        heard.setdefault(call_id, set()).add(skill)
    clear = rep_clarity(index, rep, since) if with_clarity else {}
    rows = index._db.execute(
        "select c.id, c.date, c.account, m.talk_ratio, m.rep_questions, m.rep_monologue_s, m.patience_s, "
        f"c.attribution, c.attribution_confidence, c.separability, {IN_RUBRIC_LANGUAGE} "
        "from calls c join metrics m on m.call_id = c.id where c.rep = ? and c.date >= ? order by c.date, c.id",
        [rep, since],
    )
    return [
        RepCall(
            call_id=call_id,
            date=when,
            day=stored_moment(when).day,
            account=account,
            talk_ratio=ratio,
            rep_questions=questions,
            rep_monologue_s=monologue,
            patience_s=patience,
            skills=frozenset(heard.get(call_id, ())),
            clarity=clear.get(call_id),
            in_rubric_language=bool(in_language),
            speakers_uncertain=Attribution(method or BY_CHANNEL, confidence, separability=apart).uncertain,
        )
        for (
            call_id,
            when,
            account,
            ratio,
            questions,
            monologue,
            patience,
            method,
            confidence,
            apart,
            in_language,
        ) in rows
    ]


def calls_to_match(index: Index, call_ids: Sequence[int] | None = None) -> list[tuple[int, float]]:
    """(id, duration) of the calls to match against the rubric (all, or these), in id order;
    calls found to be in another language are left out."""
    sql, args = f"select id, duration_s from calls where {IN_RUBRIC_LANGUAGE}", []
    if call_ids is not None:
        sql += f" and id in ({', '.join('?' * len(call_ids))})"
        args = list(call_ids)
    return [(i, d) for i, d in index._db.execute(sql + " order by id", args)]


def diarized_calls(index: Index) -> list[tuple[int, str, float, Attribution]]:
    """(id, rep, duration, attribution) of every mono call whose voices were told apart."""
    rows = index._db.execute(
        "select id, rep, duration_s, attribution, attribution_confidence, voices, rep_voice, separability "
        "from calls where voices is not null and voices > 0 order by id"
    )
    return [
        (call_id, rep, duration, Attribution(method, confidence, voices, rep_voice, apart))
        for call_id, rep, duration, method, confidence, voices, rep_voice, apart in rows
    ]


def rep_call_days(index: Index, rep: str, since: str = "") -> list[tuple[int, str, bool]]:
    """(id, date, in the rubric's language) of a rep's calls on or after the ISO day `since`,
    oldest first (for the follow-up)."""
    sql = f"select id, date, {IN_RUBRIC_LANGUAGE} from calls where rep = ? and date >= ? order by date, id"
    rows = index._db.execute(sql, [rep, since])
    return [(call_id, when, bool(ok)) for call_id, when, ok in rows]
