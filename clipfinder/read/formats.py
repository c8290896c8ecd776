"""Transcripts as text people load into other tools: plain text, SRT, WebVTT and JSON.

Times are shifted by `offset` so the same code writes a whole call's transcript and an
exported clip's subtitles (clip-relative times).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from clipfinder.errors import BadInput
from clipfinder.records import Segment, Word
from clipfinder.text import clock, join_words, speaker_label

FORMATS = ("txt", "srt", "vtt", "json")


def speaker_turns(segments: Sequence[Segment]) -> list[Segment]:
    """The segments re-cut at speaker turns, from the word timings.

    Each channel of a stereo call is decoded on its own, so one channel's segment can span the
    other speaker's reply; in time order the rep's sentence would then print whole before the
    answer it was interrupted by. Here the words are taken in time order and a segment is cut
    where the other speaker's words come between its own. Segments without words are kept.
    """
    timed = sorted(
        ((w, n, s) for n, s in enumerate(segments) for w in s.words), key=lambda item: (item[0].start, item[1])
    )
    lines: list[tuple[Segment, list[Word]]] = []
    last_seg = -1
    for word, n, seg in timed:
        if lines and n == last_seg:
            lines[-1][1].append(word)
            continue
        lines.append((seg, [word]))
        last_seg = n
    out = [
        seg  # not cut: as decoded, its own text and times
        if len(ws) == len(seg.words)
        else Segment(ws[0].start, ws[-1].end, join_words(w.text for w in ws), seg.speaker, tuple(ws), seg.channel)
        for seg, ws in lines
    ]
    out += [s for s in segments if not s.words]
    return sorted(out, key=lambda s: s.start)


def transcript_lines(segments: Sequence[Segment], offset: float = 0.0) -> list[str]:
    """One "[mm:ss] Speaker: text" line per speaker turn, times minus `offset` (the txt format)."""
    return [
        f"[{clock(s.start - offset, hours=False)}] {speaker_label(s.speaker)}: {s.text}"
        for s in speaker_turns(segments)
    ]


def render(segments: Sequence[Segment], fmt: str, offset: float = 0.0) -> str:
    """The segments, re-cut at speaker turns, in format `fmt` (one of FORMATS), times minus `offset`."""
    segments = speaker_turns(segments)
    if fmt == "txt":
        return "".join(line + "\n" for line in transcript_lines(segments, offset))
    if fmt == "srt":
        return "\n".join(
            f"{i}\n{clock(s.start - offset, ',')} --> {clock(s.end - offset, ',')}\n"
            f"{speaker_label(s.speaker)}: {s.text}\n"
            for i, s in enumerate(segments, 1)
        )
    if fmt == "vtt":
        cues = "".join(
            f"\n{clock(s.start - offset)} --> {clock(s.end - offset)}\n<v {speaker_label(s.speaker)}>{s.text}\n"
            for s in segments
        )
        return "WEBVTT\n" + cues
    if fmt == "json":
        items = []
        for s in segments:
            item = asdict(s)
            item["start"] = round(s.start - offset, 3)
            item["end"] = round(s.end - offset, 3)
            item["words"] = [
                {**asdict(w), "start": round(w.start - offset, 3), "end": round(w.end - offset, 3)} for w in s.words
            ]
            items.append(item)
        return json.dumps(items, indent=2) + "\n"
    raise BadInput(f"unknown transcript format '{fmt}'; choose one of {', '.join(FORMATS)}")
