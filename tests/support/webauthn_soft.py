"""A software passkey authenticator for rule tests: answers the options the server made, as a browser
with a platform authenticator would (attestation "none", ES256, user verified)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, origin: str = "http://localhost:3000", rp_id: str = "localhost"):
        self.origin, self.rp_id = origin, rp_id
        self.keys: dict[bytes, tuple[ec.EllipticCurvePrivateKey, bytes]] = {}  # credential id -> (key, user handle)
        self.counter = 0

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}).encode()

    def _auth_data(self, flags: int, extra: bytes = b"", rp_id: str | None = None) -> bytes:
        self.counter += 1
        return hashlib.sha256((rp_id or self.rp_id).encode()).digest() + bytes([flags]) + \
            struct.pack(">I", self.counter) + extra

    def create(self, options_json: str, *, origin: str | None = None, rp_id: str | None = None,
               user_verified: bool = True) -> tuple[str, bytes]:
        """(registration response JSON, credential id)."""
        options = json.loads(options_json)
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        cred_id = os.urandom(16)
        self.keys[cred_id] = (key, unb64(options["user"]["id"]))
        attested = b"\0" * 16 + struct.pack(">H", len(cred_id)) + cred_id + cose
        flags = 0x41 | (0x04 if user_verified else 0)
        auth_data = self._auth_data(flags, attested, rp_id)
        att = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client = self._client_data("webauthn.create", options["challenge"], origin)
        return json.dumps({"id": b64(cred_id), "rawId": b64(cred_id), "type": "public-key",
                           "response": {"clientDataJSON": b64(client), "attestationObject": b64(att),
                                        "transports": ["internal"]},
                           "clientExtensionResults": {}}), cred_id

    def get(self, options_json: str, cred_id: bytes, *, origin: str | None = None, user_handle: bytes | None = None,
            counter: int | None = None) -> str:
        """An assertion with the credential `cred_id` for the server's options."""
        options = json.loads(options_json)
        key, handle = self.keys[cred_id]
        if counter is not None:
            self.counter = counter - 1
        auth_data = self._auth_data(0x05)
        client = self._client_data("webauthn.get", options["challenge"], origin)
        signature = key.sign(auth_data + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps({"id": b64(cred_id), "rawId": b64(cred_id), "type": "public-key",
                           "response": {"clientDataJSON": b64(client), "authenticatorData": b64(auth_data),
                                        "signature": b64(signature), "userHandle": b64(user_handle or handle)},
                           "clientExtensionResults": {}})
