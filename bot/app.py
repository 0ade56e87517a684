"""The app factory: every resource opened and closed in one cleanup context."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

import aiohttp
from aiohttp import web
from sqlalchemy import text

from bot import console, open311, wire
from bot.dispatcher import Dispatcher, Unavailable
from bot.logs import request_ids
from bot.metrics import Metrics
from bot.relay import Relay
from bot.scheduler import Scheduler, ticket_by_ticket
from bot.webhooks import REPLY_DEADLINE_SECONDS, Webhook
from bot.wechat_api import MpApi, WorkApi
from config.settings import Settings
from handlers.calendar import Rhythm
from handlers.policy import Policy
from handlers.ports import Clock, Ports, SystemClock
from handlers.registry.retention import anonymise_old_tickets
from handlers.tickets import deadlines
from nlu.backends import make_classifier
from nlu.classifier import Classifier, Remembered
from nlu.guide import GuideWatcher
from storage.crypto import DataKey, check_registry_key
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.geo import LiveGrids
from storage.inbox import Inbox
from storage.tokens import TokenStore
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
# aiohttp reads request lines of 8190 bytes by default: too short for Open311's list of 1,000
# ticket codes, and one of 10,000 would get the parser's bare 400 instead of the spec's answer.
MAX_REQUEST_LINE_BYTES = 128 * 1024
DEADLINE_CHECK_SECONDS = 15
INBOX_CHECK_SECONDS = 2  # messages a dead process left pending are taken up this often
FINISH_SECONDS = 5  # a stopping process lets the webhooks' work end this long
CANCEL_SECONDS = 2  # and then waits this long for what it cancelled
HEALTH_SECONDS = 1.5  # /healthz answers within 2 s: 503 when the database takes longer
GRIDS_CHECK_SECONDS = 10  # an import reaches every running server within this
GUIDE_CHECK_SECONDS = 5  # a changed guide file is in use within 10 s
RETENTION_EVERY_ROUNDS = 240  # an hour of deadline checks


@dataclass
class Services:
    """What the running app holds; tests reach into it through the app key."""

    settings: Settings
    clock: Clock
    classifier: Classifier
    reply_deadline: float = REPLY_DEADLINE_SECONDS
    run_relay: bool = True
    sessionmaker: object = None
    relay: Relay | None = None
    dispatcher: Dispatcher | None = None
    inbox: Inbox | None = None
    grids: LiveGrids = field(default_factory=LiveGrids)
    policy: Policy | None = None
    rhythm: Rhythm | None = None
    run_scheduler: bool = False
    engine: object = None
    data_key: DataKey | None = None
    scheduler: object = None
    job_runs: dict[str, int] = field(default_factory=dict)
    metrics: Metrics | None = None
    webhooks: dict[str, Webhook] = field(default_factory=dict)
    ping: asyncio.Future | None = None  # the health check's query, while it runs
    guide: GuideWatcher | None = None  # 办事指南, taken up again when its files change
    dispatcher_ports: Ports | None = None  # what use cases get: Open311 files through them
    senders: dict = field(default_factory=dict)  # the WeChat and WeCom APIs, by channel


SERVICES = web.AppKey("services", Services)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    classifier: Classifier | None = None,
    reply_deadline: float = REPLY_DEADLINE_SECONDS,
    run_relay: bool = True,
    run_scheduler: bool | None = None,
) -> web.Application:
    """`run_relay` runs the outbox relay and deadline watch; `run_scheduler` (default: with
    the relay) the patrol, visit, digest and assessment jobs."""
    metrics = Metrics()
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        handler_args={"max_line_size": MAX_REQUEST_LINE_BYTES},
        middlewares=[request_ids, metrics.middleware()],
    )
    app[SERVICES] = Services(
        settings,
        clock or SystemClock(),
        classifier or make_classifier(settings),
        reply_deadline,
        run_relay,
        run_scheduler=run_relay if run_scheduler is None else run_scheduler,
        metrics=metrics,
    )
    app.cleanup_ctx.append(_resources)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    for name in ("mp", "work"):
        app.router.add_get(f"/wechat/{name}", _route(name, "verify"))
        app.router.add_post(f"/wechat/{name}", _route(name, "receive"))
    open311.add_routes(app, SERVICES, settings)
    console.add_routes(app, SERVICES, settings)
    return app


def _route(name: str, method: str):
    async def handler(request: web.Request) -> web.StreamResponse:
        webhook = request.app[SERVICES].webhooks[name]
        return await getattr(webhook, method)(request)

    return handler


async def _resources(app: web.Application) -> AsyncIterator[None]:
    services = app[SERVICES]
    settings = services.settings
    data_key = services.data_key = (
        DataKey.from_text(settings.data_key) if settings.data_key else None
    )
    engine = services.engine = make_engine(
        settings.database_url, settings.db_pool_size, settings.db_max_overflow, data_key
    )
    await upgrade(engine)
    services.sessionmaker = sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        await check_registry_key(session, data_key, services.clock.now())
        await session.commit()
    await services.grids.refresh(sessionmaker)
    log.info("loaded %d grid boundaries", len(services.grids))
    http = aiohttp.ClientSession()
    senders = {
        "mp": MpApi(
            http,
            settings.mp_api_base,
            services.clock,
            settings.mp_appid,
            settings.mp_secret,
            TokenStore(sessionmaker, "mp"),
        ),
        "work": WorkApi(
            http,
            settings.work_api_base,
            services.clock,
            settings.work_corpid,
            settings.work_secret,
            settings.work_agentid,
            TokenStore(sessionmaker, "work"),
        ),
    }
    services.senders = senders
    template = str(settings.section("templates").get("ticket_update", ""))
    services.policy = Policy.from_settings(settings)
    services.rhythm = Rhythm.from_settings(settings)
    services.relay = Relay(
        sessionmaker,
        senders,
        services.clock,
        template_id=template,
        quiet_end=services.rhythm.quiet_end,
        on_failure=lambda channel: services.metrics.send_failures.labels(channel).inc(),
    )
    services.guide = GuideWatcher(settings.guide_dir, services.clock.now())
    ports = Ports(
        guide=services.guide,
        classifier=Remembered(services.classifier),
        clock=services.clock,
        grids=services.grids,
        policy=services.policy,
        data_key=data_key,
        rhythm=services.rhythm,
        count=services.metrics.count,
        console=console.links(settings),
    )
    services.dispatcher_ports = ports
    services.dispatcher = Dispatcher(sessionmaker, ports, on_commit=services.relay.wake)
    services.inbox = Inbox(sessionmaker)
    _add_webhooks(services)
    background = (
        [
            asyncio.create_task(services.relay.run()),
            asyncio.create_task(_watch_deadlines(services)),
            asyncio.create_task(_watch_inbox(services)),
            asyncio.create_task(_watch_grids(services)),
            asyncio.create_task(_watch_guide(services)),
        ]
        if services.run_relay
        else []
    )
    if services.run_scheduler:
        services.scheduler = Scheduler(services)
        services.scheduler.start()
    yield
    if services.scheduler:
        await services.scheduler.stop()
    for task in background:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await _let_finish([task for hook in services.webhooks.values() for task in hook.tasks])
    if services.ping:
        services.ping.cancel()
    await http.close()
    await engine.dispose()


async def _let_finish(tasks: list[asyncio.Task]) -> None:
    """Give the webhooks' work a few seconds to end, then cancel what is left, waiting a
    bounded time for it: a stopping process never hangs on a task that will not end (what it
    leaves pending in the journal the next process takes up)."""
    if not tasks:
        return
    _, left = await asyncio.wait(tasks, timeout=FINISH_SECONDS)
    for task in left:
        task.cancel()
    if left:
        _, stuck = await asyncio.wait(left, timeout=CANCEL_SECONDS)
        log.warning(
            "stopped with %d webhook tasks cancelled, %d not ending", len(left), len(stuck)
        )


async def _watch_deadlines(services: Services) -> None:
    """Escalate what is late and close what nobody rated, every few seconds; anonymise
    tickets past their retention once an hour."""
    rounds = 0
    while True:
        try:
            acted = await act_on_due(services.sessionmaker, services.clock.now(), services.policy)
            if acted:
                services.relay.wake()
            if rounds % RETENTION_EVERY_ROUNDS == 0:
                await _apply_retention(services)
        except Exception:  # a dead database must not end the watch
            log.exception("deadline check failed; will retry")
        rounds += 1
        await asyncio.sleep(DEADLINE_CHECK_SECONDS)


async def _watch_inbox(services: Services) -> None:
    """Handle what a dead process left in the journal, and clear the passive replies kept
    for WeChat's retries; on start, and every few seconds."""
    while True:
        try:
            await take_up_journal(services)
        except Exception:  # a dead database must not end the watch
            log.exception("inbox check failed; will retry")
        await asyncio.sleep(INBOX_CHECK_SECONDS)


