"""Scoring a classifier on evaluation files (`gridbot nlu evaluate`).

Three kinds of file, UTF-8, one example a line:
- labelled reports: `label<TAB>text` or `label<TAB>kinds<TAB>text`, kinds a comma-separated
  list of words (dialect, traditional, typo, voice, greeting, story, third_person, short);
- emergencies: `kind<TAB>text`, kind one of nlu.rules.EMERGENCY_KINDS or `none` (a look-alike);
- non-reports: `label<TAB>text`, any label: counted is the share that opens no ticket.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from nlu.categories import CATEGORY_IDS, OTHER_INTENTS
from nlu.classifier import Classifier, Prediction
from nlu.rules import EMERGENCY_KINDS

LABELS = CATEGORY_IDS + OTHER_INTENTS
_KINDS = re.compile(r"^[a-z_]+(,[a-z_]+)*$")


class BadEvaluationFile(Exception):
    pass


@dataclass(frozen=True)
class Row:
    label: str
    text: str
    kinds: tuple[str, ...] = ()


def label_of(prediction: Prediction) -> str:
    return prediction.category if prediction.is_report else prediction.intent


def read_lines(path: Path) -> list[tuple[int, str]]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise BadEvaluationFile(f"no such file: {path}") from None
    except IsADirectoryError:
        raise BadEvaluationFile(f"{path} is a folder, not a file") from None
    except UnicodeDecodeError:
        raise BadEvaluationFile(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise BadEvaluationFile(f"{path}: cannot read ({error.strerror})") from None
    return [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]


def read_labelled(path: Path) -> list[Row]:
    rows = []
    for number, line in read_lines(path):
        parts = line.split("\t", 2)
        if len(parts) < 2 or parts[0] not in LABELS:
            raise BadEvaluationFile(
                f"{path}: line {number}: expected label<TAB>text or label<TAB>kinds<TAB>text "
                f"with a label among {', '.join(LABELS)}"
            )
        if len(parts) == 3 and _KINDS.match(parts[1]):
            rows.append(Row(parts[0], parts[2], tuple(parts[1].split(","))))
        else:
            rows.append(Row(parts[0], line.split("\t", 1)[1]))
    return rows


def read_tagged(path: Path, allowed: tuple[str, ...] | None, shape: str) -> list[Row]:
    rows = []
    for number, line in read_lines(path):
        label, tab, text = line.partition("\t")
        if not tab or (allowed is not None and label not in allowed):
            among = f" with {shape.split('<')[0]} among {', '.join(allowed)}" if allowed else ""
            raise BadEvaluationFile(f"{path}: line {number}: expected {shape}{among}")
        rows.append(Row(label, text))
    return rows


def read_emergencies(path: Path) -> list[Row]:
    return read_tagged(path, (*EMERGENCY_KINDS, "none"), "kind<TAB>text")


def read_nonreports(path: Path) -> list[Row]:
    return read_tagged(path, None, "label<TAB>text")


def emergency_figures(classifier: Classifier, rows: list[Row]) -> dict[str, float]:
    """Urgency recall, right guidance and false-urgent rate, each a share."""
    predictions = [(row, classifier.predict(row.text)) for row in rows]
    danger = [(row, p) for row, p in predictions if row.label != "none"]
    calm = [p for row, p in predictions if row.label == "none"]
    crisis = [p for row, p in danger if row.label == "self_harm"]
    figures = {
        "emergencies": len(danger),
        "urgent_recall": _share(p.urgent for _, p in danger),
        "flagged_recall": _share(p.risk != "none" for _, p in danger),
        "right_guidance": _share(p.emergency_kind == row.label for row, p in danger),
        "crisis_line": _share(p.emergency_kind == "self_harm" for p in crisis),
        "look_alikes": len(calm),
        "false_urgent": _share(p.urgent for p in calm),
        "false_possible": _share(p.risk == "possible" for p in calm),
    }
    for kind in EMERGENCY_KINDS:
        of_kind = [(row, p) for row, p in danger if row.label == kind]
        if of_kind:
            figures[f"{kind}:urgent"] = _share(p.urgent for _, p in of_kind)
            figures[f"{kind}:guidance"] = _share(p.emergency_kind == kind for _, p in of_kind)
            figures[f"{kind}:n"] = len(of_kind)
    return figures


def nonreport_figures(classifier: Classifier, rows: list[Row]) -> dict[str, float]:
    """The share of non-reports that open no ticket, overall and by label."""
    kept = defaultdict(list)
    for row in rows:
        kept[row.label].append(not classifier.predict(row.text).is_report)
    figures = {"nonreports": len(rows), "no_ticket": _share(k for v in kept.values() for k in v)}
    figures.update({f"{label}:no_ticket": _share(v) for label, v in sorted(kept.items())})
    figures.update({f"{label}:n": len(v) for label, v in sorted(kept.items())})
    return figures


def kind_accuracy(rows: list[Row], guesses: list[str]) -> dict[str, tuple[int, float]]:
    """Accuracy by kind word (and 'plain' for rows without one): (count, accuracy)."""
    hits = defaultdict(list)
    for row, guess in zip(rows, guesses, strict=True):
        for kind in row.kinds or ("plain",):
            hits[kind].append(guess == row.label)
    return {kind: (len(v), _share(v)) for kind, v in sorted(hits.items())}


def _share(flags) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else float("nan")
