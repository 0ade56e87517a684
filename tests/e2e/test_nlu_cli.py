"""`gridbot nlu predict|evaluate|export-rasa` as an operator runs them."""

from __future__ import annotations

import json

import yaml

from nlu.training import load_examples
from tests.cli import run_gridbot


def test_nlu_predict_writes_one_json_object_per_input_line():
    texts = ["你好", "隔壁楼着火了，快来人", "小区门口垃圾好几天没人清", "", "😀", "我不想活了"]
    done = run_gridbot("nlu", "predict", stdin="\n".join(texts) + "\n")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["text"] for r in records] == texts
    keys = {"text", "intent", "category", "confidence", "urgent", "must_attend", "risk"}
    assert all(keys | {"emergency_kind"} <= set(record) for record in records)
    assert records[0]["intent"] == "greet" and records[0]["category"] is None
    assert records[1]["urgent"] is True and records[1]["intent"] == "report"
    assert (records[1]["risk"], records[1]["emergency_kind"]) == ("urgent", "fire")
    assert records[2]["category"] == "environment" and records[2]["risk"] == "none"
    assert records[2]["emergency_kind"] is None
    assert records[5]["emergency_kind"] == "self_harm"


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
    assert "false-urgent on reports: 0.000 (0 of 2)" in done.stdout  # 你好 is no report
    assert "accuracy by kind" not in done.stdout


def test_nlu_evaluate_prints_accuracy_by_kind_when_the_file_names_kinds(tmp_path):
    sample = tmp_path / "kinds.tsv"
    sample.write_text(
        "environment\ttraditional\t河裡漂著好多死魚，臭氣熏天\n"
        "traffic\tshort,typo\t红绿等坏了\n"
        "environment\t\t小区门口垃圾好几天没人清\n",
        encoding="utf-8",
    )
    done = run_gridbot("nlu", "evaluate", str(sample))
    assert done.returncode == 0, done.stderr
    kinds = done.stdout.split("accuracy by kind:")[1]
    assert "traditional 1.000  (1 lines)" in kinds and "typo" in kinds and "plain" in kinds


def test_nlu_evaluate_scores_emergencies_and_non_reports(tmp_path):
    emergencies = tmp_path / "emergencies.tsv"
    emergencies.write_text(
        "fire\t厨房着火了，火苗窜到天花板了\nself_harm\t我不想活了\nnone\t楼道堆满杂物，有火灾隐患\n",
        encoding="utf-8",
    )
    nonreports = tmp_path / "nonreports.tsv"
    nonreports.write_text("chitchat\t3\nspam\t点击领红包 http://hb.example.cn\n", encoding="utf-8")
    done = run_gridbot(
        "nlu", "evaluate", "--emergencies", str(emergencies), "--nonreports", str(nonreports)
    )
    assert done.returncode == 0, done.stderr
    assert "urgency recall (risk urgent): 1.000" in done.stdout
    assert "right guidance (emergency_kind right): 1.000" in done.stdout
    assert "false-urgent on look-alikes: 0.000" in done.stdout
    assert "non-reports: 2, opening no ticket: 1.000" in done.stdout


def test_nlu_evaluate_names_the_bad_line(tmp_path):
    sample = tmp_path / "bad.tsv"
    sample.write_text("environment\t河里有死鱼\nno tab on this line\n", encoding="utf-8")
    done = run_gridbot("nlu", "evaluate", str(sample))
    assert done.returncode == 2 and "line 2" in done.stderr


def test_nlu_evaluate_refuses_an_unknown_emergency_kind(tmp_path):
    sample = tmp_path / "bad.tsv"
    sample.write_text("fire\t着火了\nearthquake\t地震了\n", encoding="utf-8")
    done = run_gridbot("nlu", "evaluate", "--emergencies", str(sample))
    assert done.returncode == 2 and "line 2" in done.stderr and "self_harm" in done.stderr


def test_nlu_evaluate_of_a_missing_file_says_so_in_one_line(tmp_path):
    done = run_gridbot("nlu", "evaluate", "--nonreports", str(tmp_path / "absent.tsv"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"gridbot nlu evaluate: no such file: {tmp_path / 'absent.tsv'}"
    ]


def test_nlu_evaluate_without_a_file_says_what_to_give():
    done = run_gridbot("nlu", "evaluate")
    assert done.returncode == 2 and "--emergencies" in done.stderr


def test_export_rasa_writes_a_project_with_jieba_and_the_same_data(tmp_path):
    done = run_gridbot("nlu", "export-rasa", str(tmp_path / "rasa"))
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load((tmp_path / "rasa" / "config.yml").read_text(encoding="utf-8"))
    assert config["language"] == "zh"
    assert config["pipeline"][0]["name"] == "JiebaTokenizer"
    exported = load_examples(sorted((tmp_path / "rasa" / "data").glob("*.yml")))
    assert exported == load_examples()
