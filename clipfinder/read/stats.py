"""Reading talk metrics back out of the index, per call and averaged per rep."""

from __future__ import annotations

from statistics import mean
from typing import Any

from clipfinder.records import PROSPECT, REP
from clipfinder.store.index import Index

# Published reference points shown beside the numbers (docs/metrics.md says where they come from).
ANCHOR_TALK_RATIO = 0.43  # Gong Labs: the best-performing reps talk 43% and listen 57%
ANCHOR_DISCOVERY_QUESTIONS = (11, 14)  # Gong Labs: questions on a successful discovery call


def call_stats(index: Index, rep: str | None = None, call: str | None = None) -> list[dict[str, Any]]:
    """One dict per call: the metrics with the call's identity (the `stats --json` items)."""
    items = []
    for c, m in index.iter_calls_with_metrics(rep=rep, call=call):
        items.append(
            {
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
        )
    return items


def rep_averages(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Average each rep's calls; a metric no call of theirs has (mono only) stays None."""
    reps: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        reps.setdefault(item["rep"], []).append(item)
    out = []
    for rep, calls in sorted(reps.items()):
        out.append(
            {
                "rep": rep,
                "calls": len(calls),
                "calls_with_roles": sum(1 for c in calls if c["talk_ratio"] is not None),
                "calls_uncertain": sum(1 for c in calls if c["speakers_uncertain"]),
                "talk_ratio": _avg(c["talk_ratio"] for c in calls),
                "longest_monologue_s": {
                    role: _avg(c["longest_monologue_s"][role] for c in calls) for role in (REP, PROSPECT)
                },
                "questions": {role: _avg(c["questions"][role] for c in calls) for role in (REP, PROSPECT)},
                "interactivity": _avg(c["interactivity"] for c in calls),
                "patience_s": _avg(c["patience_s"] for c in calls),
            }
        )
    return out


def _avg(values: Any) -> float | None:
    present = [v for v in values if v is not None]
    return round(mean(present), 3) if present else None
