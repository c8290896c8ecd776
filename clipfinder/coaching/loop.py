"""The coaching loop: the skill in focus, the commitment of each 1-on-1, the Friday self-scores,
and the 72-hour follow-through check against the rep's calls.

The practice behind it (docs/coaching.md): one skill at a time for at least four weeks, rotated
when the rep self-scores 4/5 or more two weeks running; after each session the rep applies the
skill on a real call within 72 hours, and the manager checks that recording within 24 hours.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Any

from clipfinder.errors import BadInput, NotFound
from clipfinder.pipeline.clarity import LEVEL_CLEAR, Clarity, evidence
from clipfinder.read.search import known_skills
from clipfinder.records import Commitment, Focus, Pin, Score
from clipfinder.store import loop as log
from clipfinder.store import queries
from clipfinder.store.index import Index
from clipfinder.store.settings import stored_rubric
from clipfinder.text import Moment, has_control, parse_moment, stored_moment

FOLLOW_THROUGH = timedelta(hours=72)  # the rep applies the skill on a real call within 72 hours
CHECK_WITHIN = timedelta(hours=24)  # the manager checks that call's recording within 24 hours
MIN_FOCUS_WEEKS = 4  # one skill at least four weeks...
ROTATE_SCORE = 4  # ...then rotate after self-scores of 4/5 or more...
ROTATE_WEEKS = 2  # ...two weeks in a row


def canonical_rep(index: Index, rep: str) -> str:
    """The rep's name as the index spells it; an unknown rep is an error listing the known ones."""
    rep = rep.strip()
    index.require_rep(rep)  # raises, naming the reps in the index
    return next(known for known in index.reps() if known.lower() == rep.lower())


def check_skill(index: Index, skill: str) -> str:
    """A skill id of the index's rubric; an unknown one is an error listing them."""
    known = known_skills(index)
    for k in known:
        if k.lower() == skill.strip().lower():
            return k
    raise NotFound(f"no skill '{skill}' in the rubric; skills: {', '.join(known)}")


def set_focus(index: Index, rep: str, skill: str, since: str | None = None) -> Focus:
    """Put a skill in focus for a rep from `since` (default now); earlier focuses stay in the history."""
    rep, skill = canonical_rep(index, rep), check_skill(index, skill)
    return log.add_focus(index, rep, skill, parse_moment(since, "--since").iso())


def focus_history(index: Index, rep: str) -> list[Focus]:
    """All focuses of a rep, oldest first."""
    return log.focus_history(index, canonical_rep(index, rep))


def current_focus(index: Index, rep: str, on: Moment | None = None) -> Focus | None:
    """The focus in force at `on` (default now): the latest one that started by then."""
    on = on or parse_moment(None)
    found = [f for f in focus_history(index, rep) if starts_by(stored_moment(f.since), on)]
    return found[-1] if found else None


def add_commitment(index: Index, rep: str, text: str, skill: str | None = None, when: str | None = None) -> Commitment:
    """Record the commitment written at the end of a session; the skill defaults to the focus."""
    rep = canonical_rep(index, rep)
    if not text.strip():
        raise BadInput("the commitment text is empty: write what the rep will do, on which call")
    text = " ".join(text.split())  # one line, whatever the shell passed
    if has_control(text):
        raise BadInput("the commitment text holds control characters; write plain text")
    moment = parse_moment(when)
    return log.add_commitment(index, rep, skill_or_focus(index, rep, skill, moment), text.strip(), moment.iso())


def commitments(index: Index, rep: str | None = None) -> list[Commitment]:
    """Commitments, oldest first, of one rep or all."""
    return log.commitments(index, None if rep is None else canonical_rep(index, rep))


def read_score(text: str) -> int:
    """A self-score as typed (CLI argument, web form): a whole number; add_score checks 1-5."""
    try:
        return int(text.strip())
    except ValueError:
        raise BadInput(f"a self-score is a whole number from 1 to 5 (got {text!r})") from None


def add_score(index: Index, rep: str, score: int, skill: str | None = None, when: str | None = None) -> Score:
    """Record a Friday self-score (1-5) of confidence in a skill (default: the focus)."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise BadInput(f"a self-score is a whole number from 1 to 5 (got {score!r})")
    rep = canonical_rep(index, rep)
    moment = parse_moment(when)
    return log.add_score(index, rep, skill_or_focus(index, rep, skill, moment), score, moment.iso())


def scores(index: Index, rep: str, skill: str | None = None) -> list[Score]:
    """A rep's self-scores, oldest first, optionally of one skill."""
    return log.scores(index, canonical_rep(index, rep), skill)


