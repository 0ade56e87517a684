"""The `gridbot` command."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import sys
import threading
import traceback
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.logs import configure
from config.settings import SettingsError, load_settings, load_settings_to_serve

log = logging.getLogger("gridbot")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    quiet = args.command in (
        "demo",
        "nlu",
        "ticket",
        "export",
        "audit",
        "registry",
        "resident",
        "report",
        "outbox",
        "staff",
        "guide",
        "notice",
        "qrcode",
        "menu",
    )
    configure(
        logging.WARNING if quiet else logging.INFO,
        "json" if os.environ.get("GRIDBOT_LOG_FORMAT") == "json" else "text",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)  # its DEBUG lines carry parameters
    threading.excepthook = _unless_loop_closed
    return _run(args)


def _run(args) -> int:
    try:
        status = args.run(args) or 0
        sys.stdout.flush()  # a reader that has gone (`| head`) shows here at the latest
        return status
    except BrokenPipeError:
        return _reader_gone()
    except SettingsError as error:
        print(f"gridbot: configuration error: {error}", file=sys.stderr)
        return 2
    except (DBAPIError, OSError) as error:
        trouble = _database_trouble(error)
        if trouble is None:
            raise
        print(f"gridbot: {trouble}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _reader_gone() -> int:
    """End as a program stopped by SIGPIPE does: silent, status 128 + 13."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # for the exit's flush
    return 141


def _database_trouble(error: DBAPIError | OSError) -> str | None:
    """One line, without the URL's password, the statement or its parameters."""
    if not _while_connecting(error):
        if isinstance(error, DBAPIError):
            return f"database error: {_reason(error)}"
        return None
    url = make_url(load_settings().database_url)
    if url.get_backend_name() == "sqlite":
        folder = Path(url.database or ".").parent
        missing = "" if folder.is_dir() else f" (folder {folder} does not exist)"
        return f"database unreachable: {url.database}: {_reason(error)}{missing}"
    where = f"{url.host or url.query.get('host') or 'localhost'}:{url.port or 5432}/{url.database}"
    return f"database unreachable: {where}: {_reason(error)}"


def _while_connecting(error: BaseException) -> bool:
    """Raised on the way out of SQLAlchemy's pool: no connection could be made."""
    return any(
        frame.f_globals.get("__name__", "").startswith("sqlalchemy.pool")
        for frame, _ in traceback.walk_tb(error.__traceback__)
    )


def _reason(error: DBAPIError | OSError) -> str:
    if isinstance(error, DBAPIError):
        lines = str(error.orig).splitlines() if error.orig is not None else []
        return lines[0] if lines else type(error).__name__
    if error.errno in errno.errorcode:  # says more than "Connect call failed ('127.0.0.1', 1)"
        return os.strerror(error.errno).lower()
    if isinstance(error, TimeoutError):
        return "timed out"
    return error.strerror.lower() if error.strerror else str(error) or type(error).__name__


def _unless_loop_closed(hook: threading.ExceptHookArgs) -> None:
    """Drop aiosqlite's report that its worker could not hand the result of a failed connect to
    the loop asyncio.run had already closed: nothing is lost, and the failure is told once."""
    worker = hook.thread.name if hook.thread else ""
    if not (
        hook.exc_type is RuntimeError
        and "_connection_worker_thread" in worker
        and "Event loop is closed" in str(hook.exc_value)
    ):
        threading.__excepthook__(hook)


