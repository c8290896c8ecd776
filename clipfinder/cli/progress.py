"""Progress for long runs: a bar over files and audio minutes on a terminal, log lines otherwise."""

from __future__ import annotations

import contextlib
import threading
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

    def during(self, path: str, seconds: float) -> None:
        pass  # a log gets one line per file


class BarProgress:
    """A rich progress bar over the batch's audio, moving as each recording is transcribed, with
    files done and audio minutes done and left."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[files]}"),
            TextColumn("{task.fields[minutes]}"),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self.task = self.progress.add_task("ingest", total=None, files="", minutes="")
        self.files_total = 0
        self.files_done = 0
        self.audio_total = 0.0
        self.audio_done = 0.0  # of the files finished
        self.partial: dict[str, float] = {}  # audio seconds done of the files being transcribed
        self.lock = threading.Lock()  # `during` comes from the thread relaying the workers' reports

    def begin(self, files: int, audio_s: float) -> None:
        with self.lock:
            self.files_total, self.audio_total = files, audio_s
            self._draw()

    def advance(self, outcome: Outcome) -> None:
        with self.lock:
            self.files_done += 1
            self.audio_done += outcome.audio_s or 0.0
            self.partial.pop(outcome.path, None)
            if outcome.status == FAILED:
                from rich.text import Text

                # a Text, not markup: "[draft]" in a file name is printed, not read as a style
                failed = Text.assemble(("failed", "red"), " ", printable(outcome.detail))
                self.progress.console.print(failed, highlight=False)
            self._draw()

    def during(self, path: str, seconds: float) -> None:
        with self.lock:
            self.partial[path] = seconds
            self._draw()

    def _draw(self) -> None:
        done = min(self.audio_done + sum(self.partial.values()), self.audio_total)
        if self.audio_total > 0:  # the bar is audio time, so a long recording moves it too
            self.progress.update(self.task, total=self.audio_total, completed=done)
        else:
            self.progress.update(self.task, total=self.files_total, completed=self.files_done)
        self.progress.update(
            self.task,
            files=f"{self.files_done}/{self.files_total} files",
            minutes=f"{done / 60:.1f}/{self.audio_total / 60:.1f} audio min",
        )


@contextlib.contextmanager
def progress_for(stream: TextIO) -> Iterator[LineProgress | BarProgress]:
    """A bar when `stream` is a terminal, plain lines otherwise."""
    if stream.isatty():
        bar = BarProgress(stream)
        with bar.progress:
            yield bar
    else:
        yield LineProgress(stream)
