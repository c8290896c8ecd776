"""The manager's prep for a weekly 1-on-1, gathered from the index (rendering is render.py).

The session it prepares (docs/coaching.md): 30 minutes; 10 on two deals, 15 on one skill with one
30-second clip from a real call, 5 on career; it opens with a specific positive moment and a
2-minute check of last week's commitment, and closes with one written commitment.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from statistics import mean
from typing import Any

from clipfinder.coaching.loop import (
    FollowUp,
    Rotation,
    canonical_rep,
    commitments,
    current_focus,
    followup,
    pinned_clip,
    rotation_advice,
)
from clipfinder.coaching.trend import Week, trend
from clipfinder.pipeline.clarity import Clarity
from clipfinder.read.export import clip_segments
from clipfinder.read.formats import transcript_lines
from clipfinder.read.search import get_clip, search
from clipfinder.read.stats import ANCHOR_DISCOVERY_QUESTIONS, ANCHOR_TALK_RATIO
from clipfinder.records import REP, ClipHit, Focus, RepCall
from clipfinder.store import queries
from clipfinder.store.index import Index
from clipfinder.store.settings import stored_rubric
from clipfinder.text import Moment, parse_moment, stored_moment

AGENDA = (
    (
        "0:00",
        "0:10",
        "Deals",
        "Open with the positive moment (above, 1 min), then check last week's commitment "
        "(2 min). Then two deals: one stuck, one exciting.",
    ),
    ("0:10", "0:25", "Coaching moment", "One skill, one 30-second clip: diagnose, demonstrate, role-play, commit."),
    ("0:25", "0:30", "Career", "Career check; close by writing one commitment (below)."),
)
REMINDERS = (
    "Let the rep talk 60-70% of the session; ask, then listen.",
    "Lead with what went well and keep corrections specific: managers drift into mostly negative comments.",
)


@dataclass(frozen=True)
class ClipView:
    """A clip as the prep shows it: where it is, and what was said in it."""

    hit: ClipHit
    lines: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {**self.hit.to_json(), "lines": list(self.lines)}


@dataclass(frozen=True)
class PeriodSummary:
    """Mean talk numbers of some calls (None where no call has the number)."""

    calls: int
    talk_ratio: float | None
    rep_questions: float | None
    rep_monologue_s: float | None
    patience_s: float | None
    uncertain_calls: int  # calls whose rep/prospect labels may be wrong

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TalkMetrics:
    """This week (the 7 days to the session) against the 4 weeks before, beside the anchors."""

    this_week: PeriodSummary
    last_4_weeks: PeriodSummary
    anchor_talk_ratio: float = ANCHOR_TALK_RATIO
    anchor_questions: tuple[int, int] = ANCHOR_DISCOVERY_QUESTIONS

    def to_json(self) -> dict[str, Any]:
        return {
            "this_week": self.this_week.to_json(),
            "last_4_weeks": self.last_4_weeks.to_json(),
            "anchors": {"talk_ratio": self.anchor_talk_ratio, "discovery_questions": list(self.anchor_questions)},
        }


@dataclass(frozen=True)
class AccountView:
    """An account with calls this period: raw material for the two-deal review."""

    account: str
    calls: int
    call_ids: list[int]
    last_call: str
    days_since: int
    skills_seen: list[str]
    skills_missed: list[str]  # expected, not detected, on calls heard well enough to judge
    skills_unjudged: list[str]  # expected, not detected, and no call could be judged
    clarity: float | None  # the least clear call's
    in_rubric_language: bool

    def absence(self) -> str:
        """The expected skills not found on the account's calls, or why that cannot be judged."""
        if self.skills_unjudged:
            if not self.in_rubric_language:
                return "cannot judge: not in the rubric's language"
            return Clarity(self.clarity).absence()
        return ", ".join(self.skills_missed) or "none"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Prep:
    rep: str
    session: str  # the session's moment (ISO)
    period_start: str  # the last session's date (or a week before), start of "this period"
    focus: Focus | None
    rotation: Rotation
    last_commitment: FollowUp | None
    clip: ClipView | None
    alternates: list[ClipView]
    clip_note: str
    positive: ClipView | None
    positive_note: str
    metrics: TalkMetrics
    accounts: list[AccountView]
    trend: list[Week]
    agenda: tuple[tuple[str, str, str, str], ...] = AGENDA
    reminders: tuple[str, ...] = REMINDERS
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "rep": self.rep,
            "session": self.session,
            "period_start": self.period_start,
            "focus": None if self.focus is None else {"skill": self.focus.skill, "since": self.focus.since},
            "rotation": self.rotation.to_json(),
            "last_commitment": None if self.last_commitment is None else self.last_commitment.to_json(),
            "clip": self.clip.to_json() if self.clip else None,
            "alternates": [a.to_json() for a in self.alternates],
            "clip_note": self.clip_note,
            "positive": self.positive.to_json() if self.positive else None,
            "positive_note": self.positive_note,
            "metrics": self.metrics.to_json(),
            "accounts": [a.to_json() for a in self.accounts],
            "trend": [w.to_json() for w in self.trend],
            "agenda": [list(a) for a in self.agenda],
            "notes": self.notes,
        }


