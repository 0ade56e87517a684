"""The rules of the service that operators tune in the TOML file, read once at start."""

from __future__ import annotations

from dataclasses import dataclass

from config.settings import Settings


@dataclass(frozen=True)
class Policy:
    # Below this confidence the resident is asked to pick the category among the top three.
    choice_threshold: float = 0.45

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        nlu = settings.section("nlu")
        return cls(choice_threshold=float(nlu.get("threshold", cls.choice_threshold)))
