"""Talk metrics of one call from its attributed words and segments.

Every formula here is written out in docs/metrics.md; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from clipfinder.records import PROSPECT, REP, ROLES, UNKNOWN, Metrics, Segment, Word

# Words of one role closer than this are one stretch of talk (the pause between words of a
# sentence is talking time, not silence). docs/metrics.md: "merge gap".
MERGE_GAP_S = 0.5
# A turn of the other role shorter than this ("mm-hmm", "right") does not end a monologue.
# docs/metrics.md: "backchannel limit".
BACKCHANNEL_S = 1.0


@dataclass(frozen=True)
class Turn:
    """A merged stretch of talk by one role."""

    start: float
    end: float
    speaker: str


def talk_intervals(words: Iterable[Word], speaker: str) -> list[tuple[float, float]]:
    """The union of one role's word spans, with gaps under MERGE_GAP_S closed."""
    return merged_spans((w.start, w.end) for w in words if w.speaker == speaker)


def merged_spans(spans_in: Iterable[tuple[float, float]], gap_s: float = MERGE_GAP_S) -> list[tuple[float, float]]:
    """The union of time spans, in time order, with gaps under `gap_s` closed."""
    spans = sorted(spans_in)
    merged: list[list[float]] = []
    for start, end in spans:
        if merged and start - merged[-1][1] < gap_s:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def turns(words: Iterable[Word]) -> list[Turn]:
    """All roles' talk intervals as turns, in order of their start."""
    words = list(words)
    found = [Turn(a, b, role) for role in ROLES for a, b in talk_intervals(words, role)]
    return sorted(found, key=lambda t: (t.start, t.end))


def compute_metrics(
    words: list[Word],
    segments: list[Segment],
    duration_s: float,
    speech: Sequence[tuple[float, float, str]] = (),
    roles_trusted: bool = True,
) -> Metrics:
    """All talk metrics of a call. Roles that are not known give None, never a made-up number.

    `speech` is (start, end, role) of all speech heard on a diarized mono call, including speech
    the model did not transcribe; when given, talk time comes from it instead of the words.
    `roles_trusted` False (a mono call whose voices sound alike) leaves the talk ratio None.
    """
    known = any(w.speaker in ROLES for w in words)
    if not known:
        unknown_talk = sum(b - a for a, b in talk_intervals(words, UNKNOWN))
        return Metrics(
            talk_seconds={REP: None, PROSPECT: None, UNKNOWN: round(unknown_talk, 3)},
            talk_ratio=None,
            longest_monologue_s={REP: None, PROSPECT: None},
            questions={REP: None, PROSPECT: None, UNKNOWN: _questions(segments, UNKNOWN)},
            speaker_switches=None,
            interactivity=None,
            patience_s=None,
        )
    if speech:
        talk = {role: sum(b - a for a, b in merged_spans((s, e) for s, e, r in speech if r == role)) for role in ROLES}
    else:
        talk = {role: sum(b - a for a, b in talk_intervals(words, role)) for role in ROLES}
    both = talk[REP] + talk[PROSPECT]
    all_turns = turns(words)
    switches = sum(1 for a, b in zip(all_turns, all_turns[1:]) if a.speaker != b.speaker)
    minutes = duration_s / 60
    return Metrics(
        talk_seconds={role: round(talk[role], 3) for role in ROLES},
        talk_ratio=round(talk[REP] / both, 4) if both > 0 and roles_trusted else None,
        longest_monologue_s={role: round(longest_monologue(all_turns, role), 3) for role in ROLES},
        questions={role: _questions(segments, role) for role in ROLES},
        speaker_switches=switches,
        interactivity=round(switches / minutes, 3) if minutes > 0 else None,
        patience_s=_patience(all_turns),
    )


def longest_monologue(all_turns: list[Turn], speaker: str) -> float:
    """Longest stretch of `speaker`'s turns not broken by another role's turn of BACKCHANNEL_S or more."""
    best = 0.0
    run_start: float | None = None
    run_end = 0.0
    for turn in all_turns:
        if turn.speaker == speaker:
            if run_start is None:
                run_start = turn.start
            run_end = max(run_end, turn.end)
            best = max(best, run_end - run_start)
        elif turn.end - turn.start >= BACKCHANNEL_S:
            run_start = None
            run_end = 0.0
    return best


def _questions(segments: list[Segment], speaker: str) -> int:
    return sum(1 for s in segments if s.speaker == speaker and s.text.rstrip(" \"'”’)").endswith("?"))


def _patience(all_turns: list[Turn]) -> float | None:
    """Mean pause between the prospect's turn ending and the rep's next turn starting (overlap = 0)."""
    pauses = [
        max(0.0, b.start - a.end)
        for a, b in zip(all_turns, all_turns[1:])
        if a.speaker == PROSPECT and b.speaker == REP
    ]
    return round(sum(pauses) / len(pauses), 3) if pauses else None
