"""The embedded classifier: jieba words and character n-grams into a linear SVM (scikit-learn).

Trained from nlu/data by `gridbot nlu train` into a model file keyed by the hash of the training
data; a missing or stale model is trained on first use.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import joblib
import numpy as np

from nlu import rules
from nlu.categories import CATEGORY_IDS
from nlu.classifier import MAX_MODEL_CHARS, Prediction
from nlu.training import Example, fingerprint, load_examples

log = logging.getLogger(__name__)
MODEL_VERSION = "svm-1"
MODEL_DIR_ENV = "GRIDBOT_NLU_MODEL_DIR"


def model_dir() -> Path:
    configured = os.environ.get(MODEL_DIR_ENV)
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "gridbot" / "nlu"


def model_path(folder: Path | None = None) -> Path:
    return (folder or model_dir()) / f"model-{fingerprint(salt=MODEL_VERSION)}.joblib"


def _words(text: str) -> list[str]:
    import jieba

    return [word for word in jieba.lcut(text) if word.strip()]


def build_pipeline():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True),
        TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False,
                        sublinear_tf=True),
    )
    return make_pipeline(features, CalibratedClassifierCV(LinearSVC(C=1.0), cv=5))


def train(examples: list[Example] | None = None):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    examples = examples or load_examples()
    pipeline = build_pipeline()
    pipeline.fit([e.text for e in examples], [e.intent for e in examples])
    return pipeline


def save(pipeline, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as handle:
        joblib.dump(pipeline, handle)
    os.replace(handle.name, path)  # atomic: a concurrent reader never sees half a model


def load_or_train(path: Path | None = None):
    path = path or model_path()
    if path.exists():
        try:
            return joblib.load(path)
        except Exception:  # a corrupt or incompatible file is retrained, not fatal
            log.warning("model file %s unreadable; retraining", path.name)
    log.info("training the NLU model (%s)", path.name)
    pipeline = train()
    try:
        save(pipeline, path)
    except OSError as error:
        log.warning("cannot save the NLU model: %s", error.strerror)
    return pipeline


class EmbeddedClassifier:
    def __init__(self, pipeline=None):
        self._pipeline = pipeline or load_or_train()
        self._classes = list(self._pipeline.classes_)
        self._category_index = [i for i, c in enumerate(self._classes) if c in CATEGORY_IDS]

    def probabilities(self, text: str) -> dict[str, float]:
        clean = prepare(text)
        if not clean:
            return {}
        scores = self._pipeline.predict_proba([clean])[0]
        return dict(zip(self._classes, (float(s) for s in scores), strict=True))

    def top_categories(self, text: str, n: int = 3) -> list[tuple[str, float]]:
        scores = self.probabilities(text)
        ranked = sorted(((c, scores.get(c, 0.0)) for c in CATEGORY_IDS), key=lambda p: -p[1])
        return ranked[:n]

    def predict(self, text: str) -> Prediction:
        scores = self.probabilities(text)
        urgent = rules.is_urgent(text)
        if not scores:
            return Prediction(intent="help", category=None, confidence=0.0)
        intent = max(scores, key=scores.get)
        if intent not in CATEGORY_IDS and not urgent and not _looks_like_report(text, scores):
            return Prediction(intent=intent, category=None, confidence=scores[intent])
        category = max(CATEGORY_IDS, key=lambda c: scores.get(c, 0.0))
        share = scores[category] / max(sum(scores[c] for c in CATEGORY_IDS), 1e-9)
        return Prediction(intent="report", category=category, confidence=round(share, 4),
                          urgent=urgent, must_attend=rules.is_must_attend(text, category))


def prepare(text: str) -> str:
    """What the model sees: printable characters only, at most MAX_MODEL_CHARS of them."""
    kept = "".join(ch if ch.isprintable() else " " for ch in text[: MAX_MODEL_CHARS * 2])
    return " ".join(kept.split())[:MAX_MODEL_CHARS]


REPORT_LENGTH = 30  # a chat question is short; a long message that scores as one is a report


def _looks_like_report(text: str, scores: dict[str, float]) -> bool:
    report_mass = float(np.sum([scores.get(c, 0.0) for c in CATEGORY_IDS]))
    return len(text) >= REPORT_LENGTH and report_mass >= 0.35
