"""`gridbot nlu ...`: train, predict, evaluate and export the classifier."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from nlu.categories import CATEGORY_IDS, OTHER_INTENTS
from nlu.classifier import Classifier, Prediction
from nlu.training import data_files, load_examples

LABELS = CATEGORY_IDS + OTHER_INTENTS


class BadEvaluationFile(Exception):
    pass


def train_command(out: Path | None) -> str:
    from nlu.embedded import model_path, train

    examples = load_examples()
    model = train(examples)
    path = out or model_path()
    model.save(path)
    return (
        f"trained on {len(examples)} examples ({len(model.vocabulary)} features), saved to {path}"
    )


def label_of(prediction: Prediction) -> str:
    return prediction.category if prediction.is_report else prediction.intent


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
            "must_attend": p.must_attend,
            "alternatives": list(p.alternatives),
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()


def read_labelled(path: Path) -> list[tuple[str, str]]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BadEvaluationFile(f"{path}: cannot read as UTF-8 text ({error})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        label, tab, text = line.partition("\t")
        if not tab or label not in LABELS:
            raise BadEvaluationFile(
                f"{path}: line {number}: expected label<TAB>text with a "
                f"label among {', '.join(LABELS)}"
            )
        rows.append((label, text))
    return rows


def evaluate(classifier: Classifier, rows: list[tuple[str, str]]) -> str:
    from sklearn.metrics import classification_report, confusion_matrix, f1_score

    truth = [label for label, _ in rows]
    guess = [label_of(classifier.predict(text)) for _, text in rows]
    labels = [label for label in LABELS if label in truth or label in guess]
    report = classification_report(truth, guess, labels=labels, digits=3, zero_division=0)
    duties = [label for label in CATEGORY_IDS if label in truth]
    macro = f1_score(truth, guess, labels=labels, average="macro", zero_division=0)
    duty_macro = f1_score(truth, guess, labels=duties, average="macro", zero_division=0)
    matrix = confusion_matrix(truth, guess, labels=labels)
    return "\n".join(
        [
            report,
            f"macro-F1 (all labels): {macro:.3f}",
            f"macro-F1 (eight duties): {duty_macro:.3f}",
            "",
            "confusion matrix (rows: true label, columns: predicted, same order):",
            *(
                f"{label:>18} " + " ".join(f"{n:4d}" for n in row)
                for label, row in zip(labels, matrix, strict=True)
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
