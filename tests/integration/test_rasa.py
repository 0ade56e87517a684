"""The Rasa backend against a fake Rasa server on loopback: Rasa names the intent, our rules
decide urgency, and a slow, broken or absent Rasa never costs a resident their answer."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from nlu.classifier import Prediction
from nlu.keywords import KeywordClassifier
from nlu.rasa import RasaClassifier
from tests.fakes import FakeRasa, RecordingFallback

TIMEOUT = 0.2
KEYWORDS = KeywordClassifier()


@pytest.fixture
async def rasa():
    fake = FakeRasa(slow_seconds=TIMEOUT * 5)
    app = web.Application()
    app.router.add_post("/model/parse", fake.parse)
    async with TestServer(app, host="127.0.0.1") as server:
        fake.url = f"http://127.0.0.1:{server.port}"
        yield fake


@pytest.fixture
def fallback() -> RecordingFallback:
    return RecordingFallback()


@pytest.fixture
def classifier(rasa, fallback) -> RasaClassifier:
    return RasaClassifier(rasa.url, fallback=fallback, timeout=TIMEOUT)


async def test_category_from_rasa_becomes_a_report(rasa, classifier, fallback):
    rasa.rankings["小区门口的垃圾三天没人收了"] = [("environment", 0.93)]
    prediction = await classifier.apredict("小区门口的垃圾三天没人收了")
    assert prediction == Prediction(
        "report",
        "environment",
        0.93,
        urgent=False,
        must_attend=False,
        alternatives=("environment",),
    )
    assert fallback.asked == []


async def test_unsure_report_offers_the_top_categories_from_rasas_ranking(rasa, classifier):
    rasa.rankings["门口那条路晚上很吵"] = [
        ("traffic", 0.38),
        ("greet", 0.2),
        ("environment", 0.17),
        ("dispute_mediation", 0.12),
        ("public_security", 0.08),
    ]
    prediction = await classifier.apredict("门口那条路晚上很吵")
    assert prediction.category == "traffic" and prediction.confidence == 0.38
    assert prediction.alternatives == ("traffic", "environment", "dispute_mediation")


async def test_must_attend_comes_from_our_rules(rasa, classifier):
    rasa.rankings["楼上楼下因为漏水吵架"] = [("dispute_mediation", 0.81)]
    prediction = await classifier.apredict("楼上楼下因为漏水吵架")
    assert prediction.category == "dispute_mediation" and prediction.must_attend


async def test_greeting_from_rasa_is_not_a_report(rasa, classifier, fallback):
    rasa.rankings["你好"] = [("greet", 0.97)]
    prediction = await classifier.apredict("你好")
    assert prediction == Prediction("greet", None, 0.97)
    assert not prediction.is_report and fallback.asked == []


async def test_emergency_called_small_talk_by_rasa_is_still_an_urgent_report(rasa, classifier):
    rasa.rankings["隔壁着火了"] = [("greet", 0.88)]
    prediction = await classifier.apredict("隔壁着火了")
    assert prediction.is_report and prediction.category == "public_security"
    assert prediction.urgent and prediction.must_attend


async def test_emergency_keeps_the_category_rasa_chose(rasa, classifier):
    rasa.rankings["工地着火了，黑烟很大"] = [("environment", 0.7)]
    prediction = await classifier.apredict("工地着火了，黑烟很大")
    assert prediction.category == "environment" and prediction.urgent and prediction.must_attend


async def test_unknown_rasa_intent_falls_back(rasa, classifier, fallback):
    rasa.rankings["路口红绿灯坏了"] = [("nlu_fallback", 0.3)]
    prediction = await classifier.apredict("路口红绿灯坏了")
    assert prediction == KEYWORDS.predict("路口红绿灯坏了")
    assert fallback.asked == ["路口红绿灯坏了"]


@pytest.mark.parametrize("mode", ["slow", "error", "garbled"])
async def test_failing_rasa_falls_back_and_logs_no_message_text(
    rasa, classifier, fallback, caplog, mode
):
    rasa.mode = mode
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="nlu.rasa"):
        prediction = await classifier.apredict("王大爷家门口的井盖不见了")
    assert prediction == KEYWORDS.predict("王大爷家门口的井盖不见了")
    assert fallback.asked == ["王大爷家门口的井盖不见了"]
    assert time.monotonic() - started < TIMEOUT * 4  # the timeout, not the slow server, rules
    assert len(caplog.records) == 1 and "王大爷" not in caplog.text


async def test_rasa_not_running_falls_back(fallback):
    with socket.socket() as closed:  # bound but not listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        classifier = RasaClassifier(url, fallback=fallback, timeout=TIMEOUT)
        prediction = await classifier.apredict("小区的路灯坏了一个星期")
    assert prediction == KEYWORDS.predict("小区的路灯坏了一个星期")
    assert fallback.asked == ["小区的路灯坏了一个星期"]


async def test_rasa_receives_the_text_as_utf8_json(rasa, classifier):
    await classifier.apredict("菜市场门口乱停车")
    [(content_type, body)] = rasa.received
    assert content_type.startswith("application/json")
    assert "菜市场门口乱停车".encode() in body
    assert json.loads(body.decode("utf-8")) == {"text": "菜市场门口乱停车"}
