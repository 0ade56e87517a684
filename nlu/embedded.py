"""The embedded classifier: tf-idf over character n-grams and pinyin, two linear SVMs in numpy.

One model names the intent (a duty or a non-report), the other the kind of emergency or none;
both turn their margins into calibrated probabilities. scikit-learn trains them (`gridbot nlu
train`, or on first use when no model file fits the data); the file holds only arrays (no
pickle), is keyed by the hash of the training data, and one trained on the shipped data ships
with the package, so a fresh install answers at once.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlu.classifier import Prediction
from nlu.decision import CHOICE_THRESHOLD, decide
from nlu.features import Features, Linear, Stack
from nlu.normalise import LINK, LONG_NUMBER, normalise, warm_up
from nlu.training import NOT_URGENT, fingerprint
from nlu.urgency import Thresholds

MARKUP = re.compile(r"<!\[cdata\[|\]\]>|<[^<>]{0,200}>", re.IGNORECASE)  # tags, CDATA marks

log = logging.getLogger(__name__)
MODEL_VERSION = "svm-5"  # bump whenever normalise(), tokens() or train() change
MODEL_DIR_ENV = "GRIDBOT_NLU_MODEL_DIR"
SHIPPED_DIR = Path(__file__).parent / "trained"


@dataclass
class Model:
    features: Features
    intents: Linear
    urgency: Linear | None  # danger now: "urgent" against "none"
    kinds: Linear | None  # which kind of emergency, if it is one
    thresholds: Thresholds

    def __post_init__(self):
        heads = [self.intents, *(h for h in (self.urgency, self.kinds) if h is not None)]
        self._stack = Stack(heads)

    @property
    def vocabulary(self) -> dict[str, int]:
        return self.features.vocabulary

    @property
    def classes(self) -> list[str]:
        return self.intents.classes

    def read(self, text: str) -> tuple[dict[str, float], dict[str, float] | None]:
        """Intent and emergency-kind probabilities of a normalised text ({} and None when it
        holds no known feature)."""
        vector = self.features.vector(text)
        if vector is None:
            return {}, None
        intents, *emergency = self._stack.probabilities(vector)
        return intents, _emergency(*emergency) if emergency else None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".npz") as handle:
            np.savez_compressed(handle, **_arrays(self))
        os.chmod(handle.name, 0o644)  # shipped as package data: readable by the service user
        os.replace(handle.name, path)  # atomic: a concurrent reader never sees half a file

    @classmethod
    def load(cls, path: Path) -> Model:
        with np.load(path, allow_pickle=False) as data:
            terms = [str(t) for t in data["terms"]]
            features = Features({t: i for i, t in enumerate(terms)}, data["idf"])
            heads = [_linear(data, p) if p + "coef" in data else None for p in ("", "u_", "k_")]
            return cls(features, *heads, Thresholds(*data["thresholds"]))


def _emergency(urgency: dict[str, float], kinds: dict[str, float] | None = None) -> dict:
    """P(none) and P(kind) for every kind, summing to one."""
    danger = 1.0 - urgency[NOT_URGENT]
    return {NOT_URGENT: 1.0 - danger, **{k: danger * p for k, p in (kinds or {}).items()}}


def _arrays(model: Model) -> dict[str, np.ndarray]:
    terms = sorted(model.vocabulary, key=model.vocabulary.get)
    arrays = {"terms": np.array(terms), "idf": model.features.idf.astype(np.float32)}
    t = model.thresholds
    arrays["thresholds"] = np.array([t.urgent, t.possible, t.veto, t.crisis])
    heads = {"": model.intents, "u_": model.urgency, "k_": model.kinds}
    for prefix, head in heads.items():
        if head is not None:
            arrays[prefix + "coef"] = head.coef.astype(np.float16)
            arrays[prefix + "intercept"] = head.intercept
            arrays[prefix + "classes"] = np.array(head.classes)
            arrays[prefix + "temperature"] = np.array(head.temperature)
    return arrays


def _linear(data, prefix: str) -> Linear:
    return Linear(
        data[prefix + "coef"].astype(np.float32),
        data[prefix + "intercept"],
        [str(c) for c in data[prefix + "classes"]],
        float(data[prefix + "temperature"]),
    )


def model_dir() -> Path:
    configured = os.environ.get(MODEL_DIR_ENV)
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "gridbot" / "nlu"


def model_name() -> str:
    return f"model-{fingerprint(salt=MODEL_VERSION)}.npz"


def model_path(folder: Path | None = None) -> Path:
    return (folder or model_dir()) / model_name()


def shipped_path() -> Path:
    return SHIPPED_DIR / model_name()


def load_or_train(path: Path | None = None) -> Model:
    """The shipped model when it fits the data, else the cached one, else a new one."""
    candidates = [path] if path else [shipped_path(), model_path()]
    for candidate in candidates:
        if candidate.exists():
            try:
                return Model.load(candidate)
            except (OSError, ValueError, KeyError, TypeError):  # corrupt or foreign: retrain
                log.warning("model file %s unreadable; retraining", candidate.name)
    target = candidates[-1]
    log.info("training the NLU model into %s", target)
    model = train()
    try:
        model.save(target)
    except OSError as error:
        log.warning("cannot save the NLU model (%s); it stays in memory", error.strerror)
    return model


class EmbeddedClassifier:
    def __init__(self, model: Model | None = None):
        self.model = model or load_or_train()
        warm_up()  # load the dictionaries now, not while the first resident waits

    def predict(self, text: str) -> Prediction:
        clean = normalise(text)
        prediction = decide(clean, *self.model.read(clean), self.model.thresholds)
        if prediction.intent != "spam":
            return prediction
        # A report that came with a link, markup or a long number in it (pasted, forwarded,
        # hostile; "call me on …", as adverts say too) is still a report: read once more
        # without them, it is kept when a duty is sure.
        bare = MARKUP.sub(" ", clean).replace(LINK, " ")
        bare = " ".join(LONG_NUMBER.sub(" ", bare).split())
        if not bare or bare == clean:
            return prediction
        second = decide(bare, *self.model.read(bare), self.model.thresholds)
        sure = second.is_report and second.confidence >= CHOICE_THRESHOLD
        return second if sure else prediction


def train(*args, **kwargs) -> Model:
    from nlu.learning import train as learn

    return learn(*args, **kwargs)
