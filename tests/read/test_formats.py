import json

import pytest

from clipfinder.errors import BadInput
from clipfinder.read.formats import render
from clipfinder.records import Segment, Word
from clipfinder.text import clock

SEGS = [
    Segment(61.25, 63.5, "How do you coach today?", "rep", (Word(61.25, 62.0, "How", 0.9, "rep"),)),
    Segment(64.0, 65.0, "Ride alongs.", "prospect"),
]


def test_clock():
    assert clock(3723.456) == "01:02:03.456"
    assert clock(3723.456, ",") == "01:02:03,456"
    assert clock(75.4, hours=False) == "01:15"


def test_txt_srt_vtt():
    assert render(SEGS, "txt") == "[01:01] Rep: How do you coach today?\n[01:04] Prospect: Ride alongs.\n"
    srt = render(SEGS, "srt")
    assert srt.startswith("1\n00:01:01,250 --> 00:01:03,500\nRep: How do you coach today?\n\n2\n")
    vtt = render(SEGS, "vtt", offset=60)
    assert vtt.startswith("WEBVTT\n\n00:00:01.250 --> 00:00:03.500\n<v Rep>How do you coach today?\n")


def test_json_has_words_and_offset_times():
    data = json.loads(render(SEGS, "json", offset=60))
    assert data[0]["start"] == 1.25 and data[0]["words"][0]["start"] == 1.25
    assert data[1]["speaker"] == "prospect"


def test_unknown_format():
    with pytest.raises(BadInput, match="txt, srt, vtt, json"):
        render(SEGS, "docx")


def test_a_segment_spanning_the_other_speakers_reply_is_cut_at_the_turns():
    def said(speaker, start, text):
        return [Word(start + 0.4 * i, start + 0.4 * i + 0.3, w, 0.9, speaker) for i, w in enumerate(text.split())]

    rep = said("rep", 0.0, "So what happens today") + said("rep", 4.0, "when a new hire starts?")
    prospect = said("prospect", 2.0, "Mostly spreadsheets.")
    segs = [
        Segment(0.0, rep[-1].end, "So what happens today when a new hire starts?", "rep", tuple(rep), 0),
        Segment(2.0, prospect[-1].end, "Mostly spreadsheets.", "prospect", tuple(prospect), 1),
    ]
    assert render(segs, "txt") == (
        "[00:00] Rep: So what happens today\n[00:02] Prospect: Mostly spreadsheets.\n"
        "[00:04] Rep: when a new hire starts?\n"
    )
    cues = render(segs, "srt").split("\n\n")
    assert [c.splitlines()[1] for c in cues if c] == [
        "00:00:00,000 --> 00:00:01,500",
        "00:00:02,000 --> 00:00:02,700",
        "00:00:04,000 --> 00:00:05,900",
    ]
