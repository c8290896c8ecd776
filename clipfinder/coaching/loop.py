"""The coaching loop: the skill in focus, the commitment of each 1-on-1, the Friday self-scores,
and the 72-hour follow-through check against the rep's calls.

The practice behind it (docs/coaching.md): one skill at a time for at least four weeks, rotated
when the rep self-scores 4/5 or more two weeks running; after each session the rep applies the
skill on a real call within 72 hours, and the manager checks that recording within 24 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from clipfinder.errors import BadInput, NotFound
from clipfinder.pipeline.clarity import LEVEL_CLEAR, Clarity
from clipfinder.store.index import IN_RUBRIC_LANGUAGE, Index

FOLLOW_THROUGH = timedelta(hours=72)  # the rep applies the skill on a real call within 72 hours
CHECK_WITHIN = timedelta(hours=24)  # the manager checks that call's recording within 24 hours
MIN_FOCUS_WEEKS = 4  # one skill at least four weeks...
ROTATE_SCORE = 4  # ...then rotate after self-scores of 4/5 or more...
ROTATE_WEEKS = 2  # ...two weeks in a row


@dataclass(frozen=True)
class Moment:
    """A point in time from user input or metadata. A date without a time covers its whole day."""

    at: datetime
    has_time: bool

    @property
    def day(self) -> date:
        return self.at.date()

    def iso(self) -> str:
        return self.at.isoformat(timespec="minutes") if self.has_time else self.at.date().isoformat()


def parse_moment(value: str | None, what: str = "--date") -> Moment:
    """YYYY-MM-DD or an ISO date-time; None is now."""
    if value is None:
        return Moment(datetime.now().replace(second=0, microsecond=0), True)
    text = value.strip()
    try:
        if len(text) == 10:
            return Moment(datetime.fromisoformat(text), False)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return Moment(parsed.replace(tzinfo=None), True)
    except ValueError:
        raise BadInput(f"{what} must be a date like 2026-11-20 or 2026-11-20T15:30 (got {value!r})") from None


@dataclass(frozen=True)
class Focus:
    rep: str
    skill: str
    since: str


@dataclass(frozen=True)
class Commitment:
    id: int
    rep: str
    skill: str
    text: str
    date: str


@dataclass(frozen=True)
class Score:
    rep: str
    skill: str
    score: int
    date: str


def canonical_rep(index: Index, rep: str) -> str:
    """The rep's name as the index spells it; an unknown rep is an error listing the known ones."""
    rep = rep.strip()
    index.require_rep(rep)  # raises, naming the reps in the index
    return next(known for known in index.reps() if known.lower() == rep.lower())


def check_skill(index: Index, skill: str) -> str:
    """A skill id of the index's rubric; an unknown one is an error listing them."""
    from clipfinder.read.search import known_skills

    known = known_skills(index)
    for k in known:
        if k.lower() == skill.strip().lower():
            return k
    raise NotFound(f"no skill '{skill}' in the rubric; skills: {', '.join(known)}")


def set_focus(index: Index, rep: str, skill: str, since: str | None = None) -> Focus:
    """Put a skill in focus for a rep from `since` (default now); earlier focuses stay in the history."""
    rep, skill = canonical_rep(index, rep), check_skill(index, skill)
    moment = parse_moment(since, "--since")
    with index.db.atomic():
        index.db.table("focus").insert({"rep": rep, "skill": skill, "since": moment.iso(), "set_at": _now()})
    return Focus(rep, skill, moment.iso())


def focus_history(index: Index, rep: str) -> list[Focus]:
    """All focuses of a rep, oldest first."""
    rep = canonical_rep(index, rep)
    rows = index.db.execute("select rep, skill, since from focus where rep = ? order by since, id", [rep])
    return [Focus(*row) for row in rows]


def current_focus(index: Index, rep: str, on: Moment | None = None) -> Focus | None:
    """The focus in force at `on` (default now): the latest one that started by then."""
    on = on or parse_moment(None)
    found = [f for f in focus_history(index, rep) if _starts_by(parse_moment(f.since), on)]
    return found[-1] if found else None


def add_commitment(index: Index, rep: str, text: str, skill: str | None = None, when: str | None = None) -> Commitment:
    """Record the commitment written at the end of a session; the skill defaults to the focus."""
    rep = canonical_rep(index, rep)
    if not text.strip():
        raise BadInput("the commitment text is empty: write what the rep will do, on which call")
    moment = parse_moment(when)
    skill = _skill_or_focus(index, rep, skill, moment)
    with index.db.atomic():
        row = {"rep": rep, "skill": skill, "text": text.strip(), "date": moment.iso(), "made_at": _now()}
        new_id = int(index.db.table("commitments").insert(row).last_pk or 0)
    return Commitment(new_id, rep, skill, text.strip(), moment.iso())


