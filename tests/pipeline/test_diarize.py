"""Diarization of mono calls: the steps on hand-built inputs, then the real encoder on fixture audio."""

import numpy as np
import pytest

from clipfinder.pipeline import diarize, encoder
from clipfinder.pipeline.clustering import DiarizeOptions, cluster, estimate_speakers
from clipfinder.pipeline.diarize import Voice, assign_words, separability, speech_regions
from clipfinder.pipeline.encoder import speech_windows
from clipfinder.records import MIN_SEPARABILITY, VoiceSample, Word

from ..conftest import SHARED_AUDIO

AMI = SHARED_AUDIO / "ami_2spk_dev_30s"


def spoken(*spans: tuple[float, float]) -> list[Word]:
    return [Word(a, b, "word", 0.9, "unknown") for a, b in spans]


def test_speech_regions_join_short_pauses_only():
    words = spoken((0.0, 0.4), (0.5, 0.9), (3.0, 3.5), (3.6, 4.0))
    assert speech_regions(words, join_gap_s=1.0) == [(0.0, 0.9), (3.0, 4.0)]
    assert len(speech_regions(words, join_gap_s=0.05)) == 4


def test_speech_windows_cover_long_regions_and_give_short_ones_a_window():
    windows = speech_windows([(1.0, 5.0), (10.0, 10.2)], hop_s=0.4, total_frames=2000)
    long = [w for w in windows if w[0] < 900]
    assert all(b - a == 160 for a, b in long)
    assert long[0][0] == 100 and long[-1][1] == 500  # flush with both ends of the region
    assert {long[i + 1][0] - long[i][0] for i in range(len(long) - 2)} == {40}
    (short,) = [w for w in windows if w[0] >= 900]
    assert short[1] - short[0] == encoder.MIN_WINDOW_FRAMES and short[0] <= 1000 and short[1] >= 1020


@pytest.mark.parametrize(
    ("heights", "expected"),
    [
        ([0.20, 0.1, 0.05], 1),  # even the two furthest groups are one voice
        ([0.39, 0.38, 0.33], 2),  # two similar voices: a sales call's two
        ([0.60, 0.50, 0.25], 3),  # a third voice far from both
        ([0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.46], 6),  # capped by max_speakers
    ],
)
def test_speaker_count_is_two_unless_the_distances_say_otherwise(heights, expected):
    assert estimate_speakers(np.array(heights), DiarizeOptions()) == expected


