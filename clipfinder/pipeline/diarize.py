"""Who spoke when on a mono recording (the `diarize` extra): voices from speech windows, words to voices.

The chain, on the transcription's own word timings (its VAD already found the speech):
1. speech regions: the words' spans, joined across short pauses;
2. windows of 1.6 s (the speaker encoder's training length) every 0.4 s inside those regions,
   each turned into a 256-number voice embedding by Resemblyzer's pretrained encoder;
3. the windows clustered into voices (average-linkage on cosine distance; the count is estimated
   from the distance at which voices stop being told apart, or fixed by the caller);
4. each word scored against every voice by the windows that cover it, then the most likely
   sequence of voices over the words (a Viterbi pass), where changing voice costs less after a
   pause than in mid-sentence, which is where turns change.
docs/diarization.md describes the steps and the measured quality.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from clipfinder.errors import DiarizeMissing
from clipfinder.pipeline.audio import SAMPLE_RATE
from clipfinder.pipeline.metrics import merged_spans
from clipfinder.records import VoiceSample, Word

FRAME_S = 0.01  # one mel frame every 10 ms (the encoder's features)
WINDOW_FRAMES = 160  # 1.6 s: the encoder was trained on partial utterances of this length
MIN_WINDOW_FRAMES = 50  # a stretch of speech shorter than 0.5 s gets no window of its own
EMBEDDING_SIZE = 256
MIN_VOICE_SHARE = 0.02  # a voice holds at least this share of a call's speech windows
# The clustering tries tree cuts with up to this many groups more than the wanted voices (see
# `cluster`); 2, 4 and 6 agreed equally well with the truth on the real calls and fixtures.
SPARE_GROUPS = 4
REFINE_ROUNDS = 20  # nearest-voice passes; a call's windows settle in 2-5
# `separability`: a voice heard for less than this (word time) has a mean embedding from one or
# two independent 1.6 s windows, so its distance from the others is discounted in proportion.
EVIDENCE_S = 3.0
TARGET_DBFS = -30.0  # loudness the encoder's training audio was normalised to
UNHEARD_MIN_S = 0.2  # shorter untranscribed VAD speech is left out of talk time (clicks, breaths)
INSTALL_HINT = "pip install 'clipfinder[diarize]'"


@dataclass(frozen=True)
class DiarizeOptions:
    """How a mono call is split into voices. The defaults are what `clipfinder ingest` uses.

    speakers: the number of voices if known (`--speakers N`); None estimates it.
    max_speakers: the most voices the estimate may find.
    hop_s: the step between speech windows; smaller is finer at turn changes and slower.
    join_gap_s: pauses shorter than this inside one speaker's speech keep one speech region.
    one_voice_distance: when even the two most different groups of windows are closer than this
        (cosine distance), the call has one voice (used only when `speakers` is None).
    extra_voice_distance: a voice beyond the second is counted only when it stands this far from
        the others; below it a call keeps the two voices a sales call has (only when `speakers` is None).
    switch_cost: how much less likely a change of voice is between two words with no pause,
        in units of the word scores (see `assign_words`).
    """

    speakers: int | None = None
    max_speakers: int = 6
    hop_s: float = 0.4
    join_gap_s: float = 1.0
    one_voice_distance: float = 0.25
    extra_voice_distance: float = 0.45
    switch_cost: float = 4.0


@dataclass(frozen=True)
class Voice:
    """One speaker found in a call: the mean embedding of their windows and their speech time."""

    label: int
    embedding: np.ndarray
    seconds: float


@dataclass(frozen=True)
class Diarization:
    """The voice of each word (an index into `voices`, in the order of the words given)."""

    labels: tuple[int, ...]
    voices: tuple[Voice, ...]
    # (start, end, voice) of all speech heard: the words' spans, and speech the model did not
    # transcribe (a dropped backchannel, the quieter side of crosstalk) given the nearest voice
    speech: tuple[tuple[float, float, int], ...] = ()


def available() -> bool:
    """True when the diarize extra (torch and Resemblyzer's encoder weights) is installed."""
    return importlib.util.find_spec("torch") is not None and _weights_path() is not None


def _weights_path() -> Path | None:
    # Resemblyzer's package ships the encoder weights; importing the package itself would also
    # import webrtcvad and librosa's audio stack, which we do not use, so only its file is read.
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    return path if path.exists() else None


@lru_cache(maxsize=1)
def load_encoder() -> Any:
    """The speaker encoder (a 3-layer LSTM) with Resemblyzer's pretrained weights, once per process."""
    weights = _weights_path()
    if weights is None or importlib.util.find_spec("torch") is None:
        raise DiarizeMissing(f"telling speakers apart on a mono recording needs the diarize extra: {INSTALL_HINT}")
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(40, 256, 3, batch_first=True)
            self.linear = torch.nn.Linear(256, EMBEDDING_SIZE)

        def forward(self, mels: torch.Tensor) -> torch.Tensor:
            _, (hidden, _) = self.lstm(mels)
            raw = torch.relu(self.linear(hidden[-1]))
            return raw / torch.clamp(torch.norm(raw, dim=1, keepdim=True), min=1e-8)

    encoder = Encoder()
    state = torch.load(weights, map_location="cpu", weights_only=True)["model_state"]
    encoder.load_state_dict({k: v for k, v in state.items() if not k.startswith("similarity_")})
    encoder.eval()
    return encoder


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """(frames, 40) mel power spectrogram, 25 ms windows every 10 ms, after loudness normalisation.

    The features the encoder was trained on (librosa's melspectrogram with n_fft 400, hop 160,
    40 Slaney mel bands, centred frames padded with zeros), computed here with numpy so a worker
    does not pay librosa's start-up (about 2.5 s); tests/test_diarize.py checks it against librosa.
    """
    samples = np.asarray(samples, dtype=np.float32)
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0
    if rms > 0:
        gain = 10 ** (TARGET_DBFS / 20) / rms
        samples = samples * np.float32(max(gain, 1.0))  # only ever louder, as in the encoder's training
    n_fft, hop = 400, 160
    padded = np.pad(samples, n_fft // 2)
    count = 1 + (len(padded) - n_fft) // hop if len(padded) >= n_fft else 0
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)  # periodic Hann
    bank = _mel_bank(SAMPLE_RATE, n_fft, 40)
    out = np.empty((count, 40), dtype=np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    for start in range(0, count, 8192):  # in blocks, so a long call never holds its whole STFT
        spectrum = np.abs(np.fft.rfft(frames[start : start + 8192] * window, axis=1)) ** 2
        out[start : start + 8192] = spectrum @ bank.T
    return out


@lru_cache(maxsize=2)
def _mel_bank(rate: int, n_fft: int, bands: int) -> np.ndarray:
    """Triangular mel filters on the Slaney mel scale with Slaney area normalisation."""

    def to_mel(hz: np.ndarray) -> np.ndarray:
        linear = hz / (200.0 / 3)
        return np.where(hz >= 1000.0, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / (np.log(6.4) / 27.0), linear)

    def to_hz(mel: np.ndarray) -> np.ndarray:
        return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), mel * (200.0 / 3))

    edges = to_hz(np.linspace(to_mel(np.array(0.0)), to_mel(np.array(rate / 2)), bands + 2))
    freqs = np.linspace(0, rate / 2, 1 + n_fft // 2)
    lower = (freqs[None, :] - edges[:-2, None]) / (edges[1:-1] - edges[:-2])[:, None]
    upper = (edges[2:, None] - freqs[None, :]) / (edges[2:] - edges[1:-1])[:, None]
    weights = np.maximum(0, np.minimum(lower, upper)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


def embed_windows(mel: np.ndarray, windows: Sequence[tuple[int, int]], batch: int = 64) -> np.ndarray:
    """One unit-length embedding per (first_frame, end_frame) window of `mel`."""
    import torch

    encoder = load_encoder()
    out = np.zeros((len(windows), EMBEDDING_SIZE), dtype=np.float32)
    by_length: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(windows):
        by_length.setdefault(b - a, []).append(i)
    with torch.inference_mode():
        for length, idxs in by_length.items():
            for k in range(0, len(idxs), batch):
                chunk = idxs[k : k + batch]
                stack = np.stack([mel[windows[i][0] : windows[i][0] + length] for i in chunk])
                out[chunk] = encoder(torch.from_numpy(stack)).numpy()
    return out


def speech_regions(words: Sequence[Word], join_gap_s: float) -> list[tuple[float, float]]:
    """The words' spans joined across pauses shorter than `join_gap_s`, in time order."""
    return merged_spans(((w.start, w.end) for w in words), join_gap_s)


def speech_windows(regions: Sequence[tuple[float, float]], hop_s: float, total_frames: int) -> list[tuple[int, int]]:
    """Encoder windows covering each region: full 1.6 s windows every `hop_s`, the last one flush
    with the region's end; a region shorter than a window gets one window of its own length."""
    hop = max(1, round(hop_s / FRAME_S))
    windows: list[tuple[int, int]] = []
    for start_s, end_s in regions:
        a = max(0, int(start_s / FRAME_S))
        b = min(total_frames, int(np.ceil(end_s / FRAME_S)))
        if b - a < MIN_WINDOW_FRAMES:
            # too short to tell a voice on its own: widen it around its middle
            mid = (a + b) // 2
            a = max(0, mid - MIN_WINDOW_FRAMES // 2)
            b = min(total_frames, a + MIN_WINDOW_FRAMES)
        if b - a <= WINDOW_FRAMES:
            windows.append((a, b))
            continue
        starts = list(range(a, b - WINDOW_FRAMES + 1, hop))
        if starts[-1] != b - WINDOW_FRAMES:
            starts.append(b - WINDOW_FRAMES)
        windows.extend((s, s + WINDOW_FRAMES) for s in starts)
    return windows


def cluster(embeddings: np.ndarray, options: DiarizeOptions) -> np.ndarray:
    """Voice label per window: a tree of similar windows, then the tightest split into voices.

    Average-linkage clustering on cosine distance groups windows that sound alike, but its top
    split is not always the speaker change: on a short call a handful of one speaker's windows
    (laughter, crosstalk, a raised voice) can stand further from everything else than the other
    speaker does, and cutting there gives one voice nearly every word (docs/diarization.md). So
    the tree only proposes: each cut from the one with the wanted number of voices to one with
    SPARE_GROUPS more is merged down to the wanted number, joining the groups whose union stays
    tightest, then refined by moving windows to their nearest voice; the split whose voices are
    tightest overall (the spherical k-means objective) wins.

    A voice must hold at least MIN_VOICE_SHARE of the windows (and 3 or more), so a few odd
    windows (a cough, a door, a burst of line noise) never become a voice of their own: they
    join the nearest voice. The count is `options.speakers`, else `estimate_speakers`.
    """
    n = len(embeddings)
    if n < 2:
        return np.zeros(n, dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings, method="average", metric="cosine")
    min_size = max(3, int(np.ceil(MIN_VOICE_SHARE * n)))
    cuts = _cuts(tree, n, min_size, options.max_speakers + SPARE_GROUPS)
    if options.speakers is not None:
        wanted = options.speakers
    else:
        wanted = estimate_speakers(np.array([height for height, _, _ in cuts[1:]]), options)
    wanted = min(wanted, cuts[-1][1])  # never more voices than groups big enough to be one
    best: tuple[float, np.ndarray] | None = None
    for _, voices, clusters in cuts:
        if voices < wanted or voices > wanted + SPARE_GROUPS:
            continue
        labels = _big_groups(embeddings, fcluster(tree, t=clusters, criterion="maxclust") - 1, min_size)
        labels = _refine(embeddings, _merge_tightest(embeddings, labels, wanted), min_size)
        score = _tightness(embeddings, labels)
        if best is None or score > best[0]:
            best = (score, labels)
    assert best is not None  # the cut with `wanted` voices always exists
    return _by_size(best[1])


def _big_groups(embeddings: np.ndarray, labels: np.ndarray, min_size: int) -> np.ndarray:
    """Labels 0..k-1 for the groups of at least `min_size` windows; the others join the nearest."""
    sizes = np.bincount(labels)
    big = [c for c in range(len(sizes)) if sizes[c] >= min_size] or [int(np.argmax(sizes))]
    voices = centroids(embeddings, labels)[big]
    nearest = np.argmax(embeddings @ voices.T, axis=1)
    return np.where(np.isin(labels, big), np.searchsorted(np.array(big), labels), nearest)


def _merge_tightest(embeddings: np.ndarray, labels: np.ndarray, wanted: int) -> np.ndarray:
    """Join groups two at a time until `wanted` remain, each time the pair whose union loses
    least tightness (Ward's criterion on the sphere): a small odd group costs little to absorb,
    two large groups of different voices cost much, so the voices are what stays apart."""
    groups = [np.flatnonzero(labels == c) for c in range(int(labels.max()) + 1)]
    sums = [embeddings[g].sum(axis=0) for g in groups]
    while len(groups) > wanted:
        cost, i, j = min(
            (float(np.linalg.norm(sums[i]) + np.linalg.norm(sums[j]) - np.linalg.norm(sums[i] + sums[j])), i, j)
            for i in range(len(groups))
            for j in range(i + 1, len(groups))
        )
        groups[i], sums[i] = np.concatenate([groups[i], groups[j]]), sums[i] + sums[j]
        del groups[j], sums[j]
    out = np.zeros(len(embeddings), dtype=int)
    for c, g in enumerate(groups):
        out[g] = c
    return out


def _refine(embeddings: np.ndarray, labels: np.ndarray, min_size: int) -> np.ndarray:
    """Move each window to its nearest voice until nothing moves (spherical k-means), stopping
    before a voice would shrink under `min_size` windows (it would be noise, not a voice)."""
    k = int(labels.max()) + 1
    for _ in range(REFINE_ROUNDS):
        moved = np.argmax(embeddings @ centroids(embeddings, labels).T, axis=1)
        if np.array_equal(moved, labels) or np.bincount(moved, minlength=k).min() < min_size:
            break
        labels = moved
    return labels


def _tightness(embeddings: np.ndarray, labels: np.ndarray) -> float:
    """How well the voices' mean embeddings represent their windows: the sum, over windows, of
    the cosine similarity to their voice's mean (what spherical k-means maximises)."""
    return float(sum(np.linalg.norm(embeddings[labels == c].sum(axis=0)) for c in np.unique(labels)))


def _cuts(tree: np.ndarray, n: int, min_size: int, max_voices: int) -> list[tuple[float, int, int]]:
    """(split height, voices, clusters) each time cutting the tree finer makes one more big group.

    The first entry is the whole (one voice); each later one is the first cut with one more group
    of at least `min_size` windows, and the height at which that group split off.
    """
    from scipy.cluster.hierarchy import fcluster

    cuts = [(float("inf"), 1, 1)]
    for k in range(2, min(n, 40) + 1):
        sizes = np.bincount(fcluster(tree, t=k, criterion="maxclust"))
        voices = int(np.sum(sizes >= min_size))
        if voices > cuts[-1][1]:
            cuts.append((float(tree[n - k, 2]), voices, k))
            if voices >= max_voices:
                break
    return cuts


def estimate_speakers(split_heights: np.ndarray, options: DiarizeOptions) -> int:
    """How many voices a call has, from the heights (cosine distance) at which each next voice
    split off, coarsest first.

    Two unless the evidence is clear: one when even the first split is between close groups (a
    monologue, a voicemail), more than two only while each further voice stood at least
    `extra_voice_distance` apart. Telling two similar voices apart is common on a call; a third
    voice on a sales call is rarer, so the bar for it is higher (docs/diarization.md).
    """
    heights = np.asarray(split_heights)
    if len(heights) == 0 or heights[0] < options.one_voice_distance:
        return 1
    extra = 0
    for height in heights[1:]:
        if height < options.extra_voice_distance:
            break
        extra += 1
    return min(2 + extra, options.max_speakers)


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel so voice 0 has the most windows, 1 the next, and so on."""
    counts = np.bincount(labels)
    order = np.argsort(-counts, kind="stable")
    remap = np.empty_like(order)
    remap[order] = np.arange(len(order))
    return remap[labels]


def centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Unit-length mean embedding of each voice."""
    k = int(labels.max()) + 1 if len(labels) else 0
    out = np.zeros((k, embeddings.shape[1]), dtype=np.float32)
    for c in range(k):
        mean = embeddings[labels == c].mean(axis=0)
        out[c] = mean / max(float(np.linalg.norm(mean)), 1e-8)
    return out


def word_scores(
    words: Sequence[Word], windows: Sequence[tuple[int, int]], embeddings: np.ndarray, voices: np.ndarray
) -> np.ndarray:
    """(words, voices) similarity of each word to each voice.

    A word is scored by the windows that overlap it, each weighted by the overlap and by how close
    the word sits to the window's middle (an LSTM window says most about its own centre), so a word
    just after a turn change leans on the windows that start near it.
    """
    sims = embeddings @ voices.T  # (windows, voices)
    starts = np.array([a for a, _ in windows], dtype=float) * FRAME_S
    ends = np.array([b for _, b in windows], dtype=float) * FRAME_S
    mids, halves = (starts + ends) / 2, (ends - starts) / 2
    scores = np.zeros((len(words), voices.shape[0]), dtype=np.float32)
    order = np.argsort(starts)
    sorted_starts = starts[order]
    for i, w in enumerate(words):
        upto = np.searchsorted(sorted_starts, w.end, side="right")
        cand = order[:upto]
        cand = cand[ends[cand] > w.start]
        if len(cand) == 0:
            cand = np.array([int(np.argmin(np.abs(mids - (w.start + w.end) / 2)))])
        centre = (w.start + w.end) / 2
        overlap = np.minimum(ends[cand], max(w.end, w.start + FRAME_S)) - np.maximum(starts[cand], w.start)
        weight = np.clip(overlap, FRAME_S, None) * np.clip(1 - np.abs(centre - mids[cand]) / halves[cand], 0.05, 1)
        scores[i] = weight @ sims[cand] / weight.sum()
    return scores


def assign_words(words: Sequence[Word], scores: np.ndarray, switch_cost: float) -> np.ndarray:
    """The most likely voice of each word (Viterbi), changing voice only where the scores insist.

    Word scores are turned into log-probabilities (a softmax with temperature 0.05, about the spread
    of same-speaker similarities); a change of voice costs `switch_cost` between words that touch,
    shrinking to a quarter of it after a pause of a second or more, where turns usually change.
    """
    n, k = scores.shape
    if n == 0 or k < 2:
        return np.zeros(n, dtype=int)
    logits = scores / 0.05
    top = logits.max(axis=1, keepdims=True)
    logp = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    best = logp[0].copy()
    back = np.zeros((n, k), dtype=int)
    for i in range(1, n):
        gap = max(0.0, words[i].start - words[i - 1].end)
        cost = switch_cost * (1 - 0.75 * min(gap, 1.0))
        stay = best
        move = best.max() - cost
        back[i] = np.where(stay >= move, np.arange(k), int(best.argmax()))
        best = np.maximum(stay, move) + logp[i]
    path = np.zeros(n, dtype=int)
    path[-1] = int(best.argmax())
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def diarize(samples: np.ndarray, words: Sequence[Word], options: DiarizeOptions = DiarizeOptions()) -> Diarization:
    """Split a mono call's words among the voices heard in it. `words` must be in time order."""
    if not words:
        return Diarization((), ())
    mel = mel_frames(samples)
    regions = speech_regions(words, options.join_gap_s)
    windows = speech_windows(regions, options.hop_s, len(mel))
    embeddings = embed_windows(mel, windows)
    labels = cluster(embeddings, options)
    voices = centroids(embeddings, labels)
    word_labels = assign_words(words, word_scores(words, windows, embeddings, voices), options.switch_cost)
    # the voices as the words ended up: a voice no word kept is dropped, the rest renumbered by talk time
    seconds = np.zeros(len(voices))
    for w, label in zip(words, word_labels):
        seconds[label] += w.end - w.start
    kept = [int(c) for c in np.argsort(-seconds, kind="stable") if seconds[c] > 0]
    remap = {old: new for new, old in enumerate(kept)}
    labels_out = tuple(remap[int(label)] for label in word_labels)
    kept_voices = voices[kept]
    heard = speech_spans(mel, words, labels_out, vad_regions(samples), kept_voices, options.hop_s)
    return Diarization(
        labels=labels_out,
        voices=tuple(Voice(remap[c], voices[c], round(float(seconds[c]), 3)) for c in kept),
        speech=heard,
    )


def separability(voices: Sequence[Voice | VoiceSample], around: int | None = None) -> float:
    """How confidently a diarized call's voices can be told apart, for its least separable pair:
    the cosine distance between the two voices, discounted when the smaller holds under
    EVIDENCE_S of speech.

    With `around` (the rep's voice), only pairs with that voice count, and a voice heard under
    EVIDENCE_S is left out when another holds more: the talk ratio splits the rep from everyone
    else, so two prospect voices that sound alike, or a few seconds of a third person, do not
    make it unknown.

    0 for a call with one voice. Under MIN_SEPARABILITY the split between voices is not trusted
    (one speaker cut in two, or a voice heard too briefly), so the talk ratio should not be
    reported. Works on stored voices too (`Transcript.voices`), without re-diarizing.
    """
    embeddings = [np.asarray(v.embedding, dtype=np.float32) for v in voices]
    pairs = [(i, j) for i in range(len(voices)) for j in range(i + 1, len(voices))]
    if around is not None:
        others = [j for j in range(len(voices)) if j != around]
        heard = [j for j in others if voices[j].seconds >= EVIDENCE_S]
        pairs = [(around, j) for j in (heard or others)]
    scores = [
        max(0.0, 1.0 - float(embeddings[i] @ embeddings[j]))
        * min(1.0, min(voices[i].seconds, voices[j].seconds) / EVIDENCE_S)
        for i, j in pairs
    ]
    return round(min(scores, default=0.0), 3)


def untranscribed(
    vad: Sequence[tuple[float, float]], words: Sequence[Word], margin_s: float = 0.15
) -> list[tuple[float, float]]:
    """Stretches the VAD calls speech that no word covers (words widened by `margin_s`, since the
    model's word edges are loose), each UNHEARD_MIN_S or longer."""
    if not vad:
        return []
    end = max(b for _, b in vad)
    grid = np.zeros(int(np.ceil(end / FRAME_S)) + 1, dtype=bool)
    for a, b in vad:
        grid[int(a / FRAME_S) : int(np.ceil(b / FRAME_S))] = True
    for w in words:
        grid[max(0, int((w.start - margin_s) / FRAME_S)) : int(np.ceil((w.end + margin_s) / FRAME_S))] = False
    edges = np.flatnonzero(np.diff(np.concatenate([[0], grid.astype(np.int8), [0]])))
    stretches = [(a * FRAME_S, b * FRAME_S) for a, b in zip(edges[::2], edges[1::2])]
    return [(a, b) for a, b in stretches if b - a >= UNHEARD_MIN_S]


def speech_spans(
    mel: np.ndarray,
    words: Sequence[Word],
    labels: Sequence[int],
    vad: Sequence[tuple[float, float]],
    voices: np.ndarray,
    hop_s: float,
) -> tuple[tuple[float, float, int], ...]:
    """All speech heard, by voice: each word's span with its voice, plus every untranscribed
    stretch of VAD speech with the voice its own windows sound most like."""
    spans = [(w.start, w.end, int(label)) for w, label in zip(words, labels)]
    if len(voices):
        for a, b in untranscribed(vad, words):
            windows = speech_windows([(a, b)], hop_s, len(mel))
            if not windows:
                continue
            sims = embed_windows(mel, windows) @ voices.T
            spans.append((round(a, 2), round(b, 2), int(np.argmax(sims.mean(axis=0)))))
    return tuple(sorted(spans))


def vad_regions(samples: np.ndarray) -> list[tuple[float, float]]:
    """Speech regions (seconds) by faster-whisper's bundled Silero VAD, for audio not transcribed."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    # little padding: these regions count as talk time, not only as audio for the encoder
    options = VadOptions(min_silence_duration_ms=300, speech_pad_ms=100)
    chunks = get_speech_timestamps(np.asarray(samples, dtype=np.float32), options)
    return [(c["start"] / SAMPLE_RATE, c["end"] / SAMPLE_RATE) for c in chunks]


def region_embeddings(
    samples: np.ndarray, regions: Sequence[tuple[float, float]], max_windows: int = 120
) -> tuple[np.ndarray, float]:
    """Embeddings of non-overlapping windows over `regions` (evenly thinned to `max_windows`),
    and the seconds of speech they cover. For voiceprints, where one voice speaks throughout."""
    mel = mel_frames(samples)
    windows = speech_windows(regions, WINDOW_FRAMES * FRAME_S, len(mel))
    if len(windows) > max_windows:
        keep = np.linspace(0, len(windows) - 1, max_windows).round().astype(int)
        windows = [windows[i] for i in keep]
    if not windows:
        return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32), 0.0
    seconds = sum(b - a for a, b in windows) * FRAME_S
    return embed_windows(mel, windows), seconds


def mean_voice(embeddings: np.ndarray, weights: Sequence[float] | None = None) -> np.ndarray:
    """Unit-length (weighted) mean of embeddings: one voice from many windows or samples."""
    mean = np.average(embeddings, axis=0, weights=weights)
    return (mean / max(float(np.linalg.norm(mean)), 1e-8)).astype(np.float32)


def voiceprint(samples: Sequence[VoiceSample]) -> VoiceSample | None:
    """A rep's voiceprint: the speech-weighted mean of their voice samples (enrolled recordings and
    the rep channel of their stereo calls), or None if they have none."""
    if not samples:
        return None
    embeddings = np.stack([np.asarray(s.embedding, dtype=np.float32) for s in samples])
    mean = mean_voice(embeddings, [max(s.seconds, 0.1) for s in samples])
    return VoiceSample.of(mean, round(float(sum(s.seconds for s in samples)), 2))