def _subcommands(parser: argparse.ArgumentParser, **options):
    """Subcommands whose own --help opens with the line the list of commands shows."""
    group = parser.add_subparsers(**options)
    add = group.add_parser

    def add_parser(name: str, **more) -> argparse.ArgumentParser:
        more.setdefault("description", more.get("help"))
        return add(name, **more)

    group.add_parser = add_parser
    return group


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gridbot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridbot", description="网格通 — grid management on WeChat"
    )
    parser.add_argument("--version", action="version", version=f"gridbot {_version()}")
    commands = _subcommands(parser, dest="command")
    serve = commands.add_parser("serve", help="run the HTTP service (webhooks, relay)")
    serve.set_defaults(run=_serve)
    demo = commands.add_parser("demo", help="try everything on one machine, no WeChat needed")
    demo.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the demo database in DIR (for `gridbot ticket list` and the like after)",
    )
    demo.set_defaults(run=_demo)
    chat = commands.add_parser("chat", help="chat with a running `gridbot serve` as WeChat would")
    chat.add_argument("--url", default="", help="server base URL (default: from settings)")
    chat.set_defaults(run=_chat)
    imp = commands.add_parser("import", help="import grids, staff and routes (all or nothing)")
    imp.add_argument("--grids", type=Path, help="GeoJSON FeatureCollection of grid boundaries")
    imp.add_argument("--staff", type=Path, help="CSV: userid,name,phone,role,unit")
    imp.add_argument("--routes", type=Path, help="CSV: unit,category,role")
    imp.add_argument(
        "--households",
        type=Path,
        help="CSV or XLSX: code,grid,address,head_name,phone,id_number,members,"
        "tags,note (needs GRIDBOT_DATA_KEY)",
    )
    imp.add_argument(
        "--places",
        type=Path,
        help="CSV: name,grid or name,lat,lon (roads, estates, landmarks, 自然村)",
    )
    imp.set_defaults(run=_import)
    _nlu_parser(commands)
    _ticket_parser(commands)
    _staff_parser(commands)
    _registry_parsers(commands)
    _guide_parser(commands)
    _notice_parser(commands)
    _open311_parser(commands)
    _menu_parser(commands)
    outbox = commands.add_parser("outbox", help="messages waiting, held or dead")
    outbox_verbs = _subcommands(outbox, dest="verb", required=True)
    waiting = outbox_verbs.add_parser("list", help="messages not sent (pending, held, dead)")
    waiting.add_argument("--dead", action="store_true", help="only dead-lettered messages")
    waiting.add_argument("--json", action="store_true")
    waiting.set_defaults(run=_outbox_list)
    again = outbox_verbs.add_parser("retry", help="queue a dead or held message again")
    again.add_argument("id", nargs="?", type=int)
    again.add_argument("--all-dead", action="store_true")
    again.set_defaults(run=_outbox_retry)
    _qrcode_parser(commands)
    scheduler = commands.add_parser("scheduler", help="run only the scheduled jobs (and relay)")
    scheduler.set_defaults(run=_scheduler)
    report = commands.add_parser("report", help="reports")
    kinds = _subcommands(report, dest="kind", required=True)
    assessment = kinds.add_parser("assessment", help="the quarterly assessment (考核)")
    assessment.add_argument("--quarter", required=True, help="e.g. 2026Q4")
    assessment.add_argument("--format", choices=["table", "csv", "xlsx"], default="table")
    assessment.add_argument("--out", type=Path)
    assessment.add_argument("--json", action="store_true", help="one JSON object per worker")
    assessment.set_defaults(run=_assessment)
    return parser


