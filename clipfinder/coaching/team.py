"""The team at a glance: one row per rep for the manager's Monday morning (the web app's home)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from clipfinder.coaching.loop import (
    FollowUp,
    current_focus,
    followup,
    monday,
    rotation_advice,
    scores,
    starts_by,
    weekly_scores,
)
from clipfinder.coaching.prep import TalkMetrics, talk_metrics
from clipfinder.records import Focus
from clipfinder.store import queries
from clipfinder.store.index import Index
from clipfinder.text import Moment, parse_moment, stored_moment

SCORE_WEEKS = 4  # self-scores shown per rep


@dataclass(frozen=True)
class TeamRow:
    """One rep: focus, last commitment and its follow-up, self-scores, talk this week, clips waiting."""

    rep: str
    focus: Focus | None
    weeks_in_focus: float | None
    last: FollowUp | None  # the latest commitment made by now, with its follow-up
    check_by: str | None  # when the manager should have listened to the first call after it
    scores: tuple[int | None, ...]  # the weekly self-scores of the focus skill, oldest first
    talk: TalkMetrics  # this week (7 x 24 h to now) against the 4 weeks before
    waiting_clips: int  # clips of the focus skill on calls since the last commitment (or 7 days)


def team(index: Index, now: str | None = None) -> list[TeamRow]:
    """A row for every rep in the index, by name."""
    at = parse_moment(now)
    follow = {}
    for item in followup(index, None, at):
        if starts_by(stored_moment(item.commitment.date), at):
            follow[item.commitment.rep] = item  # oldest first: the last one stays
    return [_row(index, rep, at, follow.get(rep)) for rep in index.reps()]


def _row(index: Index, rep: str, at: Moment, last: FollowUp | None) -> TeamRow:
    focus = current_focus(index, rep, at)
    weekly = weekly_scores(scores(index, rep, focus.skill)) if focus else {}
    this_monday = monday(at.day)
    recent = tuple(weekly.get(this_monday - timedelta(weeks=k)) for k in range(SCORE_WEEKS - 1, -1, -1))
    since = stored_moment(last.commitment.date).day if last else (at.at - timedelta(days=7)).date()
    waiting = 0
    if focus is not None:
        waiting = queries.count_clips(index, focus.skill, rep, since.isoformat(), at.day.isoformat())
    recent_from = (at.at - timedelta(weeks=5, days=1)).date()  # talk_metrics looks 5 weeks back
    check_by = next((c.check_by for c in last.calls if c.within_72h), None) if last else None
    return TeamRow(
        rep=rep,
        focus=focus,
        weeks_in_focus=rotation_advice(index, rep, at).weeks_in_focus,
        last=last,
        check_by=check_by,
        scores=recent,
        talk=talk_metrics(queries.rep_calls(index, rep, since=recent_from.isoformat(), with_clarity=False), at),
        waiting_clips=waiting,
    )
