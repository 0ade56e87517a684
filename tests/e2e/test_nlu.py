"""`gridbot nlu` as an operator runs it: predict, evaluate, export for Rasa. The classifier
itself: tests/integration/test_nlu.py."""

from __future__ import annotations

import json

import yaml

from nlu.training import load_examples
from tests.cli import run_gridbot


def test_nlu_predict_writes_one_json_object_per_input_line():
    texts = ["你好", "隔壁楼着火了，快来人", "小区门口垃圾好几天没人清", "", "😀"]
    done = run_gridbot("nlu", "predict", stdin="\n".join(texts) + "\n")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["text"] for r in records] == texts
    for record in records:
        assert {"text", "intent", "category", "confidence", "urgent", "must_attend"} <= set(record)
    assert records[0]["intent"] == "greet" and records[0]["category"] is None
    assert records[1]["urgent"] is True and records[1]["intent"] == "report"
    assert records[2]["category"] == "environment"


def test_nlu_evaluate_prints_per_class_scores_macro_f1_and_confusion_matrix(tmp_path):
    sample = tmp_path / "sample.tsv"
    sample.write_text(
        "environment\t河里漂着好多死鱼，臭气熏天\ntraffic\t红绿灯坏了一上午\ngreet\t你好\n",
        encoding="utf-8",
    )
    done = run_gridbot("nlu", "evaluate", str(sample))
    assert done.returncode == 0, done.stderr
    assert "precision" in done.stdout and "recall" in done.stdout and "f1-score" in done.stdout
    assert "macro-F1" in done.stdout and "confusion matrix" in done.stdout


def test_nlu_evaluate_names_the_bad_line(tmp_path):
    sample = tmp_path / "bad.tsv"
    sample.write_text("environment\t河里有死鱼\nno tab on this line\n", encoding="utf-8")
    done = run_gridbot("nlu", "evaluate", str(sample))
    assert done.returncode == 2 and "line 2" in done.stderr


def test_export_rasa_writes_a_project_with_jieba_and_the_same_data(tmp_path):
    done = run_gridbot("nlu", "export-rasa", str(tmp_path / "rasa"))
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load((tmp_path / "rasa" / "config.yml").read_text(encoding="utf-8"))
    assert config["language"] == "zh"
    assert config["pipeline"][0]["name"] == "JiebaTokenizer"
    exported = load_examples(sorted((tmp_path / "rasa" / "data").glob("*.yml")))
    assert exported == load_examples()
