"""The `clipfinder` command: parse, call one library function, print.

Errors: a ClipfinderError anywhere becomes `Error: <message>` on stderr and exit code 1, in
one place (`_Commands.invoke`). Exit 130 after Ctrl-C.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from clipfinder import __version__
from clipfinder.errors import ClipfinderError

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class _Commands(TyperGroup):
    """Turns library errors into `Error: ...` and an exit code: the one place that does."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ClipfinderError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(EXIT_ERROR) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted. What was written stays; run the same command again to finish.", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None


app = typer.Typer(
    cls=_Commands,
    rich_markup_mode=None,
    no_args_is_help=True,
    add_completion=False,
    help="Turn folders of sales-call recordings into a searchable library of coaching clips.",
)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Database file. Default: $CLIPFINDER_DB, else ./clipfinder.db.", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
RubricOption = Annotated[
    Path | None,
    typer.Option(
        help="Skill rubric (TOML). Default: the rubric this index was last matched with, else the built-in "
        "sales rubric. A new rubric re-matches every indexed call.",
        show_default=False,
    ),
]
ClipSecondsOption = Annotated[
    float | None,
    typer.Option(help="Clip length in seconds. Default: the index's setting, else 30.", show_default=False),
]


def _open(db: Path | None) -> Any:
    from clipfinder.store.index import Index, default_db_path

    return Index(db or default_db_path())


def _open_existing(db: Path | None) -> Any:
    from clipfinder.store.index import default_db_path

    path = db or default_db_path()
    if not Path(path).exists():
        raise ClipfinderError(f"no database at {path}; run `clipfinder ingest FOLDER` first (or pass --db)")
    return _open(path)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"clipfinder {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Turn folders of sales-call recordings into a searchable library of coaching clips."""


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
) -> None:
    """Transcribe recordings, attribute speech to rep and prospect, and index calls with talk metrics.

    Stereo files are attributed by channel; on mono files the voices are told apart (the
    diarize extra) and the rep is the voice nearest their voiceprint (see `enroll`). Already
    indexed recordings (same bytes) are skipped. A file that fails is reported and recorded;
    the others go on. Exit code 1 if any file failed.

    Example: clipfinder ingest calls/ --db team.db
    """
    from clipfinder.cli.progress import progress_for
    from clipfinder.jobs.ingest import FAILED, INDEXED, NOT_AUDIO, SKIPPED
    from clipfinder.jobs.ingest import ingest as run_ingest
    from clipfinder.pipeline.speakers import parse_channels

    roles = parse_channels(channels) if channels else None
    with _open(db) as index, progress_for(sys.stderr) as progress:
        report = run_ingest(
            paths or [],
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
        )
    indexed, skipped, failed, not_audio = (report.having(s) for s in (INDEXED, SKIPPED, FAILED, NOT_AUDIO))
    audio_min = sum(o.audio_s or 0 for o in indexed) / 60
    typer.echo(
        f"{len(indexed)} indexed ({audio_min:.1f} audio min in {report.elapsed_s:.1f} s), "
        f"{len(skipped)} skipped, {len(failed)} failed, {len(not_audio)} not audio"
    )
    if skipped:
        typer.echo("  skipped files are already indexed (same bytes); --force transcribes them again")
    for o in not_audio:
        typer.echo(f"  not audio {o.path}")
    for o in failed:
        typer.echo(f"  FAILED {o.detail}")
    if report.reattributed:
        typer.echo(f"  {report.reattributed} mono calls re-attributed with a voiceprint learnt from stereo calls")
    for o in report.off_language:
        typer.echo(f"  not in the rubric's language (indexed, no clips): {o.path}")
    if not report.language_checked:
        from clipfinder.pipeline.whisper_model import BASE_HINT

        typer.echo(f"  unclear calls were not checked for their language: {BASE_HINT}")
    if report.undiarized:
        from clipfinder.pipeline.diarize import INSTALL_HINT

        typer.echo(
            f"  {report.undiarized} mono calls have no speakers (no talk ratio, no rep/prospect filter): "
            f"{INSTALL_HINT}, then `clipfinder ingest --force` them"
        )
    if failed:
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

    with _open_existing(db) as index:
        found = index.calls(rep)
        typer.echo(json.dumps(calls_json(index, found), indent=2) if as_json else calls_table(index, found))


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

    with _open_existing(db) as index:
        items = call_stats(index, rep=rep, call=call)
    if as_json:
        typer.echo(json.dumps(rep_averages(items) if per_rep else items, indent=2))
    else:
        typer.echo(stats_table(items, rep_averages(items)))