def _notice_parser(commands) -> None:
    notice = commands.add_parser("notice", help="notices sent to residents (政策宣传)")
    verbs = _subcommands(notice, dest="verb", required=True)
    listing = verbs.add_parser("list", help="what went out: time, unit, sender, counts, text")
    listing.add_argument("--limit", type=int, default=50, help="at most this many, newest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_notice_list)


def _notice_list(args) -> int:
    from bot.cli import notices

    return _in_session(lambda s: notices.listing(s, args.limit, args.json))


def _open311_parser(commands) -> None:
    open311 = commands.add_parser("open311", help="the Open311 GeoReport v2 API")
    things = _subcommands(open311, dest="thing", required=True)
    keys = things.add_parser("keys", help="keys other systems file requests with")
    verbs = _subcommands(keys, dest="verb", required=True)
    add = verbs.add_parser("add", help="a new key, printed once (only its hash is kept)")
    add.add_argument("name")
    add.add_argument("--unit", metavar="PATH", help="reads in full only within this unit")
    add.set_defaults(run=lambda a: _open311(lambda o, s: o.add(s, a.name, a.unit)))
    verbs.add_parser("list", help="every key: name, unit, when made and revoked").set_defaults(
        run=lambda a: _open311(lambda o, s: o.listing(s))
    )
    revoke = verbs.add_parser("revoke", help="the key stops working at once")
    revoke.add_argument("name")
    revoke.set_defaults(run=lambda a: _open311(lambda o, s: o.revoke(s, a.name)))


def _open311(work) -> int:
    from bot.cli import open311

    return _in_session(lambda session: work(open311, session), "gridbot open311")


def _qrcode_parser(commands) -> None:
    qr = commands.add_parser("qrcode", help="grid QR codes for the boards (网格化图谱)")
    which = qr.add_mutually_exclusive_group(required=True)
    which.add_argument("--grid", metavar="CODE", help="the grid's code")
    which.add_argument("--all", action="store_true", help="one picture per grid (needs --out)")
    qr.add_argument(
        "--out", type=Path, help="PNG file (default qrcode-CODE.png); with --all, a folder"
    )
    qr.set_defaults(run=_qrcode)


def _qrcode(args) -> int:
    from bot.cli import qrcode

    if args.all and args.out is None:
        print("gridbot qrcode: --all needs --out DIR", file=sys.stderr)
        return 2
    try:
        written = asyncio.run(qrcode.make(load_settings(), args.grid, args.out))
    except qrcode.Refused as refused:
        print(f"gridbot qrcode: {refused}", file=sys.stderr)
        return 1
    print("\n".join(written))
    return 0


def _outbox_list(args) -> int:
    from bot.cli import outbox

    return _in_session(lambda s: outbox.listing(s, args.dead, args.json), reading=True)


def _outbox_retry(args) -> int:
    from bot.cli import outbox

    if (args.id is None) == (not args.all_dead):
        print("gridbot outbox retry: give a message ID or --all-dead", file=sys.stderr)
        return 2
    return _in_session(lambda s: outbox.retry(s, args.id, args.all_dead))


def _scheduler(args) -> int:
    from bot.app import run_without_http

    settings = load_settings()
    settings.require_channels()
    asyncio.run(run_without_http(settings))
    return 0


def _assessment(args) -> int:
    from bot.cli import reports

    if args.format == "xlsx" and not args.out:
        print("gridbot report: --format xlsx needs --out FILE", file=sys.stderr)
        return 2
    settings = load_settings()
    try:
        return _in_session(
            lambda s: reports.assessment(
                s, settings, args.quarter, "json" if args.json else args.format, args.out
            ),
            "gridbot report",
            reading=True,
        )
    except ValueError as error:
        print(f"gridbot report: {error}", file=sys.stderr)
        return 2


def _registry_parsers(commands) -> None:
    export = commands.add_parser("export", help="export registry data")
    what = _subcommands(export, dest="what", required=True)
    households = what.add_parser("households", help="households, masked unless --unmasked")
    households.add_argument("--unit", help="a unit path like 青禾县/清泉街道, or a grid code")
    households.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    households.add_argument("--out", type=Path, help="file to write (stdout for csv if absent)")
    households.add_argument(
        "--unmasked",
        action="store_true",
        help="full names, phones and ID numbers (needs --purpose; audited)",
    )
    households.add_argument("--purpose", default="", help="why the export is needed")
    households.set_defaults(run=_export_households)
    audit = commands.add_parser("audit", help="the registry's audit log")
    audit_verbs = _subcommands(audit, dest="verb", required=True)
    listing = audit_verbs.add_parser("list", help="every view, export and refusal")
    listing.add_argument("--actor", help="only entries whose actor contains this")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_audit_list)
    keys = commands.add_parser("registry", help="the registry's data key")
    key_verbs = _subcommands(keys, dest="verb", required=True)
    key_verbs.add_parser("new-key", help="print a fresh random data key").set_defaults(
        run=_new_key
    )
    rotate = key_verbs.add_parser("rotate-key", help="re-encrypt with GRIDBOT_NEW_DATA_KEY")
    rotate.set_defaults(run=_rotate_key)
    resident = commands.add_parser("resident", help="residents' personal data")
    resident_verbs = _subcommands(resident, dest="verb", required=True)
    forget = resident_verbs.add_parser("forget", help="remove a resident's personal data")
    forget.add_argument("openid")
    forget.set_defaults(run=_forget)


