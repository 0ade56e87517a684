"""Which classifier serves: chosen by GRIDBOT_NLU_BACKEND."""

from __future__ import annotations

from config.settings import Settings
from nlu.classifier import Classifier


def make_classifier(settings: Settings) -> Classifier:
    if settings.nlu_backend == "keywords":
        from nlu.keywords import KeywordClassifier

        return KeywordClassifier()
    from nlu.embedded import EmbeddedClassifier

    embedded = EmbeddedClassifier()
    if settings.nlu_backend == "rasa":
        from nlu.rasa import RasaClassifier

        return RasaClassifier(settings.rasa_url, fallback=embedded)
    return embedded
