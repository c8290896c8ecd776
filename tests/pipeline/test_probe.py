"""The skill probe: a logistic classifier over sentence vectors (pipeline/probe.py)."""

import numpy as np
import pytest

from clipfinder.pipeline.probe import fit_probe


def unit(rows):
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def cloud(centre, n, spread, seed):
    rng = np.random.default_rng(seed)
    return unit(np.asarray(centre) + spread * rng.standard_normal((n, len(centre))))


def test_it_tells_two_directions_apart_and_is_unsure_between_them():
    yes, no = cloud([1, 0, 0, 0], 20, 0.3, 1), cloud([0, 1, 0, 0], 200, 0.3, 2)
    probe = fit_probe(yes, no)
    far_yes, far_no, between = probe.probability(unit([[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 0, 0]]))
    assert far_yes > 0.99 and far_no < 0.01 and 0.05 < between < 0.95


def test_each_class_counts_as_a_half_however_many_sentences_it_has():
    yes, no = cloud([1, 0, 0], 5, 0.05, 3), cloud([-1, 0, 0], 500, 0.05, 4)
    # halfway between the two centres: an even chance, not swamped by the 500
    assert fit_probe(yes, no).probability(unit([[0, 1, 0]]))[0] == pytest.approx(0.5, abs=0.1)


def test_a_stronger_penalty_gives_less_certain_answers():
    yes, no = cloud([1, 0, 0], 20, 0.3, 5), cloud([0, 1, 0], 20, 0.3, 6)
    point = unit([[1, 0.2, 0]])
    assert fit_probe(yes, no, 1e-1).probability(point)[0] < fit_probe(yes, no, 1e-4).probability(point)[0]
