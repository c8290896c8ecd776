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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clipfinder.pipeline.clustering import DiarizeOptions, centroids, cluster
from clipfinder.pipeline.encoder import FRAME_S, embed_windows, mel_frames, speech_windows, vad_regions
from clipfinder.pipeline.metrics import merged_spans
from clipfinder.records import VoiceSample, Word

# `separability`: a voice heard for less than this (word time) has a mean embedding from one or
# two independent 1.6 s windows, so its distance from the others is discounted in proportion.
EVIDENCE_S = 3.0
UNHEARD_MIN_S = 0.2  # shorter untranscribed VAD speech is left out of talk time (clicks, breaths)


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


def speech_regions(words: Sequence[Word], join_gap_s: float) -> list[tuple[float, float]]:
    """The words' spans joined across pauses shorter than `join_gap_s`, in time order."""
    return merged_spans(((w.start, w.end) for w in words), join_gap_s)


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


def diarize(samples: np.ndarray, words: Sequence[Word], options: DiarizeOptions | None = None) -> Diarization:
    """Split a mono call's words among the voices heard in it. `words` must be in time order."""
    options = options or DiarizeOptions()
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
