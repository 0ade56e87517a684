"""Protection at rest for the registry: AES-GCM for sensitive fields, HMAC for lookups.

One secret (GRIDBOT_DATA_KEY, 32 random bytes in base64) is stretched with HKDF into an
encryption key and a hashing key. Each ciphertext names the key that made it, so a rotation can
run while the old key still reads what is not yet rewritten.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text, TypeDecorator

from config.settings import SettingsError

KEY_ENV = "GRIDBOT_DATA_KEY"
NONCE_BYTES = 12


class DataKeyError(SettingsError):
    """The data key is missing, malformed or not the one the data was written with."""

    def __init__(self, problem: str):
        super().__init__(KEY_ENV, problem)


def new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"gridbot " + purpose
    ).derive(secret)


@dataclass(frozen=True)
class DataKey:
    key_id: str
    _aead: AESGCM
    _hash_key: bytes

    @classmethod
    def from_text(cls, text: str) -> DataKey:
        try:
            secret = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            secret = b""
        if len(secret) != 32:
            raise DataKeyError(
                "must be 32 random bytes in base64 (make one with `gridbot registry new-key`)"
            )
        key_id = hashlib.sha256(_derive(secret, b"key id")).hexdigest()[:8]
        return cls(key_id, AESGCM(_derive(secret, b"encryption")), _derive(secret, b"lookup"))

    @classmethod
    def from_env(cls, name: str = KEY_ENV) -> DataKey | None:
        text = os.environ.get(name, "").strip()
        return cls.from_text(text) if text else None

    def encrypt(self, value: str | None, context: str) -> str | None:
        """`context` (table.column) is bound in, so a value cannot be moved to another field."""
        if value is None or value == "":
            return None
        return self.seal(value, context)

    def seal(self, value: str, context: str) -> str:
        """Like `encrypt`, for a value that may be empty: "" stays "" once opened again."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode(), context.encode())
        return f"{self.key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str | None, context: str) -> str | None:
        if not token:
            return None
        key_id, _, body = token.partition(":")
        if key_id != self.key_id:
            raise DataKeyError(f"data was written with key {key_id}, this key is {self.key_id}")
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise DataKeyError("a stored value is not one this key wrote") from None
        try:
            return self._aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()
            ).decode()
        except InvalidTag:
            raise DataKeyError("a value failed its integrity check") from None

    def lookup_hash(self, value: str | None) -> str | None:
        """A keyed hash to find a row by phone or ID number without storing it in clear."""
        if not value:
            return None
        return hmac.new(self._hash_key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def key_of(token: str | None) -> str | None:
    return token.partition(":")[0] if token else None


async def check_registry_key(session, key: DataKey | None, now) -> None:
    """Refuse to run without the key once sensitive data exists, or with another key."""
    from sqlalchemy import func, select

    from storage.models import Household, RegistryKey

    stored = await session.get(RegistryKey, 1)
    has_data = bool(await session.scalar(select(func.count(Household.id))))
    if key is None:
        if has_data or stored:
            raise DataKeyError(
                "missing; the registry holds encrypted personal data and "
                "cannot be read or written without its key"
            )
        return
    if stored is None:
        session.add(RegistryKey(id=1, key_id=key.key_id, set_at=now))
    elif stored.key_id != key.key_id:
        raise DataKeyError(
            f"is not the key the registry was written with "
            f"(key id {key.key_id}, registry {stored.key_id})"
        )


# Personal free text at rest (report texts, notes, resolutions, message bodies) is sealed with
# the same key and scheme as the registry. The key travels with the engine: make_engine puts it
# on the engine's dialect, the one object a column type is handed when it binds or reads.


class KeyMissing(DataKeyError):
    def __init__(self):
        super().__init__(
            "missing; personal data is stored encrypted and cannot be read or "
            "written without it (make one with `gridbot registry new-key`)"
        )


def attach_key(dialect, key: DataKey | None) -> None:
    dialect.gridbot_data_key = key


def key_of_dialect(dialect) -> DataKey:
    key = getattr(dialect, "gridbot_data_key", None)
    if key is None:
        raise KeyMissing()
    return key


class SealedText(TypeDecorator):
    """Text encrypted with AES-GCM, bound to its column (`context`, e.g. "tickets.text")."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str):
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        if value is None:
            return None
        return key_of_dialect(dialect).seal(self._dump(value), self.context)

    def process_result_value(self, value: str | None, dialect):
        if value is None:
            return None
        return self._load(key_of_dialect(dialect).decrypt(value, self.context))

    def _dump(self, value) -> str:
        return value

    def _load(self, text: str):
        return text


class SealedJSON(SealedText):
    """A JSON document (an outbox message body) encrypted like SealedText."""

    cache_ok = True

    def _dump(self, value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def _load(self, text: str):
        return json.loads(text)


def is_sealed(value: str) -> bool:
    """Whether a stored value has the shape of a sealed one (`<key id>:<base64>`)."""
    return bool(SEALED_SHAPE.match(value))


SEALED_SHAPE = re.compile(r"^[0-9a-f]{8}:[A-Za-z0-9+/]+={0,2}$")