@app.command()
def transcript(
    call: Annotated[
        str, typer.Argument(metavar="CALL", help="Call id (see `clipfinder calls`) or the recording's path.")
    ],
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="txt, srt, vtt or json.")] = "txt",
) -> None:
    """Print a call's transcript with speaker labels.

    Example: clipfinder transcript 3 --format srt > call3.srt
    """
    from clipfinder.read.formats import render

    with _open_existing(db) as index:
        found = index.find_call(call)
        typer.echo(render(index.segments(found.id), fmt), nl=False)


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
    from clipfinder.jobs.rematch import choose
    from clipfinder.jobs.rematch import rematch as run_rematch

    with _open_existing(db) as index:
        chosen, seconds = choose(index, rubric, clip_seconds)
        report = run_rematch(index, chosen, seconds)
    typer.echo(
        f"{report.calls} calls re-matched with {report.rubric} ({seconds:g} s clips): "
        f"{report.clips} clips, {report.matches} matches, in {report.elapsed_s:.2f} s"
    )
    if report.reattributed:
        typer.echo(f"{report.reattributed} mono calls re-attributed from the reps' current voiceprints")


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

    with _open(db) as index:
        report = run_enroll(index, rep, audio)
        calls = len(index.calls(rep)) if report.reattributed else 0
    for s in report.samples:
        mixed = f", main voice {s.share:.0%} of the speech" if s.share < 0.999 else ""
        typer.echo(f"  {s.path}: {s.seconds:.1f} s of speech{mixed}")
    typer.echo(f"enrolled {report.rep}: {report.total_s:.1f} s of speech from {len(report.samples)} recordings")
    if report.reattributed:
        typer.echo(f"{report.reattributed} of {report.rep}'s {calls} calls re-attributed with the voiceprint")


