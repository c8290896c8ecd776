"""Sentence vectors that ship with clipfinder: those of the built-in rubrics' examples and
counter-examples and of the ordinary call talk every skill's probe is trained against.

Loading a rubric needs the vectors of all of them, about 1,900 sentences: 10 s or more through
the sentence model, in every process that matches (each ingest worker, each rematch helper).
They are made once by `scripts/ship_vectors.py` (`make vectors`) and looked up by the text and
the model's id; a text not in the file (a team's own rubric) goes through the model as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from clipfinder.pipeline.rubric import BUILT_IN, load_rubric
from clipfinder.pipeline.sentence_model import DIMENSIONS, MODEL_ID, Embed

FILE = Path(__file__).resolve().parents[1] / "shipped_vectors.npz"
ORDINARY_TALK = Path(__file__).resolve().parents[1] / "ordinary_talk.txt"


def key(text: str) -> str:
    """A text's entry in the file: tied to the model, so another model's vectors are never used."""
    return hashlib.sha256(f"{MODEL_ID}\n{text}".encode()).hexdigest()[:24]


@lru_cache(maxsize=1)
def shipped() -> dict[str, np.ndarray]:
    """The file's vectors by key; empty when the file is missing (everything is then embedded)."""
    if not FILE.is_file():
        return {}
    with np.load(FILE) as data:
        return dict(zip(data["keys"].tolist(), data["vectors"].astype(np.float32)))


@lru_cache(maxsize=1)
def ordinary_talk() -> tuple[str, ...]:
    """Sentences of ordinary call talk that show no skill: greetings, logistics, product detail,
    answers. One per line in ordinary_talk.txt; lines starting with # are comments."""
    lines = (line.strip() for line in ORDINARY_TALK.read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def built_in_texts() -> list[str]:
    """Every sentence the file should hold, each once, in a stable order."""
    rubrics = [load_rubric(name) for name in BUILT_IN]
    texts = [t for rubric in rubrics for s in rubric.skills for t in (*s.examples, *s.counter_examples)]
    return list(dict.fromkeys([*texts, *ordinary_talk()]))


def with_shipped(embed: Embed) -> Embed:
    """`embed`, answering from the shipped vectors where it can."""

    def lookup(texts: Sequence[str]) -> np.ndarray:
        table = shipped()
        missing = [t for t in dict.fromkeys(texts) if key(t) not in table]
        fresh = dict(zip(missing, embed(missing))) if missing else {}
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = fresh[text] if text in fresh else table[key(text)]
        return out

    return lookup
