"""Week-by-week numbers of one rep: talk ratio, a skill's hit rate per call, and self-scores."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import mean
from typing import Any

from clipfinder.coaching.loop import (
    Moment,
    canonical_rep,
    check_skill,
    current_focus,
    monday,
    parse_moment,
    scores,
    weekly_scores,
)
from clipfinder.errors import BadInput
from clipfinder.records import BY_CHANNEL, Attribution
from clipfinder.store.index import IN_RUBRIC_LANGUAGE, Index


def call_rows(index: Index, rep: str) -> list[dict[str, Any]]:
    """The rep's calls with the numbers the loop uses: day, talk ratio, rep questions, skills heard."""
    heard: dict[int, set[str]] = {}
    for call_id, skill in index.db.execute(
        "select distinct cl.call_id, cl.skill from clips cl join calls c on c.id = cl.call_id where c.rep = ?", [rep]
    ):
        heard.setdefault(call_id, set()).add(skill)
    clarity = index.rep_clarity(rep)
    rows = []
    for (
        call_id,
        call_date,
        account,
        ratio,
        questions,
        monologue,
        patience,
        method,
        confidence,
        apart,
        in_language,
    ) in index.db.execute(
        "select c.id, c.date, c.account, m.talk_ratio, m.rep_questions, m.rep_monologue_s, m.patience_s, "
        f"c.attribution, c.attribution_confidence, c.separability, {IN_RUBRIC_LANGUAGE} "
        "from calls c join metrics m on m.call_id = c.id "
        "where c.rep = ? order by c.date, c.id",
        [rep],
    ):
        rows.append(
            {
                "call_id": call_id,
                "date": call_date,
                "day": parse_moment(call_date, "call date").day,
                "account": account,
                "talk_ratio": ratio,
                "rep_questions": questions,
                "rep_monologue_s": monologue,
                "patience_s": patience,
                "skills": heard.get(call_id, set()),
                "clarity": clarity.get(call_id),
                "in_rubric_language": bool(in_language),
                "speakers_uncertain": Attribution(method or BY_CHANNEL, confidence, separability=apart).uncertain,
            }
        )
    return rows


def trend(
    index: Index,
    rep: str,
    skill: str | None = None,
    weeks: int = 8,
    until: Moment | None = None,
    calls: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One row per week (Monday first) for the `weeks` weeks up to `until`: calls, mean talk ratio,
    the share of calls on which the skill was detected, and the week's last self-score.
    `calls` is the rep's `call_rows`, when the caller has them already."""
    if not 1 <= weeks <= 104:
        raise BadInput(f"--weeks must be between 1 and 104 (got {weeks})")
    rep = canonical_rep(index, rep)
    until = until or parse_moment(None)
    if skill is None:
        focus = current_focus(index, rep, until)
        if focus is None:
            raise BadInput(f"{rep} has no skill in focus: pass --skill, or set one with `clipfinder focus`")
        skill = focus.skill
    skill = check_skill(index, skill)
    weekly = weekly_scores(scores(index, rep, skill))
    calls = call_rows(index, rep) if calls is None else calls
    last = monday(until.day)
    out = []
    for k in range(weeks - 1, -1, -1):
        start = last - timedelta(weeks=k)
        week_calls = [c for c in calls if start <= c["day"] < start + timedelta(days=7)]
        out.append(week_row(start, week_calls, skill, weekly.get(start)))
    return out


def week_row(start: date, week_calls: list[dict[str, Any]], skill: str, score: int | None) -> dict[str, Any]:
    ratios = [c["talk_ratio"] for c in week_calls if c["talk_ratio"] is not None]
    questions = [c["rep_questions"] for c in week_calls if c["rep_questions"] is not None]
    return {
        "week": start.isoformat(),
        "calls": len(week_calls),
        "talk_ratio": round(mean(ratios), 4) if ratios else None,
        "rep_questions": round(mean(questions), 1) if questions else None,
        "skill": skill,
        "skill_calls": sum(1 for c in week_calls if skill in c["skills"]),
        "skill_hit_rate": round(sum(1 for c in week_calls if skill in c["skills"]) / len(week_calls), 3)
        if week_calls
        else None,
        "self_score": score,
    }
