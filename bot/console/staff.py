"""The console's staff pages (人员与网格): the org tree with each unit's people, a person's
page, and a supervisor's changes as CSRF-checked POSTs (the guard) that come back (303) with
the answer as a flash. The pages join pages.GETS and POSTS when this module is imported."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.console import flash, pages
from bot.console.guard import COOKIE, SERVICES, Visit, signed_in
from handlers import texts
from handlers.console import staff, staff_changes
from handlers.console.actions import Outcome
from storage.importer import ROLES

STAFF = "/console/staff"
PEOPLE = f"{STAFF}/people"
TREE_FLASH = ""  # the flash left for the tree page (a failed add), not for a person


@signed_in
async def tree(visit: Visit) -> web.StreamResponse:
    given = visit.request.query.get("unit")
    unit_id = None if given is None else _unit_id(given)
    found = await staff.org_tree(visit.uow, visit.me.staff, unit_id, _ports(visit))
    return _page(visit, "staff.html", TREE_FLASH, tree=found)


@signed_in
async def person(visit: Visit) -> web.StreamResponse:
    userid = visit.request.match_info["userid"]
    found = await staff.person_page(visit.uow, visit.me.staff, userid, _ports(visit))
    return _page(visit, "person.html", found.person.userid, page=found)


@signed_in
async def add(visit: Visit) -> web.StreamResponse:
    asked = await _asked(visit)
    outcome = await staff_changes.add_person(visit.uow, visit.me.staff, asked, _ports(visit))
    if outcome.done:
        return _back(visit, f"{PEOPLE}/{quote(outcome.code)}", outcome)
    unit = asked.get("unit")
    return _back(visit, f"{STAFF}?unit={unit}" if unit.isdigit() else STAFF, outcome)


@signed_in
async def change(visit: Visit) -> web.StreamResponse:
    action = visit.request.match_info["action"]
    if action not in staff_changes.STEPS:
        raise web.HTTPNotFound()
    userid = visit.request.match_info["userid"]
    outcome = await staff_changes.change(
        visit.uow, visit.me.staff, userid, action, await _asked(visit), _ports(visit)
    )
    return _back(visit, f"{PEOPLE}/{quote(outcome.code)}", outcome)


def _unit_id(given: str) -> int:
    """The unit asked for by id; anything else (or huge) asks for no unit there is."""
    return int(given) if given.isdigit() and len(given) < 12 else -1


def _page(visit: Visit, template: str, code: str, **values) -> web.StreamResponse:
    key, session = _flash_key(visit), visit.request.cookies.get(COOKIE, "")
    left = flash.take(visit.request, key, session, code)
    response = aiohttp_jinja2.render_template(
        template,
        visit.request,
        visit.context(
            outcome=left,
            s=texts.CONSOLE_STAFF,
            role=texts.roles_named(visit.me.staff.roles),
            roles=[(role, texts.ROLE_NAMES.get(role, role)) for role in ROLES],
            **values,
        ),
    )
    if flash.COOKIE in visit.request.cookies:
        flash.clear(response, STAFF)  # shown once
    return response


def _back(visit: Visit, location: str, outcome: Outcome) -> web.StreamResponse:
    response = web.Response(status=303, headers={"Location": location})
    secure = visit.request.app[pages.OPTIONS].secure_cookies
    session = visit.request.cookies.get(COOKIE, "")
    flash.leave(response, outcome, _flash_key(visit), session, secure, STAFF)
    return response


async def _asked(visit: Visit) -> staff_changes.Asked:
    form = await visit.request.post()
    fields = {name: value for name, value in form.items() if isinstance(value, str)}
    roles = [str(role)[:32] for role in form.getall("roles", [])][: len(ROLES) + 1]
    return staff_changes.Asked(fields, roles)


def _ports(visit: Visit):
    return visit.request.app[SERVICES].dispatcher_ports


def _flash_key(visit: Visit) -> bytes:
    return _ports(visit).console.key


GETS = {"/staff": tree, "/staff/people/{userid}": person}
POSTS = {"/staff/people": add, "/staff/people/{userid}/{action}": change}
pages.GETS.update(GETS)
pages.POSTS.update(POSTS)