def pin_clip(index: Index, clip_id: int, when: str | None = None) -> Pin:
    """Make a clip the coaching clip of its rep's next prep (a later pin replaces it)."""
    hit = queries.get_clip(index, clip_id)  # raises NotFound, pointing at `search`
    return log.add_pin(index, hit.rep, hit.clip_id, parse_moment(when).iso())


def pins(index: Index, rep: str) -> list[Pin]:
    """The clips pinned for a rep, oldest first."""
    return log.pins(index, canonical_rep(index, rep))


def pinned_clip(index: Index, rep: str, start: Moment, end: Moment) -> Pin | None:
    """The latest clip pinned for the rep after `start` and by `end` (the prep's period)."""
    found = [
        p
        for p in log.pins(index, rep)
        if _after(stored_moment(p.pinned_at), start) and starts_by(stored_moment(p.pinned_at), end)
    ]
    return found[-1] if found else None


def weekly_scores(all_scores: list[Score]) -> dict[date, int]:
    """The last self-score of each week, keyed by the week's Monday."""
    out: dict[date, int] = {}
    for s in all_scores:
        out[monday(stored_moment(s.date).day)] = s.score
    return out


@dataclass(frozen=True)
class Rotation:
    """Whether to keep or rotate the focus skill, and why."""

    rotate: bool | None  # None: no skill in focus
    weeks_in_focus: float | None
    advice: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def rotation_advice(index: Index, rep: str, on: Moment | None = None) -> Rotation:
    """Whether to keep or rotate the focus skill, from its age and the weekly self-scores."""
    on = on or parse_moment(None)
    focus = current_focus(index, rep, on)
    if focus is None:
        return Rotation(None, None, "no skill in focus: set one with `clipfinder focus`")
    weeks = (on.day - stored_moment(focus.since).day).days / 7
    weekly = weekly_scores([s for s in scores(index, rep, focus.skill) if stored_moment(s.date).at <= on.at])
    this_week = monday(on.day)
    recent = [weekly.get(this_week - timedelta(weeks=k)) for k in range(ROTATE_WEEKS + 1)]
    # this week's score may not be in yet (scores come on Friday): count the last two weeks that have one
    streak = recent[:ROTATE_WEEKS] if recent[0] is not None else recent[1 : ROTATE_WEEKS + 1]
    ready = all(s is not None and s >= ROTATE_SCORE for s in streak)
    shown = ", ".join("-" if s is None else str(s) for s in reversed(streak))
    if ready and weeks >= MIN_FOCUS_WEEKS:
        advice = f"rotate: {weeks:.0f} weeks in focus and self-scores {shown} (4+ two weeks running)"
    elif ready:
        until = stored_moment(focus.since).day + timedelta(weeks=MIN_FOCUS_WEEKS)
        advice = (
            f"keep until {until.isoformat()}: self-scores {shown} say ready, but a skill stays at least "
            f"{MIN_FOCUS_WEEKS} weeks ({weeks:.1f} so far)"
        )
    elif all(s is None for s in streak):
        advice = "keep: no self-scores in the last two weeks (rotate after 4+ two weeks running)"
    else:
        advice = f"keep: last two weekly self-scores {shown} (rotate after 4+ two weeks running)"
    return Rotation(ready and weeks >= MIN_FOCUS_WEEKS, round(weeks, 1), advice)


class Verdict(str, Enum):
    """What followup says of a commitment."""

    MET = "met"
    NOT_DETECTED = "not detected"
    NOT_DETECTED_UNCERTAIN = "not detected (uncertain transcript)"
    CANNOT_JUDGE = "cannot judge (garbled transcript)"
    OTHER_LANGUAGE = "cannot judge (not in the rubric's language)"
    NO_CALL_IN_TIME = "not met (no call within 72 h)"
    NO_CALL = "no call yet"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class FollowUpCall:
    """A call of the rep after a commitment, and what it shows of the skill."""

    call_id: int
    date: str
    clip_ids: tuple[int, ...]  # clips of the committed skill, best first
    clarity: Clarity  # of the words of the skill's speaker
    in_rubric_language: bool
    within_72h: bool
    check_by: str  # when the manager should have listened to it

    @property
    def judgeable(self) -> bool:
        return self.clarity.judgeable and self.in_rubric_language

    def evidence(self) -> str:
        """Its clips, or what their absence means."""
        return evidence(list(self.clip_ids), self.clarity.value, self.in_rubric_language)

    def to_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "date": self.date,
            "clip_ids": list(self.clip_ids),
            **self.clarity.to_json(),
            "in_rubric_language": self.in_rubric_language,
            "judgeable": self.judgeable,
            "within_72h": self.within_72h,
            "check_by": self.check_by,
        }


