"""The commands that fill and read the index: ingest, calls, stats, transcript, rematch, enroll,
voices, skills, search, export, missed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from clipfinder.cli.app import (
    EXIT_ERROR,
    ClipIdArgument,
    ClipSecondsOption,
    DbOption,
    JsonOption,
    RubricOption,
    app,
    open_existing,
    open_index,
    say,
)
from clipfinder.errors import ClipfinderError


# Long only by its option declarations: the body parses, calls ingest, prints the summary.
@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(metavar="PATH", help="Recordings or folders (searched recursively).", show_default=False),
    ] = None,
    db: DbOption = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Whisper model: a CTranslate2 model folder, or a name under models/ or $CLIPFINDER_MODELS. "
            "Default: the embedded tiny.en.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes. Default: 2 (measured fastest on 2 cores), at most the core count.",
            show_default=False,
        ),
    ] = None,
    channels: Annotated[
        str | None,
        typer.Option(
            help="Roles of a stereo file's channels, channel 0 first, where no sidecar or manifest says: "
            "rep,prospect (the default) or prospect,rep.",
            show_default=False,
        ),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            help="CSV with a path column and rep, account, date, title, channels columns.", show_default=False
        ),
    ] = None,
    language: Annotated[
        str,
        typer.Option(
            help="Spoken language: a Whisper code (en, de, fr...) or auto. tiny.en knows only en; other "
            "languages need --model base. A call found to be in another language is flagged, not matched."
        ),
    ] = "en",
    force: Annotated[bool, typer.Option("--force", help="Re-transcribe recordings that are already indexed.")] = False,
    rubric: RubricOption = None,
    clip_seconds: ClipSecondsOption = None,
    speakers: Annotated[
        int | None,
        typer.Option(
            help="Number of voices on mono recordings, when you know it. Default: estimated (2 unless the "
            "audio clearly says otherwise).",
            show_default=False,
        ),
    ] = None,
    allow_download: Annotated[
        bool,
        typer.Option(
            "--allow-download",
            help="Let --model NAME download from the Hugging Face hub (off: clipfinder never uses the network).",
        ),
    ] = False,
    executor: Annotated[
        str,
        typer.Option(
            help="local (worker processes on this machine) or dask (a Dask cluster: --scheduler, else a "
            "local Dask cluster of --workers processes; pip install 'clipfinder[dask]').",
        ),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="The Dask scheduler's address (tcp://HOST:8786) for --executor dask. Its workers must see "
            "the recordings' paths, or get files up to 64 MB sent with each task (docs/scale.md).",
            show_default=False,
        ),
    ] = None,
    device: Annotated[
        str, typer.Option(help="cpu, or cuda to run the model on an NVIDIA GPU (not tested by clipfinder).")
    ] = "cpu",
    compute_type: Annotated[
        str | None,
        typer.Option(help="CTranslate2 compute type. Default: int8 on cpu, float16 on cuda.", show_default=False),
    ] = None,
) -> None:
    """Transcribe recordings, attribute speech to rep and prospect, and index calls with talk metrics.

    Stereo files are attributed by channel; on mono files the voices are told apart (the
    diarize extra) and the rep is the voice nearest their voiceprint (see `enroll`). Already
    indexed recordings (same bytes) are skipped, or updated without transcribing when they
    moved or their sidecar changed. A file that fails is reported and recorded; the others go
    on. Exit code 1 if any file failed.

    Example: clipfinder ingest calls/ --db team.db
    """
    from clipfinder.cli.progress import progress_for
    from clipfinder.cli.views import ingest_summary
    from clipfinder.jobs.ingest import ingest as run_ingest
    from clipfinder.pipeline.speakers import parse_channels

    roles = parse_channels(channels) if channels else None
    given = paths or []
    if not given and manifest is None:
        raise ClipfinderError("nothing to ingest: give one or more files or folders (or --manifest)")
    if given and manifest is None and not any(p.exists() for p in given):
        # checked before the index is opened, so a typo does not leave a new empty database behind
        raise ClipfinderError(f"no such file or folder: {', '.join(str(p) for p in given)}")
    with open_index(db) as index, progress_for(sys.stderr) as progress:
        report = run_ingest(
            given,
            index,
            model=model,
            allow_download=allow_download,
            workers=workers,
            channels=roles,
            manifest=manifest,
            language=language,
            force=force,
            rubric=rubric,
            clip_seconds=clip_seconds,
            speakers=speakers,
            progress=progress,
            executor=executor,
            scheduler=scheduler,
            device=device,
            compute_type=compute_type,
        )
    say(ingest_summary(report))
    if not report.ok:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def calls(
    db: DbOption = None,
    rep: Annotated[str | None, typer.Option(help="Only this rep's calls.", show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """List the indexed calls, newest first.

    Example: clipfinder calls --rep alice
    """
    from clipfinder.cli.views import calls_json, calls_table

    with open_existing(db) as index:
        found = list(index.iter_calls_with_metrics(rep=rep))
    say(json.dumps(calls_json(found), indent=2) if as_json else calls_table(found))


@app.command()
def stats(
    db: DbOption = None,
    rep: Annotated[str | None, typer.Option(help="Only this rep's calls.", show_default=False)] = None,
    call: Annotated[str | None, typer.Option(help="Only this call (id or recording path).", show_default=False)] = None,
    per_rep: Annotated[
        bool, typer.Option("--per-rep", help="With --json: print the per-rep averages instead of the calls.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Talk metrics per call and averaged per rep, beside the published anchors.

    Example: clipfinder stats --rep alice --json
    """
    from clipfinder.cli.views import stats_table
    from clipfinder.read.stats import call_stats, rep_averages

    with open_existing(db) as index:
        items = call_stats(index, rep=rep, call=call)
    if as_json:
        shown = rep_averages(items) if per_rep else items
        say(json.dumps([i.to_json() for i in shown], indent=2))
    else:
        say(stats_table(items, rep_averages(items)))


