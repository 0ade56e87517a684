"""The model file: shipped with the package, keyed by the data, read without training; the
calibration and the decision between torn and vague."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlu import embedded
from nlu.calibration import expected_calibration_error
from nlu.categories import CATEGORY_IDS, OTHER_INTENTS
from nlu.decision import decide
from nlu.embedded import MODEL_VERSION, EmbeddedClassifier, Model, load_or_train, model_path
from nlu.training import fingerprint
from nlu.urgency import Thresholds

ROOT = Path(__file__).resolve().parents[2]
FRESH_START = """
import json, sys, time
start = time.perf_counter()
from nlu.embedded import EmbeddedClassifier
prediction = EmbeddedClassifier().predict("小区门口垃圾好几天没人清")
print(json.dumps({"seconds": time.perf_counter() - start, "category": prediction.category,
                  "trained": "sklearn" in sys.modules}))
"""


def test_the_shipped_model_fits_the_shipped_data():
    shipped = embedded.shipped_path()
    assert shipped.exists(), "run `gridbot nlu train --ship` after changing nlu/data"
    assert fingerprint(salt=MODEL_VERSION) in shipped.name
    assert [p.name for p in embedded.SHIPPED_DIR.glob("*.npz")] == [shipped.name]


def test_a_fresh_install_answers_without_training(tmp_path):
    cache = tmp_path / "empty-cache"
    done = subprocess.run(
        [sys.executable, "-c", FRESH_START],
        cwd=ROOT,
        env={"GRIDBOT_NLU_MODEL_DIR": str(cache), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["category"] == "environment"
    assert not answer["trained"] and not cache.exists()  # nothing trained, nothing written


def test_a_stale_shipped_model_is_trained_anew_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDBOT_NLU_MODEL_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(embedded, "SHIPPED_DIR", tmp_path / "shipped")  # as if data changed
    path = model_path()
    assert fingerprint(salt=MODEL_VERSION) in path.name
    model = load_or_train()
    assert path.exists()
    assert set(Model.load(path).classes) == set(CATEGORY_IDS) | set(OTHER_INTENTS)
    assert EmbeddedClassifier(model).predict("小区门口垃圾没人清").category == "environment"


def test_corrupt_model_file_is_retrained_not_fatal(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDBOT_NLU_MODEL_DIR", str(tmp_path))
    monkeypatch.setattr(embedded, "SHIPPED_DIR", tmp_path / "shipped")
    model_path().write_bytes(b"not a model")
    model = load_or_train()
    assert EmbeddedClassifier(model).predict("小区门口垃圾没人清").category == "environment"
    Model.load(model_path())  # the bad file was replaced by a good one


def test_calibration_error_is_zero_when_confidence_matches_accuracy():
    assert expected_calibration_error([0.8] * 10, [True] * 8 + [False] * 2) == pytest.approx(0)
    assert expected_calibration_error([0.99] * 10, [True] * 5 + [False] * 5) == pytest.approx(0.49)


def scores(**given: float) -> dict[str, float]:
    rest = (1.0 - sum(given.values())) / (len(CATEGORY_IDS) + len(OTHER_INTENTS) - len(given))
    return {label: given.get(label, rest) for label in (*CATEGORY_IDS, *OTHER_INTENTS)}


def test_a_message_torn_between_two_duties_offers_both():
    p = decide(
        "楼上漏水物业不管", scores(dispute_mediation=0.4, legal_service=0.35), None, Thresholds()
    )
    assert p.is_report and p.confidence < 0.45
    assert p.alternatives[:2] == ("dispute_mediation", "legal_service")


def test_a_short_message_no_duty_fits_is_vague():
    nothing = scores(traffic=0.2, environment=0.1, vague=0.3, chitchat=0.2)
    p = decide("那个谁说的那个事", nothing, None, Thresholds())
    assert p.intent == "vague" and not p.is_report


def test_a_short_message_that_is_surely_some_duty_is_a_report_to_choose_for():
    spread = {c: 0.1 for c in CATEGORY_IDS} | {"vague": 0.2}
    p = decide("那边那个又坏了", spread, None, Thresholds())
    assert p.is_report and p.confidence < 0.45 and len(p.alternatives) == 3


def test_a_long_message_no_duty_fits_is_still_a_report_to_choose_for():
    text = "我们这边的情况比较复杂，一时说不清楚，好多年了一直没解决，希望有人来看看"
    nothing = scores(traffic=0.2, environment=0.1, vague=0.3, chitchat=0.2)
    p = decide(text, nothing, None, Thresholds())
    assert p.is_report and len(p.alternatives) == 3
