"""Training data in Rasa's NLU YAML format (nlu/data/*.yml), and its fingerprint."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


def data_files(folder: Path = DATA_DIR) -> list[Path]:
    return sorted(folder.glob("*.yml"))


def load_examples(files: list[Path] | None = None) -> list[Example]:
    examples = []
    for path in files or data_files():
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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
    for path in files or data_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