@app.command()
def transcript(
    call: Annotated[
        str, typer.Argument(metavar="CALL", help="Call id (see `clipfinder calls`) or the recording's path.")
    ],
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="txt, srt, vtt or json.")] = "txt",
    start: Annotated[
        str | None,
        typer.Option("--from", help="Only from this point of the call (80, 1:20 or 1:02:03).", show_default=False),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Only up to this point of the call.", show_default=False)
    ] = None,
) -> None:
    """Print a call's transcript with speaker labels, whole or between two points.

    Example: clipfinder transcript 3 --format srt > call3.srt

    Example: clipfinder transcript 3 --from 1:20 --to 1:50
    """
    from clipfinder.read.export import window_segments
    from clipfinder.read.formats import render
    from clipfinder.text import parse_clock

    first = 0.0 if start is None else parse_clock(start, "--from")
    last = float("inf") if end is None else parse_clock(end, "--to")
    if last <= first:
        raise ClipfinderError("--to must come after --from")
    with open_existing(db) as index:
        found = index.find_call(call)
        segments = index.segments(found.id)
        if start is not None or end is not None:
            segments = window_segments(segments, first, last)
        say(render(segments, fmt), nl=False)


@app.command()
def rematch(
    db: DbOption = None,
    rubric: RubricOption = None,
    clip_seconds: ClipSecondsOption = None,
) -> None:
    """Recompute every call's skill matches and clips from the stored transcripts.

    Nothing is transcribed again. The old clips are replaced in one transaction; a rubric with
    an error changes nothing. Without --rubric, the index's current rubric is used (after you
    edited that file, pass it again).

    Example: clipfinder rematch --rubric team-rubric.toml
    """
    from clipfinder.jobs.rematch import choose, sentences_to_embed
    from clipfinder.jobs.rematch import rematch as run_rematch

    with open_existing(db) as index:
        chosen, seconds = choose(index, rubric, clip_seconds)
        missing = sentences_to_embed(index, chosen)
        if missing:
            say(f"embedding the sentences of {missing} calls indexed without the sentence model (once) ...")
        report = run_rematch(index, chosen, seconds)
    say(
        f"{report.calls} calls re-matched with {report.rubric} ({seconds:g} s clips): "
        f"{report.clips} clips, {report.matches} matches, in {report.elapsed_s:.2f} s"
    )
    if report.reattributed:
        say(f"{report.reattributed} mono calls re-attributed from the reps' current voiceprints")
    if report.hint:
        say(report.hint)


