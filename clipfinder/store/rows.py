"""Rows <-> records: how a call and its metrics are laid out in the index's tables."""

from __future__ import annotations

import json
from typing import Any

from clipfinder.records import BY_CHANNEL, PROSPECT, REP, UNKNOWN, Attribution, Call, Metrics


def call_from_row(data: dict[str, Any]) -> Call:
    """A `calls` row (column name -> value) as a Call."""
    return Call(
        id=data["id"],
        sha256=data["sha256"],
        path=data["path"],
        rep=data["rep"],
        date=data["date"],
        account=data["account"],
        title=data["title"],
        duration_s=data["duration_s"],
        layout=data["layout"],
        channels=tuple(json.loads(data["channels"])) if data["channels"] else None,
        model=data["model"],
        language=data["language"],
        ingested_at=data["ingested_at"],
        attribution=Attribution(
            data["attribution"] or BY_CHANNEL,
            data["attribution_confidence"],
            data["voices"],
            data["rep_voice"],
            data["separability"],
        ),
        language_probability=data["language_probability"],
        expected_language=data["expected_language"] or data["language"],
    )


def metrics_row(call_id: int, m: Metrics) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "talk_ratio": m.talk_ratio,
        "rep_talk_s": m.talk_seconds.get(REP),
        "prospect_talk_s": m.talk_seconds.get(PROSPECT),
        "unknown_talk_s": m.talk_seconds.get(UNKNOWN),
        "rep_monologue_s": m.longest_monologue_s.get(REP),
        "prospect_monologue_s": m.longest_monologue_s.get(PROSPECT),
        "rep_questions": m.questions.get(REP),
        "prospect_questions": m.questions.get(PROSPECT),
        "unknown_questions": m.questions.get(UNKNOWN),
        "speaker_switches": m.speaker_switches,
        "interactivity": m.interactivity,
        "patience_s": m.patience_s,
    }


def metrics_from_row(row: dict[str, Any]) -> Metrics:
    talk = {REP: row["rep_talk_s"], PROSPECT: row["prospect_talk_s"]}
    questions = {REP: row["rep_questions"], PROSPECT: row["prospect_questions"]}
    if row["unknown_talk_s"] is not None:
        talk[UNKNOWN] = row["unknown_talk_s"]
        questions[UNKNOWN] = row["unknown_questions"]
    return Metrics(
        talk_seconds=talk,
        talk_ratio=row["talk_ratio"],
        longest_monologue_s={REP: row["rep_monologue_s"], PROSPECT: row["prospect_monologue_s"]},
        questions=questions,
        speaker_switches=row["speaker_switches"],
        interactivity=row["interactivity"],
        patience_s=row["patience_s"],
    )
