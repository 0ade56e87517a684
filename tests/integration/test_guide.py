"""The service guide (办事指南): questions find their service, anything else finds nothing, and
operators' edits are taken up while it runs, a faulty one reported and the last good guide kept.
No database, no server, no sleeping: the watcher is given the time."""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config.settings import DEFAULT_GUIDE_DIR, load_settings
from nlu.guide import REPLY_ENDING, Guide, GuideWatcher, read_guide
from tests.cli import run_gridbot

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "guide"
START = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
COUNTY_SERVICES = (
    "低保",
    "特困",
    "临时救助",
    "医保缴费",
    "养老保险待遇资格认证",
    "居住证",
    "生育登记",
    "残疾人两项补贴",
    "高龄津贴",
    "开具证明",
    "老年人优待证",
    "户口迁移",
    "灵活就业",
    "新生儿医保",
    "残疾证",
)
LEAFLET = """\
name: 测试服务
examples:
  - 测试服务怎么办
  - 测试服务在哪里办理
  - 测试服务要带什么材料
answer: 带身份证到窗口办理。
phone: "0530-12345699"
"""


@pytest.fixture(scope="module")
def guide() -> Guide:
    loaded, problems = read_guide(SHIPPED)
    assert problems == []
    return loaded


def names(guide: Guide) -> list[str]:
    return [entry.name for entry in guide.entries]


def test_shipped_guide_covers_the_common_county_services(guide):
    assert len(guide) >= 15
    for service in COUNTY_SERVICES:
        assert any(service in name for name in names(guide)), service
    assert all(len(entry.examples) >= 6 for entry in guide.entries)


@pytest.mark.parametrize(
    ("question", "service"),
    [
        ("低保怎么申请", "低保"),
        ("居住证咋办", "居住证"),
        ("我妈八十二了，高龄补贴在哪儿领", "高龄津贴"),
        ("外地人在青禾租房，居住证怎么弄", "居住证"),
        ("孩子刚出生，医保咋给他上", "新生儿医保"),
        ("养老金每年认证在哪弄", "资格认证"),
        ("身份证丢了咋补", "身份证"),
        ("想把户口迁到媳妇家那边，要准备啥", "户口迁移"),
        ("老人去外地看病，医保怎么备案", "异地就医"),
        ("请问开个证明要带什么", "开具证明"),
    ],
)
def test_residents_question_finds_its_service(guide, question, service):
    entry = guide.match(question)
    assert entry is not None and service in entry.name


@pytest.mark.parametrize(
    "text",
    [
        "小区门口垃圾没人清理",
        "楼上天天半夜装修吵得睡不着",
        "路灯坏了好几天了",
        "有人在村口偷电动车",
        "今天天气怎么样",
        "你好",
        "谢谢你们",
        "我的工单处理得怎么样了",
    ],
)
def test_reports_and_chat_find_no_service(guide, text):
    assert guide.match(text) is None


def test_reply_gives_answer_materials_office_hours_phone_then_offers_help(guide):
    reply = guide.match("低保怎么申请").reply()
    lines = reply.splitlines()
    assert lines[0] == "【低保（最低生活保障）】"
    assert "1. 户口簿和全部家庭成员的身份证" in lines
    assert any(line.startswith("办理地点：") and "便民服务中心" in line for line in lines)
    assert any(line.startswith("办理时间：") for line in lines)
    assert "咨询电话：0530-12345601" in lines
    assert lines[-1] == REPLY_ENDING == "需要网格员帮您代办吗？回复 1"


def test_every_shipped_reply_ends_with_the_offer_and_fits_one_message(guide):
    for entry in guide.entries:
        assert entry.reply().endswith("\n需要网格员帮您代办吗？回复 1")
        assert len(entry.reply().encode()) <= 2048


def test_reply_leaves_out_what_a_service_does_not_give(tmp_path):
    (tmp_path / "test.yml").write_text(LEAFLET, encoding="utf-8")
    reply = read_guide(tmp_path)[0].entries[0].reply()
    assert reply == "【测试服务】\n带身份证到窗口办理。\n咨询电话：0530-12345699\n" + REPLY_ENDING


@pytest.mark.parametrize(
    "text", ["", "   ", "\x00\x01\x1b", "😀🙏👍", "[捂脸]", "？？？", "1", "啊" * 10_000]
)
def test_empty_or_meaningless_input_finds_nothing(guide, text):
    assert guide.match(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "低保\x00怎么\x07申请\x1b",
        "🙏低保怎么申请😭",
        "低保怎么申请" + "。" * 10_000,
        "ＱＱ上说低保怎么申请",
        "低保 how to 申請",
    ],
)
def test_noise_around_a_question_does_not_hide_it(guide, text):
    entry = guide.match(text)
    assert entry is not None and "低保" in entry.name