@app.command()
def enroll(
    rep: Annotated[str, typer.Argument(metavar="REP", help="The rep's name, as in the call metadata.")],
    audio: Annotated[
        list[Path],
        typer.Argument(metavar="AUDIO...", help="Recordings or clips of the rep talking (10 s or more each)."),
    ],
    db: DbOption = None,
) -> None:
    """Learn a rep's voice, so mono calls know which voice is theirs.

    Each recording adds a sample to the rep's voiceprint (where several voices are heard, the
    one that talks most). Stereo calls add the rep channel's voice on their own at ingest. The
    rep's mono calls are attributed again at once, without transcribing. Needs the diarize extra.

    Example: clipfinder enroll alice memos/alice-intro.m4a
    """
    from clipfinder.jobs.enroll import enroll as run_enroll

    with open_index(db) as index:
        report = run_enroll(index, rep, audio)
        calls = len(index.calls(rep)) if report.reattributed else 0
    for s in report.samples:
        mixed = f", main voice {s.share:.0%} of the speech" if s.share < 0.999 else ""
        say(f"  {s.path}: {s.seconds:.1f} s of speech{mixed}")
    say(f"enrolled {report.rep}: {report.total_s:.1f} s of speech from {len(report.samples)} recordings")
    if report.reattributed:
        say(f"{report.reattributed} of {report.rep}'s {calls} calls re-attributed with the voiceprint")


