"""A skill's probe: a linear classifier over sentence vectors, trained when a rubric is loaded, that
says how likely a sentence is to show the skill (docs/rubric.md, "Matching by meaning").

Trained on the skill's examples (yes) against its counter-examples, the other skills' examples
and ordinary call talk (no): it learns which directions of the sentence model's space mark the
skill, where a plain cosine with the nearest example also rewards a shared topic. Fitted by
Newton's method on the L2-penalised logistic loss, so it is deterministic; the default
rubric's seven skills (about 1,400 sentences each) take 0.46 s together (by hand).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The L2 penalty on the weights; smaller fits the examples more closely. Chosen by measurement
# (docs/rubric.md): 1e-3 and up blur skills into each other, 1e-5 learns the training sentences.
STRENGTH = 1e-4
ITERATIONS = 30
CONVERGED = 1e-6


@dataclass(frozen=True)
class Probe:
    weights: np.ndarray  # (DIMENSIONS,)
    bias: float

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        """How likely each row (a sentence vector) shows the skill, 0 to 1."""
        return 1.0 / (1.0 + np.exp(-(vectors.astype(np.float64) @ self.weights + self.bias)))


def fit_probe(yes: np.ndarray, no: np.ndarray, strength: float = STRENGTH) -> Probe:
    """The probe that tells the rows of `yes` from the rows of `no` (both non-empty)."""
    x = np.hstack([np.vstack([yes, no]).astype(np.float64), np.ones((len(yes) + len(no), 1))])
    y = np.r_[np.ones(len(yes)), np.zeros(len(no))]
    # each class counts as a half, however many sentences it has
    weight = np.where(y == 1, 0.5 / len(yes), 0.5 / len(no))
    penalty = strength * np.eye(x.shape[1])
    penalty[-1, -1] = 0.0  # the bias is not penalised
    w = np.zeros(x.shape[1])
    for _ in range(ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ ((p - y) * weight) + penalty @ w
        hessian = (x * (p * (1.0 - p) * weight)[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < CONVERGED:
            break
    return Probe(w[:-1].copy(), float(w[-1]))
