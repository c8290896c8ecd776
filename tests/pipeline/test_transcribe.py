import math
from types import SimpleNamespace as W

from clipfinder.pipeline.transcribe import ESTIMATED_WORD_S, repair_word_times


def test_good_words_keep_their_times():
    out = repair_word_times(
        [W(word=" Hi", start=1.0, end=1.2, probability=0.9), W(word=" there", start=1.3, end=1.6, probability=0.8)],
        1.0,
        2.0,
        "rep",
    )
    assert [(w.text, w.start, w.end, w.timed) for w in out] == [("Hi", 1.0, 1.2, True), ("there", 1.3, 1.6, True)]
    assert all(w.speaker == "rep" for w in out)


def test_missing_or_broken_timestamps_are_estimated_between_neighbours():
    raw = [
        W(word="one", start=0.0, end=0.4, probability=0.9),
        W(word="two", start=None, end=None, probability=0.5),
        W(word="three", start=math.nan, end=0.9, probability=0.5),
        W(word="four", start=2.0, end=1.0, probability=0.5),  # reversed
        W(word="five", start=3.0, end=3.5, probability=0.9),
    ]
    out = repair_word_times(raw, 0.0, 4.0, "prospect")
    starts = [w.start for w in out]
    assert starts == sorted(starts), "the timeline stays ordered"
    assert [w.timed for w in out] == [True, False, False, False, True]
    assert all(w.end - w.start <= ESTIMATED_WORD_S + 1e-9 for w in out if not w.timed)
    assert out[-1].start == 3.0 and out[-1].end == 3.5


def test_words_outside_their_segment_are_clamped():
    out = repair_word_times([W(word="late", start=9.0, end=12.0, probability=0.9)], 8.0, 10.0, "rep")
    assert (out[0].start, out[0].end) == (9.0, 10.0)


def test_a_word_that_starts_before_the_previous_ends_does_not_go_back_in_time():
    raw = [W(word="a", start=1.0, end=2.0, probability=0.9), W(word="b", start=0.5, end=2.5, probability=0.9)]
    out = repair_word_times(raw, 0.0, 3.0, "rep")
    assert out[1].start >= out[0].end


def test_fragments_are_not_stored_as_invented_phrases(tmp_path):
    """0.3 s cut from a call: Whisper tends to invent "Thank you." or "Bye." there. Measured (make
    eval): 54 of 58 such segments dropped; at most 3 of these 12 fragments may keep words."""
    import numpy as np

    from clipfinder import Index, ingest
    from clipfinder.pipeline.audio import decode

    from ..audio_helpers import write_wav
    from ..conftest import CALLS

    samples = decode(CALLS / "bob" / "umbrella-intro.ogg")[0]
    starts = np.random.default_rng(3).uniform(0.5, 28.5, 12)
    paths = [
        write_wav(tmp_path / f"frag{i}.wav", [samples[int(s * 16000) : int(s * 16000) + 4800]])
        for i, s in enumerate(starts)
    ]
    with Index(tmp_path / "x.db") as index:
        report = ingest(paths, index, workers=1)
        kept = [w.text for c in index.calls() for w in index.words(c.id)]
    failed = [o.detail for o in report.outcomes if o.status.value == "failed"]
    assert len(failed) >= 9, kept
    assert all("no speech found" in d for d in failed)


def test_long_channels_are_cut_at_their_quietest_moment():
    import numpy as np

    from clipfinder.pipeline import transcribe
    from clipfinder.pipeline.audio import SAMPLE_RATE

    rng = np.random.default_rng(1)
    talk = (rng.standard_normal(SAMPLE_RATE * 40) * 0.2).astype(np.float32)
    talk[int(SAMPLE_RATE * 23.0) : int(SAMPLE_RATE * 23.8)] = 0.0  # the one pause near 20 s
    cut = transcribe.quietest(talk, SAMPLE_RATE * 10, SAMPLE_RATE * 30)
    assert SAMPLE_RATE * 23.0 <= cut <= SAMPLE_RATE * 23.8
    assert transcribe.pieces(talk) == [(0, len(talk))]  # short: one piece
    old = transcribe.PIECE_S, transcribe.CUT_SEARCH_S
    transcribe.PIECE_S, transcribe.CUT_SEARCH_S = 20.0, 5.0
    try:
        parts = transcribe.pieces(talk)
    finally:
        transcribe.PIECE_S, transcribe.CUT_SEARCH_S = old
    assert parts[0][0] == 0 and parts[-1][1] == len(talk)
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))  # contiguous, nothing lost
    assert len(parts) == 2 and SAMPLE_RATE * 23.0 <= parts[0][1] <= SAMPLE_RATE * 23.8


def test_a_channel_transcribed_in_pieces_keeps_its_words_and_times(monkeypatch):
    """The acme call's rep channel in pieces of about 15 s against the truth file: the same word
    error tolerance as whole channels (test_pipeline.py: at most 30%), times in order."""
    import jiwer

    from clipfinder.pipeline import transcribe
    from clipfinder.pipeline.audio import decode
    from clipfinder.pipeline.whisper_model import load_model, resolve_model

    from ..conftest import CALLS, truth
    from .test_recording import MOST_WORD_ERROR, plain

    samples = decode(CALLS / "alice" / "acme-discovery.wav")[0]
    monkeypatch.setattr(transcribe, "PIECE_S", 15.0)
    monkeypatch.setattr(transcribe, "CUT_SEARCH_S", 4.0)
    assert len(transcribe.pieces(samples)) >= 3
    segments = transcribe.transcribe_channel(load_model(resolve_model(None), 1), samples, "rep", 0)
    words = [w for s in segments for w in s.words]
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert words[-1].end <= len(samples) / 16000 + 0.01
    said = " ".join(line["text"] for line in truth("acme-discovery")["lines"] if line["speaker"] == "rep")
    heard = " ".join(s.text for s in segments)
    assert jiwer.wer(plain(said), plain(heard)) <= MOST_WORD_ERROR, heard