def build_prep(index: Index, rep: str, on: str | None = None) -> Prep:
    """Everything the manager needs before the 1-on-1 on `on` (default now) with `rep`."""
    rep = canonical_rep(index, rep)
    session = parse_moment(on)
    focus = current_focus(index, rep, session)
    earlier = [c for c in commitments(index, rep) if stored_moment(c.date).at < session.at]
    period_start = stored_moment(earlier[-1].date) if earlier else Moment(session.at - timedelta(days=7), False)
    last = None
    if earlier:
        last = next(f for f in followup(index, rep, session) if f.commitment.id == earlier[-1].id)
    clip, alternates, clip_note = _coaching_clip(index, rep, focus, period_start, session)
    calls = queries.rep_calls(index, rep)
    positive, positive_note = _positive(index, rep, focus, period_start, session, clip, alternates, calls)
    prep = Prep(
        rep=rep,
        session=session.iso(),
        period_start=period_start.iso(),
        focus=focus,
        rotation=rotation_advice(index, rep, session),
        last_commitment=last,
        clip=clip,
        alternates=alternates,
        clip_note=clip_note,
        positive=positive,
        positive_note=positive_note,
        metrics=talk_metrics(calls, session),
        accounts=_accounts(index, calls, period_start, session),
        trend=trend(index, rep, focus.skill, 8, session, calls) if focus else [],
    )
    if focus is None:
        prep.notes.append(f"No skill in focus for {rep}: `clipfinder focus --rep {rep} --skill ID`.")
    return prep


def _in_period(hit: ClipHit, start: Moment, end: Moment) -> bool:
    day = stored_moment(hit.date).day
    return start.day <= day <= end.day


def _view(index: Index, hit: ClipHit) -> ClipView:
    return ClipView(hit, tuple(transcript_lines(clip_segments(index, hit))))


def _coaching_clip(
    index: Index, rep: str, focus: Focus | None, start: Moment, end: Moment
) -> tuple[ClipView | None, list[ClipView], str]:
    pin = pinned_clip(index, rep, start, end)
    if pin is not None:
        pinned = _view(index, get_clip(index, pin.clip_id))
        others = [] if focus is None else search(index, skill=focus.skill, rep=rep, until=end.day.isoformat(), limit=3)
        alternates = [_view(index, h) for h in others if h.clip_id != pin.clip_id][:2]
        return pinned, alternates, f"{pinned.hit.skill} clip you pinned on {stored_moment(pin.pinned_at).iso()}"
    if focus is None:
        return None, [], "no focus skill, so no coaching clip"
    hits = search(index, skill=focus.skill, rep=rep, until=end.day.isoformat(), limit=200)
    recent = [h for h in hits if _in_period(h, start, end)]
    if recent:
        note = f"best {focus.skill} clip from {rep}'s calls since {start.iso()}"
        chosen = recent
    elif hits:
        note = f"no {focus.skill} clip since {start.iso()}: the best earlier one"
        chosen = hits
    else:
        return None, [], f"no {focus.skill} clip on any of {rep}'s calls yet: pick a call to review together"
    views = [_view(index, h) for h in chosen[:3]]
    return views[0], views[1:], note


