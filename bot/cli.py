"""The `gridbot` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from config.settings import SettingsError, load_settings

log = logging.getLogger("gridbot")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    quiet = args.command in ("demo", "nlu", "ticket")
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return args.run(args) or 0
    except SettingsError as error:
        print(f"gridbot: configuration error: {error}", file=sys.stderr)
        return 2
    except DBAPIError as error:  # one line, without the statement and its parameters
        reason = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
        print(f"gridbot: database error: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridbot", description="网格通 — grid management on "
                                     "WeChat")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the HTTP service (webhooks, relay)")
    serve.set_defaults(run=_serve)
    demo = commands.add_parser("demo", help="try everything on one machine, no WeChat needed")
    demo.set_defaults(run=_demo)
    chat = commands.add_parser("chat", help="chat with a running `gridbot serve` as WeChat would")
    chat.add_argument("--url", default="", help="server base URL (default: from settings)")
    chat.set_defaults(run=_chat)
    imp = commands.add_parser("import", help="import grids, staff and routes (all or nothing)")
    imp.add_argument("--grids", type=Path, help="GeoJSON FeatureCollection of grid boundaries")
    imp.add_argument("--staff", type=Path, help="CSV: userid,name,phone,role,unit")
    imp.add_argument("--routes", type=Path, help="CSV: unit,category,role")
    imp.set_defaults(run=_import)
    _nlu_parser(commands)
    _ticket_parser(commands)
    return parser


def _ticket_parser(commands) -> None:
    ticket = commands.add_parser("ticket", help="show and list tickets")
    verbs = ticket.add_subparsers(dest="verb", required=True)
    show = verbs.add_parser("show", help="one ticket with its trail")
    show.add_argument("code")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_ticket_show)
    listing = verbs.add_parser("list", help="tickets as a table")
    listing.add_argument("--unit", help="a unit path like 青禾县/清泉街道, or a grid code")
    listing.add_argument("--state", choices=["new", "assigned", "accepted", "on_site",
                                             "resolved", "closed"])
    listing.add_argument("--overdue", action="store_true", help="only tickets past a deadline")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_ticket_list)


def _ticket_show(args) -> int:
    from bot import tickets_cli

    return _print_or_fail(lambda s: tickets_cli.show(s, args.code, args.json))


def _ticket_list(args) -> int:
    from bot import tickets_cli

    return _print_or_fail(
        lambda s: tickets_cli.listing(s, args.unit, args.state, args.overdue, args.json))


def _print_or_fail(work) -> int:
    from bot.tickets_cli import NotFound, with_session

    try:
        print(asyncio.run(with_session(load_settings().database_url, work)))
    except NotFound as missing:
        print(f"gridbot ticket: {missing}", file=sys.stderr)
        return 1
    return 0


def _nlu_parser(commands) -> None:
    nlu = commands.add_parser("nlu", help="the text classifier: train, predict, evaluate, export")
    verbs = nlu.add_subparsers(dest="verb", required=True)
    train = verbs.add_parser("train", help="train the embedded model from nlu/data")
    train.add_argument("--out", type=Path, help="model file (default: the model cache)")
    train.set_defaults(run=_nlu_train)
    predict = verbs.add_parser("predict", help="classify stdin lines, one JSON object a line")
    predict.set_defaults(run=_nlu_predict)
    evaluate = verbs.add_parser("evaluate", help="score a label<TAB>text file")
    evaluate.add_argument("file", type=Path)
    evaluate.set_defaults(run=_nlu_evaluate)
    export = verbs.add_parser("export-rasa", help="write a Rasa 3.x project from nlu/data")
    export.add_argument("dir", type=Path)
    export.set_defaults(run=_nlu_export)


def _classifier():
    from nlu.backends import make_classifier

    return make_classifier(load_settings())


def _nlu_train(args) -> int:
    from nlu.commands import train_command

    print(train_command(args.out))
    return 0


def _nlu_predict(args) -> int:
    from nlu.commands import predict_lines, stdin_lines

    predict_lines(_classifier(), stdin_lines(), sys.stdout)
    return 0


def _nlu_evaluate(args) -> int:
    from nlu.commands import BadEvaluationFile, evaluate, read_labelled

    try:
        rows = read_labelled(args.file)
    except BadEvaluationFile as error:
        print(f"gridbot nlu evaluate: {error}", file=sys.stderr)
        return 2
    print(evaluate(_classifier(), rows))
    return 0


def _nlu_export(args) -> int:
    from nlu.commands import export_rasa

    for path in export_rasa(args.dir):
        print(path)
    return 0


def _serve(args) -> int:
    from handlers.policy import Policy

    settings = load_settings()
    settings.require_channels()
    Policy.from_settings(settings)  # a bad [sla] stops start-up here, in one line
    from aiohttp import web

    from bot.app import create_app

    web.run_app(create_app(settings), host=settings.host, port=settings.port,
                access_log=None, print=lambda text: log.info("%s", text))
    return 0


def _demo(args) -> int:
    from bot.demo import run_demo

    asyncio.run(run_demo())
    return 0


def _chat(args) -> int:
    from bot.chat import run_chat

    settings = load_settings()
    settings.require_channels()
    url = args.url or f"http://127.0.0.1:{settings.port}"
    asyncio.run(run_chat(settings, url))
    return 0


def _import(args) -> int:
    if not (args.grids or args.staff or args.routes):
        print("gridbot import: give at least one of --grids, --staff, --routes", file=sys.stderr)
        return 2
    from storage.importer import ImportFailed, run_import

    settings = load_settings()
    try:
        summary = asyncio.run(run_import(settings.database_url, args.grids, args.staff,
                                         args.routes))
    except ImportFailed as failure:
        print("导入失败，未写入任何数据 / import failed, nothing was written:", file=sys.stderr)
        for problem in failure.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"导入完成 / imported: {summary.grids} grids ({summary.units_added} new units), "
          f"{summary.staff} staff, {summary.routes} routes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
