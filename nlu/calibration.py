"""Confidence that means something: a softmax temperature fitted on held-out margins, and the
expected calibration error that checks it."""

from __future__ import annotations

import math

import numpy as np


def softmax(margins: np.ndarray, temperature: float) -> np.ndarray:
    scaled = (margins - margins.max(axis=1, keepdims=True)) * temperature
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(margins: np.ndarray, truth: np.ndarray) -> float:
    """The temperature with the least log-loss of the true classes (multi-class Platt scaling
    with one parameter, so a few hundred examples fit it without over-fitting)."""
    best = (math.inf, 1.0)
    for t in np.linspace(0.25, 20, 80):
        p = softmax(margins, float(t))[np.arange(len(truth)), truth]
        best = min(best, (-np.log(np.maximum(p, 1e-12)).mean(), float(t)))
    return best[1]


def platt(margins: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Slope and shift of the sigmoid that best fits binary held-out margins (Platt, 1999)."""
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e6).fit(margins.reshape(-1, 1), truth)
    return max(float(fit.coef_[0, 0]), 1e-3), float(fit.intercept_[0])


def held_out_margins(model_factory, matrix, labels: list[str], folds: int = 5) -> np.ndarray:
    """Decision values of each example from a model that did not see it."""
    from sklearn.model_selection import cross_val_predict

    smallest = min(labels.count(label) for label in set(labels))
    return cross_val_predict(
        model_factory(),
        matrix,
        labels,
        cv=max(2, min(folds, smallest)),
        method="decision_function",
    )


def expected_calibration_error(
    confidence: list[float], correct: list[bool], bins: int = 10
) -> float:
    """Mean gap between confidence and accuracy over equal-width bins, weighted by their size."""
    conf, hit = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    gap = sum(
        abs(conf[which == b].mean() - hit[which == b].mean()) * (which == b).sum()
        for b in range(bins)
        if (which == b).any()
    )
    return float(gap / max(len(conf), 1))
