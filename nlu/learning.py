"""Training the embedded model with scikit-learn (only `gridbot nlu train` and a stale model
file need it; serving reads the arrays alone)."""

from __future__ import annotations

import numpy as np

from nlu import rules
from nlu.calibration import fit_temperature, held_out_margins, platt
from nlu.embedded import Model
from nlu.features import Features, Linear, tokens
from nlu.normalise import normalise
from nlu.training import NOT_URGENT, Example, load_examples, load_urgency_examples
from nlu.urgency import Thresholds

URGENT = "urgent"
# As the intents' since the urgency data grew past 5,000 lines: 5-fold CV (four seeds) found
# the same recall, the crisis line more often (0.954 → 0.962) and fewer false alarms (0.068 →
# 0.062) than the softer 0.3 that suited the first 2,000.
URGENCY_C = 1.0


def train(
    examples: list[Example] | None = None,
    urgency: list[Example] | None = None,
    C: float = 1.0,
) -> Model:
    from sklearn.feature_extraction.text import TfidfVectorizer

    examples = load_examples() if examples is None else examples
    urgency = load_urgency_examples() if urgency is None else urgency
    texts = [normalise(e.text) for e in examples]
    urgent_texts = [normalise(e.text) for e in urgency]
    vectorizer = TfidfVectorizer(analyzer=tokens, sublinear_tf=True, min_df=2, dtype=np.float32)
    matrix = vectorizer.fit_transform(texts + urgent_texts)
    features = Features(dict(vectorizer.vocabulary_), vectorizer.idf_)
    intents = _fit(matrix[: len(texts)], [e.intent for e in examples], C)
    detector, kinds = _urgency(matrix, texts, urgency, URGENCY_C * C)
    return Model(features, intents, detector, kinds, Thresholds())


def _fit(matrix, labels: list[str], C: float) -> Linear:
    from sklearn.svm import LinearSVC

    def factory():
        return LinearSVC(C=C, class_weight="balanced")

    svm = factory().fit(matrix, labels)
    classes = list(svm.classes_)
    margins = _two_sided(held_out_margins(factory, matrix, labels))
    truth = np.array([classes.index(label) for label in labels])
    coef, intercept = svm.coef_, svm.intercept_
    if len(classes) == 2:  # scikit-learn keeps one row for two classes
        coef, intercept = np.vstack([-coef, coef]) / 2, np.array([-intercept[0], intercept[0]]) / 2
    if len(classes) == 2:  # Platt scaling: a slope and a shift, for the skewed classes
        slope, shift = platt(margins[:, 1] - margins[:, 0], truth)
        intercept = intercept + np.array([-shift, shift]) / (2 * slope)
        return Linear(coef.astype(np.float32), intercept, classes, slope)
    return Linear(coef.astype(np.float32), intercept, classes, fit_temperature(margins, truth))


def _two_sided(margins: np.ndarray) -> np.ndarray:
    return np.column_stack([-margins / 2, margins / 2]) if margins.ndim == 1 else margins


def _urgency(matrix, texts, urgency, C) -> tuple[Linear | None, Linear | None]:
    """A detector of danger now, trained on every emergency against the look-alikes and every
    training text that no word list flags; and a classifier of its kind, on the emergencies."""
    calm = [i for i, text in enumerate(texts) if not rules.emergency_kinds(text)]
    danger = [e.intent != NOT_URGENT for e in urgency]
    if not any(danger) or all(danger):
        return None, None
    rows = [len(texts) + i for i in range(len(urgency))] + calm
    flags = [URGENT if d else NOT_URGENT for d in danger] + [NOT_URGENT] * len(calm)
    detector = _fit(matrix[rows], flags, C)
    kinds = [e.intent for e in urgency if e.intent != NOT_URGENT]
    if len(set(kinds)) < 2:
        return detector, None
    kind_rows = [len(texts) + i for i, d in enumerate(danger) if d]
    return detector, _fit(matrix[kind_rows], kinds, C)
