"""Training data in Rasa's NLU YAML format, and its fingerprint.

nlu/data/*.yml name the intents (the eight duties and the intents that are not reports);
nlu/data/urgency/*.yml the emergencies, one intent per kind, and in files named not_*.yml the
look-alikes that are no emergency (a hazard, a past accident, a worry). The urgency folder may
be absent: the word lists then decide urgency alone.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import yaml

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).parent / "data"
URGENCY_DIR = DATA_DIR / "urgency"
NOT_URGENT = "none"
KIND_ALIASES = {"fall": "medical"}  # a fall is an injury: an ambulance, 120


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


def data_files(folder: Path = DATA_DIR) -> list[Path]:
    return sorted(folder.glob("*.yml")) if folder.is_dir() else []


def load_examples(files: list[Path] | None = None) -> list[Example]:
    examples = []
    for path in data_files() if files is None else files:
        examples.extend(_read(path))
    return examples


def load_urgency_examples(folder: Path = URGENCY_DIR) -> list[Example]:
    """Emergencies labelled by kind, look-alikes labelled NOT_URGENT."""
    from nlu.rules import EMERGENCY_KINDS

    examples = []
    for path in data_files(folder):
        look_alikes = path.stem.startswith("not_")
        for example in _read(path):
            kind = KIND_ALIASES.get(example.intent, example.intent)
            if look_alikes:
                examples.append(Example(example.text, NOT_URGENT))
            elif kind in EMERGENCY_KINDS:
                examples.append(Example(example.text, kind))
            else:
                log.warning(
                    "%s: intent %r is no emergency kind; skipped", path.name, example.intent
                )
    return examples


def _read(path: Path) -> list[Example]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for block in document.get("nlu", []):
        if "intent" not in block:
            continue
        for line in str(block.get("examples", "")).splitlines():
            text = line.strip()
            if text.startswith("- "):
                examples.append(Example(text[2:].strip(), block["intent"]))
    return examples


def fingerprint(files: list[Path] | None = None, salt: str = "") -> str:
    digest = hashlib.sha256(salt.encode())
    for path in data_files() + data_files(URGENCY_DIR) if files is None else files:
        digest.update(f"{path.parent.name}/{path.name}".encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
