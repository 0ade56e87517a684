"""`gridbot nlu ...`: train, predict, evaluate and export the classifier."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from nlu.categories import CATEGORY_IDS
from nlu.classifier import Classifier
from nlu.scoring import (  # noqa: F401 (BadEvaluationFile and read_* are the CLI's)
    LABELS,
    BadEvaluationFile,
    Row,
    emergency_figures,
    kind_accuracy,
    label_of,
    nonreport_figures,
    read_emergencies,
    read_labelled,
    read_nonreports,
)
from nlu.training import data_files, load_examples, load_urgency_examples


def train_command(out: Path | None, ship: bool = False) -> str:
    from nlu.embedded import SHIPPED_DIR, model_name, model_path, train

    examples, urgency = load_examples(), load_urgency_examples()
    model = train(examples, urgency)
    path = SHIPPED_DIR / model_name() if ship else out or model_path()
    model.save(path)
    if ship:  # one shipped model: the one that fits the shipped data
        for stale in SHIPPED_DIR.glob("model-*.npz"):
            if stale != path:
                stale.unlink()
    return (
        f"trained on {len(examples)} examples and {len(urgency)} urgency examples "
        f"({len(model.vocabulary)} features), saved to {path}"
    )


def predict_lines(classifier: Classifier, lines: Iterable[str], out: TextIO) -> None:
    for line in lines:
        text = line.rstrip("\r\n")
        p = classifier.predict(text)
        record = {
            "text": text,
            "intent": p.intent,
            "category": p.category,
            "confidence": round(float(p.confidence), 4),
            "urgent": p.urgent,
            "risk": p.risk,
            "emergency_kind": p.emergency_kind,
            "must_attend": p.must_attend,
            "alternatives": list(p.alternatives),
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()


def evaluate(classifier: Classifier, rows: list[Row] | list[tuple[str, str]]) -> str:
    from sklearn.metrics import classification_report, confusion_matrix, f1_score

    rows = [row if isinstance(row, Row) else Row(*row) for row in rows]
    truth = [row.label for row in rows]
    predictions = [classifier.predict(row.text) for row in rows]
    guess = [label_of(prediction) for prediction in predictions]
    # The reports of these files are ordinary ones (emergencies are scored apart): an urgent
    # one is a false alarm.
    reports = [p for row, p in zip(rows, predictions, strict=True) if row.label in CATEGORY_IDS]
    alarms = sum(p.urgent for p in reports)
    labels = [label for label in LABELS if label in truth or label in guess]
    report = classification_report(truth, guess, labels=labels, digits=3, zero_division=0)
    duties = [label for label in CATEGORY_IDS if label in truth]
    macro = f1_score(truth, guess, labels=labels, average="macro", zero_division=0)
    duty_macro = f1_score(truth, guess, labels=duties, average="macro", zero_division=0)
    matrix = confusion_matrix(truth, guess, labels=labels)
    kinds = kind_accuracy(rows, guess) if any(row.kinds for row in rows) else {}
    return "\n".join(
        [
            report,
            f"macro-F1 (all labels): {macro:.3f}",
            f"macro-F1 (eight duties): {duty_macro:.3f}",
            f"false-urgent on reports: {alarms / max(len(reports), 1):.3f}"
            f" ({alarms} of {len(reports)})",
            *(["", "accuracy by kind:"] if kinds else []),
            *(f"{kind:>18} {acc:.3f}  ({n} lines)" for kind, (n, acc) in kinds.items()),
            "",
            "confusion matrix (rows: true label, columns: predicted, same order):",
            *(
                f"{label:>18} " + " ".join(f"{n:4d}" for n in row)
                for label, row in zip(labels, matrix, strict=True)
            ),
        ]
    )


def evaluate_emergencies(classifier: Classifier, rows: list[Row]) -> str:
    f = emergency_figures(classifier, rows)
    kinds = sorted({key.split(":")[0] for key in f if ":" in key})
    return "\n".join(
        [
            f"emergencies: {f['emergencies']}, look-alikes: {f['look_alikes']}",
            f"urgency recall (risk urgent): {f['urgent_recall']:.3f}",
            f"flagged (urgent or possible): {f['flagged_recall']:.3f}",
            f"right guidance (emergency_kind right): {f['right_guidance']:.3f}",
            f"self-harm given the crisis line: {f['crisis_line']:.3f}",
            f"false-urgent on look-alikes: {f['false_urgent']:.3f}",
            f"possible on look-alikes: {f['false_possible']:.3f}",
            "by kind (lines, urgent, right guidance):",
            *(
                f"{k:>18} {f[k + ':n']:4d} {f[k + ':urgent']:.3f} {f[k + ':guidance']:.3f}"
                for k in kinds
            ),
        ]
    )


def evaluate_nonreports(classifier: Classifier, rows: list[Row]) -> str:
    f = nonreport_figures(classifier, rows)
    labels = sorted({key.split(":")[0] for key in f if ":" in key})
    return "\n".join(
        [
            f"non-reports: {f['nonreports']}, opening no ticket: {f['no_ticket']:.3f}",
            *(
                f"{label:>18} {f[label + ':n']:4d} {f[label + ':no_ticket']:.3f}"
                for label in labels
            ),
        ]
    )


RASA_CONFIG = """\
# Rasa 3.x NLU pipeline for gridbot, exported by `gridbot nlu export-rasa`.
recipe: default.v1
language: zh
pipeline:
  - name: JiebaTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 3
  - name: DIETClassifier
    epochs: 100
    entity_recognition: false
policies: []
assistant_id: gridbot
"""


def export_rasa(folder: Path) -> list[Path]:
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    written = [folder / "config.yml", folder / "domain.yml"]
    written[0].write_text(RASA_CONFIG, encoding="utf-8")
    intents = "".join(f"  - {label}\n" for label in LABELS)
    written[1].write_text(f'version: "3.1"\nintents:\n{intents}', encoding="utf-8")
    for source in data_files():
        target = data / source.name
        shutil.copyfile(source, target)
        written.append(target)
    return written


def stdin_lines() -> Iterable[str]:
    sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    yield from sys.stdin
