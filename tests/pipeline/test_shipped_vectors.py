"""The sentence vectors shipped in the package (pipeline/shipped_vectors.py, `make vectors`)."""

import numpy as np

from clipfinder.pipeline import shipped_vectors
from clipfinder.pipeline.sentence_model import sentence_model
from clipfinder.pipeline.shipped_vectors import built_in_texts, key, ordinary_talk, shipped, with_shipped


def test_every_built_in_sentence_is_shipped_and_nothing_else():
    # fails after editing a built-in rubric's examples or ordinary_talk.txt without `make vectors`
    assert set(shipped()) == {key(t) for t in built_in_texts()}


def test_the_shipped_vectors_are_the_models_own():
    texts = built_in_texts()[::40]  # a spread sample: the whole set takes 10 s
    table = shipped()
    stored = np.stack([table[key(t)] for t in texts])
    fresh = sentence_model().embed(texts)
    # stored in half precision: within 0.002 of the model's cosine, whatever the CPU kernels
    assert np.abs((stored * fresh).sum(axis=1) - 1).max() < 0.002


def test_known_sentences_are_looked_up_and_the_rest_embedded():
    asked = []

    def embed(texts):
        asked.append(list(texts))
        return np.ones((len(texts), 384), dtype=np.float32)

    shipped_sentence = ordinary_talk()[0]
    out = with_shipped(embed)([shipped_sentence, "a sentence no rubric ships", shipped_sentence])
    assert asked == [["a sentence no rubric ships"]]
    assert np.array_equal(out[0], shipped()[key(shipped_sentence)]) and np.array_equal(out[0], out[2])
    assert (out[1] == 1).all()


def test_without_the_file_everything_is_embedded(monkeypatch, tmp_path):
    monkeypatch.setattr(shipped_vectors, "FILE", tmp_path / "missing.npz")
    shipped.cache_clear()
    try:
        assert shipped() == {}
        out = with_shipped(lambda texts: np.full((len(texts), 384), 2.0, dtype=np.float32))([ordinary_talk()[0]])
        assert (out == 2).all()
    finally:
        shipped.cache_clear()
