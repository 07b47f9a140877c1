"""WeChat's message signatures and encryption (the "WXBizMsgCrypt" scheme), and its XML.

The official account (plaintext and safe mode) and WeCom callbacks share one scheme:

- signature: SHA-1 of the sorted, concatenated strings (token, timestamp, nonce[, encrypted]);
- encryption: AES-256-CBC, key = base64-decode(EncodingAESKey + "="), IV = the key's first 16
  bytes, PKCS#7 padding to 32-byte blocks, over
  random(16) ‖ len(msg) as 4 bytes big-endian ‖ msg ‖ receive id (appid or corp id).

It is about sixty lines on ``cryptography``, so we write it rather than depend on wechatpy (whose
last release is years old and which would bring its own HTTP client and token storage besides):
docs/wechat.md says more.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from siyu.wechat.errors import DecryptError, SignatureInvalid

BLOCK = 32
MAX_XML_BYTES = 256 * 1024


def plain_signature(token: str, timestamp: str, nonce: str) -> str:
    """The ``signature`` of an official account's plaintext-mode push and URL check."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def check_plain_signature(token: str, timestamp: str, nonce: str, signature: str) -> None:
    if not token or not hmac.compare_digest(plain_signature(token, timestamp, nonce), signature or ""):
        raise SignatureInvalid()


class MessageCrypto:
    """Signs, encrypts and decrypts one account's pushes (official-account safe mode, WeCom)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise DecryptError(detail={"encoding_aes_key": "must be 43 characters"})
        self.token = token
        self.key = base64.b64decode(encoding_aes_key + "=")
        self.receive_id = receive_id

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        parts = sorted([self.token, timestamp, nonce, encrypted])
        return hashlib.sha1("".join(parts).encode()).hexdigest()

    def verify(self, signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        if not hmac.compare_digest(self.signature(timestamp, nonce, encrypted), signature or ""):
            raise SignatureInvalid()

    def encrypt(
        self, text: str, *, nonce: str, timestamp: str, random16: bytes | None = None
    ) -> tuple[str, str]:
        """(base64 ciphertext, its msg_signature) of ``text``."""
        body = text.encode()
        plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + self.receive_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        encrypted = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
        return encrypted, self.signature(timestamp, nonce, encrypted)

    def decrypt(self, encrypted: str) -> str:
        """The message inside ``encrypted``; refused when it does not decode or names another account."""
        try:
            data = base64.b64decode(encrypted, validate=True)
            if not data or len(data) % 16:
                raise ValueError("length")
            decryptor = self._cipher().decryptor()
            plain = decryptor.update(data) + decryptor.finalize()
            pad = plain[-1]
            if not 1 <= pad <= BLOCK:
                raise ValueError("padding")
            plain = plain[:-pad]
            (length,) = struct.unpack(">I", plain[16:20])
            message = plain[20 : 20 + length]
            receive_id = plain[20 + length :].decode()
            text = message.decode()
        except (ValueError, struct.error, UnicodeDecodeError) as exc:
            raise DecryptError() from exc
        if receive_id != self.receive_id:
            raise DecryptError(detail={"receive_id": receive_id[:64]})
        return text

    def verify_and_decrypt(self, signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        self.verify(signature, timestamp, nonce, encrypted)
        return self.decrypt(encrypted)

    def encrypted_reply_xml(self, reply_xml: str, *, nonce: str, timestamp: str) -> str:
        """A passive reply wrapped the way safe mode and WeCom expect it."""
        encrypted, signature = self.encrypt(reply_xml, nonce=nonce, timestamp=timestamp)
        return to_xml(
            {"Encrypt": encrypted, "MsgSignature": signature, "TimeStamp": timestamp, "Nonce": nonce},
            raw={"TimeStamp"},
        )


def parse_xml(body: bytes) -> dict[str, str]:
    """The top-level fields of a WeChat XML push, as text (nested elements keep their inner XML).

    A document with a DTD or entities is refused before parsing: WeChat never sends one, and refusing
    them rules out entity expansion attacks.
    """
    if len(body) > MAX_XML_BYTES or b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise DecryptError(detail={"xml": "refused"})
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise DecryptError(detail={"xml": "malformed"}) from exc
    fields: dict[str, str] = {}
    for child in root:
        if len(child):
            fields[child.tag] = "".join(ET.tostring(grand, encoding="unicode") for grand in child)
        else:
            fields[child.tag] = (child.text or "").strip()
    return fields


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def to_xml(fields: dict[str, object], *, raw: set[str] | frozenset[str] = frozenset()) -> str:
    """``<xml>`` with one element per field: numbers bare, strings in CDATA, names in ``raw`` bare."""
    parts = ["<xml>"]
    for name, value in fields.items():
        if isinstance(value, int) or name in raw:
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}>{_cdata(str(value))}</{name}>")
    parts.append("</xml>")
    return "".join(parts)