def _voices(rng, directions, counts, spread=0.15):
    rows = [d + spread * rng.standard_normal(d.shape) for d, n in zip(directions, counts) for _ in range(n)]
    rows = np.array(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_clustering_separates_two_voices_and_numbers_them_by_size():
    rng = np.random.default_rng(7)
    a, b = np.abs(rng.standard_normal((2, 256)))
    embeddings = _voices(rng, [a, b], [12, 30])
    labels = cluster(embeddings, DiarizeOptions())
    assert list(labels[:12]) == [1] * 12 and list(labels[12:]) == [0] * 30
    assert set(cluster(embeddings, DiarizeOptions(speakers=1))) == {0}


def test_a_few_odd_windows_do_not_become_the_second_voice():
    """Average linkage puts far outliers (noise bursts) in a group of their own at the top of the tree."""
    rng = np.random.default_rng(3)
    a, b, odd = np.abs(rng.standard_normal((3, 256)))
    odd = -odd  # far from both voices
    embeddings = np.vstack([_voices(rng, [a, b], [200, 150], spread=0.3), _voices(rng, [odd], [2], spread=0.05)])
    labels = cluster(embeddings, DiarizeOptions())
    assert len(set(labels)) == 2
    assert len(set(labels[:200])) == 1 and len(set(labels[200:350])) == 1 and labels[0] != labels[200]


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@pytest.mark.parametrize("seed", range(10))
def test_a_few_unusual_windows_of_one_speaker_do_not_take_the_other_voice(seed):
    """The collapse seen on real calls: 17 windows of voice A, 3 more of A that sound unlike the
    rest (laughter, a raised voice), 8 of a similar voice B. Average linkage's top split is A's
    3 unusual windows against everything else, which gave B's words to A; the tightest split is A
    against B, with or without the count fixed."""
    rng = np.random.default_rng(seed)
    a = _unit(np.abs(rng.standard_normal(256)))
    b = _unit(a + 0.55 * _unit(rng.standard_normal(256)))
    unusual_a = _unit(a + 0.8 * _unit(rng.standard_normal(256)))

    def around(direction, n):
        return _unit(direction + rng.standard_normal((n, 256)) / 32)

    embeddings = np.vstack([around(a, 17), around(unusual_a, 3), around(b, 8)]).astype(np.float32)
    for options in (DiarizeOptions(), DiarizeOptions(speakers=2)):
        labels = cluster(embeddings, options)
        assert list(labels) == [0] * 20 + [1] * 8


def _voice(direction, seconds):
    return Voice(0, direction.astype(np.float32), seconds)


def test_separability_is_the_distance_between_voices_discounted_for_little_speech():
    rng = np.random.default_rng(5)
    a = _unit(np.abs(rng.standard_normal(256)))
    far = _unit(a + 0.9 * _unit(rng.standard_normal(256)))  # about 0.3 apart, as two real speakers
    near = _unit(a + 0.3 * _unit(rng.standard_normal(256)))  # about 0.05: one speaker cut in two
    apart = separability([_voice(a, 20.0), _voice(far, 10.0)])
    assert apart == pytest.approx(1 - float(a @ far), abs=1e-3) and apart >= MIN_SEPARABILITY
    assert separability([_voice(a, 20.0), _voice(near, 10.0)]) < MIN_SEPARABILITY
    # the same distant voice heard for half of EVIDENCE_S counts half
    brief = separability([_voice(a, 20.0), _voice(far, diarize.EVIDENCE_S / 2)])
    assert brief == pytest.approx(apart / 2, abs=1e-3)
    # the least separable pair decides; stored voices work as well; one voice has nothing to tell apart
    assert separability([_voice(a, 20.0), _voice(far, 10.0), _voice(near, 10.0)]) < MIN_SEPARABILITY
    stored = [VoiceSample.of(a, 20.0), VoiceSample.of(far, 10.0)]
    assert separability(stored) == pytest.approx(apart, abs=1e-3)
    assert separability([_voice(a, 20.0)]) == 0.0
    # around the rep's voice: two prospect voices alike, or a brief third person, do not count
    assert separability([_voice(a, 20.0), _voice(far, 10.0), _voice(near, 10.0)], around=1) >= MIN_SEPARABILITY
    briefly = [_voice(a, 20.0), _voice(far, 10.0), _voice(far, diarize.EVIDENCE_S / 6)]
    assert separability(briefly) < MIN_SEPARABILITY <= separability(briefly, around=0)


def test_viterbi_keeps_a_turn_through_one_doubtful_word_but_changes_after_a_pause():
    words = spoken(*[(i * 0.3, i * 0.3 + 0.25) for i in range(6)], (4.0, 4.3), (4.35, 4.6))
    scores = np.array(
        [[0.9, 0.7]] * 2
        + [[0.78, 0.8]]  # one word in mid-sentence leaning the other way: noise
        + [[0.9, 0.7]] * 3
        + [[0.7, 0.9]] * 2,  # after a 2.45 s pause the other voice, clearly
        dtype=np.float32,
    )
    assert list(assign_words(words, scores, switch_cost=4.0)) == [0, 0, 0, 0, 0, 0, 1, 1]
    assert list(assign_words(words, scores, switch_cost=0.0))[2] == 1  # no smoothing: the noise wins


# -- the real encoder -------------------------------------------------------------------------------


def test_mel_features_are_the_ones_the_encoder_was_trained_on():
    """Our numpy features equal librosa's melspectrogram (what Resemblyzer computes) on real audio."""
    librosa = pytest.importorskip("librosa")
    from clipfinder.pipeline.audio import decode

    from ..conftest import CALLS

    (samples,) = decode(CALLS / "bob" / "umbrella-intro.ogg")
    ours = encoder.mel_frames(samples)
    rms = np.sqrt(np.mean(samples.astype(np.float64) ** 2))
    louder = samples * np.float32(max(10 ** (encoder.TARGET_DBFS / 20) / rms, 1.0))
    theirs = librosa.feature.melspectrogram(y=louder, sr=16000, n_fft=400, hop_length=160, n_mels=40).T
    assert ours.shape == theirs.shape
    assert np.max(np.abs(ours - theirs)) <= 1e-5 * np.max(theirs)


def test_the_encoder_loads_from_the_installed_package_and_tells_voices_apart():
    """Two fixture voices (bob's rep and prospect) embed nearer themselves than each other."""
    from clipfinder.pipeline.audio import decode

    from ..conftest import CALLS, truth

    rep_channel, prospect_channel = decode(CALLS / "bob" / "initech-followup.flac")
    lines = truth("initech-followup")["lines"]

    def voice(samples, who):
        regions = [(line["start"], line["end"]) for line in lines if line["speaker"] == who]
        embeddings, seconds = encoder.region_embeddings(samples, regions)
        assert seconds > 5
        return embeddings

    rep, prospect = voice(rep_channel, "rep"), voice(prospect_channel, "prospect")
    rep_print, prospect_print = encoder.mean_voice(rep), encoder.mean_voice(prospect)
    assert np.allclose(np.linalg.norm(rep, axis=1), 1, atol=1e-4)
    assert float(np.mean(rep @ rep_print)) > float(np.mean(rep @ prospect_print)) + 0.1
    assert float(np.mean(prospect @ prospect_print)) > float(np.mean(prospect @ rep_print)) + 0.1


def test_fixture_voices_are_separable_when_mixed_to_one_channel():
    """bob's rep and prospect, mixed down to mono with word timings from the script."""
    from clipfinder.pipeline.audio import decode

    from ..conftest import CALLS, truth

    left, right = decode(CALLS / "bob" / "initech-followup.flac")
    words = _words_in(truth("initech-followup")["lines"], "start", "end", "speaker")
    found = diarize.diarize((left + right) / 2, [w for w, _ in words])
    assert _agreement(found.labels, [who for _, who in words]) >= 0.95
    assert separability(found.voices) >= MIN_SEPARABILITY


def _words_in(turns, start, end, who, step=0.35, trim=0.0):
    """Hand-built words every `step` s inside each truth turn (each `trim` s short at both ends,
    as another transcription's looser or tighter word edges), with the turn's speaker."""
    out = []
    for turn in turns:
        t = turn[start]
        while t + step <= turn[end]:
            out.append((Word(t + trim, t + step - 0.05 - trim, "word", 0.9, "unknown"), turn[who]))
            t += step
    return sorted(out, key=lambda pair: pair[0].start)


def _agreement(labels, speakers):
    """Share of words whose voice is their speaker's, under the best voice-to-speaker mapping."""
    pairs = list(zip(labels, speakers))
    best = 0
    for voice in set(labels):
        for speaker in set(speakers):
            mine = sum(v == voice and s == speaker for v, s in pairs)
            rest = sum(v != voice and s != speaker for v, s in pairs)
            best = max(best, mine + rest)
    return best / len(pairs)


@pytest.mark.skipif(not AMI.exists(), reason="real speech in ../shared/audio is not here")
@pytest.mark.parametrize("name", ["dev00", "dev01"])
@pytest.mark.parametrize("trim", [0.0, 0.05])
def test_real_two_speaker_meetings_keep_both_voices_whatever_the_word_edges(name, trim):
    """AMI excerpts whose voices collapsed into one when a CPU's kernels moved word edges a little."""
    from clipfinder.pipeline.audio import decode

    turns = []
    for line in (AMI / "debug.development.rttm").read_text().splitlines():
        p = line.split()
        if p[1] == name:
            turns.append({"start": float(p[3]), "end": float(p[3]) + float(p[4]), "speaker": p[7]})
    # words only where one person speaks (in crosstalk a transcription has the louder side only)
    words = [
        (w, who)
        for w, who in _words_in(turns, "start", "end", "speaker", trim=trim)
        if not any(t["speaker"] != who and t["start"] < w.end and w.start < t["end"] for t in turns)
    ]
    (samples,) = decode(AMI / f"{name}.wav")
    found = diarize.diarize(samples, [w for w, _ in words])
    assert len(found.voices) == 2
    assert _agreement(found.labels, [who for _, who in words]) >= 0.85
    assert separability(found.voices) >= MIN_SEPARABILITY


def test_missing_extra_is_a_clear_error(monkeypatch):
    from clipfinder.errors import DiarizeMissing

    monkeypatch.setattr(encoder, "_weights_path", lambda: None)
    encoder.load_encoder.cache_clear()
    try:
        with pytest.raises(DiarizeMissing, match=r"pip install 'clipfinder\[diarize\]'"):
            encoder.load_encoder()
    finally:
        encoder.load_encoder.cache_clear()


def test_mel_features_of_a_long_call_match_across_blocks():
    """Over several 8,192-frame blocks (a 4-minute call) the features are still librosa's."""
    librosa = pytest.importorskip("librosa")
    from clipfinder.pipeline.audio import decode

    from ..conftest import CALLS

    (samples,) = decode(CALLS / "bob" / "umbrella-intro.ogg")
    long = np.tile(samples, 8)  # about 4 minutes: 3 blocks
    ours = encoder.mel_frames(long)
    rms = np.sqrt(np.mean(long.astype(np.float64) ** 2))
    louder = long * np.float32(max(10 ** (encoder.TARGET_DBFS / 20) / rms, 1.0))
    theirs = librosa.feature.melspectrogram(y=louder, sr=16000, n_fft=400, hop_length=160, n_mels=40).T
    assert ours.shape == theirs.shape and len(ours) > 2 * 8192
    assert np.max(np.abs(ours - theirs)) <= 1e-5 * np.max(theirs)


def test_a_long_call_is_clustered_from_a_sample_of_its_windows(monkeypatch):
    """Past MAX_LINKED windows the tree is built from an even sample and every window still gets
    its voice: the same labels as clustering all of them."""
    from clipfinder.pipeline import clustering

    rng = np.random.default_rng(11)
    a, b = np.abs(rng.standard_normal((2, 256)))
    embeddings = _voices(rng, [a, b, a, b], [150, 100, 120, 90])
    whole = cluster(embeddings, DiarizeOptions())
    monkeypatch.setattr(clustering, "MAX_LINKED", 60)
    sampled = cluster(embeddings, DiarizeOptions())
    assert list(sampled) == list(whole)
    assert list(sampled[:150]) == [0] * 150 and list(sampled[150:250]) == [1] * 100


def test_the_vad_in_pieces_finds_the_same_speech_as_at_once(monkeypatch):
    """Untranscribed speech is found two minutes at a time; cut into 10 s pieces instead, the
    fixture call's regions match the whole-call ones (a region running over a cut is joined)."""
    from clipfinder.pipeline.audio import decode

    from ..conftest import CALLS

    (samples,) = decode(CALLS / "bob" / "umbrella-intro.ogg")
    whole = encoder.vad_regions(samples)
    monkeypatch.setattr(encoder, "VAD_PIECE_S", 10)
    pieces = encoder.vad_regions(samples)
    assert len(whole) >= 3
    covered = sum(b - a for a, b in whole)
    overlap = sum(max(0.0, min(b, d) - max(a, c)) for a, b in whole for c, d in pieces)
    assert overlap >= 0.95 * covered and sum(d - c for c, d in pieces) <= 1.05 * covered
