"""The classifier on text it was not trained on: duties, emergencies, chit-chat, bad input."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from nlu import rules
from nlu.categories import CATEGORY_IDS, OTHER_INTENTS
from nlu.embedded import MODEL_VERSION, EmbeddedClassifier, Model, load_or_train, model_path
from nlu.evaluation import evaluate, label_of
from nlu.training import fingerprint, load_examples
from tests.conftest import embedded_classifier

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def lines(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]


def holdout() -> list[tuple[str, str]]:
    return [tuple(line.split("\t", 1)) for line in lines("nlu_holdout.tsv")]


@pytest.fixture(scope="module")
def classifier() -> EmbeddedClassifier:
    return embedded_classifier()


def test_reports_written_apart_from_training_score_at_least_090_macro_f1(classifier):
    report = evaluate(classifier, holdout())
    duty_f1 = float(report.split("macro-F1 (eight duties): ")[1].split()[0])
    assert duty_f1 >= 0.90, report


def test_every_emergency_is_flagged_urgent(classifier):
    missed = [text for text in lines("nlu_emergencies.txt") if not classifier.predict(text).urgent]
    assert missed == []


def test_at_most_five_percent_of_ordinary_reports_are_flagged_urgent(classifier):
    ordinary = lines("nlu_ordinary.txt")
    flagged = [text for text in ordinary if classifier.predict(text).urgent]
    assert len(flagged) <= 0.05 * len(ordinary), flagged


def test_emergencies_are_reports_even_when_they_sound_like_chat(classifier):
    prediction = classifier.predict("你好，隔壁着火了")
    assert prediction.is_report and prediction.urgent and prediction.must_attend


def test_greetings_thanks_and_questions_open_no_ticket(classifier):
    chat = [(label, text) for label, text in holdout() if label in OTHER_INTENTS]
    opened = [text for _, text in chat if classifier.predict(text).is_report]
    assert opened == []


def test_disputes_and_hazards_are_must_attend(classifier):
    assert classifier.predict("楼上楼下因为漏水吵起来了，都要动手了").must_attend
    assert classifier.predict("楼道里有人飞线充电，隐患太大了").must_attend
    assert not classifier.predict("想问问养老金认证怎么弄").must_attend


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀😀",
        "？？！！。。",
        "\x00\x07\x1b[31m",
        "a" * 10_000,
        "垃圾" * 5_000,
        "Hello 你好 Привет مرحبا",
    ],
)
def test_odd_input_gets_an_answer_not_a_crash(classifier, text):
    prediction = classifier.predict(text)
    assert prediction.intent in (*OTHER_INTENTS, "report")
    assert prediction.category in (*CATEGORY_IDS, None)


def test_training_data_has_enough_varied_examples():
    counts = Counter(example.intent for example in load_examples())
    assert all(counts[c] >= 80 for c in CATEGORY_IDS), counts
    assert all(counts[i] >= 15 for i in OTHER_INTENTS), counts
    texts = [example.text for example in load_examples()]
    assert len(texts) == len(set(texts))


def test_model_file_is_keyed_by_the_training_data(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDBOT_NLU_MODEL_DIR", str(tmp_path))
    path = model_path()
    assert fingerprint(salt=MODEL_VERSION) in path.name
    load_or_train()
    assert path.exists()
    model = Model.load(path)
    assert set(model.classes) == set(CATEGORY_IDS) | set(OTHER_INTENTS)


def test_corrupt_model_file_is_retrained_not_fatal(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDBOT_NLU_MODEL_DIR", str(tmp_path))
    model_path().write_bytes(b"not a model")
    model = load_or_train()
    assert EmbeddedClassifier(model).predict("小区门口垃圾没人清").category == "environment"
    Model.load(model_path())  # the bad file was replaced by a good one


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")
@pytest.mark.parametrize("name", ["teddy2020c_titles_all.csv", "teddy2020c_full_labeled.csv"])
def test_every_real_message_is_classified_without_error(classifier, name):
    import csv

    with (SHARED / name).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    outcomes = Counter(
        (row["original_label"], label_of(classifier.predict(row["text"]))) for row in rows
    )
    assert sum(outcomes.values()) == len(rows)
    environment = sum(n for (label, _), n in outcomes.items() if label == "环境保护")
    hits = outcomes[("环境保护", "environment")]
    assert hits > environment / 2, f"{hits} of {environment} 环境保护 rows came out environment"
    urgent = sum(rules.is_urgent(row["text"]) for row in rows)
    assert urgent <= 0.05 * len(rows)


def test_training_data_copies_no_real_message():
    if not SHARED.exists():
        pytest.skip("../shared/data is absent")
    import csv

    with (SHARED / "teddy2020c_titles_all.csv").open(encoding="utf-8") as handle:
        real = {row["text"].strip() for row in csv.DictReader(handle)}
    assert not real & {example.text for example in load_examples()}
