"""Ingest: a folder of recordings in, an up-to-date index out.

The parent process finds the recordings, hashes them, skips what is indexed, reads their
metadata, hands the rest to workers, and is the only writer of the database: one transaction
per recording, so an interrupted run loses at most the files still in flight.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Protocol

from clipfinder.errors import BadInput, ClipfinderError, IndexProblem, NotAudio
from clipfinder.jobs.metadata import load_metadata, read_manifest
from clipfinder.jobs.pool import run_jobs
from clipfinder.jobs.rematch import examples_hint, reattribute, rebuild_clips, settle_rubric
from clipfinder.pipeline.audio import AUDIO_EXTENSIONS, METADATA_EXTENSIONS, probe, sha256_file
from clipfinder.pipeline.clustering import DiarizeOptions
from clipfinder.pipeline.encoder import INSTALL_HINT, voiceprint
from clipfinder.pipeline.recording import Job, JobResult, Settings
from clipfinder.pipeline.transcribe import TranscribeOptions
from clipfinder.pipeline.whisper_model import check_language, language_detector, on_device, resolve_model
from clipfinder.records import NOT_ATTRIBUTED, Call, CallMeta, VoiceSample
from clipfinder.store import voices
from clipfinder.store.index import Index

# A rep's voiceprint learns from the rep channel of this many stereo calls; more adds time, not accuracy.
STEREO_VOICE_SAMPLES = 5
# Measured with `make bench` on the 2-core reference machine (docs/performance.md): two
# single-threaded worker processes beat one process using both cores.
DEFAULT_WORKERS = 2


class Status(str, Enum):
    """What happened to a file."""

    INDEXED = "indexed"
    UPDATED = "updated"  # already indexed: its new place or edited metadata taken over, not transcribed
    SKIPPED = "skipped"  # already indexed (same bytes), or a copy of another file in the batch
    FAILED = "failed"  # recorded in the index's failures, with the reason
    NOT_AUDIO = "not audio"  # a file in a folder that holds no audio stream (passed over)

    def __str__(self) -> str:
        return self.value


INDEXED, UPDATED, SKIPPED, FAILED, NOT_AUDIO = (
    Status.INDEXED,
    Status.UPDATED,
    Status.SKIPPED,
    Status.FAILED,
    Status.NOT_AUDIO,
)


@dataclass(frozen=True)
class Outcome:
    """What happened to one file."""

    path: str
    status: Status
    detail: str = ""
    call_id: int | None = None
    audio_s: float | None = None


@dataclass
class IngestReport:
    """The summary of a run: one outcome per file seen."""

    outcomes: list[Outcome] = field(default_factory=list)
    elapsed_s: float = 0.0
    # mono calls indexed without speakers because the diarize extra is missing
    undiarized: int = 0
    # mono calls whose rep was first guessed, then matched to a voiceprint learnt in this batch
    reattributed: int = 0
    # calls found to be in another language than the rubric's (indexed, flagged, not matched)
    off_language: list[Outcome] = field(default_factory=list)
    # False when no multilingual model was at hand to check the language of unclear calls
    language_checked: bool = True
    # set when the rubric has example sentences and the sentence model is not installed
    examples_hint: str | None = None

    def having(self, status: Status) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        return not self.having(FAILED)


LOCAL, DASK = "local", "dask"
DASK_HINT = "pip install 'clipfinder[dask]'"
# runs jobs, telling `during` how far into each recording it is; yields results as they come
Runner = Callable[[list[Job], Callable[[str, float], None] | None], Generator[JobResult, None, None]]


class Progress(Protocol):
    """Receives progress; the CLI draws a bar on a terminal or prints log lines."""

    def begin(self, files: int, audio_s: float) -> None: ...

    def advance(self, outcome: Outcome) -> None: ...

    def during(self, path: str, seconds: float) -> None:
        """How far into a recording (audio seconds) transcription has got; may come from another
        thread. Optional: ingest works with a Progress that lacks it."""
        ...


class _Silent:
    def begin(self, files: int, audio_s: float) -> None:
        pass

    def advance(self, outcome: Outcome) -> None:
        pass

    def during(self, path: str, seconds: float) -> None:
        pass


def default_workers() -> int:
    """DEFAULT_WORKERS, but never more than the machine's cores."""
    return max(1, min(DEFAULT_WORKERS, os.cpu_count() or 1))


