"""The embedded classifier: character n-grams and jieba words, tf-idf, a linear SVM.

scikit-learn trains it (`gridbot nlu train`, or on first use when the model file is missing or
stale); the model file, keyed by the hash of the training data, holds only arrays (no pickle),
and prediction is a sparse dot product in numpy, well under a millisecond per message.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlu import rules
from nlu.categories import CATEGORY_IDS
from nlu.classifier import MAX_MODEL_CHARS, Prediction
from nlu.training import Example, fingerprint, load_examples

log = logging.getLogger(__name__)
MODEL_VERSION = "svm-3"  # bump whenever tokens() or train() change
MODEL_DIR_ENV = "GRIDBOT_NLU_MODEL_DIR"
REPORT_LENGTH = 30  # chit-chat is short: a longer message that scores as chat is still a report


def prepare(text: str) -> str:
    """What the model reads: printable characters, spaces collapsed, at most MAX_MODEL_CHARS."""
    kept = "".join(ch if ch.isprintable() else " " for ch in text[: MAX_MODEL_CHARS * 2])
    return " ".join(kept.lower().split())[:MAX_MODEL_CHARS]


@functools.cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it logs its dictionary loading at DEBUG otherwise
    return jieba


def tokens(text: str) -> list[str]:
    """Character 1-3 grams and jieba words (prefixed), from prepared text."""
    jieba = _jieba()
    grams = [text[i : i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1)]
    words = ["w:" + word for word in jieba.lcut(text, HMM=False) if word.strip()]
    return grams + words


@dataclass
class Model:
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # classes × features
    intercept: np.ndarray
    classes: list[str]
    temperature: float

    def scores(self, text: str) -> dict[str, float]:
        """Probabilities over the intents (softmax of the SVM margins)."""
        clean = prepare(text)
        counts = Counter(t for t in tokens(clean) if t in self.vocabulary) if clean else {}
        if not counts:
            return {}
        index = np.fromiter((self.vocabulary[t] for t in counts), dtype=np.int64)
        values = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64)
        values *= self.idf[index]
        values /= np.linalg.norm(values)
        margins = self.coef[:, index] @ values + self.intercept
        exp = np.exp((margins - margins.max()) * self.temperature)
        return dict(zip(self.classes, (float(p) for p in exp / exp.sum()), strict=True))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        terms = sorted(self.vocabulary, key=self.vocabulary.get)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".npz") as handle:
            np.savez_compressed(
                handle,
                terms=np.array(terms),
                idf=self.idf,
                coef=self.coef,
                intercept=self.intercept,
                classes=np.array(self.classes),
                temperature=np.array(self.temperature),
            )
        os.replace(handle.name, path)  # atomic: a concurrent reader never sees half a file

    @classmethod
    def load(cls, path: Path) -> Model:
        with np.load(path, allow_pickle=False) as data:
            terms = [str(t) for t in data["terms"]]
            return cls(
                {t: i for i, t in enumerate(terms)},
                data["idf"],
                data["coef"].astype(np.float32),
                data["intercept"],
                [str(c) for c in data["classes"]],
                float(data["temperature"]),
            )


def train(examples: list[Example] | None = None, C: float = 1.0) -> Model:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    examples = examples or load_examples()
    texts = [prepare(e.text) for e in examples]
    labels = [e.intent for e in examples]
    vectorizer = TfidfVectorizer(analyzer=tokens, sublinear_tf=True)
    matrix = vectorizer.fit_transform(texts)
    svm = LinearSVC(C=C).fit(matrix, labels)
    return Model(
        dict(vectorizer.vocabulary_),
        vectorizer.idf_,
        svm.coef_.astype(np.float32),
        svm.intercept_,
        list(svm.classes_),
        _temperature(matrix, labels, C),
    )


def _temperature(matrix, labels: list[str], C: float) -> float:
    """The softmax temperature that best fits held-out margins (5-fold), so that a confidence
    of 0.6 means right about 60% of the time."""
    from sklearn.model_selection import cross_val_predict
    from sklearn.svm import LinearSVC

    margins = cross_val_predict(LinearSVC(C=C), matrix, labels, cv=5, method="decision_function")
    classes = sorted(set(labels))
    truth = np.array([classes.index(label) for label in labels])
    best = (math.inf, 1.0)
    for t in np.linspace(0.5, 15, 59):
        scaled = (margins - margins.max(axis=1, keepdims=True)) * t
        log_p = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        best = min(best, (-log_p[np.arange(len(truth)), truth].mean(), float(t)))
    return best[1]


def model_dir() -> Path:
    configured = os.environ.get(MODEL_DIR_ENV)
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "gridbot" / "nlu"


def model_path(folder: Path | None = None) -> Path:
    return (folder or model_dir()) / f"model-{fingerprint(salt=MODEL_VERSION)}.npz"


def load_or_train(path: Path | None = None) -> Model:
    path = path or model_path()
    if path.exists():
        try:
            return Model.load(path)
        except (OSError, ValueError, KeyError):  # corrupt or foreign: retrain, don't fail
            log.warning("model file %s unreadable; retraining", path.name)
    log.info("training the NLU model into %s", path)
    model = train()
    try:
        model.save(path)
    except OSError as error:
        log.warning("cannot save the NLU model (%s); it stays in memory", error.strerror)
    return model


class EmbeddedClassifier:
    def __init__(self, model: Model | None = None):
        self.model = model or load_or_train()
        _jieba().initialize()  # load the dictionary now, not while the first resident waits

    def predict(self, text: str) -> Prediction:
        urgent = rules.is_urgent(text)
        chat = rules.chat_intent(text) or ("query_status" if rules.asks_progress(text) else None)
        if chat and not urgent:
            return Prediction(intent=chat, category=None, confidence=1.0)
        scores = self.model.scores(text)
        if not scores and not urgent:
            return Prediction(intent="help", category=None, confidence=0.0)
        intent = max(scores, key=scores.get) if scores else "public_security"
        report_mass = sum(scores.get(c, 0.0) for c in CATEGORY_IDS)
        chat = intent not in CATEGORY_IDS and not urgent
        if chat and not (len(text) >= REPORT_LENGTH and report_mass >= 0.35):
            return Prediction(intent=intent, category=None, confidence=scores[intent])
        category = max(CATEGORY_IDS, key=lambda c: scores.get(c, 0.0))
        if urgent and scores.get(category, 0.0) < 0.05:
            category = "public_security"
        confidence = scores.get(category, 0.0) / max(report_mass, 1e-9)
        ranked = sorted(CATEGORY_IDS, key=lambda c: -scores.get(c, 0.0))
        alternatives = (category, *(c for c in ranked if c != category))[:3]
        return Prediction(
            intent="report",
            category=category,
            confidence=round(confidence, 4),
            urgent=urgent,
            must_attend=rules.is_must_attend(text, category),
            alternatives=alternatives,
        )
