"""Week-by-week numbers of one rep: talk ratio, a skill's hit rate per call, and self-scores."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from statistics import mean
from typing import Any

from clipfinder.coaching.loop import canonical_rep, monday, scores, skill_or_focus, weekly_scores
from clipfinder.errors import BadInput
from clipfinder.records import RepCall
from clipfinder.store import queries
from clipfinder.store.index import Index
from clipfinder.text import Moment, parse_moment


@dataclass(frozen=True)
class Week:
    """One week (Monday first) of a rep's calls, for one skill (the `trend --json` item)."""

    week: str
    calls: int
    talk_ratio: float | None  # mean of the calls with known speakers
    rep_questions: float | None
    skill: str
    skill_calls: int  # calls with a clip of the skill
    skill_hit_rate: float | None
    self_score: int | None  # the week's last self-score of the skill

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def trend(
    index: Index,
    rep: str,
    skill: str | None = None,
    weeks: int = 8,
    until: Moment | None = None,
    calls: list[RepCall] | None = None,
) -> list[Week]:
    """One row per week (Monday first) for the `weeks` weeks up to `until`: calls, mean talk ratio,
    the share of calls on which the skill was detected, and the week's last self-score.
    `calls` is the rep's `queries.rep_calls`, when the caller has them already."""
    if not 1 <= weeks <= 104:
        raise BadInput(f"--weeks must be between 1 and 104 (got {weeks})")
    rep = canonical_rep(index, rep)
    until = until or parse_moment(None)
    skill = skill_or_focus(index, rep, skill, until)
    weekly = weekly_scores(scores(index, rep, skill))
    calls = queries.rep_calls(index, rep) if calls is None else calls
    last = monday(until.day)
    out = []
    for k in range(weeks - 1, -1, -1):
        start = last - timedelta(weeks=k)
        week_calls = [c for c in calls if start <= c.day < start + timedelta(days=7)]
        out.append(week_row(start, week_calls, skill, weekly.get(start)))
    return out


def week_row(start: date, week_calls: list[RepCall], skill: str, score: int | None) -> Week:
    ratios = [c.talk_ratio for c in week_calls if c.talk_ratio is not None]
    questions = [c.rep_questions for c in week_calls if c.rep_questions is not None]
    hits = sum(1 for c in week_calls if skill in c.skills)
    return Week(
        week=start.isoformat(),
        calls=len(week_calls),
        talk_ratio=round(mean(ratios), 4) if ratios else None,
        rep_questions=round(mean(questions), 1) if questions else None,
        skill=skill,
        skill_calls=hits,
        skill_hit_rate=round(hits / len(week_calls), 3) if week_calls else None,
        self_score=score,
    )
