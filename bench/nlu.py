"""Benchmark of the embedded classifier: load time, latency, memory, calibration and accuracy.

    .venv/bin/python bench/nlu.py [--ablation]

Load time and memory are measured in a fresh process (the figures a server sees at start);
latency over the holdout texts, repeated, as wall time and as the thread's CPU time (the
machine may be shared); calibration as the expected calibration error (ECE) of a model trained
on 80 % of nlu/data and scored on the other 20 %; accuracy as 5-fold cross-validation on the
training data, on tests/data/nlu_holdout.tsv, on the independent set tests/data/nlu_eval/ and
on ../shared/data (real messages: evaluation only). --ablation also trains a model without
the pinyin features and scores the typo lines of the independent set with and without them.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVAL = ROOT / "tests" / "data" / "nlu_eval"
SHARED = ROOT.parent / "shared" / "data"

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
    wall, cpu = [], []
    for _ in range(rounds):
        for text in texts:
            start, start_cpu = time.perf_counter(), time.thread_time()
            classifier.predict(text)
            cpu.append(time.thread_time() - start_cpu)
            wall.append(time.perf_counter() - start)
    figures = {"messages": len(wall)}
    for name, timings in (("wall", wall), ("cpu", cpu)):
        ms = np.array(timings) * 1000
        figures[f"p50_ms_{name}"] = float(np.percentile(ms, 50))
        figures[f"p99_ms_{name}"] = float(np.percentile(ms, 99))
    return figures


def machine_load() -> float:
    """Seconds of a fixed pure-Python loop: about 0.1 on an idle core; more means shared."""
    start = time.thread_time()
    sum(i * i for i in range(1_000_000))
    return time.thread_time() - start


def cross_validated_f1() -> float:
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from nlu.categories import CATEGORY_IDS
    from nlu.embedded import EmbeddedClassifier, train
    from nlu.evaluation import label_of
    from nlu.training import load_examples, load_urgency_examples

    examples, urgency = load_examples(), load_urgency_examples()
    labels = [e.intent for e in examples]
    guesses = [""] * len(examples)
    for fit, held in StratifiedKFold(5, shuffle=True, random_state=0).split(examples, labels):
        classifier = EmbeddedClassifier(train([examples[i] for i in fit], urgency))
        for i in held:
            guesses[i] = label_of(classifier.predict(examples[i].text))
    return float(f1_score(labels, guesses, labels=list(CATEGORY_IDS), average="macro"))


def calibration() -> dict:
    """ECE of the top label's confidence on a held-out 20 %, before and after calibration."""
    from sklearn.model_selection import train_test_split

    from nlu.calibration import expected_calibration_error
    from nlu.embedded import EmbeddedClassifier, train
    from nlu.evaluation import label_of
    from nlu.training import load_examples, load_urgency_examples

    examples = load_examples()
    fit, held = train_test_split(
        examples, test_size=0.2, random_state=0, stratify=[e.intent for e in examples]
    )
    model = train(fit, load_urgency_examples())
    figures = {}
    for name, temperature in (("uncalibrated", 1.0), ("calibrated", model.intents.temperature)):
        intents = dataclasses.replace(model.intents, temperature=temperature)
        classifier = EmbeddedClassifier(dataclasses.replace(model, intents=intents))
        predictions = [classifier.predict(e.text) for e in held]
        confidence = [p.confidence for p in predictions]
        correct = [label_of(p) == e.intent for p, e in zip(predictions, held, strict=True)]
        figures[f"ece_{name}"] = expected_calibration_error(confidence, correct)
    figures["held_out_accuracy"] = float(np.mean(correct))
    return figures


