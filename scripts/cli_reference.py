"""Print docs/cli.md: the CLI reference, made from the commands' own --help.

make docs      (tests/cli/test_cli.py checks docs/cli.md is in step with this output)
"""

from __future__ import annotations

from typer.testing import CliRunner

from clipfinder.cli.app import app

WIDTH = 100


def help_text(args: list[str]) -> str:
    result = CliRunner().invoke(
        app, [*args, "--help"], env={"COLUMNS": str(WIDTH)}, terminal_width=WIDTH, prog_name="clipfinder"
    )
    return result.output.rstrip() + "\n"


def reference() -> str:
    parts = [
        "# CLI reference\n\n",
        "Generated from `clipfinder --help` by `make docs`; a test fails when it drifts.\n\n",
        "## clipfinder\n\n```\n",
        help_text([]),
        "```\n",
    ]
    names = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    for name in names:
        parts += [f"\n## clipfinder {name}\n\n```\n", help_text([name]), "```\n"]
    return "".join(parts)


if __name__ == "__main__":
    print(reference(), end="")
