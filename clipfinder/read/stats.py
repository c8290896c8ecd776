"""Reading talk metrics back out of the index, per call and averaged per rep."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from statistics import mean
from typing import Any

from clipfinder.records import PROSPECT, REP, Call, Metrics
from clipfinder.store.index import Index

# Published reference points shown beside the numbers (docs/metrics.md says where they come from).
ANCHOR_TALK_RATIO = 0.43  # Gong Labs: the best-performing reps talk 43% and listen 57%
ANCHOR_DISCOVERY_QUESTIONS = (11, 14)  # Gong Labs: questions on a successful discovery call


@dataclass(frozen=True)
class CallStats:
    """One call's metrics with its identity (the `stats --json` item)."""

    call: Call
    metrics: Metrics

    def to_json(self) -> dict[str, Any]:
        c, m = self.call, self.metrics
        return {
            "call_id": c.id,
            "path": c.path,
            "rep": c.rep,
            "account": c.account,
            "date": c.date,
            "layout": c.layout,
            "duration_s": c.duration_s,
            "speakers": c.attribution.describe(),
            "speakers_uncertain": c.attribution.uncertain,
            "language": c.language,
            "language_probability": c.language_probability,
            "off_language": c.off_language,
            "talk_ratio": m.talk_ratio,
            "talk_seconds": m.talk_seconds,
            "longest_monologue_s": m.longest_monologue_s,
            "questions": m.questions,
            "speaker_switches": m.speaker_switches,
            "interactivity": m.interactivity,
            "patience_s": m.patience_s,
        }


@dataclass(frozen=True)
class RepAverage:
    """A rep's calls averaged (the `stats --per-rep --json` item); None where no call has the number."""

    rep: str
    calls: int
    calls_with_roles: int  # calls whose speakers are known (a talk ratio)
    calls_uncertain: int  # calls whose rep/prospect labels may be wrong
    talk_ratio: float | None
    longest_monologue_s: dict[str, float | None]  # per role
    questions: dict[str, float | None]  # per role
    interactivity: float | None
    patience_s: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def call_stats(index: Index, rep: str | None = None, call: str | None = None) -> list[CallStats]:
    """The metrics of every call (newest first), of one rep's, or of one call."""
    return [CallStats(c, m) for c, m in index.iter_calls_with_metrics(rep=rep, call=call)]


def rep_averages(items: list[CallStats]) -> list[RepAverage]:
    """Average each rep's calls; a metric no call of theirs has (mono only) stays None."""
    reps: dict[str, list[CallStats]] = {}
    for item in items:
        reps.setdefault(item.call.rep, []).append(item)
    out = []
    for rep, calls in sorted(reps.items()):
        metrics = [c.metrics for c in calls]
        out.append(
            RepAverage(
                rep=rep,
                calls=len(calls),
                calls_with_roles=sum(1 for m in metrics if m.talk_ratio is not None),
                calls_uncertain=sum(1 for c in calls if c.call.attribution.uncertain),
                talk_ratio=_avg(m.talk_ratio for m in metrics),
                longest_monologue_s={
                    role: _avg(m.longest_monologue_s.get(role) for m in metrics) for role in (REP, PROSPECT)
                },
                questions={role: _avg(m.questions.get(role) for m in metrics) for role in (REP, PROSPECT)},
                interactivity=_avg(m.interactivity for m in metrics),
                patience_s=_avg(m.patience_s for m in metrics),
            )
        )
    return out


def _avg(values: Any) -> float | None:
    present = [v for v in values if v is not None]
    return round(mean(present), 3) if present else None
