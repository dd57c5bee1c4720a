"""Encryption at rest (``SUPPORTBOT_ENCRYPTION_KEY``): one key ring for checkpoints and our own columns.

* Checkpoints go through LangGraph's ``EncryptedSerializer`` with ``KeyRing`` as its
  cipher (AES-256-GCM), over a strict ``JsonPlusSerializer``: a tampered row cannot
  make msgpack build arbitrary objects.
* Our own payload columns (``SEALED_COLUMNS``: inbox payloads, outbox bodies, approval
  arguments and notes, audit details, refund reasons, tickets) are sealed by
  ``graph.db.Database`` on the way in and opened on the way out, by parameter and
  column name, so no query and no caller changes.

A sealed column value is ``sealed:v1:`` + urlsafe base64 (nonce, tag, ciphertext). Values
without the prefix are read as they are (rows written before encryption was turned
on, or redacted by ``forget``), which is what lets ``supportbot encrypt`` work in place.
Rotation: the first key encrypts, every key decrypts (``SUPPORTBOT_ENCRYPTION_OLD_KEYS``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Iterable

from Crypto.Cipher import AES
from langgraph.checkpoint.serde.base import CipherProtocol
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

PREFIX = "sealed:v1:"
CIPHER_NAME = "aes-gcm"
SEALED_COLUMNS = frozenset({
    "payload", "body", "args", "detail", "reason", "summary", "customer", "note", "edited_args", "subject",
})
# A known plaintext sealed into ``encryption_check``: start-up opens it to prove the key is right.
CHECK_PLAINTEXT = "supportbot encryption check"


class SealError(Exception):
    """A sealed value no key opens (a wrong key, or a tampered row)."""


def parse_key(text: str) -> bytes:
    """The 32 bytes of a urlsafe base64 key, or ValueError saying what is wrong."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode() + b"=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("is not urlsafe base64") from None
    if len(key) != 32:
        raise ValueError(f"decodes to {len(key)} bytes; it must be 32 (AES-256)")
    return key


class KeyRing(CipherProtocol):
    """AES-256-GCM; encrypts with the first key, decrypts with whichever key opens the value."""

    def __init__(self, keys: Iterable[bytes]) -> None:
        self.keys = list(keys)
        if not self.keys:
            raise ValueError("a key ring needs a key")

    # -- CipherProtocol (LangGraph's EncryptedSerializer) --------------------
    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        cipher = AES.new(self.keys[0], AES.MODE_GCM)
        ciphertext, tag = cipher.encrypt_and_digest(plaintext)
        return CIPHER_NAME, cipher.nonce + tag + ciphertext

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        if ciphername != CIPHER_NAME:
            raise SealError(f"unknown cipher {ciphername!r}")
        nonce, tag, body = ciphertext[:16], ciphertext[16:32], ciphertext[32:]
        for key in self.keys:
            try:
                return AES.new(key, AES.MODE_GCM, nonce=nonce).decrypt_and_verify(body, tag)
            except ValueError:
                continue
        raise SealError("no SUPPORTBOT_ENCRYPTION_KEY opens this value")

    # -- our own columns ----------------------------------------------------
    def seal(self, text: str) -> str:
        _, data = self.encrypt(text.encode())
        return PREFIX + base64.urlsafe_b64encode(data).decode()

    def open(self, value: str) -> str:
        if not is_sealed(value):
            return value
        try:
            data = base64.urlsafe_b64decode(value[len(PREFIX):].encode())
        except (binascii.Error, ValueError):
            raise SealError("a sealed value is not base64") from None
        return self.decrypt(CIPHER_NAME, data).decode()

    def serializer(self) -> EncryptedSerializer:
        return EncryptedSerializer(self, strict_serde())


def strict_serde() -> JsonPlusSerializer:
    """msgpack that builds only LangGraph's safe types and the message classes (no arbitrary imports)."""
    return JsonPlusSerializer(allowed_msgpack_modules=None)


def is_sealed(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)
