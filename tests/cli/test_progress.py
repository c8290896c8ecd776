"""Ingest progress: log lines when the output is not a terminal, a rich bar when it is, both fed
hand-made outcomes and written to an in-memory stream."""

import io

from clipfinder.cli.progress import BarProgress, LineProgress, progress_for
from clipfinder.jobs.ingest import FAILED, INDEXED, NOT_AUDIO, SKIPPED, Outcome


class Terminal(io.StringIO):
    """An in-memory stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_line_progress_writes_one_numbered_line_per_file():
    stream = io.StringIO()
    progress = LineProgress(stream)
    progress.begin(3, 150.0)
    progress.advance(Outcome("/in/a.wav", INDEXED, "call 1, talk 0.61", 1, audio_s=90.0))
    progress.advance(Outcome("/in/b.wav", SKIPPED, "already indexed as call 1", 1))
    progress.advance(Outcome("/in/notes.txt", NOT_AUDIO, "/in/notes.txt: not an audio file"))
    assert stream.getvalue().splitlines() == [
        "ingesting 3 file(s), 2.5 audio min",
        "[1/3] indexed: /in/a.wav (call 1, talk 0.61)",
        "[2/3] skipped: /in/b.wav (already indexed as call 1)",
        "[3/3] not audio: /in/notes.txt (/in/notes.txt: not an audio file)",
    ]


def test_a_failed_file_shows_the_reason_without_its_path_again():
    stream = io.StringIO()
    progress = LineProgress(stream)
    progress.begin(1, 0.0)
    progress.advance(Outcome("/in/d.wav", FAILED, "/in/d.wav: cannot decode this recording (EOF: end of file)"))
    assert (
        stream.getvalue().splitlines()[-1]
        == "[1/1] failed: /in/d.wav (cannot decode this recording (EOF: end of file))"
    )


def test_progress_for_a_pipe_is_line_progress_and_for_a_terminal_a_bar():
    with progress_for(io.StringIO()) as lines:
        assert isinstance(lines, LineProgress)
    with progress_for(Terminal()) as bar:
        assert isinstance(bar, BarProgress)


def test_bar_counts_files_and_audio_minutes_and_prints_failures():
    stream = io.StringIO()
    bar = BarProgress(stream)
    bar.begin(3, 180.0)
    bar.advance(Outcome("/in/a.wav", INDEXED, "call 1", 1, audio_s=90.0))
    bar.advance(Outcome("/in/b.wav", SKIPPED, "already indexed as call 1", 1))
    bar.advance(Outcome("/in/d.wav", FAILED, "/in/d.wav: cannot decode this recording", audio_s=30.0))
    (task,) = bar.progress.tasks
    assert (task.completed, task.total) == (120.0, 180.0)  # the bar is audio: 90 s + 30 s of 180 s
    assert task.fields["minutes"] == "2.0/3.0 audio min" and task.fields["files"] == "3/3 files"
    assert stream.getvalue() == "failed /in/d.wav: cannot decode this recording\n"


def test_the_bar_moves_within_a_long_recording():
    bar = BarProgress(io.StringIO())
    bar.begin(2, 1800.0)
    (task,) = bar.progress.tasks
    bar.during("/in/long.wav", 300.0)
    bar.during("/in/other.wav", 60.0)
    assert task.completed == 360.0 and task.fields["minutes"] == "6.0/30.0 audio min"
    assert task.fields["files"] == "0/2 files"
    bar.during("/in/long.wav", 600.0)
    assert task.completed == 660.0
    bar.advance(Outcome("/in/long.wav", INDEXED, "call 1", 1, audio_s=1560.0))  # its partial is replaced
    assert task.completed == 1620.0 and task.fields["files"] == "1/2 files"