def _in_session(work, command: str = "gridbot", reading: bool = False) -> int:
    """Run `work(session)` on the configured database and print what it returns; `reading`
    commands make no database where there is none."""
    from bot.cli.tickets import NotFound, with_session

    try:
        settings = load_settings()
        result = asyncio.run(
            with_session(settings.database_url, work, settings.data_key, existing=reading)
        )
    except NotFound as missing:
        print(f"{command}: {missing}", file=sys.stderr)
        return 1
    if result is not None:
        print(result)
    return 0


def _export_households(args) -> int:
    from bot.cli import registry

    settings = load_settings()
    if args.format == "xlsx" and not args.out:
        print("gridbot export: --format xlsx needs --out FILE", file=sys.stderr)
        return 2
    if args.unmasked and not args.purpose.strip():
        _in_session(lambda s: registry.refuse_export(s, args.unit), reading=True)
        print(
            'gridbot export: --unmasked needs --purpose "why" (the refusal is audited)',
            file=sys.stderr,
        )
        return 2
    key = registry.require_key(settings.data_key)

    async def work(session):
        rows = await registry.export_households(
            session, key, args.unit, args.unmasked, args.purpose.strip() or "masked export"
        )
        return registry.write_export(rows, args.format, args.out)

    return _in_session(work, "gridbot export", reading=True)


def _audit_list(args) -> int:
    from bot.cli import registry

    return _in_session(lambda s: registry.audit_list(s, args.actor, args.json), reading=True)


def _new_key(args) -> int:
    from storage.crypto import new_key

    print(new_key())
    return 0


def _rotate_key(args) -> int:

    from bot.cli import registry
    from storage.crypto import DataKey, DataKeyError

    settings = load_settings()
    old = registry.require_key(settings.data_key)
    text = os.environ.get("GRIDBOT_NEW_DATA_KEY", "").strip()
    if not text:
        raise DataKeyError("set GRIDBOT_NEW_DATA_KEY to the new key (gridbot registry new-key)")
    new = DataKey.from_text(text)

    async def work(session):
        count = await registry.rotate_key(session, old, new)
        return (
            f"re-encrypted {count} households with key {new.key_id}; "
            "now set GRIDBOT_DATA_KEY to the new key"
        )

    return _in_session(work)


def _forget(args) -> int:
    from bot.cli import registry

    return _in_session(lambda s: registry.forget(s, args.openid))


def _ticket_parser(commands) -> None:
    ticket = commands.add_parser("ticket", help="show and list tickets")
    verbs = _subcommands(ticket, dest="verb", required=True)
    show = verbs.add_parser("show", help="one ticket with its trail")
    show.add_argument("code")
    show.add_argument("--json", action="store_true")
    show.add_argument(
        "--unmasked",
        action="store_true",
        help="phone and ID numbers as residents typed them (needs --purpose; audited)",
    )
    show.add_argument("--purpose", default="", help="why the ticket is looked at")
    show.set_defaults(run=_ticket_show)
    listing = verbs.add_parser("list", help="tickets as a table")
    listing.add_argument("--unit", help="a unit path like 青禾县/清泉街道, or a grid code")
    listing.add_argument(
        "--state",
        choices=["new", "assigned", "accepted", "on_site", "resolved", "closed", "withdrawn"],
    )
    listing.add_argument("--overdue", action="store_true", help="only tickets past a deadline")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_ticket_list)


def _ticket_show(args) -> int:
    from bot.cli import tickets

    purpose = args.purpose.strip()
    if args.unmasked and not purpose:
        _in_session(lambda s: tickets.refuse_unmasked(s, args.code), reading=True)
        print(
            'gridbot ticket: --unmasked needs --purpose "why" (the refusal is audited)',
            file=sys.stderr,
        )
        return 2
    return _in_session(
        lambda s: tickets.show(s, args.code, args.json, args.unmasked, purpose),
        "gridbot ticket",
        reading=True,
    )


def _ticket_list(args) -> int:
    from bot.cli import tickets

    return _in_session(
        lambda s: tickets.listing(s, args.unit, args.state, args.overdue, args.json),
        "gridbot ticket",
        reading=True,
    )


def _staff_parser(commands) -> None:
    staff = commands.add_parser("staff", help="the roster: who is on duty")
    verbs = _subcommands(staff, dest="verb", required=True)
    listing = verbs.add_parser("list", help="everyone, with unit and duty state")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_staff_list)
    off = verbs.add_parser(
        "off-duty",
        help="take off duty (until on-duty, whatever imports "
        "list); their open tickets go to someone else",
    )
    off.add_argument("userid")
    off.set_defaults(run=_staff_off_duty)
    on = verbs.add_parser("on-duty", help="bring back on duty")
    on.add_argument("userid")
    on.set_defaults(run=_staff_on_duty)


