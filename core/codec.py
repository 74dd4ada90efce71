"""Payload encryption: Temporal's history holds ciphertext, never a consumer's personal data."""

import base64
import os
from collections.abc import Iterable, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over the whole serialized payload; the key id travels in metadata for rotation."""

    def __init__(self, key: bytes, key_id: str = "k1") -> None:
        if len(key) != 32:
            raise ValueError("payload key must be 32 bytes (base64 in PAYLOAD_KEY)")
        self._aes = AESGCM(key)
        self.key_id = key_id

    @classmethod
    def from_b64(cls, key_b64: str, key_id: str = "k1") -> "EncryptionCodec":
        return cls(base64.b64decode(key_b64), key_id)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(self._decrypt_all(payloads))

    def _encrypt(self, p: Payload) -> Payload:
        nonce = os.urandom(12)
        data = nonce + self._aes.encrypt(nonce, p.SerializeToString(), None)
        return Payload(metadata={"encoding": ENCODING, "encryption-key-id": self.key_id.encode()}, data=data)

    def _decrypt_all(self, payloads: Iterable[Payload]) -> Iterable[Payload]:
        for p in payloads:
            if p.metadata.get("encoding", b"") != ENCODING:
                yield p
                continue
            key_id = p.metadata.get("encryption-key-id", b"").decode()
            if key_id != self.key_id:
                raise ValueError(f"unknown payload key id {key_id!r}")
            plain = self._aes.decrypt(p.data[:12], p.data[12:], None)
            out = Payload()
            out.ParseFromString(plain)
            yield out
