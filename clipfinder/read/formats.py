"""Transcripts as text people load into other tools: plain text, SRT, WebVTT and JSON.

Times are shifted by `offset` so the same code writes a whole call's transcript and an
exported clip's subtitles (clip-relative times).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from clipfinder.errors import BadInput
from clipfinder.records import Segment
from clipfinder.text import clock, speaker_label

FORMATS = ("txt", "srt", "vtt", "json")


def transcript_lines(segments: Sequence[Segment], offset: float = 0.0) -> list[str]:
    """One "[mm:ss] Speaker: text" line per segment, times minus `offset` (the txt format)."""
    return [f"[{clock(s.start - offset, hours=False)}] {speaker_label(s.speaker)}: {s.text}" for s in segments]


def render(segments: Sequence[Segment], fmt: str, offset: float = 0.0) -> str:
    """The segments in format `fmt` (one of FORMATS), times minus `offset`."""
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
