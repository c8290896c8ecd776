"""Re-matching every call when the rubric or clip length changes, and choosing which to use.

The index remembers the rubric text and the clip length it was matched with
(store/settings.py), so a later `ingest` without --rubric keeps matching the same way, and `rematch`
can rebuild every clip from stored words without transcribing anything again. It also decides
again which voice is the rep on diarized mono calls (from the stored voices and the rep's
current voiceprint), so enrolling a rep after their calls were ingested fixes those calls.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

from clipfinder.errors import BadInput
from clipfinder.jobs.pool import end_with_parent, stop_workers
from clipfinder.pipeline.clips import build_clips
from clipfinder.pipeline.encoder import voiceprint
from clipfinder.pipeline.meaning import embed_call, match_call
from clipfinder.pipeline.metrics import compute_metrics
from clipfinder.pipeline.rubric import Rubric, load_rubric
from clipfinder.pipeline.sentence_model import INSTALL_HINT, is_available
from clipfinder.pipeline.speakers import choose_rep, role_speech, with_roles
from clipfinder.records import BY_FIRST_TURN, REP, Clip, VoiceSample
from clipfinder.store import queries, voices
from clipfinder.store.clips import replace_clips
from clipfinder.store.index import Index
from clipfinder.store.sentences import calls_without_sentences, read_sentences, save_sentences
from clipfinder.store.settings import matched_with, save_matching, stored_clip_seconds, stored_rubric

# Re-matching many calls uses a process per core; below this many calls the processes' start-up
# (about half a second) costs more than they save. Calls go out in batches of BATCH_CALLS.
PARALLEL_FROM = 200
BATCH_CALLS = 50


@dataclass(frozen=True)
class RematchReport:
    calls: int
    clips: int
    matches: int
    elapsed_s: float
    rubric: str
    reattributed: int = 0
    embedded: int = 0  # calls whose sentences were embedded first (ingested without the sentence model)
    # set when the rubric has examples and the sentence model is not installed: they were skipped
    hint: str | None = None


def check_clip_seconds(value: float) -> float:
    if not 5 <= value <= 600:
        raise BadInput(f"--clip-seconds must be between 5 and 600 (got {value:g})")
    return float(value)


def choose(index: Index, rubric_path: Path | None, clip_seconds: float | None) -> tuple[Rubric, float]:
    """The rubric and clip length asked for (validated), else the ones the index was matched with."""
    rubric = load_rubric(rubric_path) if rubric_path is not None else stored_rubric(index)
    seconds = check_clip_seconds(clip_seconds) if clip_seconds is not None else stored_clip_seconds(index)
    return rubric, seconds


def settle_rubric(index: Index, rubric_path: Path | None, clip_seconds: float | None) -> tuple[Rubric, float]:
    """The rubric and clip length to use now. A new one is validated first, then every indexed
    call is re-matched with it and it is stored, all in one transaction."""
    rubric, seconds = choose(index, rubric_path, clip_seconds)
    # Both settings are written together, so a new index (no rubric text yet) re-matches here too.
    if not matched_with(index, rubric, seconds):
        rematch(index, rubric, seconds)
    return rubric, seconds


def rematch(
    index: Index,
    rubric: Rubric,
    clip_seconds: float,
    progress: Callable[[int, int], None] | None = None,
) -> RematchReport:
    """Recompute every call's matches and clips from its stored words and swap them in atomically."""
    started = time.monotonic()
    calls = queries.calls_to_match(index)
    embedded = 0
    if rubric.has_examples and is_available():
        embedded = embed_missing(index, [call_id for call_id, _ in calls])
    with index.transaction():
        changed = reattribute(index)
        new = _clips_of(index, rubric, calls, clip_seconds, progress, uncommitted=set(changed))
        replace_clips(index, new)
        # without the sentence model the examples were skipped: the rule is not recorded as
        # applied, so the first rematch or ingest with the model matches them
        save_matching(index, rubric, clip_seconds, complete=examples_hint(rubric) is None)
    return RematchReport(
        calls=len(calls),
        clips=sum(len(c) for c in new.values()),
        matches=sum(len(clip.matches) for c in new.values() for clip in c),
        elapsed_s=time.monotonic() - started,
        rubric=rubric.source,
        reattributed=len(changed),
        embedded=embedded,
        hint=examples_hint(rubric),
    )


def examples_hint(rubric: Rubric) -> str | None:
    """One line for the user when the rubric's examples cannot be matched here, else None."""
    if rubric.has_examples and not is_available():
        return f"the rubric's example sentences were skipped: {INSTALL_HINT}"
    return None


def sentences_to_embed(index: Index, rubric: Rubric) -> int:
    """How many calls `rematch` with this rubric embeds the sentences of first."""
    if not (rubric.has_examples and is_available()):
        return 0
    return len(calls_without_sentences(index, [call_id for call_id, _ in queries.calls_to_match(index)]))


def embed_missing(index: Index, call_ids: list[int]) -> int:
    """Embed and store the sentences of those calls that have no vectors (ingested without the
    sentence model, or by an earlier release); returns how many. Each call is stored as it is
    done, so an interrupted run keeps what it embedded."""
    missing = calls_without_sentences(index, call_ids)
    for call_id in missing:
        found = embed_call(index.words(call_id))
        if found is not None:
            save_sentences(index, call_id, found)
    return len(missing)