def _positive(
    index: Index,
    rep: str,
    focus: Focus | None,
    start: Moment,
    end: Moment,
    coaching: ClipView | None,
    alternates: list[ClipView],
    calls: list[RepCall],
) -> tuple[ClipView | None, str]:
    """A rep-spoken clip of a rubric behaviour: the focus skill first, then a skill that improved.
    Never the coaching clip; an alternate only when nothing else qualifies."""
    taken = {coaching.hit.clip_id} if coaching else set()
    spare = {a.hit.clip_id for a in alternates}
    hits = [
        h
        for h in search(index, rep=rep, until=end.day.isoformat(), limit=500)
        if h.speaker == REP and h.clip_id not in taken and _in_period(h, start, end)
    ]
    hits = sorted(hits, key=lambda h: h.clip_id in spare)  # stable: rank order kept within each group
    if not hits:
        return None, f"no rep-spoken rubric moment since {start.iso()}: ask the rep for one they are proud of"
    if focus is not None:
        on_focus = [h for h in hits if h.skill == focus.skill]
        if on_focus:
            return _view(index, on_focus[0]), f"the rep doing the focus skill ({focus.skill})"
    rates, compared = _improved_skills(calls, start, end)
    improved = [h for h in hits if h.skill in rates]
    if improved:
        best = max(improved, key=lambda h: (rates[h.skill], h.rank))
        if compared:
            return _view(index, best), f"{best.skill} showed up on more calls than in the four weeks before"
        note = f"the rep's best-ranked rubric moment ({best.skill}); no calls in the four weeks before"
        return _view(index, best), note
    return _view(index, hits[0]), f"the rep's best-ranked rubric moment ({hits[0].skill})"


def _improved_skills(calls: list[RepCall], start: Moment, end: Moment) -> tuple[dict[str, float], bool]:
    """Skills whose share of calls rose this period against the four weeks before it, and whether
    there were calls before to compare with."""
    now = [c for c in calls if start.day <= c.day <= end.day]
    before = [c for c in calls if start.day - timedelta(weeks=4) <= c.day < start.day]
    out = {}
    for skill in {s for c in now for s in c.skills}:
        rate_now = sum(skill in c.skills for c in now) / len(now)
        rate_before = sum(skill in c.skills for c in before) / len(before) if before else 0.0
        if rate_now > rate_before:
            out[skill] = rate_now - rate_before
    return out, bool(before)


def talk_metrics(calls: list[RepCall], session: Moment) -> TalkMetrics:
    """Talk metrics this week (the 7 x 24 hours before the session) against the 4 weeks before
    that. A session without a time is taken to be at the end of its day."""
    end = session.at if session.has_time else session.at + timedelta(days=1)
    week_start = end - timedelta(days=7)
    held = [(stored_moment(c.date).at, c) for c in calls]
    this_week = [c for at, c in held if week_start <= at < end]
    before = [c for at, c in held if week_start - timedelta(weeks=4) <= at < week_start]
    return TalkMetrics(_summary(this_week), _summary(before))


def _summary(calls: list[RepCall]) -> PeriodSummary:
    def avg(values: list[float | int | None]) -> float | None:
        present = [v for v in values if v is not None]
        return round(mean(present), 3) if present else None

    return PeriodSummary(
        calls=len(calls),
        talk_ratio=avg([c.talk_ratio for c in calls]),
        rep_questions=avg([c.rep_questions for c in calls]),
        rep_monologue_s=avg([c.rep_monologue_s for c in calls]),
        patience_s=avg([c.patience_s for c in calls]),
        uncertain_calls=sum(1 for c in calls if c.speakers_uncertain),
    )


def _accounts(index: Index, calls: list[RepCall], start: Moment, end: Moment) -> list[AccountView]:
    """The rep's accounts with calls this period: raw material for the two-deal review."""
    expected = [s.id for s in stored_rubric(index).skills if s.expected]
    by_account: dict[str, list[RepCall]] = {}
    for c in calls:
        if start.day <= c.day <= end.day:
            by_account.setdefault(c.account or "(no account)", []).append(c)
    out = []
    for account, its_calls in by_account.items():
        last = max(its_calls, key=lambda c: c.date)
        seen = sorted({s for c in its_calls for s in c.skills})
        absent = [s for s in expected if s not in seen]
        # a skill not found only counts against the rep where some call was heard well enough
        judged = any(Clarity(c.clarity).judgeable and c.in_rubric_language for c in its_calls)
        out.append(
            AccountView(
                account=account,
                calls=len(its_calls),
                call_ids=[c.call_id for c in its_calls],
                last_call=last.date,
                days_since=(end.day - last.day).days,
                skills_seen=seen,
                skills_missed=absent if judged else [],
                skills_unjudged=[] if judged else absent,
                clarity=min((c.clarity for c in its_calls if c.clarity is not None), default=None),
                in_rubric_language=any(c.in_rubric_language for c in its_calls),
            )
        )
    return sorted(out, key=lambda a: a.last_call, reverse=True)