MAX_ATTEMPTS = 10  # a message that ended its handler's process this often is put aside


async def take_up_journal(services: Services) -> int:
    """One round of the inbox watch; the number of messages handled."""
    inbox, now = services.inbox, services.clock.now()
    rows = await inbox.claim_due(now)
    for row in rows:
        try:
            msg = wire.inbound(row.channel, row.content or "")
        except wire.Refused:
            msg = None
        if msg is None or row.attempts > MAX_ATTEMPTS:
            log.error("journal row %s cannot be handled; marked failed", row.id)
            await inbox.give_up(row.id, now)
            continue
        try:
            await services.dispatcher.handle(row.id, msg, waiting=None)
        except Unavailable:
            log.error("journal row %s: database unavailable; will retry", row.id)
            break
    await inbox.forget_answered_replies(now)
    return len(rows)


async def _watch_guide(services: Services) -> None:
    """Take up the service guide's changed files, read off the event loop; a broken file is
    logged and the last good guide stays."""
    while True:
        await asyncio.sleep(GUIDE_CHECK_SECONDS)
        try:
            if await asyncio.to_thread(services.guide.reload_if_changed, services.clock.now()):
                log.info("service guide changed; %d services now", len(services.guide.guide))
        except Exception:
            log.exception("service guide check failed; will retry")


