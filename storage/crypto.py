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
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"gridbot " + purpose).derive(secret)


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
            raise DataKeyError("must be 32 random bytes in base64 "
                               "(make one with `gridbot registry new-key`)")
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
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode(), context.encode())
        return f"{self.key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str | None, context: str) -> str | None:
        if not token:
            return None
        key_id, _, body = token.partition(":")
        if key_id != self.key_id:
            raise DataKeyError(f"data was written with key {key_id}, this key is {self.key_id}")
        raw = base64.b64decode(body)
        try:
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                      context.encode()).decode()
        except InvalidTag:
            raise DataKeyError("a value failed its integrity check") from None

    def lookup_hash(self, value: str | None) -> str | None:
        """A keyed hash to find a row by phone or ID number without storing it in clear."""
        if not value:
            return None
        return hmac.new(self._hash_key, value.strip().upper().encode(),
                        hashlib.sha256).hexdigest()


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
            raise DataKeyError("missing; the registry holds encrypted personal data and "
                               "cannot be read or written without its key")
        return
    if stored is None:
        session.add(RegistryKey(id=1, key_id=key.key_id, set_at=now))
    elif stored.key_id != key.key_id:
        raise DataKeyError(f"is not the key the registry was written with "
                           f"(key id {key.key_id}, registry {stored.key_id})")