@app.command()
def voices(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the voice samples behind each rep's voiceprint (enrolled recordings and stereo calls).

    Example: clipfinder voices
    """
    from clipfinder.cli.views import voices_table
    from clipfinder.store.voices import voice_samples

    with open_existing(db) as index:
        rows = voice_samples(index)
    say(json.dumps([r.to_json() for r in rows], indent=2) if as_json else voices_table(rows))


@app.command()
def skills(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the skills of the index's rubric, with how many clips each has.

    Example: clipfinder skills
    """
    from clipfinder.cli.views import skills_json, skills_table
    from clipfinder.read.search import rubric_clip_counts

    with open_existing(db) as index:
        rubric, counts = rubric_clip_counts(index)
    say(json.dumps(skills_json(rubric, counts), indent=2) if as_json else skills_table(rubric, counts))


@app.command()
def search(
    text: Annotated[
        str | None,
        typer.Argument(metavar="[TEXT]", help="Words the clip's transcript must contain.", show_default=False),
    ] = None,
    db: DbOption = None,
    skill: Annotated[str | None, typer.Option(help="Skill id (see `clipfinder skills`).", show_default=False)] = None,
    rep: Annotated[str | None, typer.Option(help="Only this rep's calls.", show_default=False)] = None,
    account: Annotated[str | None, typer.Option(help="Only calls with this account.", show_default=False)] = None,
    since: Annotated[
        str | None, typer.Option(help="Calls on or after this date (YYYY-MM-DD).", show_default=False)
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Calls on or before this date (YYYY-MM-DD).", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many clips (and as many passages).")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Find coaching clips by skill, rep, account, date and text, best first.

    TEXT is plain words (quotes, *, OR, - and brackets are just text). Without --skill it is also
    looked for in whole transcripts: words said outside every clip are listed as passages, a
    clip-length window around them. A typo falls back to the closest words in the index, and
    says so.

    Example: clipfinder search --skill price-objection --rep alice --since 2026-11-01
    """
    from clipfinder.cli.views import found_text
    from clipfinder.read.search import find

    with open_existing(db) as index:
        found = find(index, text, skill=skill, rep=rep, account=account, since=since, until=until, limit=limit)
    if as_json:
        clips = [{"result": "clip", **h.to_json()} for h in found.clips]
        say(json.dumps(clips + [p.to_json() for p in found.passages], indent=2))
        if found.fallback_note:
            say(found.fallback_note, err=True)
    else:
        say(found_text(found))


@app.command()
def clip(
    clip_id: ClipIdArgument,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one clip: its skill, confidence, call, window and what is said in it.

    Example: clipfinder clip 12
    """
    from clipfinder.cli.views import clip_text
    from clipfinder.read.export import clip_segments
    from clipfinder.read.search import get_clip

    with open_existing(db) as index:
        hit = get_clip(index, clip_id)
        segments = clip_segments(index, hit)
    if as_json:
        say(json.dumps({**hit.to_json(), "lines": [s.text for s in segments]}, indent=2))
    else:
        say(clip_text(hit, segments))


@app.command()
def export(
    clip_ids: Annotated[
        list[int] | None,
        typer.Argument(metavar="[CLIP_ID]", help="Clip ids from `clipfinder search`.", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder to write the clips into (created if needed).")] = Path("clips"),
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="mp3, wav, ogg or m4a.")] = "mp3",
    subtitles: Annotated[str, typer.Option(help="srt, vtt or none.")] = "srt",
    skill: Annotated[
        str | None, typer.Option(help="With --top: the best clips of this skill.", show_default=False)
    ] = None,
    rep: Annotated[str | None, typer.Option(help="With --top: only this rep's clips.", show_default=False)] = None,
    top: Annotated[
        int | None, typer.Option(help="Export the best N clips of --skill / --rep instead of ids.", show_default=False)
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace files of the same name in --out (default: give the new ones a -2, -3 name)."
        ),
    ] = False,
) -> None:
    """Cut clips' audio into a folder, with subtitles (clip-relative times, speaker labels) and manifest.json.

    Example: clipfinder export 12 15 --out monday/ --format mp3

    Example: clipfinder export --skill next-steps --rep alice --top 3 --out monday/
    """
    from clipfinder.read.export import export_clips
    from clipfinder.read.search import search as run_search

    with open_existing(db) as index:
        ids = list(clip_ids or [])
        if top is not None:
            if ids:
                raise ClipfinderError("give clip ids or --top, not both")
            ids = [h.clip_id for h in run_search(index, skill=skill, rep=rep, limit=top)]
            if not ids:
                raise ClipfinderError("no clips match those filters; nothing exported")
        elif skill or rep:
            raise ClipfinderError("--skill and --rep choose clips only with --top N")
        report = export_clips(index, ids, out, fmt=fmt, subtitles=subtitles, overwrite=overwrite)
    for e in report.clips:
        extra = f" + {e.subtitles.name}" if e.subtitles else ""
        say(f"clip {e.clip.clip_id} ({e.clip.skill}, {e.clip.rep}): {e.audio}{extra}")
    say(f"{len(report.clips)} clip(s) exported; manifest: {out / report.manifest.name}")


@app.command()
def missed(
    call: Annotated[str, typer.Argument(metavar="CALL", help="Call id or the recording's path.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The rubric's expected skills not detected on a call, and when the prospect last spoke.

    Each is "not detected" with how clearly the words were heard (the model's mean word
    probability), or "cannot judge" when the transcript is too garbled to tell.

    Example: clipfinder missed 3
    """
    from clipfinder.cli.views import missed_text
    from clipfinder.read.missed import missed_skills

    with open_existing(db) as index:
        report = missed_skills(index, call)
    say(json.dumps(report.to_json(), indent=2) if as_json else missed_text(report))
