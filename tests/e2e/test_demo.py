"""`gridbot demo` run as a newcomer runs it: the README's walkthrough piped in, `--keep` for
the CLI after, and Ctrl-C or the end of stdin ending it."""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
from pathlib import Path

from handlers import texts
from tests.cli import ROOT, gridbot_command, gridbot_environment, run_gridbot

README = ROOT / "README.md"
FORWARDED = "（演示时钟前进到"
CODE = re.compile(r"GB-[0-9A-Z]{4,8}")


def readme_walkthrough() -> tuple[list[str], str]:
    """The command and the lines of the README's scripted walkthrough, between its markers."""
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- demo-walkthrough:start -->")[1]
    block = block.split("<!-- demo-walkthrough:end -->")[0]
    command, _, rest = block.split("```bash\n", 1)[1].partition("\n")
    lines, _, _ = rest.partition("\nEOF\n")
    words = shlex.split(command.removesuffix("<<'EOF'"))
    assert words[0].endswith("gridbot"), command
    return words[1:], lines + "\n"


def test_the_readme_walkthrough_shows_reminder_escalation_digest_chart_and_a_linked_neighbour(
    tmp_path,
):
    args, lines = readme_walkthrough()
    assert args[0] == "demo" and "/快进 到 18:00" in lines

    result = run_gridbot(*args, cwd=tmp_path, stdin=lines, timeout=180)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    first = CODE.search(out.partition("您之前反映的问题已转交处理")[2]).group(0)
    neighbour = out.partition("居民 2 > 小区门口的垃圾好几天没人收了")[2].partition("现在你是")[0]
    assert "这个问题已有邻居反映过" in neighbour and first in neighbour
    assert texts.DUPLICATE_NOTICE.format(code=first, text="小区门口的垃圾好几天没人收了") in out
    placed = out.partition("居民 > （发送位置")[2].partition("现在你是：居民 2")[0]
    assert f"【新工单】{first}" in placed  # shown when sent, before the next line is read
    before, _, morning = out.partition(FORWARDED)
    morning, _, evening = morning.partition(FORWARDED)
    morning = morning.partition("现在你是")[0]
    assert texts.PATROL_REMINDER.format(name="李明华") in morning
    assert f"【超时上报】工单 {first}" in morning and "【超时上报】" not in before
    assert "【工作简报】青禾县/清泉街道/东关社区" in evening
    [chart] = re.findall(r"已保存为 (\S+\.png)", evening)
    assert Path(chart).parent == tmp_path / "demo-run"
    assert Path(chart).read_bytes().startswith(b"\x89PNG")


def test_kept_demo_database_is_what_the_cli_lists_after(tmp_path):
    kept = tmp_path / "kept"
    script = "小区门口垃圾堆了好几天没人清理，臭得很\n/位置 东关一网格\n/退出\n"

    result = run_gridbot("demo", "--keep", str(kept), stdin=script, timeout=120)

    assert result.returncode == 0, result.stderr
    code = CODE.search(result.stdout.partition("您之前反映的问题已转交处理")[2]).group(0)
    exports = dict(re.findall(r"export (GRIDBOT_\w+)=(\S+)", result.stdout))
    assert exports["GRIDBOT_DATABASE_URL"].endswith(str(kept / "demo.db"))
    listed = run_gridbot("ticket", "list", env=exports, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert code in listed.stdout and "东关一网格" in listed.stdout

    again = run_gridbot("demo", "--keep", str(kept), stdin="/退出\n", timeout=60)
    assert again.returncode == 2 and "exists already" in again.stderr


def test_without_keep_the_demo_says_nothing_is_kept(tmp_path):
    result = run_gridbot("demo", cwd=tmp_path, stdin="/退出\n", timeout=120)

    assert result.returncode == 0, result.stderr
    assert "GRIDBOT_DATABASE_URL" not in result.stdout and not list(tmp_path.iterdir())


def test_the_end_of_stdin_ends_the_demo_without_quit(tmp_path):
    result = run_gridbot("demo", cwd=tmp_path, stdin="你好", timeout=120)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "演示结束" in result.stdout


def test_ctrl_c_ends_the_demo_cleanly(tmp_path):
    demo = subprocess.Popen(
        gridbot_command("demo"),
        cwd=tmp_path,
        env=gridbot_environment(),
        stdin=subprocess.PIPE,  # kept open: the demo is waiting for a line when Ctrl-C comes
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        for line in demo.stdout:
            if line.startswith("演示时钟"):
                break
        demo.send_signal(signal.SIGINT)
        out, err = demo.communicate(timeout=30)
    finally:
        demo.kill()

    assert demo.returncode in (0, 130), err
    assert "Traceback" not in err and "演示结束" in out