def reattribute(index: Index, call_ids: list[int] | None = None, guesses_only: bool = False) -> list[int]:
    """Decide again which voice is the rep on diarized mono calls; returns the calls whose roles or
    attribution changed (their words, segments and metrics are rewritten; clips are the caller's).

    `guesses_only` limits it to calls whose rep was guessed (no voiceprint at ingest time).
    """
    wanted = set(call_ids) if call_ids is not None else None
    prints: dict[str, VoiceSample | None] = {}
    changed = []
    for call_id, rep, duration, old in queries.diarized_calls(index):
        if (wanted is not None and call_id not in wanted) or (guesses_only and old.method != BY_FIRST_TURN):
            continue
        if rep.lower() not in prints:
            prints[rep.lower()] = voiceprint(voices.rep_samples(index, rep))
        segments = index.segments(call_id)
        words = [w for s in segments for w in s.words]
        rep_voice, attribution = choose_rep(words, voices.call_voices(index, call_id), prints[rep.lower()])
        same_roles = all((w.speaker == REP) == (w.voice == rep_voice) for w in words if w.voice is not None)
        if same_roles and attribution == old:
            continue
        relabelled = with_roles(segments, rep_voice)
        new_words = sorted((w for s in relabelled for w in s.words), key=lambda w: (w.start, w.end))
        speech = role_speech(voices.speech(index, call_id), rep_voice)
        metrics = compute_metrics(new_words, relabelled, duration, speech, not attribution.indistinct)
        index.set_attribution(call_id, relabelled, metrics, attribution)
        changed.append(call_id)
    return changed


def rebuild_clips(index: Index, call_ids: list[int]) -> None:
    """New clips for some calls with the index's stored rubric (after their speakers changed)."""
    if not call_ids:
        return
    calls = queries.calls_to_match(index, call_ids)
    # the callers changed these calls' words in their open transaction: match them here, where
    # those changes are visible, never in helper processes reading the committed index
    clips = _clips_of(index, stored_rubric(index), calls, stored_clip_seconds(index), uncommitted=set(call_ids))
    replace_clips(index, clips)


def _clips_of(
    index: Index,
    rubric: Rubric,
    calls: list[tuple[int, float]],
    clip_seconds: float,
    progress: Callable[[int, int], None] | None = None,
    uncommitted: set[int] | frozenset[int] = frozenset(),
) -> dict[int, list[Clip]]:
    """Matches and clips of each (call id, duration) from its stored words.

    Many calls are matched in helper processes that read the committed index; the calls in
    `uncommitted` (changed in the caller's open transaction) are always matched here.
    """
    processes = min(os.cpu_count() or 1, len(calls) // BATCH_CALLS)
    if processes < 2 or len(calls) < PARALLEL_FROM or not index.path.is_file():
        return _match_calls(index, rubric, calls, clip_seconds, progress)
    here = [c for c in calls if c[0] in uncommitted]
    new = _match_calls(index, rubric, here, clip_seconds)
    away = [c for c in calls if c[0] not in uncommitted]
    batches = [away[i : i + BATCH_CALLS] for i in range(0, len(away), BATCH_CALLS)]
    pool = ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn"), initializer=_start_helper)
    try:
        futures = [pool.submit(_match_batch, str(index.path), rubric, batch, clip_seconds) for batch in batches]
        for future in as_completed(futures):
            new.update(future.result())
            if progress is not None:
                progress(len(new), len(calls))
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    # in the calls' order, so new clip ids are given out the same way on every run
    return {call_id: new[call_id] for call_id, _ in calls}


def _match_calls(
    index: Index,
    rubric: Rubric,
    calls: list[tuple[int, float]],
    clip_seconds: float,
    progress: Callable[[int, int], None] | None = None,
) -> dict[int, list[Clip]]:
    new: dict[int, list[Clip]] = {}
    for number, (call_id, duration) in enumerate(calls, 1):
        words = index.words(call_id)
        found = read_sentences(index, call_id) if rubric.has_examples else None
        new[call_id] = build_clips(match_call(rubric, words, found), words, duration, clip_seconds)
        if progress is not None:
            progress(number, len(calls))
    return new


def _start_helper() -> None:
    """A helper process's start: it ends with this process, and its numpy runs on one thread.

    Each helper has a core's share of the work; numpy's BLAS would otherwise start a thread per
    core in every helper for each product of sentence vectors, and the threads of two helpers on
    two cores wait on each other: rematch of 1,000 calls took 18.8 s instead of 8 (measured by
    hand on the bench corpus)."""
    from threadpoolctl import threadpool_limits

    end_with_parent()
    threadpool_limits(1)


def _match_batch(
    path: str, rubric: Rubric, calls: list[tuple[int, float]], clip_seconds: float
) -> dict[int, list[Clip]]:
    """A helper process's share: open the index read-only once per process and match `calls`."""
    return _match_calls(_reader(path), rubric, calls, clip_seconds)


@lru_cache(maxsize=2)
def _reader(path: str) -> Index:
    return Index.reader(path)
