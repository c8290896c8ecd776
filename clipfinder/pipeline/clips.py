"""Turning matches into coaching clips: 30-second windows of a call, placed, merged and ranked.

A clip is only a window [start_s, end_s] of the recording plus the matches it holds; no audio
is cut until export. docs/rubric.md describes the placement rules written here.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from clipfinder.records import Clip, Match, Word, surest
from clipfinder.text import join_words, speaker_label

DEFAULT_CLIP_SECONDS = 30.0
# Of the spare time in a window, this share goes before the matched words: the moment that
# led to it (the prospect's objection before the rep's answer) matters more than what follows.
CONTEXT_BEFORE = 2 / 3
# How far (seconds) a window may move to put both its ends between words.
SNAP_RANGE_S = 3.0
# Ranking: a clip's confidence (its surest match, 0-100), lowered by up to this share when the
# moment sits far from the middle of the window (the window was pushed against the start or end
# of the recording). Confidence first, so a clearly heard moment outranks a guessed one.
CENTRALITY_WEIGHT = 0.15
# No word lasts longer than this (seconds): how far back to look for words reaching into a window.
LONGEST_WORD_S = 5.0


def build_clips(
    matches: Sequence[Match],
    words: Sequence[Word],
    duration_s: float,
    clip_seconds: float = DEFAULT_CLIP_SECONDS,
) -> list[Clip]:
    """Clips for a call's matches, best-ranked first.

    Matches of one skill close enough to share a window become one clip that keeps them all.
    """
    gaps = _WordEdges(words)
    clips = []
    for skill in sorted({m.skill for m in matches}):
        for group in _groups([m for m in matches if m.skill == skill], clip_seconds):
            start_s = min(m.start_s for m in group)
            end_s = max(m.end_s for m in group)
            start, end = place_window(start_s, end_s, duration_s, clip_seconds)
            start, end = gaps.snap(start, end, start_s, end_s, duration_s)
            best = surest(group)  # it speaks for the clip: its phrase, speaker, score and confidence
            clips.append(
                Clip(
                    skill=skill,
                    start_s=round(start, 3),
                    end_s=round(end, 3),
                    matches=tuple(group),
                    score=best.score,
                    rank=round(best.confidence * 100 * _centrality(start, end, start_s, end_s), 2),
                    text=window_text(words, start, end),
                    confidence=best.confidence,
                )
            )
    return sorted(clips, key=lambda c: (-c.rank, c.start_s))


def place_window(start_s: float, end_s: float, duration_s: float, length: float) -> tuple[float, float]:
    """A window of `length` holding [start_s, end_s], context before, inside the recording.

    Near the start or end the window is shifted, not shortened; a recording shorter than the
    window gives the whole recording; a moment longer than the window gives the moment.
    """
    if duration_s <= length:
        return 0.0, duration_s
    spare = length - (end_s - start_s)
    if spare <= 0:
        return start_s, end_s
    start = start_s - spare * CONTEXT_BEFORE
    start = min(max(start, 0.0), duration_s - length)
    return start, start + length


def window_text(words: Sequence[Word], start: float, end: float) -> str:
    """The words inside a window as speaker-labelled lines ("Rep: ..."). `words` are in time order."""
    first = bisect.bisect_left(words, start - LONGEST_WORD_S, key=lambda w: w.start)
    runs: list[tuple[str, list[str]]] = []
    for w in words[first:]:
        if w.start >= end:
            break
        if w.end <= start:
            continue
        if not runs or runs[-1][0] != w.speaker:
            runs.append((w.speaker, []))
        runs[-1][1].append(w.text)
    return "\n".join(f"{speaker_label(speaker)}: {join_words(texts)}" for speaker, texts in runs)


def _groups(matches: list[Match], length: float) -> list[list[Match]]:
    """Consecutive matches whose moments fit in one window together."""
    groups: list[list[Match]] = []
    for m in sorted(matches, key=lambda m: m.start_s):
        if groups and m.end_s - min(x.start_s for x in groups[-1]) <= length:
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


def _centrality(start: float, end: float, start_s: float, end_s: float) -> float:
    half = (end - start) / 2
    if half <= 0:
        return 1.0
    offset = abs((start_s + end_s) / 2 - (start + end) / 2) / half
    return 1.0 - CENTRALITY_WEIGHT * min(offset, 1.0)


class _WordEdges:
    """Word spans of a call, to move window ends out of the middle of words."""

    def __init__(self, words: Sequence[Word]) -> None:
        spans = sorted((w.start, w.end) for w in words if w.end > w.start)
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]
        self.edges = sorted({*self.starts, *self.ends})

    def inside_word(self, t: float) -> bool:
        i = bisect.bisect_left(self.starts, t)
        # Any word starting before t and ending after it? Words are short, so look back a few.
        return any(self.starts[j] < t < self.ends[j] for j in range(max(0, i - 8), i))

    def snap(
        self, start: float, end: float, keep_start: float, keep_end: float, duration: float
    ) -> tuple[float, float]:
        """Shift the window the least so neither end cuts a word; keep length when possible."""
        if not self.inside_word(start) and not self.inside_word(end):
            return start, end
        candidates: list[float] = []
        for edge_of in (start, end):
            lo = bisect.bisect_left(self.edges, edge_of - SNAP_RANGE_S)
            hi = bisect.bisect_right(self.edges, edge_of + SNAP_RANGE_S)
            candidates.extend(e - edge_of for e in self.edges[lo:hi])
        for shift in sorted(candidates, key=abs):
            a, b = start + shift, end + shift
            if a < 0 or b > duration or a > keep_start or b < keep_end:
                continue
            if not self.inside_word(a) and not self.inside_word(b):
                return a, b
        # Crowded talk on both sides: move each end outwards to the edge of the word it cuts.
        return self._outer_edge(start, before=True), self._outer_edge(end, before=False)

    def _outer_edge(self, t: float, before: bool) -> float:
        i = bisect.bisect_left(self.starts, t)
        for j in range(max(0, i - 8), i):
            if self.starts[j] < t < self.ends[j]:
                return self.starts[j] if before else self.ends[j]
        return t