def _staff_list(args) -> int:
    from bot.cli import staff

    return _in_session(lambda s: staff.listing(s, args.json), "gridbot staff", reading=True)


def _staff_off_duty(args) -> int:
    from bot.cli import staff
    from handlers.policy import Policy

    policy = Policy.from_settings(load_settings())
    return _in_session(lambda s: staff.off_duty(s, args.userid, policy), "gridbot staff")


def _staff_on_duty(args) -> int:
    from bot.cli import staff

    return _in_session(lambda s: staff.on_duty(s, args.userid), "gridbot staff")


def _nlu_parser(commands) -> None:
    nlu = commands.add_parser("nlu", help="the text classifier: train, predict, evaluate, export")
    verbs = _subcommands(nlu, dest="verb", required=True)
    train = verbs.add_parser("train", help="train the embedded model from nlu/data")
    train.add_argument("--out", type=Path, help="model file (default: the model cache)")
    train.add_argument(
        "--ship", action="store_true", help="write the model that ships in nlu/trained"
    )
    train.set_defaults(run=_nlu_train)
    predict = verbs.add_parser("predict", help="classify stdin lines, one JSON object a line")
    predict.set_defaults(run=_nlu_predict)
    evaluate = verbs.add_parser(
        "evaluate", help="score label<TAB>text (or label<TAB>kinds<TAB>text) files"
    )
    evaluate.add_argument("file", type=Path, nargs="?", help="labelled reports and other intents")
    evaluate.add_argument("--emergencies", type=Path, help="kind<TAB>text, kind none: look-alike")
    evaluate.add_argument("--nonreports", type=Path, help="label<TAB>text of non-reports")
    evaluate.set_defaults(run=_nlu_evaluate)
    export = verbs.add_parser("export-rasa", help="write a Rasa 3.x project from nlu/data")
    export.add_argument("dir", type=Path)
    export.set_defaults(run=_nlu_export)


def _classifier():
    from nlu.backends import make_classifier

    return make_classifier(load_settings())


def _nlu_train(args) -> int:
    from nlu.evaluation import train_command

    print(train_command(args.out, ship=args.ship))
    return 0


def _nlu_predict(args) -> int:
    from nlu.evaluation import predict_lines, stdin_lines

    predict_lines(_classifier(), stdin_lines(), sys.stdout)
    return 0


def _nlu_evaluate(args) -> int:
    from nlu import evaluation as ev

    steps = [
        (args.file, ev.read_labelled, ev.evaluate),
        (args.emergencies, ev.read_emergencies, ev.evaluate_emergencies),
        (args.nonreports, ev.read_nonreports, ev.evaluate_nonreports),
    ]
    steps = [step for step in steps if step[0] is not None]
    if not steps:
        print("gridbot nlu evaluate: give a FILE, --emergencies or --nonreports", file=sys.stderr)
        return 2
    try:
        loaded = [(read(path), score) for path, read, score in steps]
    except ev.BadEvaluationFile as error:
        print(f"gridbot nlu evaluate: {error}", file=sys.stderr)
        return 2
    classifier = _classifier()
    print("\n\n".join(score(classifier, rows) for rows, score in loaded))
    return 0


def _nlu_export(args) -> int:
    from nlu.evaluation import export_rasa

    for path in export_rasa(args.dir):
        print(path)
    return 0


def _guide_parser(commands) -> None:
    guide = commands.add_parser("guide", help="the service guide (办事指南) residents ask")
    verbs = _subcommands(guide, dest="verb", required=True)
    check = verbs.add_parser("check", help="validate the guide files, one line per problem")
    check.add_argument("dir", nargs="?", type=Path, help="folder (default: [guide] dir)")
    check.set_defaults(run=_guide_check)


def _guide_check(args) -> int:
    from bot.cli import guide

    return guide.check(args.dir or load_settings().guide_dir)


