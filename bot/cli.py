"""The `gridbot` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from config.settings import SettingsError, load_settings

log = logging.getLogger("gridbot")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    quiet = args.command in ("demo", "nlu")
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return args.run(args) or 0
    except SettingsError as error:
        print(f"gridbot: configuration error: {error}", file=sys.stderr)
        return 2
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
    return parser


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
