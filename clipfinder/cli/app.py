"""The `clipfinder` command: the Typer app, its shared options, and the one place errors become
exit codes. The commands live in index_commands.py and loop_commands.py (cli/__init__.py
imports them, which registers them on `app`); each parses, calls one library function, prints.

Errors: a ClipfinderError anywhere becomes `Error: <message>` on stderr and exit code 1, in
one place (`_Commands.invoke`). Exit 130 after Ctrl-C.
"""

from __future__ import annotations

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


def open_index(db: Path | None) -> Any:
    from clipfinder.store.index import Index, default_db_path

    return Index(db or default_db_path())


def open_existing(db: Path | None) -> Any:
    from clipfinder.store.index import default_db_path

    path = db or default_db_path()
    if not Path(path).exists():
        raise ClipfinderError(f"no database at {path}; run `clipfinder ingest FOLDER` first (or pass --db)")
    return open_index(path)


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


def main() -> None:
    """Console-script entry point."""
    app()
