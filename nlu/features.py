"""What a linear model sees of a normalised text: character n-grams and pinyin pairs.

(jieba's words were dropped with the pinyin pairs: on the holdout set they added nothing the
n-grams did not already hold, and cost most of the time of a long message.)
"""

from __future__ import annotations

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
        known = self.vocabulary
        ids = [known[t] for t in tokens(text) if t in known] if text else []
        if not ids:
            return None
        index, counts = np.unique(np.array(ids), return_counts=True)
        values = (1.0 + np.log(counts.astype(np.float32))) * self.idf[index]
        return index, values / np.linalg.norm(values)


@dataclass
class Linear:
    """A linear model over Features, its margins turned into calibrated probabilities."""

    coef: np.ndarray  # classes × features
    intercept: np.ndarray
    classes: list[str]
    temperature: float

    def __post_init__(self):
        self._weights = np.ascontiguousarray(self.coef.T)  # a feature's weights side by side

    def probabilities(self, vector: tuple[np.ndarray, np.ndarray]) -> dict[str, float]:
        index, values = vector
        margins = values @ self._weights[index] + self.intercept
        exp = np.exp((margins - margins.max()) * self.temperature)
        return dict(zip(self.classes, (exp / exp.sum()).tolist(), strict=True))
