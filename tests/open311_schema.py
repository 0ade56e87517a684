"""The shape of every Open311 answer, written from the GeoReport v2 specification
(wiki.open311.org/GeoReport_v2) and mySociety's servicerequestupdates extension.

A schema is a `Record` (child elements, each exactly once, no others), a `Many` (zero or more
elements of one tag) or a `Leaf` (text matching a pattern, or empty where the spec allows it).
The same schema checks an XML element and the JSON value that carries it."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Leaf:
    pattern: str
    empty: bool = False

    def check(self, text: str | None, where: str) -> None:
        if text is None or text == "":
            assert self.empty, f"{where}: empty, the spec wants {self.pattern!r}"
        else:
            assert re.fullmatch(self.pattern, text, re.S), f"{where}: {text[:80]!r}"


@dataclass(frozen=True)
class Many:
    tag: str
    item: Record | Leaf


@dataclass(frozen=True)
class Record:
    fields: dict[str, Record | Many | Leaf]


def optional(leaf: Leaf) -> Leaf:
    return Leaf(leaf.pattern, empty=True)


TEXT = Leaf(r".+")
CODE = Leaf(r"[A-Za-z0-9_-]+")
TICKET = Leaf(r"GB-[0-9A-Z]+")
INTEGER = Leaf(r"-?\d+")
NUMBER = Leaf(r"-?\d+(\.\d+)?")
BOOLEAN = Leaf(r"true|false")
URL = Leaf(r"https?://\S+")
DATETIME = Leaf(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00")  # W3C, in China's zone

DISCOVERY = Record(
    {
        "changeset": DATETIME,
        "contact": optional(TEXT),
        "key_service": optional(TEXT),
        "endpoints": Many(
            "endpoint",
            Record(
                {
                    "specification": URL,
                    "url": URL,
                    "changeset": DATETIME,
                    "type": Leaf(r"production|test"),
                    "formats": Many("format", Leaf(r"text/xml|application/json")),
                }
            ),
        ),
    }
)
SERVICES = Many(
    "service",
    Record(
        {
            "service_code": CODE,
            "service_name": TEXT,
            "description": optional(TEXT),
            "metadata": BOOLEAN,
            "type": Leaf(r"realtime|batch|blackbox"),
            "keywords": optional(TEXT),
            "group": optional(TEXT),
        }
    ),
)
ATTRIBUTE = Record(
    {
        "variable": BOOLEAN,
        "code": CODE,
        "datatype": Leaf(r"string|number|datetime|text|singlevaluelist|multivaluelist"),
        "required": BOOLEAN,
        "datatype_description": optional(TEXT),
        "order": INTEGER,
        "description": TEXT,
        "values": Many("value", Record({"key": CODE, "name": TEXT})),
    }
)
SERVICE_DEFINITION = Record({"service_code": CODE, "attributes": Many("attribute", ATTRIBUTE)})
REQUESTS = Many(
    "request",
    Record(
        {
            "service_request_id": TICKET,
            "status": Leaf(r"open|closed"),
            "status_notes": optional(TEXT),
            "service_name": optional(TEXT),
            "service_code": optional(CODE),
            "description": optional(TEXT),
            "agency_responsible": optional(TEXT),
            "service_notice": optional(TEXT),
            "requested_datetime": DATETIME,
            "updated_datetime": optional(DATETIME),
            "expected_datetime": optional(DATETIME),
            "address": optional(TEXT),
            "address_id": optional(TEXT),
            "zipcode": optional(TEXT),
            "lat": optional(NUMBER),
            "long": optional(NUMBER),
            "media_url": optional(URL),
        }
    ),
)
FILED = Many(
    "request",
    Record(
        {
            "service_request_id": TICKET,
            "token": optional(TEXT),
            "service_notice": optional(TEXT),
            "account_id": optional(TEXT),
        }
    ),
)
TOKENS = Many("request", Record({"service_request_id": TICKET, "token": TEXT}))
UPDATE_STATUS = (
    r"OPEN|INVESTIGATING|IN_PROGRESS|ACTION_SCHEDULED|NO_FURTHER_ACTION"
    r"|NOT_COUNCILS_RESPONSIBILITY|DUPLICATE|INTERNAL_REFERRAL|CLOSED|FIXED"
)
UPDATES = Many(
    "request_update",
    Record(
        {
            "update_id": CODE,
            "service_request_id": TICKET,
            "status": Leaf(UPDATE_STATUS),
            "updated_datetime": DATETIME,
            "description": TEXT,
            "media_url": optional(URL),
        }
    ),
)
ERRORS = Many("error", Record({"code": Leaf(r"4\d\d|5\d\d"), "description": TEXT}))
ROOTS = {
    "discovery": ("discovery", DISCOVERY),
    "services": ("services", SERVICES),
    "services/": ("service_definition", SERVICE_DEFINITION),
    "requests": ("service_requests", REQUESTS),
    "requests/": ("service_requests", REQUESTS),
    "tokens/": ("service_requests", TOKENS),
    "servicerequestupdates": ("service_request_updates", UPDATES),
}


def answer_schema(path: str, status: int, posted: bool = False) -> tuple[str, Record | Many]:
    """The root tag and schema of the answer to `path` (relative to /open311/v2/)."""
    if status >= 400:
        return "errors", ERRORS
    if posted:
        return "service_requests", FILED
    name = re.match(r"[a-z]+/?", path).group(0)
    return ROOTS[name]


def check_xml(element, tag: str, schema: Record | Many) -> None:
    assert element.tag == tag, f"root {element.tag}, the spec wants {tag}"
    _check_element(element, schema, tag)


def _check_element(element, schema, where: str) -> None:
    if isinstance(schema, Leaf):
        assert len(element) == 0, f"{where}: elements inside a value"
        schema.check(element.text, where)
    elif isinstance(schema, Many):
        for child in element:
            assert child.tag == schema.tag, f"{where}: <{child.tag}>, not <{schema.tag}>"
            _check_element(child, schema.item, f"{where}/{child.tag}")
    else:
        tags = [child.tag for child in element]
        assert sorted(tags) == sorted(schema.fields), f"{where}: {tags}"
        for child in element:
            _check_element(child, schema.fields[child.tag], f"{where}/{child.tag}")


def check_json(value, schema: Record | Many | Leaf, where: str = "") -> None:
    if isinstance(schema, Leaf):
        assert not isinstance(value, dict | list), f"{where}: a structure inside a value"
        schema.check(_as_text(value), where)
    elif isinstance(schema, Many):
        assert isinstance(value, list), f"{where}: {type(value).__name__}, not a list"
        for index, item in enumerate(value):
            check_json(item, schema.item, f"{where}[{index}]")
    else:
        assert isinstance(value, dict), f"{where}: {type(value).__name__}, not an object"
        assert sorted(value) == sorted(schema.fields), f"{where}: {sorted(value)}"
        for name, inner in value.items():
            check_json(inner, schema.fields[name], f"{where}.{name}")


def _as_text(value) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)
