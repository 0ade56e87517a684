"""`gridbot serve` killed with SIGKILL at random moments of a stream of reports, WeChat
retrying meanwhile: every report answered 200 is one ticket, every ticket one 【新工单】
notice to its handler, every resident one reply with the code. The short version of
bench/faults.py, with a fixed seed; to stay short, WeChat retries 1 s apart instead of 5 s and
the outbox rows a killed relay held are due again at once instead of after its 3-minute lease.
The seed fixes the reports and the kill schedule, not the timing of the processes: a failure
names the seed and explains each failing resident from their journal and outbox rows."""

from __future__ import annotations

from storage.db import make_engine
from tests.conftest import data_key
from tests.kill_run import Plan, run
from tests.kill_state import explain

SEED = 20261201
PLAN = Plan(reports=30, kills=3, seed=SEED, spacing=1.0, end_leases=True)


async def test_kills_at_random_moments_lose_no_answered_report_and_send_nothing_twice(
    seeded_url, tmp_path
):
    findings = await run(seeded_url, PLAN, tmp_path)
    print(findings.table(f"{PLAN}"))  # shown with -s, and on failure
    problems = findings.failures()
    details = await _explained(seeded_url, findings) if problems else ""
    assert not problems, f"seed {SEED} (serve log: {tmp_path / 'serve.log'}):\n{details}"


async def _explained(database_url: str, findings) -> str:
    engine = make_engine(database_url, data_key=data_key())
    try:
        return "\n".join(await explain(engine, findings))
    finally:
        await engine.dispose()