def _menu_parser(commands) -> None:
    menu = commands.add_parser("menu", help="the Official Account's menu (公众号菜单)")
    verbs = _subcommands(menu, dest="verb", required=True)
    create = verbs.add_parser("create", help="set the menu: 我要反映, 我的工单, 服务")
    create.set_defaults(run=_menu_create)


def _menu_create(args) -> int:
    from bot.cli import menu

    return menu.create_command(load_settings())


def _serve(args) -> int:
    from config.settings import ConsoleOptions, Open311Options
    from handlers.calendar import Rhythm
    from handlers.policy import Policy

    # every problem in one report: a bad [sla] or [patrol] as much as a missing token
    checks = [
        Policy.from_settings,
        Rhythm.from_settings,
        Open311Options.from_settings,
        ConsoleOptions.from_settings,
    ]
    settings = load_settings_to_serve(checks=checks)
    from aiohttp import web

    from bot.app import create_app

    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=None,
        print=lambda text: log.info("%s", text),
    )
    return 0


def _demo(args) -> int:
    from bot.devkit.demo import FolderTaken, run_demo

    try:
        asyncio.run(run_demo(args.keep))
    except FolderTaken as taken:
        print(f"gridbot demo: {taken} exists already; --keep needs a new folder", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\n演示结束，再见！")
        return 130
    return 0


def _chat(args) -> int:
    from bot.devkit.chat import run_chat

    settings = load_settings()
    settings.require_channels()
    url = args.url or f"http://127.0.0.1:{settings.port}"
    asyncio.run(run_chat(settings, url))
    return 0


def _import(args) -> int:
    if not (args.grids or args.staff or args.routes or args.places or args.households):
        print(
            "gridbot import: give at least one of --grids, --staff, --routes, --places, "
            "--households",
            file=sys.stderr,
        )
        return 2
    from bot.cli.staff import passing_on
    from handlers.policy import Policy
    from nlu.categories import CATEGORY_IDS
    from storage.importer import ImportFailed, run_import

    settings = load_settings()
    try:
        if args.households:  # checked before anything is written, against the grids too
            _check_households(settings, args.households, args.grids)
        if args.grids or args.staff or args.routes or args.places:
            on_leave = passing_on(Policy.from_settings(settings))
            summary = asyncio.run(
                run_import(
                    settings.database_url,
                    args.grids,
                    args.staff,
                    args.routes,
                    on_leave,
                    _data_key(settings),
                    categories=CATEGORY_IDS,
                    places=args.places,
                )
            )
            left = (
                (
                    f"; {summary.off_duty} taken off duty (no longer listed), "
                    f"{summary.rerouted} open ticket(s) re-routed"
                )
                if args.staff
                else ""
            )
            print(
                f"导入完成 / imported: {summary.grids} grids ({summary.units_added} new "
                f"units), {summary.staff} staff, {summary.routes} routes, "
                f"{summary.places} places{left}"
            )
        if args.households:
            counts = _import_households(settings, args.households)
            print(
                f"住户导入完成 / households: {counts['added']} added, {counts['updated']} "
                f"updated, {counts['unchanged']} unchanged"
            )
    except ImportFailed as failure:
        print("导入失败，未写入任何数据 / import failed, nothing was written:", file=sys.stderr)
        for problem in failure.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 0


def _check_households(settings, path: Path, grids: Path | None) -> None:
    from bot.cli import registry
    from bot.cli.tickets import with_session
    from nlu.categories import CATEGORY_IDS
    from storage.importer import plan_import

    planned = (
        {row.code for row in plan_import(grids, None, None, categories=CATEGORY_IDS).grids}
        if grids
        else set()
    )
    registry.require_key(settings.data_key)
    asyncio.run(
        with_session(
            settings.database_url, lambda s: registry.precheck(s, path, planned), settings.data_key
        )
    )


def _import_households(settings, path: Path) -> dict:
    from bot.cli import registry
    from bot.cli.tickets import with_session

    key = registry.require_key(settings.data_key)
    return asyncio.run(
        with_session(
            settings.database_url,
            lambda s: registry.import_households(s, path, key),
            settings.data_key,
        )
    )


def _data_key(settings):
    from storage.crypto import DataKey

    return DataKey.from_text(settings.data_key) if settings.data_key else None


if __name__ == "__main__":
    sys.exit(main())