def commitments(index: Index, rep: str | None = None) -> list[Commitment]:
    """Commitments, oldest first, of one rep or all."""
    sql, params = "select id, rep, skill, text, date from commitments", []
    if rep is not None:
        sql += " where rep = ?"
        params.append(canonical_rep(index, rep))
    return [Commitment(*row) for row in index.db.execute(sql + " order by date, id", params)]


def add_score(index: Index, rep: str, score: int, skill: str | None = None, when: str | None = None) -> Score:
    """Record a Friday self-score (1-5) of confidence in a skill (default: the focus)."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise BadInput(f"a self-score is a whole number from 1 to 5 (got {score!r})")
    rep = canonical_rep(index, rep)
    moment = parse_moment(when)
    skill = _skill_or_focus(index, rep, skill, moment)
    with index.db.atomic():
        row = {"rep": rep, "skill": skill, "score": score, "date": moment.iso(), "made_at": _now()}
        index.db.table("scores").insert(row)
    return Score(rep, skill, score, moment.iso())


def scores(index: Index, rep: str, skill: str | None = None) -> list[Score]:
    """A rep's self-scores, oldest first, optionally of one skill."""
    sql, params = "select rep, skill, score, date from scores where rep = ?", [canonical_rep(index, rep)]
    if skill is not None:
        sql += " and skill = ?"
        params.append(skill)
    return [Score(*row) for row in index.db.execute(sql + " order by date, id", params)]


def weekly_scores(all_scores: list[Score]) -> dict[date, int]:
    """The last self-score of each week, keyed by the week's Monday."""
    out: dict[date, int] = {}
    for s in all_scores:
        out[monday(parse_moment(s.date).day)] = s.score
    return out


def rotation_advice(index: Index, rep: str, on: Moment | None = None) -> dict[str, Any]:
    """Whether to keep or rotate the focus skill, from its age and the weekly self-scores."""
    on = on or parse_moment(None)
    focus = current_focus(index, rep, on)
    if focus is None:
        return {"rotate": None, "weeks_in_focus": None, "advice": "no skill in focus: set one with `clipfinder focus`"}
    weeks = (on.day - parse_moment(focus.since).day).days / 7
    weekly = weekly_scores([s for s in scores(index, rep, focus.skill) if parse_moment(s.date).at <= on.at])
    this_week = monday(on.day)
    recent = [weekly.get(this_week - timedelta(weeks=k)) for k in range(ROTATE_WEEKS + 1)]
    # this week's score may not be in yet (scores come on Friday): count the last two weeks that have one
    streak = recent[:ROTATE_WEEKS] if recent[0] is not None else recent[1 : ROTATE_WEEKS + 1]
    ready = all(s is not None and s >= ROTATE_SCORE for s in streak)
    shown = ", ".join("-" if s is None else str(s) for s in reversed(streak))
    if ready and weeks >= MIN_FOCUS_WEEKS:
        advice = f"rotate: {weeks:.0f} weeks in focus and self-scores {shown} (4+ two weeks running)"
    elif ready:
        until = parse_moment(focus.since).day + timedelta(weeks=MIN_FOCUS_WEEKS)
        advice = (
            f"keep until {until.isoformat()}: self-scores {shown} say ready, but a skill stays at least "
            f"{MIN_FOCUS_WEEKS} weeks ({weeks:.1f} so far)"
        )
    elif all(s is None for s in streak):
        advice = "keep: no self-scores in the last two weeks (rotate after 4+ two weeks running)"
    else:
        advice = f"keep: last two weekly self-scores {shown} (rotate after 4+ two weeks running)"
    return {"rotate": ready and weeks >= MIN_FOCUS_WEEKS, "weeks_in_focus": round(weeks, 1), "advice": advice}


# What followup says of a commitment (its `verdict`).
MET = "met"
NOT_DETECTED = "not detected"
NOT_DETECTED_UNCERTAIN = "not detected (uncertain transcript)"
CANNOT_JUDGE = "cannot judge (garbled transcript)"
OTHER_LANGUAGE = "cannot judge (not in the rubric's language)"
NO_CALL_IN_TIME = "not met (no call within 72 h)"
NO_CALL = "no call yet"


