"""Writing the user's files safely: never over a file that is there unless asked, and never half.

A file is written under a temporary name beside its target and renamed into place when complete,
so a full disk or an interrupt leaves either the old file or nothing, never a truncated one.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from clipfinder.errors import CannotWrite


def free_stem(folder: Path, stem: str, suffixes: Sequence[str], overwrite: bool = False) -> str:
    """`stem`, or `stem-2`, `stem-3`..., whichever names no existing file with any of `suffixes`."""
    if overwrite:
        return stem
    candidate, number = stem, 1
    while any((folder / f"{candidate}{suffix}").exists() for suffix in suffixes):
        number += 1
        candidate = f"{stem}-{number}"
    return candidate


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` to write to; it becomes `target` only if the block succeeds."""
    # per process and thread: two threads of one server may write the same file at once
    part = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        yield part
        os.replace(part, target)
    except OSError as exc:
        raise CannotWrite(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        part.unlink(missing_ok=True)


def write_text(target: Path, text: str) -> None:
    """Write `text` (UTF-8) to `target` completely or not at all."""
    with replacing(target) as part:
        part.write_text(text, encoding="utf-8")


def output_folder(path: Path) -> Path:
    """`path` as a folder to write into, created if needed; a file there is an error, not a folder."""
    if path.exists() and not path.is_dir():
        raise CannotWrite(f"{path} is a file; --out needs a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CannotWrite(f"cannot create the folder {path}: {exc.strerror or exc}") from None
    return path
