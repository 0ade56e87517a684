"""The one place that reads the environment: GRIDBOT_* variables, optionally a TOML file."""

from __future__ import annotations

import base64
import binascii
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PREFIX = "GRIDBOT_"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///gridbot.db"
# Sections of the TOML file that belong to later features and are passed through as they are.
OPEN_SECTIONS = frozenset(
    {
        "sla",
        "quiet",
        "patrol",
        "visits",
        "digest",
        "retention",
        "nlu",
        "templates",
        "limits",
        "assessment",
        "guide",
        "intake",
        "notice",
        "open311",
        "console",
    }
)
# `[guide] dir`: the service guide's folder (办事指南, one YAML file a service); a relative path
# is taken from the working directory.
DEFAULT_GUIDE_DIR = Path(__file__).resolve().parent / "guide"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line (one a problem when
    several are reported together)."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"{name}: {problem}")
        self.name = name
        self.problems: tuple[str, ...] = (f"{name}: {problem}",)

    @classmethod
    def collected(cls, errors: list[SettingsError]) -> SettingsError:
        if len(errors) == 1:
            return errors[0]
        problems = tuple(p for error in errors for p in error.problems)
        combined = cls(errors[0].name, "")
        combined.args = (f"{len(problems)} problems:\n  " + "\n  ".join(problems),)
        combined.problems = problems
        return combined


@dataclass(frozen=True, repr=False)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "0.0.0.0"
    port: int = 8080
    mp_appid: str = ""
    mp_secret: str = ""
    mp_token: str = ""
    mp_aes_key: str = ""
    work_corpid: str = ""
    work_agentid: int = 0
    work_secret: str = ""
    work_token: str = ""
    work_aes_key: str = ""
    mp_api_base: str = "https://api.weixin.qq.com"
    work_api_base: str = "https://qyapi.weixin.qq.com"
    data_key: str = ""
    db_pool_size: int = 10
    db_max_overflow: int = 0
    nlu_backend: str = "embedded"
    rasa_url: str = ""
    public_url: str = ""  # empty: http://host:port
    sections: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # secrets never reach a log or a traceback
        return f"Settings(host={self.host!r}, port={self.port})"

    @property
    def mp_safe_mode(self) -> bool:
        return bool(self.mp_aes_key)

    @property
    def public_base(self) -> str:
        """Where people reach this server (GRIDBOT_PUBLIC_URL), for the links it sends."""
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    def section(self, name: str) -> Mapping[str, Any]:
        return self.sections.get(name, {})

    @property
    def guide_dir(self) -> Path:
        folder = str(self.section("guide").get("dir", "")).strip()
        return Path(folder) if folder else DEFAULT_GUIDE_DIR

    def require_channels(self) -> None:
        """Raise unless everything needed to talk to WeChat and WeCom is set: every missing
        setting in one report."""
        missing = self.missing_channels()
        if missing:
            raise SettingsError.collected(missing)

    def missing_channels(self) -> list[SettingsError]:
        missing = [
            SettingsError(env_name(name), f"missing ({DESCRIPTIONS[name]})")
            for name in REQUIRED_TO_SERVE
            if not getattr(self, name)
        ]
        if self.nlu_backend == "rasa" and not self.rasa_url:
            missing.append(
                SettingsError(
                    env_name("rasa_url"), "missing (needed with GRIDBOT_NLU_BACKEND=rasa)"
                )
            )
        return missing


REQUIRED_TO_SERVE = (
    "mp_appid",
    "mp_secret",
    "mp_token",
    "work_corpid",
    "work_agentid",
    "work_secret",
    "work_token",
    "work_aes_key",
    "data_key",
)