def test_long_report_finds_nothing(guide):
    story = ("我家楼下那个垃圾站已经好几天没人清理了，味道特别大，夏天苍蝇蚊子到处飞，" * 300)[
        :10_000
    ]
    assert guide.match(story) is None


def copy_of_shipped(folder: Path, *stems: str) -> Path:
    for stem in stems:
        shutil.copy(SHIPPED / f"{stem}.yml", folder / f"{stem}.yml")
    return folder


def test_edited_file_is_answered_within_ten_seconds(tmp_path):
    folder = copy_of_shipped(tmp_path, "dibao", "juzhuzheng")
    watcher = GuideWatcher(folder, START)
    path = folder / "dibao.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("低保以家庭为单位申请", "低保新规：以家庭为单位"),
        encoding="utf-8",
    )
    seen = [watcher.current(START + timedelta(seconds=s)).match("低保怎么申请") for s in range(11)]
    assert "低保以家庭为单位申请" in seen[1].answer  # not looked at again yet
    assert "低保新规" in seen[10].answer


def test_unchanged_files_are_not_read_again(tmp_path):
    watcher = GuideWatcher(copy_of_shipped(tmp_path, "dibao"), START)
    guide = watcher.guide
    assert watcher.reload_if_changed(START + timedelta(minutes=1)) is False
    assert watcher.guide is guide


def test_a_new_app_on_unchanged_files_reuses_the_guide_and_reads_an_edited_file_again(tmp_path):
    folder = copy_of_shipped(tmp_path, "dibao", "juzhuzheng")
    first = GuideWatcher(folder, START)
    assert GuideWatcher(folder, START).guide is first.guide  # read once per process
    path = folder / "dibao.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("低保以家庭为单位申请", "低保新规：以家庭为单位"),
        encoding="utf-8",
    )
    assert "低保新规" in GuideWatcher(folder, START).guide.match("低保怎么申请").answer
    assert "低保新规" not in first.guide.match("低保怎么申请").answer


def test_new_and_removed_files_are_taken_up(tmp_path):
    folder = copy_of_shipped(tmp_path, "dibao")
    watcher = GuideWatcher(folder, START)
    copy_of_shipped(folder, "juzhuzheng")
    (folder / "dibao.yml").unlink()
    assert watcher.reload_if_changed(START + timedelta(seconds=10)) is True
    assert names(watcher.guide) == ["居住证"]


def test_broken_edit_is_reported_with_file_and_line_and_last_good_guide_kept(tmp_path, caplog):
    folder = copy_of_shipped(tmp_path, "dibao", "juzhuzheng")
    watcher = GuideWatcher(folder, START)
    (folder / "juzhuzheng.yml").write_text(
        "name: 居住证\nexamples:\n  - 居住证咋办\nanswer: 办理时间: 工作日\n", encoding="utf-8"
    )
    with caplog.at_level(logging.WARNING, logger="nlu.guide"):
        assert watcher.reload_if_changed(START + timedelta(seconds=10)) is False
    shown = f"{folder / 'juzhuzheng.yml'}:4: YAML error: "
    assert [str(problem) for problem in watcher.problems] == [
        shown + "mapping values are not allowed here"
    ]
    assert any(record.getMessage().startswith(shown) for record in caplog.records)
    assert "\n" not in caplog.records[0].getMessage()
    assert watcher.current(START + timedelta(seconds=20)).match("居住证咋办").name == "居住证"
    assert len(watcher.guide) == 2


def test_fixed_file_is_taken_up_after_a_broken_one(tmp_path):
    folder = copy_of_shipped(tmp_path, "dibao")
    watcher = GuideWatcher(folder, START)
    (folder / "test.yml").write_text("name: [\n", encoding="utf-8")
    assert watcher.reload_if_changed(START + timedelta(seconds=5)) is False
    (folder / "test.yml").write_text(LEAFLET, encoding="utf-8")
    assert watcher.reload_if_changed(START + timedelta(seconds=10)) is True
    assert watcher.problems == []
    assert watcher.guide.match("测试服务怎么办理").name == "测试服务"


