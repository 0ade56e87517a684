"""Benchmark of the embedded classifier: load time, latency, memory and accuracy.

    .venv/bin/python bench/nlu.py

Load time and memory are measured in a fresh process (the figures a server sees at start);
latency over the independent holdout texts, repeated; accuracy as 5-fold cross-validation on the
training data and on tests/data/nlu_holdout.tsv, written apart from the training data.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOAD_PROBE = """
import resource, time, json
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
from nlu.embedded import EmbeddedClassifier
classifier = EmbeddedClassifier()
classifier.predict("小区门口垃圾好几天没人清")
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"load_s": seconds, "added_mb": (after - before) / 1024}))
"""


def load_figures() -> dict:
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", LOAD_PROBE],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        for _ in range(3)
    ]
    return {
        "load_s": statistics.median(r["load_s"] for r in runs),
        "added_mb": statistics.median(r["added_mb"] for r in runs),
    }


def latency(classifier, texts: list[str], rounds: int = 5) -> dict:
    timings = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            classifier.predict(text)
            timings.append(time.perf_counter() - start)
    ms = np.array(timings) * 1000
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "messages": len(ms),
    }


def cross_validated_f1() -> float:
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from nlu.categories import CATEGORY_IDS
    from nlu.embedded import EmbeddedClassifier, train
    from nlu.evaluation import label_of
    from nlu.training import load_examples

    examples = load_examples()
    labels = [e.intent for e in examples]
    guesses = [""] * len(examples)
    for fit, held in StratifiedKFold(5, shuffle=True, random_state=0).split(examples, labels):
        classifier = EmbeddedClassifier(train([examples[i] for i in fit]))
        for i in held:
            guesses[i] = label_of(classifier.predict(examples[i].text))
    return float(f1_score(labels, guesses, labels=list(CATEGORY_IDS), average="macro"))


def main() -> None:
    from nlu.embedded import EmbeddedClassifier
    from nlu.evaluation import evaluate, read_labelled

    figures = load_figures()
    classifier = EmbeddedClassifier()
    rows = read_labelled(ROOT / "tests" / "data" / "nlu_holdout.tsv")
    figures.update(latency(classifier, [text for _, text in rows]))
    report = evaluate(classifier, rows)
    figures["holdout_macro_f1_duties"] = float(report.split("(eight duties): ")[1].split()[0])
    figures["cv_macro_f1_duties"] = cross_validated_f1()
    for name, value in figures.items():
        print(f"{name:>26}: {value:.3f}" if isinstance(value, float) else f"{name:>26}: {value}")


if __name__ == "__main__":
    main()
