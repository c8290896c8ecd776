"""The commands of the weekly 1-on-1 loop: focus, commit, score, followup, prep, trend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from clipfinder.cli.app import (
    ClipIdArgument,
    DbOption,
    JsonOption,
    app,
    open_existing,
    say,
)

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

    with open_existing(db) as index:
        if skill is not None:
            chosen = set_focus(index, rep, skill, since)
            say(f"{chosen.rep}: {chosen.skill} in focus since {chosen.since}")
            return
        history = focus_history(index, rep)
        if not history:
            say(f"No skill in focus for {rep} yet: clipfinder focus --rep {rep} --skill ID")
            return
        for f in history:
            say(f"{f.since}  {f.skill}")
        say(rotation_advice(index, rep).advice)


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

    with open_existing(db) as index:
        made = add_commitment(index, rep, text, skill, when)
    due = parse_moment(made.date).at + FOLLOW_THROUGH
    say(f"commitment {made.id} for {made.rep} ({made.skill}), {made.date}; apply by {due:%Y-%m-%d %H:%M}")


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
    from clipfinder.coaching.loop import add_score, read_score

    number = read_score(value)
    with open_existing(db) as index:
        saved = add_score(index, rep, number, skill, when)
    say(f"{saved.rep}: {saved.skill} self-score {saved.score}/5 on {saved.date}")


@app.command()
def pin(
    clip_id: ClipIdArgument,
    db: DbOption = None,
    when: DateOption = None,
) -> None:
    """Use a clip as the coaching clip of its rep's next prep (a later pin replaces it).

    Example: clipfinder pin 12
    """
    from clipfinder.coaching.loop import pin_clip

    with open_existing(db) as index:
        made = pin_clip(index, clip_id, when)
    say(f"clip {made.clip_id} pinned for {made.rep}'s next prep ({made.pinned_at})")


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

    with open_existing(db) as index:
        items = run_followup(index, rep, parse_moment(as_of, "--as-of"))
    say(json.dumps([i.to_json() for i in items], indent=2) if as_json else followup_text(items))


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
    from clipfinder.errors import CannotWrite
    from clipfinder.files import output_folder, write_text

    chosen = fmt or (out.suffix.lstrip(".").lower() if out is not None and out.suffix else "md")
    if chosen == "htm":
        chosen = "html"
    if out is not None and out.is_dir():
        raise CannotWrite(f"{out} is a folder; --out needs a file name such as {rep}-prep.{chosen}")
    with open_existing(db) as index:
        built = build_prep(index, rep, when)
        if out is not None:
            output_folder(out.parent)  # a folder that does not exist yet is made, once the prep is built
        text = render_prep(built, chosen, out if out is not None and chosen == "md" else None)
    if out is None:
        say(text, nl=False)
        return
    write_text(out, text)
    say(f"wrote {out} ({len(text.encode()) // 1024} KB)")


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

    with open_existing(db) as index:
        rows = run_trend(index, rep, skill, weeks)
    say(json.dumps([r.to_json() for r in rows], indent=2) if as_json else trend_table(rows))