DESCRIPTIONS = {
    "database_url": "SQLAlchemy URL, e.g. sqlite+aiosqlite:///gridbot.db or "
    "postgresql+asyncpg://user@host/db",
    "host": "address the HTTP server listens on",
    "port": "TCP port the HTTP server listens on",
    "mp_appid": "the Official Account's AppID",
    "mp_secret": "the Official Account's AppSecret",
    "mp_token": "the Official Account's callback Token",
    "mp_aes_key": "the Official Account's EncodingAESKey (43 characters; empty = plain mode)",
    "work_corpid": "the WeCom CorpID",
    "work_agentid": "the AgentId of the WeCom self-built app",
    "work_secret": "the Secret of the WeCom self-built app",
    "work_token": "the WeCom app's callback Token",
    "work_aes_key": "the WeCom app's callback EncodingAESKey (43 characters)",
    "mp_api_base": "base URL of the Official Account API",
    "work_api_base": "base URL of the WeCom API",
    "db_pool_size": "PostgreSQL connections each process keeps open",
    "db_max_overflow": "extra PostgreSQL connections for bursts (each opened and closed again)",
    "data_key": "32 random bytes in base64 that encrypt personal data: the registry, report "
    "texts, notes and messages (make one with `gridbot registry new-key`)",
    "nlu_backend": "text classifier: embedded (default), rasa or keywords",
    "public_url": "the public http(s) address of this server, for the web console's links "
    "(default http://GRIDBOT_HOST:GRIDBOT_PORT)",
    "rasa_url": "base URL of a running Rasa server (with GRIDBOT_NLU_BACKEND=rasa)",
}
NLU_BACKENDS = ("embedded", "rasa", "keywords")


def env_name(name: str) -> str:
    return PREFIX + name.upper()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    settings, errors = _load(os.environ if environ is None else environ)
    if errors:
        raise SettingsError.collected(errors)
    return settings


def load_settings_to_serve(
    environ: Mapping[str, str] | None = None,
    checks: Sequence[Callable[[Settings], object]] = (),
) -> Settings:
    """Settings a server can start with; else every problem in one report: malformed values,
    missing channel settings, and what each of `checks` (e.g. the [sla] reader) refuses."""
    settings, errors = _load(os.environ if environ is None else environ)
    malformed = {error.name for error in errors}
    errors += [e for e in settings.missing_channels() if e.name not in malformed]
    for check in checks:
        try:
            check(settings)
        except SettingsError as error:
            errors.append(error)
    if errors:
        raise SettingsError.collected(errors)
    return settings


def _load(environ: Mapping[str, str]) -> tuple[Settings, list[SettingsError]]:
    """The settings with a malformed value left at its default, and what was malformed."""
    path = environ.get(PREFIX + "CONFIG", "")
    from_file, sections = _read_file(path)
    given = [(name, value, f" (key {name} in {path})") for name, value in from_file.items()]
    for f in fields(Settings):
        value = environ.get(env_name(f.name), "").strip()
        if f.name != "sections" and value:  # an empty variable counts as unset
            given.append((f.name, value, ""))
    values, errors = {}, {}
    for name, value, where in given:  # the environment, last, overrides the file
        try:
            values[name] = _convert(name, value, where)
            errors.pop(name, None)
        except SettingsError as error:
            values.pop(name, None)
            errors[name] = error
    return Settings(**values, sections=sections), list(errors.values())