@dataclass(frozen=True)
class FollowUp:
    """A commitment and whether the skill showed up on a call within 72 hours of it."""

    commitment: Commitment
    met: bool | None
    verdict: Verdict
    calls: tuple[FollowUpCall, ...]
    window_open: bool  # the 72 hours are not over yet

    @property
    def no_call_in_window(self) -> bool:
        return not any(c.within_72h for c in self.calls)

    def to_json(self) -> dict[str, Any]:
        c = self.commitment
        return {
            "id": c.id,
            "rep": c.rep,
            "skill": c.skill,
            "text": c.text,
            "date": c.date,
            "met": self.met,
            "verdict": self.verdict.value,
            "calls": [k.to_json() for k in self.calls],
            "no_call_in_window": self.no_call_in_window,
            "window_open": self.window_open,
        }


def _verdict(calls: list[FollowUpCall]) -> tuple[bool | None, Verdict]:
    """(met, verdict) from the calls after a commitment; never "not met" on calls it cannot judge."""
    in_window = [k for k in calls if k.within_72h]
    if any(k.clip_ids for k in in_window):
        return True, Verdict.MET
    if not calls:
        return None, Verdict.NO_CALL
    if not in_window:
        return False, Verdict.NO_CALL_IN_TIME  # the rep did not get to apply it in time, whatever came later
    judged = [k for k in in_window if k.judgeable]
    if not judged:
        in_language = [k for k in in_window if k.in_rubric_language]
        return None, Verdict.CANNOT_JUDGE if in_language else Verdict.OTHER_LANGUAGE
    if all(k.clarity.level == LEVEL_CLEAR for k in judged):
        return False, Verdict.NOT_DETECTED
    return False, Verdict.NOT_DETECTED_UNCERTAIN


def followup(index: Index, rep: str | None = None, now: Moment | None = None) -> list[FollowUp]:
    """Each commitment with the rep's calls since it was made and whether the skill showed up.

    `met` is True when the skill was detected (a clip of it) on a call within 72 hours of the
    commitment, False when calls came and it was not detected on them, None while no call has
    come or when every call in the window was too garbled to judge (pipeline/clarity.py). `verdict` says
    which, in words. A call's time is its recording date; a date without a time counts as its
    whole day.
    """
    now = now or parse_moment(None)
    # whose words tell whether each skill was done (a skill no longer in the rubric: everyone's)
    said_by = {s.id: s.said_by for s in stored_rubric(index).skills}
    out = []
    calls_of: dict[str, list[tuple[int, str, bool]]] = {}
    made_list = commitments(index, rep)
    first_day = {}  # each rep's earliest commitment: no earlier call is read
    for c in reversed(made_list):
        first_day[c.rep] = stored_moment(c.date).day.isoformat()
    for c in made_list:
        made = stored_moment(c.date)
        if c.rep not in calls_of:
            calls_of[c.rep] = queries.rep_call_days(index, c.rep, first_day[c.rep])
        calls = []
        for call_id, call_date, in_language in calls_of[c.rep]:
            when = stored_moment(call_date)
            if not _after(when, made):
                continue
            check_by = when.at + (CHECK_WITHIN if when.has_time else timedelta(days=2))
            calls.append(
                FollowUpCall(
                    call_id=call_id,
                    date=call_date,
                    clip_ids=tuple(queries.skill_clip_ids(index, call_id, c.skill)),
                    clarity=Clarity(queries.clarity(index, call_id, said_by.get(c.skill))),
                    in_rubric_language=in_language,
                    within_72h=_within(when, made, FOLLOW_THROUGH),
                    check_by=check_by.isoformat(timespec="minutes"),
                )
            )
        met, verdict = _verdict(calls)
        out.append(FollowUp(c, met, verdict, tuple(calls), now.at < made.at + FOLLOW_THROUGH))
    return out


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def skill_or_focus(index: Index, rep: str, skill: str | None, on: Moment) -> str:
    """`skill` checked against the rubric, else the rep's focus at `on` (an error if none)."""
    if skill is not None:
        return check_skill(index, skill)
    focus = current_focus(index, rep, on)
    if focus is None:
        raise BadInput(f"{rep} has no skill in focus on {on.iso()}: pass --skill, or set one with `clipfinder focus`")
    return focus.skill


def starts_by(start: Moment, on: Moment) -> bool:
    """`start` is at or before `on` (by day when either has no time)."""
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