async def _watch_grids(services: Services) -> None:
    """Take up grid boundaries imported while this server runs, by whichever process."""
    while True:
        await asyncio.sleep(GRIDS_CHECK_SECONDS)
        try:
            if await services.grids.refresh(services.sessionmaker):
                log.info("grid boundaries changed; %d now", len(services.grids))
        except Exception:  # a dead database must not end the watch
            log.exception("grid boundary check failed; will retry")


async def act_on_due(sessionmaker, now: datetime, policy: Policy) -> int:
    """Act on every passed deadline, one ticket per transaction; how many were acted on."""
    return await ticket_by_ticket(
        sessionmaker,
        lambda uow: deadlines.due(uow, now),
        lambda uow, ticket_id: deadlines.act_on(uow, ticket_id, now, policy),
    )


async def _apply_retention(services: Services) -> None:
    async with UnitOfWork.opened(services.sessionmaker) as uow:
        count = await anonymise_old_tickets(
            uow, services.clock.now(), services.policy.retention_days
        )
        await uow.commit()
    if count:
        log.info("anonymised %d tickets past their retention", count)


def _add_webhooks(services: Services) -> None:
    settings = services.settings
    channels = {
        "mp": wire.Channel("mp", settings.mp_token, settings.mp_aes_key, settings.mp_appid),
        "work": wire.Channel(
            "work", settings.work_token, settings.work_aes_key, settings.work_corpid
        ),
    }

    for name, channel in channels.items():
        services.webhooks[name] = Webhook(
            channel, services.inbox, services.dispatcher, services.clock, services.reply_deadline
        )


async def metrics_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        return await services.metrics.render(services.sessionmaker)
    except Exception as error:  # the database is down: say so, as a scrape error
        log.error("metrics unavailable: %s", type(error).__name__)
        return web.Response(status=503, text="metrics unavailable: database unreachable")


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    problem = await _database_problem(services)
    if problem:
        log.error("health check failed: %s", problem)
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "grids": len(services.grids)})


async def _database_problem(services: Services) -> str | None:
    """Why the database is not answering, or None. A ping that hangs is left to end by itself
    (cancelling a query in flight can take as long again) and no second one starts meanwhile,
    so a stalled database costs one pooled connection, and the answer comes in time."""
    if services.ping is None or services.ping.done():
        services.ping = asyncio.ensure_future(_ping(services.sessionmaker))
        services.ping.add_done_callback(lambda ping: ping.cancelled() or ping.exception())
    done, _ = await asyncio.wait({services.ping}, timeout=HEALTH_SECONDS)
    if not done:
        return f"no answer within {HEALTH_SECONDS} s"
    error = services.ping.exception()
    return type(error).__name__ if error else None


async def _ping(sessionmaker) -> None:
    async with sessionmaker() as session:
        await session.execute(text("SELECT 1"))


async def run_without_http(settings: Settings) -> None:
    """`gridbot scheduler`: the same resources, jobs and relay, no webhooks listening."""
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