def _read_file(path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if not path:
        return {}, {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise SettingsError(PREFIX + "CONFIG", f"cannot read {path}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(PREFIX + "CONFIG", f"{path} is not valid TOML: {error}") from None
    raw, sections = {}, {}
    for key, value in data.items():
        if key in DESCRIPTIONS:
            raw[key] = value
        elif key in OPEN_SECTIONS and isinstance(value, dict):
            sections[key] = value
        else:
            raise SettingsError(PREFIX + "CONFIG", f"unknown key {key!r} in {path}")
    return raw, sections


def _convert(name: str, value: Any, where: str = "") -> Any:
    value = str(value).strip()
    check = CHECKS.get(name)
    if check and value:
        problem = check(value)
        if problem:
            raise SettingsError(env_name(name), problem + where)
    if name in INTEGERS:
        return int(value) if value else 0
    return value.rstrip("/") if name.endswith("api_base") else value


def _check_port(value: str) -> str | None:
    if not value.isdigit() or not 0 < int(value) < 65536:
        return f"{value!r} is not a TCP port (1-65535)"
    return None


INTEGERS = ("port", "work_agentid", "db_pool_size", "db_max_overflow")


def _check_count(value: str) -> str | None:
    return None if value.isdigit() and int(value) <= 1000 else f"{value!r} is not a count 0-1000"


def _check_agentid(value: str) -> str | None:
    return None if value.isdigit() else f"{value!r} is not a number (the app's AgentId)"


def _check_aes_key(value: str) -> str | None:
    try:
        ok = len(value) == 43 and len(base64.b64decode(value + "=", validate=True)) == 32
    except binascii.Error:
        ok = False
    return None if ok else "must be the 43-character EncodingAESKey shown by WeChat"


def _check_url(value: str) -> str | None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return f"{value!r} is not an http(s) URL"
    return None


def _check_backend(value: str) -> str | None:
    return None if value in NLU_BACKENDS else f"{value!r} is not one of {', '.join(NLU_BACKENDS)}"


def _check_database_url(value: str) -> str | None:
    try:
        url = make_url(value)
    except ArgumentError:
        return f"{value!r} is not a database URL ({DESCRIPTIONS['database_url']})"
    if url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        return (
            f"driver {url.drivername!r} is not supported; use sqlite+aiosqlite or "
            "postgresql+asyncpg"
        )
    return None


def _check_data_key(value: str) -> str | None:
    try:
        ok = len(base64.b64decode(value, validate=True)) == 32
    except binascii.Error:
        ok = False
    return None if ok else "must be 32 random bytes in base64 (gridbot registry new-key)"


CHECKS: dict[str, Callable[[str], str | None]] = {
    "data_key": _check_data_key,
    "db_pool_size": _check_count,
    "db_max_overflow": _check_count,
    "port": _check_port,
    "work_agentid": _check_agentid,
    "mp_aes_key": _check_aes_key,
    "work_aes_key": _check_aes_key,
    "mp_api_base": _check_url,
    "work_api_base": _check_url,
    "database_url": _check_database_url,
    "nlu_backend": _check_backend,
    "rasa_url": _check_url,
    "public_url": _check_url,
}


@dataclass(frozen=True)
class Open311Options:
    """`[open311]`: the Open311 GeoReport v2 API (/open311/v2/)."""

    per_minute: int = 60  # POSTs a key may make in a minute
    jurisdiction: str = ""  # checked against jurisdiction_id when set
    private_reads: bool = False  # reads need a key too

    @classmethod
    def from_settings(cls, settings: Settings) -> Open311Options:
        table = settings.section("open311")
        unknown = set(table) - {"per_minute", "jurisdiction", "private_reads"}
        if unknown:
            raise SettingsError("GRIDBOT_CONFIG", f"[open311] has unknown keys: {sorted(unknown)}")
        per_minute = table.get("per_minute", cls.per_minute)
        if not isinstance(per_minute, int) or isinstance(per_minute, bool) or per_minute < 1:
            raise SettingsError(
                "GRIDBOT_CONFIG",
                f"[open311] per_minute: {per_minute!r} is not a whole number of requests, "
                "at least 1",
            )
        private = table.get("private_reads", cls.private_reads)
        if not isinstance(private, bool):
            raise SettingsError(
                "GRIDBOT_CONFIG", f"[open311] private_reads: {private!r} is not true or false"
            )
        jurisdiction = table.get("jurisdiction", cls.jurisdiction)
        if not isinstance(jurisdiction, str):
            raise SettingsError(
                "GRIDBOT_CONFIG", f"[open311] jurisdiction: {jurisdiction!r} is not a string"
            )
        return cls(per_minute, jurisdiction.strip(), private)


@dataclass(frozen=True)
class ConsoleOptions:
    """`[console]`: the web console (/console/)."""

    secure_cookies: bool = True  # the session cookie only over HTTPS (the demo turns it off)
    oauth_base: str = "https://open.weixin.qq.com"  # WeCom's authorize page (in the app)
    qr_login_base: str = "https://login.work.weixin.qq.com"  # WeCom's QR login (on a PC)
    # The map's base tiles: a Leaflet URL template ({s} {z} {x} {y}), e.g. 天地图 with its key;
    # empty: the grids on a plain background. The CSP's img-src then allows its hosts alone.
    tiles: str = ""
    tile_subdomains: str = "abc"  # what {s} stands for, one character each (Leaflet's default)
    tiles_attribution: str = ""  # the credit the tile provider asks for, shown on the map

    @classmethod
    def from_settings(cls, settings: Settings) -> ConsoleOptions:
        table = settings.section("console")
        unknown = set(table) - {"secure_cookies", "oauth_base", "qr_login_base", *TILE_KEYS}
        if unknown:
            raise SettingsError("GRIDBOT_CONFIG", f"[console] has unknown keys: {sorted(unknown)}")
        secure = table.get("secure_cookies", cls.secure_cookies)
        if not isinstance(secure, bool):
            raise SettingsError(
                "GRIDBOT_CONFIG", f"[console] secure_cookies: {secure!r} is not true or false"
            )
        oauth = _console_url(table, "oauth_base", cls.oauth_base)
        qr_login = _console_url(table, "qr_login_base", cls.qr_login_base)
        return cls(secure, oauth, qr_login, *_tiles(table))

    def tile_hosts(self) -> list[str]:
        """The origins the tiles come from (one for each {s}), for the CSP's img-src."""
        if not self.tiles:
            return []
        parts = urlparse(self.tiles)
        origin = f"{parts.scheme}://{parts.netloc}"
        if "{s}" not in origin:
            return [origin]
        return [origin.replace("{s}", letter) for letter in self.tile_subdomains]


def _console_url(table: Mapping[str, Any], key: str, default: str) -> str:
    value = table.get(key, default)
    problem = _check_url(value) if isinstance(value, str) else f"{value!r} is not a string"
    if problem:
        raise SettingsError("GRIDBOT_CONFIG", f"[console] {key}: {problem}")
    return value.rstrip("/")


TILE_KEYS = ("tiles", "tile_subdomains", "tiles_attribution")
TILE_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?")
SUBDOMAINS = re.compile(r"[A-Za-z0-9]+")


def _tiles(table: Mapping[str, Any]) -> tuple[str, str, str]:
    """The tile settings, checked: an http(s) template naming {z}, {x} and {y} on a plain
    host name (it goes into the CSP as it is), {s} standing for letters or digits. Errors do
    not repeat the template: it may carry the provider's key."""
    given = [table.get(key, getattr(ConsoleOptions, key)) for key in TILE_KEYS]
    for key, value in zip(TILE_KEYS, given, strict=True):
        if not isinstance(value, str):
            raise SettingsError("GRIDBOT_CONFIG", f"[console] {key}: {value!r} is not a string")
    tiles, subdomains, credit = (value.strip() for value in given)
    if tiles:
        parts = urlparse(tiles)
        host = parts.netloc.replace("{s}", "a")
        if parts.scheme not in ("http", "https") or not TILE_HOST.fullmatch(host):
            raise SettingsError(
                "GRIDBOT_CONFIG", "[console] tiles: not an http(s) URL template on a host name"
            )
        if not all(f"{{{name}}}" in tiles for name in "zxy"):
            raise SettingsError("GRIDBOT_CONFIG", "[console] tiles: the URL lacks {z}, {x} or {y}")
    if not SUBDOMAINS.fullmatch(subdomains):
        raise SettingsError(
            "GRIDBOT_CONFIG", f"[console] tile_subdomains: {subdomains!r} is not letters or digits"
        )
    return tiles, subdomains, credit