@app.command()
def voices(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the voice samples behind each rep's voiceprint (enrolled recordings and stereo calls).

    Example: clipfinder voices
    """
    from clipfinder.cli.views import voices_table

    with _open_existing(db) as index:
        rows = index.voice_samples()
    typer.echo(json.dumps(rows, indent=2) if as_json else voices_table(rows))


@app.command()
def skills(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the skills of the index's rubric, with how many clips each has.

    Example: clipfinder skills
    """
    from clipfinder.cli.views import skills_table

    with _open_existing(db) as index:
        typer.echo(skills_table(index, as_json))


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
    limit: Annotated[int, typer.Option(help="At most this many clips.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Find coaching clips by skill, rep, account, date and text, best first.

    TEXT is plain words (quotes, *, OR, - and brackets are just text); a typo falls back to the
    closest words in the index.

    Example: clipfinder search --skill price-objection --rep alice --since 2026-11-01
    """
    from clipfinder.cli.views import search_table
    from clipfinder.read.search import search as run_search

    with _open_existing(db) as index:
        hits = run_search(index, text, skill=skill, rep=rep, account=account, since=since, until=until, limit=limit)
    typer.echo(json.dumps([h.to_json() for h in hits], indent=2) if as_json else search_table(hits))


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
) -> None:
    """Cut clips' audio into a folder, with subtitles (clip-relative times, speaker labels) and manifest.json.

    Example: clipfinder export 12 15 --out monday/ --format mp3

    Example: clipfinder export --skill next-steps --rep alice --top 3 --out monday/
    """
    from clipfinder.read.export import export_clips
    from clipfinder.read.search import search as run_search

    with _open_existing(db) as index:
        ids = list(clip_ids or [])
        if top is not None:
            if ids:
                raise ClipfinderError("give clip ids or --top, not both")
            ids = [h.clip_id for h in run_search(index, skill=skill, rep=rep, limit=top)]
            if not ids:
                raise ClipfinderError("no clips match those filters; nothing exported")
        elif skill or rep:
            raise ClipfinderError("--skill and --rep choose clips only with --top N")
        done = export_clips(index, ids, out, fmt=fmt, subtitles=subtitles)
    for e in done:
        extra = f" + {e.subtitles.name}" if e.subtitles else ""
        typer.echo(f"clip {e.clip.clip_id} ({e.clip.skill}, {e.clip.rep}): {e.audio}{extra}")
    typer.echo(f"{len(done)} clip(s) exported; manifest: {out / 'manifest.json'}")


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

    with _open_existing(db) as index:
        report = missed_skills(index, call)
    typer.echo(json.dumps(report.to_json(), indent=2) if as_json else missed_text(report))


RepRequired = Annotated[str, typer.Option("--rep", help="The rep (as in the call metadata).", show_default=False)]
SkillOption = Annotated[
    str | None,
    typer.Option(help="Skill id (see `clipfinder skills`). Default: the rep's focus skill.", show_default=False),
]
DateOption = Annotated[
    str | None, typer.Option("--date", help="When (YYYY-MM-DD or YYYY-MM-DDTHH:MM). Default: now.", show_default=False)
]


@app.command()
def focus(
    rep: RepRequired,
    db: DbOption = None,
    skill: Annotated[
        str | None,
        typer.Option(help="Put this skill in focus. Without it: show the focus history.", show_default=False),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="In focus from this date (YYYY-MM-DD). Default: now.", show_default=False)
    ] = None,
) -> None:
    """Set or show the skill in focus for a rep (one skill at a time; history kept).

    Example: clipfinder focus --rep alice --skill discovery --since 2026-11-02
    """
    from clipfinder.coaching.loop import focus_history, rotation_advice, set_focus

    with _open_existing(db) as index:
        if skill is not None:
            chosen = set_focus(index, rep, skill, since)
            typer.echo(f"{chosen.rep}: {chosen.skill} in focus since {chosen.since}")
            return
        history = focus_history(index, rep)
        if not history:
            typer.echo(f"No skill in focus for {rep} yet: clipfinder focus --rep {rep} --skill ID")
            return
        for f in history:
            typer.echo(f"{f.since}  {f.skill}")
        typer.echo(rotation_advice(index, rep)["advice"])


@app.command()
def commit(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What the rep will do, on which call.")],
    rep: RepRequired,
    db: DbOption = None,
    skill: SkillOption = None,
    when: DateOption = None,
) -> None:
    """Record the commitment written at the end of a 1-on-1 (checked by `followup`).

    Example: clipfinder commit --rep alice "Ask two open discovery questions on the Globex call"
    """
    from clipfinder.coaching.loop import FOLLOW_THROUGH, add_commitment, parse_moment

    with _open_existing(db) as index:
        made = add_commitment(index, rep, text, skill, when)
    due = parse_moment(made.date).at + FOLLOW_THROUGH
    typer.echo(f"commitment {made.id} for {made.rep} ({made.skill}), {made.date}; apply by {due:%Y-%m-%d %H:%M}")


@app.command()
def score(
    value: Annotated[str, typer.Argument(metavar="N", help="Confidence in the skill, 1-5.")],
    rep: RepRequired,
    db: DbOption = None,
    skill: SkillOption = None,
    when: DateOption = None,
) -> None:
    """Record the rep's Friday self-score (1-5) on the coached skill.

    Example: clipfinder score --rep alice 4
    """
    from clipfinder.coaching.loop import add_score
    from clipfinder.errors import BadInput

    try:
        number = int(value.strip())
    except ValueError:
        raise BadInput(f"a self-score is a whole number from 1 to 5 (got {value!r})") from None
    with _open_existing(db) as index:
        saved = add_score(index, rep, number, skill, when)
    typer.echo(f"{saved.rep}: {saved.skill} self-score {saved.score}/5 on {saved.date}")


@app.command()
def followup(
    db: DbOption = None,
    rep: Annotated[str | None, typer.Option(help="Only this rep.", show_default=False)] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Judge open windows as of this time. Default: now.", show_default=False)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Did each commitment show up on a call within 72 hours? Calls since, with clip ids.

    met is yes when the skill was detected on a call within 72 hours of the commitment, no when
    calls came and it did not, and "no call yet" while none has come.

    Example: clipfinder followup --rep alice --json
    """
    from clipfinder.cli.views import followup_text
    from clipfinder.coaching.loop import followup as run_followup
    from clipfinder.coaching.loop import parse_moment

    with _open_existing(db) as index:
        items = run_followup(index, rep, parse_moment(as_of, "--as-of"))
    typer.echo(json.dumps(items, indent=2) if as_json else followup_text(items))


@app.command()
def prep(
    rep: RepRequired,
    db: DbOption = None,
    when: Annotated[
        str | None, typer.Option("--date", help="The session's date. Default: now.", show_default=False)
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Write to this file (and, for md, the clip audio beside it).", show_default=False),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="md or html. Default: from --out's suffix, else md.", show_default=False),
    ] = None,
) -> None:
    """The manager's prep for the weekly 1-on-1: focus, last commitment, the clip, metrics, agenda.

    The HTML page is one file with the clip audio and the trend chart inside it.

    Example: clipfinder prep --rep alice --out alice-prep.html
    """
    from clipfinder.coaching.prep import build_prep
    from clipfinder.coaching.render import render_prep

    chosen = fmt or (out.suffix.lstrip(".").lower() if out is not None and out.suffix else "md")
    if chosen == "htm":
        chosen = "html"
    with _open_existing(db) as index:
        built = build_prep(index, rep, when)
        text = render_prep(built, chosen, out.parent if out is not None and chosen == "md" else None)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out} ({len(text.encode()) // 1024} KB)")


@app.command()
def trend(
    rep: RepRequired,
    db: DbOption = None,
    skill: SkillOption = None,
    weeks: Annotated[int, typer.Option(help="How many weeks, up to this one.")] = 8,
    as_json: JsonOption = False,
) -> None:
    """Weekly talk ratio, the skill's share of calls, and self-scores: the numbers behind prep's chart.

    Example: clipfinder trend --rep alice --skill discovery --json
    """
    from clipfinder.cli.views import trend_table
    from clipfinder.coaching.trend import trend as run_trend

    with _open_existing(db) as index:
        rows = run_trend(index, rep, skill, weeks)
    typer.echo(json.dumps(rows, indent=2) if as_json else trend_table(rows))


def main() -> None:
    """Console-script entry point."""
    app()
