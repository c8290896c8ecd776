"""The missed-skill view: expected skills not detected on a call, and how far that can be trusted.

A skill not found on a clearly heard call was most likely not said; on an uncertain or garbled
transcript the report says so instead of accusing the rep (pipeline/clarity.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from clipfinder.pipeline.clarity import Clarity
from clipfinder.pipeline.rubric import Skill
from clipfinder.records import NOT_ATTRIBUTED, PROSPECT, UNKNOWN, Call
from clipfinder.store import queries
from clipfinder.store.index import Index
from clipfinder.store.settings import stored_rubric


@dataclass(frozen=True)
class MissedReport:
    """What a call lacked, and where the prospect last spoke (for the no-next-step case)."""

    call: Call
    missed: tuple[Skill, ...]  # expected skills with no clip on the call
    heard: tuple[str, ...]
    prospect_last_s: float | None  # end of the prospect's last word (any speaker's on a mono call)
    clarity: tuple[Clarity, ...] = ()  # per missed skill: how clearly its speaker's words were heard

    def to_json(self) -> dict[str, object]:
        return {
            "call_id": self.call.id,
            "path": self.call.path,
            "rep": self.call.rep,
            "account": self.call.account,
            "date": self.call.date,
            "duration_s": self.call.duration_s,
            "missed": [
                {"skill": s.id, "name": s.name, **c.to_json(), "judgeable": c.judgeable and not self.call.off_language}
                for s, c in zip(self.missed, self.clarity)
            ],
            "off_language": self.call.off_language,
            "language": self.call.language,
            "heard": list(self.heard),
            "prospect_last_s": self.prospect_last_s,
            "speakers_known": self.call.attribution.method != NOT_ATTRIBUTED,
            "speakers_uncertain": self.call.attribution.uncertain,
        }


def missed_skills(index: Index, call_ref: str) -> MissedReport:
    """The rubric's `expected` skills with no clip on the call."""
    call = index.find_call(call_ref)
    heard = queries.call_skills(index, call.id)
    expected = tuple(s for s in stored_rubric(index).skills if s.expected and s.id not in heard)
    speaker = UNKNOWN if call.attribution.method == NOT_ATTRIBUTED else PROSPECT
    clarity = tuple(Clarity(queries.clarity(index, call.id, s.said_by)) for s in expected)
    return MissedReport(call, expected, tuple(sorted(heard)), queries.last_word_end(index, call.id, speaker), clarity)