def find_recordings(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> tuple[list[Path], list[Outcome]]:
    """Expand files and folders (recursively) into recordings; other files become outcomes.

    Hidden files, the metadata that lives beside recordings (.json, .csv) and the `exclude`d
    files (the index itself) are passed over silently; any other file without an audio stream
    is reported as not audio.
    """
    recordings: list[Path] = []
    outcomes: list[Outcome] = []
    seen: set[Path] = {p.resolve() for p in exclude}
    for given in paths:
        if not given.exists():
            outcomes.append(Outcome(str(given), FAILED, f"{given}: no such file or folder"))
            continue
        if given.is_file():
            candidates = [given]
        else:
            candidates, unreadable = _files_under(given)
            outcomes += [Outcome(str(d), FAILED, f"{d}: cannot read this folder ({why})") for d, why in unreadable]
        for path in candidates:
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            if not _is_utf8(str(resolved)):  # the index stores names as UTF-8 text
                outcomes.append(
                    Outcome(str(resolved), FAILED, f"{resolved}: the file name is not UTF-8 text; rename it")
                )
                continue
            if path.suffix.lower() in AUDIO_EXTENSIONS:
                recordings.append(resolved)
                continue
            try:
                probe(path)
                recordings.append(resolved)
            except NotAudio as exc:
                status = FAILED if path == given else NOT_AUDIO
                outcomes.append(Outcome(str(resolved), status, str(exc)))
            except ClipfinderError as exc:
                outcomes.append(Outcome(str(resolved), FAILED, str(exc)))
    return recordings, outcomes


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes Python could only keep as surrogates
        return False
    return True


def _files_under(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files below `folder` (hidden ones and metadata left out), and the folders that could
    not be read with the reason, so none is passed over without a word."""
    found: list[Path] = []
    unreadable: list[tuple[Path, str]] = []

    def cannot(error: OSError) -> None:
        unreadable.append((Path(error.filename or folder), error.strerror or str(error)))

    for root, dirs, files in os.walk(folder, onerror=cannot):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            path = Path(root) / name
            if not name.startswith(".") and path.suffix.lower() not in METADATA_EXTENSIONS and path.is_file():
                found.append(path)
    return sorted(found), unreadable


def ingest(
    paths: Iterable[Path | str],
    index: Index,
    *,
    model: str | None = None,
    allow_download: bool = False,
    workers: int | None = None,
    channels: tuple[str, ...] | None = None,
    manifest: Path | None = None,
    language: str = "en",
    force: bool = False,
    rubric: Path | None = None,
    clip_seconds: float | None = None,
    speakers: int | None = None,
    progress: Progress | None = None,
    executor: str = LOCAL,
    scheduler: str | None = None,
    device: str = "cpu",
    compute_type: str | None = None,
) -> IngestReport:
    """Transcribe, attribute, measure and index every recording under `paths`.

    Already indexed recordings (same SHA-256) are skipped unless `force`. A file that fails is
    recorded in the index's failures with its reason and the batch goes on. `speakers` fixes the
    number of voices on mono calls (default: estimated, see docs/diarization.md). `executor`
    "dask" runs the recordings on the Dask cluster at `scheduler`, or on a local Dask cluster of
    `workers` processes without one (docs/scale.md); this process alone writes the index.
    `device` "cuda" runs the model on a GPU (`compute_type` default float16; not tested here).
    """
    started = time.monotonic()
    progress = progress or _Silent()
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise BadInput("--workers must be 1 or more")
    if speakers is not None and not 1 <= speakers <= 10:
        raise BadInput(f"--speakers must be between 1 and 10 (got {speakers})")
    run = _executor(executor, scheduler, workers)
    ref = on_device(resolve_model(model, allow_download), device, compute_type)
    language = check_language(language, ref)
    detector = language_detector(ref)
    if detector is not None:
        detector = replace(detector, device=ref.device, compute_type=ref.compute_type)
    entries = read_manifest(manifest) if manifest is not None else None
    active_rubric, seconds = settle_rubric(index, rubric, clip_seconds)
    targets = [Path(p) for p in paths]
    if entries is not None and not targets:
        targets = sorted(entries)
    if not targets:
        raise BadInput("nothing to ingest: give one or more files or folders (or --manifest)")
    own_files = [index.path.with_name(index.path.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    recordings, report_outcomes = find_recordings(targets, exclude=own_files)
    report = IngestReport(
        outcomes=report_outcomes, language_checked=detector is not None, examples_hint=examples_hint(active_rubric)
    )
    settings = Settings(
        model=ref,
        options=TranscribeOptions(language=language),
        rubric=active_rubric,
        clip_seconds=seconds,
        cpu_threads=max(1, (os.cpu_count() or 1) // workers),
        diarize=DiarizeOptions(speakers=speakers),
        detector=detector,
    )
    jobs = _plan(recordings, index, settings, entries, channels, force, report)
    progress.begin(len(report.outcomes) + len(jobs), sum(a or 0.0 for _, _, a in jobs))
    for outcome in report.outcomes:
        progress.advance(outcome)
    voices_learnt = _store_results(jobs, run, index, report, progress)
    report.reattributed = _reattribute_guesses(index, report, voices_learnt)
    report.elapsed_s = time.monotonic() - started
    return report


def _plan(
    recordings: list[Path],
    index: Index,
    settings: Settings,
    entries: dict[Path, dict[str, str]] | None,
    channels: tuple[str, ...] | None,
    force: bool,
    report: IngestReport,
) -> list[tuple[Job, CallMeta, float | None]]:
    """A job per recording still to index; the skipped and failed ones go into `report`."""
    jobs: list[tuple[Job, CallMeta, float | None]] = []
    batch_shas: dict[str, str] = {}
    prints: dict[str, VoiceSample | None] = {}
    samples_wanted: dict[str, int] = {}
    for path in recordings:
        outcome, job_meta = _prepare(path, index, entries, channels, force, batch_shas)
        if outcome is not None:
            report.outcomes.append(outcome)
            if outcome.status == FAILED:
                index.record_failure(outcome.path, outcome.detail)
            continue
        assert job_meta is not None
        sha, meta, audio_s = job_meta
        key = meta.rep.lower()
        if key not in prints:
            prints[key] = voiceprint(voices.rep_samples(index, meta.rep))
            samples_wanted[key] = max(0, STEREO_VOICE_SAMPLES - voices.stereo_sample_count(index, meta.rep))
        learn = samples_wanted[key] > 0
        if learn:
            samples_wanted[key] -= 1  # at most STEREO_VOICE_SAMPLES per rep, this batch included
        job = Job(str(path), sha, settings, meta.channels, voiceprint=prints[key], learn_rep_voice=learn)
        jobs.append((job, meta, audio_s))
    return jobs


def _executor(executor: str, scheduler: str | None, workers: int) -> Runner:
    """How the jobs run: in local worker processes, or on a Dask cluster."""
    if executor == LOCAL:
        if scheduler is not None:
            raise BadInput("--scheduler is for --executor dask")
        return lambda jobs, during: run_jobs(jobs, workers, during=during)
    if executor != DASK:
        raise BadInput(f"--executor is {LOCAL} or {DASK} (got {executor!r})")
    try:
        from clipfinder.jobs.cluster import run_on_dask
    except ImportError:
        raise BadInput(f"--executor dask needs Dask: {DASK_HINT}") from None
    return lambda jobs, during: run_on_dask(jobs, scheduler, workers, during)


def _store_results(
    jobs: list[tuple[Job, CallMeta, float | None]],
    run: Runner,
    index: Index,
    report: IngestReport,
    progress: Progress,
) -> set[str]:
    """Run the jobs and store each result as it comes; returns the reps whose voice was learnt."""
    by_path = {job.path: (meta, audio_s) for job, meta, audio_s in jobs}
    voices_learnt: set[str] = set()
    during = getattr(progress, "during", None)  # optional: a Progress from before it existed has none
    with contextlib.closing(run([job for job, _, _ in jobs], during)) as results:
        for done, result in enumerate(results):
            meta, audio_s = by_path[result.path]
            try:
                outcome = _store(result, meta, audio_s, index)
            except IndexProblem as exc:
                # The index cannot take more (a full disk, a lock held too long): stop the workers
                # now; every call stored so far stays, and the same command finishes the batch.
                indexed = len(report.having(INDEXED))
                raise type(exc)(
                    f"{exc}. Stopped after {done} of {len(jobs)} file(s) ({indexed} indexed); what was indexed "
                    f"stays. Run the same command again to do the other {len(jobs) - done}"
                ) from None
            report.outcomes.append(outcome)
            progress.advance(outcome)
            transcript = result.transcript
            if transcript is None:
                continue
            if transcript.attribution.method == NOT_ATTRIBUTED:
                report.undiarized += 1
            if transcript.rep_sample is not None:
                voices_learnt.add(meta.rep)
            if transcript.off_language:
                report.off_language.append(outcome)
    return voices_learnt


def _reattribute_guesses(index: Index, report: IngestReport, voices_learnt: set[str]) -> int:
    """A rep's stereo calls in this batch may have given them a voiceprint after their mono calls
    (of this batch or an earlier one) were attributed by a guess: decide those again now (stored
    voices, no audio work). Returns how many calls changed."""
    batch_ids = [o.call_id for o in report.having(INDEXED) if o.call_id is not None]
    learnt = {r.lower() for r in voices_learnt}
    earlier = [c.id for rep in learnt for c in index.calls(rep)]  # not every call: the index may be big
    with index.transaction():
        changed = reattribute(index, sorted(set(batch_ids) | set(earlier)), guesses_only=True)
        rebuild_clips(index, changed)
    return len(changed)


def _prepare(
    path: Path,
    index: Index,
    entries: dict[Path, dict[str, str]] | None,
    channels: tuple[str, ...] | None,
    force: bool,
    batch_shas: dict[str, str],
) -> tuple[Outcome | None, tuple[str, CallMeta, float | None] | None]:
    """Hash, skip-check, read metadata and probe one recording before it goes to a worker."""
    try:
        sha = sha256_file(path)
    except OSError as exc:
        return Outcome(str(path), FAILED, f"{path}: cannot read the file ({exc.strerror})"), None
    if sha in batch_shas:
        return Outcome(str(path), SKIPPED, f"same recording as {batch_shas[sha]}"), None
    existing = index.has_sha(sha)
    if existing is not None and not force:
        return _known(path, existing, index, entries, channels), None
    try:
        meta = load_metadata(path, entries, channels)
        info = probe(path)
    except ClipfinderError as exc:
        return Outcome(str(path), FAILED, str(exc)), None
    except OSError as exc:  # the file went away or became unreadable meanwhile
        return Outcome(str(path), FAILED, f"{path}: cannot read the file ({exc.strerror or exc})"), None
    batch_shas[sha] = str(path)  # only now: a copy of a file that failed its checks gets its own try
    return None, (sha, meta, info.duration_s)


def _known(
    path: Path,
    call: Call,
    index: Index,
    entries: dict[Path, dict[str, str]] | None,
    channels: tuple[str, ...] | None,
) -> Outcome:
    """A recording indexed before (same bytes): skipped, or its new place and edited metadata taken
    over without transcribing it again, so its clips keep their ids.

    A copy (the old file is still there) is skipped. Metadata only replaces what is stored when a
    sidecar or manifest says it: defaults from a new folder never overrule the stored rep.
    """
    moved = call.path != str(path)
    if moved and Path(call.path).exists():
        return Outcome(str(path), SKIPPED, f"same recording as call {call.id} ({call.path})", call.id)
    try:
        meta = load_metadata(path, entries, channels)
    except ClipfinderError as exc:
        return Outcome(str(path), FAILED, str(exc))
    changes = [f"moved from {call.path}"] if moved else []
    edited = sorted(f for f in meta.stated if getattr(meta, f) != getattr(call, f))
    if not changes and not edited:
        note = ""
        if call.layout == "stereo" and meta.channels and meta.channels != call.channels:
            note = "; its channels changed in the metadata: --force transcribes it again with them"
        return Outcome(str(path), SKIPPED, f"already indexed as call {call.id}{note}", call.id)
    changes += edited
    with index.transaction():
        index.update_source(call.id, str(path), meta, edited)
        if "rep" in changes:  # a mono call's rep voice is then the new rep's
            rebuild_clips(index, reattribute(index, [call.id]))
    detail = f"call {call.id}: {', '.join(changes)} updated (not transcribed again)"
    return Outcome(str(path), UPDATED, detail, call.id)


def _store(result: JobResult, meta: CallMeta, audio_s: float | None, index: Index) -> Outcome:
    if result.error is not None or result.transcript is None or result.metrics is None:
        error = result.error or f"{result.path}: no result"
        index.record_failure(result.path, error, result.sha256)
        return Outcome(result.path, FAILED, error, audio_s=audio_s)
    call_id = index.write_call(result.transcript, meta, result.metrics, result.clips, result.sentences)
    ratio = result.metrics.talk_ratio
    shown = f"{ratio:.2f}" if ratio is not None else "n/a"
    attribution = result.transcript.attribution
    speakers = "" if result.transcript.layout == "stereo" else f" ({attribution.describe()})"
    if attribution.method == NOT_ATTRIBUTED:
        speakers = f" (speakers unknown: {INSTALL_HINT})"
    detail = f"call {call_id}, {result.transcript.layout}{speakers}, talk ratio {shown}, {len(result.clips)} clips"
    if result.transcript.off_language:
        t = result.transcript
        detail += f"; NOT {t.expected_language}: sounds like {t.language} ({t.language_probability:.2f}), not matched"
    return Outcome(result.path, INDEXED, detail, call_id, result.transcript.duration_s)