def test_start_with_a_broken_file_serves_the_good_ones(tmp_path, caplog):
    folder = copy_of_shipped(tmp_path, "dibao")
    (folder / "broken.yml").write_text(LEAFLET.replace("answer:", "answr:"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="nlu.guide"):
        watcher = GuideWatcher(folder, START)
    assert names(watcher.guide) == ["低保（最低生活保障）"]
    assert caplog.records[0].getMessage().startswith(f"{folder / 'broken.yml'}:6: unknown field")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "empty file"),
        ("- 低保怎么申请\n", 1, "expected fields such as `name: ...`, one a line"),
        (LEAFLET.replace("answer: 带身份证到窗口办理。\n", ""), 1, "missing field answer"),
        (
            LEAFLET.replace('"0530-12345699"', "12345"),
            7,
            'phone must be text (in quotes, e.g. phone: "0530',
        ),
        (LEAFLET + "materials: 身份证\n", 8, "materials must be a list"),
        (LEAFLET + "name: 又一个\n", 8, "name is given twice"),
        (LEAFLET.replace("  - 测试服务在哪里办理\n", "  - \n"), 4, "each of examples must be"),
        (LEAFLET.replace("  - 测试服务要带什么材料\n", "  - 测试服务怎么办\n"), 5, "repeated"),
        (LEAFLET.replace("  - 测试服务要带什么材料\n", ""), 2, "give at least 3 examples"),
        (LEAFLET.replace("带身份证", "带身份证" * 200), 6, "shorten the answer"),
        (LEAFLET.replace("带身份证", "带\x07身份证"), 6, "a control character in the file"),
        (LEAFLET.replace("phone:", "\tphone:"), 7, "YAML error"),
    ],
)
def test_faulty_file_is_reported_in_one_line_with_its_line(tmp_path, text, line, message):
    (tmp_path / "x.yml").write_text(text, encoding="utf-8")
    guide, problems = read_guide(tmp_path)
    assert len(guide) == 0 and len(problems) == 1
    assert str(problems[0]).startswith(f"{tmp_path / 'x.yml'}:{line}: ")
    assert message in str(problems[0]) and "\n" not in str(problems[0])


def test_file_not_in_utf8_is_reported_with_its_line(tmp_path):
    (tmp_path / "x.yml").write_bytes(LEAFLET.replace("测试服务怎么办", "低保").encode("gbk"))
    assert [str(p) for p in read_guide(tmp_path)[1]] == [f"{tmp_path / 'x.yml'}:1: not UTF-8 text"]


def test_same_service_in_two_files_is_reported_on_the_second(tmp_path):
    (tmp_path / "a.yml").write_text(LEAFLET, encoding="utf-8")
    (tmp_path / "b.yml").write_text(
        LEAFLET.replace("  - 测试", "  - 另一个测试"), encoding="utf-8"
    )
    guide, problems = read_guide(tmp_path)
    assert names(guide) == ["测试服务"]
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'b.yml'}:1: name '测试服务' is also in {tmp_path / 'a.yml'}"
    ]


def test_editor_files_beside_the_guide_are_ignored(tmp_path):
    (tmp_path / "test.yml").write_text(LEAFLET, encoding="utf-8")
    (tmp_path / ".test.yml.swp").write_text("name: [", encoding="utf-8")
    (tmp_path / "README.md").write_text("# 办事指南", encoding="utf-8")
    assert read_guide(tmp_path)[1] == []


def test_guide_dir_setting_names_the_folder(tmp_path):
    config = tmp_path / "gridbot.toml"
    config.write_text(f'[guide]\ndir = "{tmp_path}"\n', encoding="utf-8")
    assert load_settings({"GRIDBOT_CONFIG": str(config)}).guide_dir == tmp_path
    assert load_settings({}).guide_dir == DEFAULT_GUIDE_DIR == SHIPPED


def test_check_passes_the_shipped_guide():
    result = run_gridbot("guide", "check")
    assert result.returncode == 0, result.stderr
    count = int(result.stdout.removeprefix("guide OK: ").split()[0])
    assert count == len(read_guide(SHIPPED)[0]) >= 15


def test_check_lists_every_problem_and_fails(tmp_path):
    (tmp_path / "good.yml").write_text(LEAFLET, encoding="utf-8")
    (tmp_path / "bad.yml").write_text("name: 低保\nexamples: [\n", encoding="utf-8")
    (tmp_path / "worse.yml").write_text(LEAFLET.replace("name:", "nme:"), encoding="utf-8")
    result = run_gridbot("guide", "check", str(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"{tmp_path / 'bad.yml'}:3",
        f"{tmp_path / 'worse.yml'}:1",
    ]
    assert result.stdout == ""


def test_check_reads_the_configured_folder(tmp_path):
    (tmp_path / "test.yml").write_text(LEAFLET, encoding="utf-8")
    config = tmp_path / "gridbot.toml"
    config.write_text(f'[guide]\ndir = "{tmp_path}"\n', encoding="utf-8")
    result = run_gridbot("guide", "check", env={"GRIDBOT_CONFIG": str(config)})
    assert (result.returncode, result.stdout) == (0, f"guide OK: 1 service in {tmp_path}\n")


def test_check_of_a_missing_folder_fails(tmp_path):
    result = run_gridbot("guide", "check", str(tmp_path / "nowhere"))
    assert (result.returncode, result.stderr) == (1, f"{tmp_path / 'nowhere'}: no such folder\n")
