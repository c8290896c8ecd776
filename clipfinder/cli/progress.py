"""Progress for long runs: a bar over files and audio minutes on a terminal, log lines otherwise."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TextIO

from clipfinder.jobs.ingest import FAILED, Outcome
from clipfinder.text import printable


class LineProgress:
    """One line per file, for logs and pipes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.total = 0
        self.count = 0

    def begin(self, files: int, audio_s: float) -> None:
        self.total = files
        print(f"ingesting {files} file(s), {audio_s / 60:.1f} audio min", file=self.stream, flush=True)

    def advance(self, outcome: Outcome) -> None:
        self.count += 1
        # a failure's reason starts with the file's path, which the line shows already
        detail = outcome.detail.removeprefix(f"{outcome.path}: ") if outcome.status == FAILED else outcome.detail
        line = f"[{self.count}/{self.total}] {outcome.status}: {outcome.path} ({detail})"
        print(printable(line), file=self.stream, flush=True)


class BarProgress:
    """A rich progress bar over files, with audio minutes done and left."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[minutes]}"),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self.task = self.progress.add_task("ingest", total=None, minutes="")
        self.audio_total = 0.0
        self.audio_done = 0.0

    def begin(self, files: int, audio_s: float) -> None:
        self.audio_total = audio_s
        self.progress.update(self.task, total=files, minutes=self._minutes())

    def advance(self, outcome: Outcome) -> None:
        self.audio_done += outcome.audio_s or 0.0
        if outcome.status == FAILED:
            from rich.text import Text

            # a Text, not markup: "[draft]" in a file name is printed, not read as a style
            failed = Text.assemble(("failed", "red"), " ", printable(outcome.detail))
            self.progress.console.print(failed, highlight=False)
        self.progress.update(self.task, advance=1, minutes=self._minutes())

    def _minutes(self) -> str:
        return f"{self.audio_done / 60:.1f}/{self.audio_total / 60:.1f} audio min"


@contextlib.contextmanager
def progress_for(stream: TextIO) -> Iterator[LineProgress | BarProgress]:
    """A bar when `stream` is a terminal, plain lines otherwise."""
    if stream.isatty():
        bar = BarProgress(stream)
        with bar.progress:
            yield bar
    else:
        yield LineProgress(stream)
