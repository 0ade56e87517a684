"""What a linear model sees of a normalised text: character n-grams and pinyin pairs.

(jieba's words were dropped with the pinyin pairs: on the holdout set they added nothing the
n-grams did not already hold, and cost most of the time of a long message.)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from nlu.normalise import pinyin_pairs


def tokens(text: str) -> list[str]:
    """Character 1-3 grams and readings of adjacent Han characters (p:)."""
    grams = [text[i : i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1)]
    return grams + pinyin_pairs(text)


@dataclass
class Features:
    vocabulary: dict[str, int]
    idf: np.ndarray

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The sublinear tf-idf vector of a normalised text, as (indices, values); None when
        the text holds no known feature."""
        counts = Counter(i for i in map(self.vocabulary.get, tokens(text)) if i is not None)
        if not counts:
            return None
        index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        values = (1.0 + np.log(values)) * self.idf[index]
        return index, values / np.linalg.norm(values)


@dataclass
class Linear:
    """A linear model over Features, its margins turned into calibrated probabilities."""

    coef: np.ndarray  # classes × features
    intercept: np.ndarray
    classes: list[str]
    temperature: float

    def probabilities(self, vector: tuple[np.ndarray, np.ndarray]) -> dict[str, float]:
        return Stack([self]).probabilities(vector)[0]


class Stack:
    """Linear models over the same features read in one pass: one gather, one product."""

    def __init__(self, heads: list[Linear]):
        self.weights = np.ascontiguousarray(np.hstack([h.coef.T for h in heads]), np.float32)
        self.intercept = np.concatenate([h.intercept for h in heads]).astype(np.float32)
        ends = np.cumsum([len(h.classes) for h in heads])
        self.parts = [
            (start, end, [str(c) for c in h.classes], h.temperature)
            for h, start, end in zip(heads, [0, *ends[:-1]], ends, strict=True)
        ]

    def probabilities(self, vector: tuple[np.ndarray, np.ndarray]) -> list[dict[str, float]]:
        index, values = vector
        margins = values @ self.weights[index] + self.intercept
        answers = []
        for start, end, classes, temperature in self.parts:
            part = margins[start:end]
            exp = np.exp((part - part.max()) * temperature)
            answers.append(dict(zip(classes, (exp / exp.sum()).tolist(), strict=True)))
        return answers