def independent_set(classifier) -> dict:
    from sklearn.metrics import f1_score

    from nlu.calibration import expected_calibration_error
    from nlu.categories import CATEGORY_IDS
    from nlu.decision import CHOICE_THRESHOLD
    from nlu.scoring import (
        emergency_figures,
        kind_accuracy,
        label_of,
        nonreport_figures,
        read_emergencies,
        read_labelled,
        read_nonreports,
    )

    if not (EVAL / "reports.tsv").exists():
        return {}
    rows = read_labelled(EVAL / "reports.tsv")
    predictions = [classifier.predict(row.text) for row in rows]
    guesses = [label_of(p) for p in predictions]
    truth = [row.label for row in rows]
    correct = [g == t for g, t in zip(guesses, truth, strict=True)]
    figures = {
        "eval_macro_f1_duties": float(
            f1_score(truth, guesses, labels=list(CATEGORY_IDS), average="macro")
        ),
        "eval_ece": expected_calibration_error([p.confidence for p in predictions], correct),
        "eval_asked_to_choose": float(
            np.mean([p.is_report and p.confidence < CHOICE_THRESHOLD for p in predictions])
        ),
        "eval_false_urgent_reports": float(np.mean([p.urgent for p in predictions])),
        "eval_reports_not_filed": float(np.mean([not p.is_report for p in predictions])),
    }
    figures.update({f"eval_acc_{k}": a for k, (_, a) in kind_accuracy(rows, guesses).items()})
    urgency = emergency_figures(classifier, read_emergencies(EVAL / "emergencies.tsv"))
    figures.update({f"eval_{k}": v for k, v in urgency.items() if ":" not in k})
    others = nonreport_figures(classifier, read_nonreports(EVAL / "nonreports.tsv"))
    figures["eval_nonreports_no_ticket"] = others["no_ticket"]
    return figures


def shared_data(classifier) -> dict:
    from nlu.evaluation import label_of

    path = SHARED / "teddy2020c_titles_all.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    outcomes = Counter()
    urgent = 0
    for row in rows:
        prediction = classifier.predict(row["text"])
        outcomes[(row["original_label"], label_of(prediction))] += 1
        urgent += prediction.urgent
    environment = sum(n for (label, _), n in outcomes.items() if label == "环境保护")
    return {
        "shared_environment_share": outcomes[("环境保护", "environment")] / max(environment, 1),
        "shared_urgent_share": urgent / len(rows),
        "shared_messages": len(rows),
    }


def pinyin_ablation() -> dict:
    """Typo-line accuracy of the independent set with and without the pinyin features."""
    import nlu.features
    import nlu.learning
    from nlu.embedded import EmbeddedClassifier, train
    from nlu.scoring import kind_accuracy, label_of, read_labelled

    if not (EVAL / "reports.tsv").exists():
        return {}
    rows = read_labelled(EVAL / "reports.tsv")
    figures = {}
    original = nlu.features.tokens

    def without_pinyin(text: str) -> list[str]:
        return [t for t in original(text) if not t.startswith("p:")]

    for name, tokens in (("with_pinyin", original), ("without_pinyin", without_pinyin)):
        nlu.features.tokens = nlu.learning.tokens = tokens
        classifier = EmbeddedClassifier(train())
        guesses = [label_of(classifier.predict(row.text)) for row in rows]
        accuracy = kind_accuracy(rows, guesses)
        figures[f"typo_acc_{name}"] = accuracy["typo"][1]
        figures[f"all_acc_{name}"] = float(
            np.mean([g == r.label for g, r in zip(guesses, rows, strict=True)])
        )
    nlu.features.tokens = nlu.learning.tokens = original
    return figures


def main() -> None:
    from nlu.embedded import EmbeddedClassifier
    from nlu.evaluation import evaluate, read_labelled

    figures = {"machine_load_s": machine_load()}
    figures.update(load_figures())
    classifier = EmbeddedClassifier()
    rows = read_labelled(ROOT / "tests" / "data" / "nlu_holdout.tsv")
    figures.update(latency(classifier, [row.text for row in rows]))
    report = evaluate(classifier, rows)
    figures["holdout_macro_f1_duties"] = float(report.split("(eight duties): ")[1].split()[0])
    figures.update(independent_set(classifier))
    figures.update(shared_data(classifier))
    figures.update(calibration())
    figures["cv_macro_f1_duties"] = cross_validated_f1()
    if "--ablation" in sys.argv:
        figures.update(pinyin_ablation())
    for name, value in figures.items():
        print(f"{name:>30}: {value:.3f}" if isinstance(value, float) else f"{name:>30}: {value}")


if __name__ == "__main__":
    main()
