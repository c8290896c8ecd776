"""The `clipfinder` command: the Typer app, its shared options, and the one place errors become
exit codes. The commands live in index_commands.py and loop_commands.py (cli/__init__.py
imports them, which registers them on `app`); each parses, calls one library function, prints.

Errors, in one place (`_Commands.invoke`): a ClipfinderError anywhere (sqlite3 errors become
ones in store/connection.py) is `Error: <message>` on stderr and exit code 1; anything unexpected
is one line asking for a report and exit code 3 (`--debug` shows the traceback); Ctrl-C is 130.
Everything printed goes through `say`, so no file name or metadata can send control characters
to the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from clipfinder import __version__
from clipfinder.errors import ClipfinderError
from clipfinder.text import printable

EXIT_ERROR = 1
EXIT_UNEXPECTED = 3
EXIT_INTERRUPTED = 130
DEBUG_ENV = "CLIPFINDER_DEBUG"


def say(text: str, err: bool = False, nl: bool = True) -> None:
    """Print for the user: control characters in names and metadata are shown as escapes."""
    typer.echo(printable(text, keep_newlines=True), err=err, nl=nl)


def _typer_handles(exc: Exception) -> bool:
    """Usage errors, --help and typer.Exit: typer prints these itself. Newer typer raises them from
    its own copy of click, so they are known by their class name, not by one module's class."""
    return isinstance(exc, (typer.Exit, typer.Abort)) or any(
        cls.__name__ in ("ClickException", "Exit", "Abort") for cls in type(exc).__mro__
    )


class _Commands(TyperGroup):
    """Turns every error into one line and an exit code: the one place that does."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ClipfinderError as exc:
            say(f"Error: {printable(str(exc))}", err=True)
            raise typer.Exit(EXIT_ERROR) from None
        except KeyboardInterrupt:
            say("Interrupted. What was written stays; run the same command again to finish.", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # the reader went away (`clipfinder transcript 3 | head`): nothing left to tell anyone
            with contextlib.suppress(OSError, ValueError):  # so Python's own exit flush stays quiet too
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(EXIT_ERROR) from None
        except OSError as exc:
            # the file system refused (a folder without permission, a file gone): the user's to fix
            where = f" {printable(str(exc.filename))}" if exc.filename else ""
            say(f"Error: cannot use{where}: {exc.strerror or printable(str(exc))}", err=True)
            raise typer.Exit(EXIT_ERROR) from None
        except Exception as exc:
            if _typer_handles(exc) or (ctx.obj or {}).get("debug") or os.environ.get(DEBUG_ENV):
                raise
            say(
                f"Error: unexpected {type(exc).__name__}: {printable(str(exc))}. This is a bug in clipfinder; "
                "please report it with the command you ran (--debug shows where it happened).",
                err=True,
            )
            raise typer.Exit(EXIT_UNEXPECTED) from None


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
ClipIdArgument = Annotated[int, typer.Argument(metavar="CLIP_ID", help="A clip id from `clipfinder search`.")]
RubricOption = Annotated[
    Path | None,
    typer.Option(
        help="Skill rubric: a TOML file, or a built-in one by name (sales, support). Default: the rubric "
        "this index was last matched with, else the built-in sales rubric. A new rubric re-matches "
        "every indexed call.",
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
    from clipfinder.store.index import Index

    return Index.existing(path)


def _version(value: bool) -> None:
    if value:
        say(f"clipfinder {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="On an unexpected error, show the traceback (for a bug report).")
    ] = False,
) -> None:
    """Turn folders of sales-call recordings into a searchable library of coaching clips."""
    ctx.obj = {"debug": debug}


def main() -> None:
    """Console-script entry point."""
    app()
