"""Clustering speech windows into voices: average-linkage on cosine distance, with the number of
voices estimated from where they stop being told apart, or fixed by the caller (docs/diarization.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_VOICE_SHARE = 0.02  # a voice holds at least this share of a call's speech windows
# The clustering tries tree cuts with up to this many groups more than the wanted voices (see
# `cluster`); 2, 4 and 6 agreed equally well with the truth on the real calls and fixtures.
SPARE_GROUPS = 4
REFINE_ROUNDS = 20  # nearest-voice passes; a call's windows settle in 2-5
# The tree is built from at most this many windows, evenly spread over the call (about 17 minutes
# of speech); the others join the nearest group. Its distances take n x n / 2 x 8 bytes: an
# hour-long call's 9,000 windows would need over 300 MB for them alone.
MAX_LINKED = 2500


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

    linked = np.arange(n) if n <= MAX_LINKED else np.linspace(0, n - 1, MAX_LINKED).round().astype(int)
    tree = linkage(embeddings[linked], method="average", metric="cosine")
    min_size = max(3, int(np.ceil(MIN_VOICE_SHARE * n)))
    tree_min_size = max(3, int(np.ceil(MIN_VOICE_SHARE * len(linked))))
    cuts = _cuts(tree, len(linked), tree_min_size, options.max_speakers + SPARE_GROUPS)
    if options.speakers is not None:
        wanted = options.speakers
    else:
        wanted = estimate_speakers(np.array([height for height, _, _ in cuts[1:]]), options)
    wanted = min(wanted, cuts[-1][1])  # never more voices than groups big enough to be one
    best: tuple[float, np.ndarray] | None = None
    for _, voices, clusters in cuts:
        if voices < wanted or voices > wanted + SPARE_GROUPS:
            continue
        groups = _spread(embeddings, linked, fcluster(tree, t=clusters, criterion="maxclust") - 1)
        labels = _big_groups(embeddings, groups, min_size)
        labels = _refine(embeddings, _merge_tightest(embeddings, labels, wanted), min_size)
        score = _tightness(embeddings, labels)
        if best is None or score > best[0]:
            best = (score, labels)
    assert best is not None  # the cut with `wanted` voices always exists
    return _by_size(best[1])


def _spread(embeddings: np.ndarray, linked: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Labels of the windows in the tree (`linked`) for every window: the others take the
    nearest group's."""
    if len(linked) == len(embeddings):
        return labels
    voices = centroids(embeddings[linked], labels)
    out = np.argmax(embeddings @ voices.T, axis=1)
    out[linked] = labels
    return out


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