def _verdict(in_window: list[dict[str, Any]], calls: list[dict[str, Any]]) -> tuple[bool | None, str]:
    """(met, verdict) from the calls after a commitment; never "not met" on calls it cannot judge."""
    if any(k["clip_ids"] for k in in_window):
        return True, MET
    if not calls:
        return None, NO_CALL
    if not in_window:
        return False, NO_CALL_IN_TIME  # the rep did not get to apply it in time, whatever came later
    judged = [k for k in in_window if k["judgeable"]]
    if not judged:
        in_language = [k for k in in_window if k["in_rubric_language"]]
        return None, CANNOT_JUDGE if in_language else OTHER_LANGUAGE
    if all(k["transcript"] == LEVEL_CLEAR for k in judged):
        return False, NOT_DETECTED
    return False, NOT_DETECTED_UNCERTAIN


def followup(index: Index, rep: str | None = None, now: Moment | None = None) -> list[dict[str, Any]]:
    """Each commitment with the rep's calls since it was made and whether the skill showed up.

    `met` is True when the skill was detected (a clip of it) on a call within 72 hours of the
    commitment, False when calls came and it was not detected on them, None while no call has
    come or when every call in the window was too garbled to judge (clarity.py). `verdict` says
    which, in words. A call's time is its recording date; a date without a time counts as its
    whole day.
    """
    from clipfinder.jobs.rematch import stored_rubric

    now = now or parse_moment(None)
    # whose words tell whether each skill was done (a skill no longer in the rubric: everyone's)
    said_by = {s.id: s.said_by for s in stored_rubric(index).skills}
    out = []
    calls_of: dict[str, list[tuple[int, str, int]]] = {}
    for c in commitments(index, rep):
        made = parse_moment(c.date)
        if c.rep not in calls_of:
            calls_of[c.rep] = index.db.execute(
                f"select id, date, {IN_RUBRIC_LANGUAGE} from calls where rep = ? order by date, id", [c.rep]
            ).fetchall()
        calls = []
        for call_id, call_date, in_language in calls_of[c.rep]:
            when = parse_moment(call_date, "call date")
            if not _after(when, made):
                continue
            clip_ids = [
                r[0]
                for r in index.db.execute(
                    "select id from clips where call_id = ? and skill = ? order by rank desc", [call_id, c.skill]
                )
            ]
            heard = Clarity(index.clarity(call_id, said_by.get(c.skill)))
            calls.append(
                {
                    "call_id": call_id,
                    "date": call_date,
                    "clip_ids": clip_ids,
                    **heard.to_json(),
                    "in_rubric_language": bool(in_language),
                    "judgeable": heard.judgeable and bool(in_language),
                    "within_72h": _within(when, made, FOLLOW_THROUGH),
                    "check_by": (when.at + (CHECK_WITHIN if when.has_time else timedelta(days=2))).isoformat(
                        timespec="minutes"
                    ),
                }
            )
        in_window = [k for k in calls if k["within_72h"]]
        met, verdict = _verdict(in_window, calls)
        out.append(
            {
                "id": c.id,
                "rep": c.rep,
                "skill": c.skill,
                "text": c.text,
                "date": c.date,
                "met": met,
                "verdict": verdict,
                "calls": calls,
                "no_call_in_window": not in_window,
                "window_open": now.at < made.at + FOLLOW_THROUGH,
            }
        )
    return out


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _skill_or_focus(index: Index, rep: str, skill: str | None, on: Moment) -> str:
    if skill is not None:
        return check_skill(index, skill)
    focus = current_focus(index, rep, on)
    if focus is None:
        raise BadInput(f"{rep} has no skill in focus on {on.iso()}: pass --skill, or set one with `clipfinder focus`")
    return focus.skill


def _starts_by(start: Moment, on: Moment) -> bool:
    return start.day <= on.day if not (start.has_time and on.has_time) else start.at <= on.at


def _after(call: Moment, made: Moment) -> bool:
    """The call came after the commitment (same day counts when either has no time)."""
    if call.has_time and made.has_time:
        return call.at >= made.at
    return call.day >= made.day


def _within(call: Moment, made: Moment, window: timedelta) -> bool:
    if call.has_time and made.has_time:
        return made.at <= call.at <= made.at + window
    return made.day <= call.day <= (made.at + window).date()


def _now() -> str:
    return datetime.now().replace(microsecond=0).isoformat()
