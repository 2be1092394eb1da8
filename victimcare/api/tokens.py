"""Token secrets: how they are hashed for storage and comparison."""

from __future__ import annotations

import hashlib


def secret_hash(secret: str) -> str:
    """SHA-256 hex of a token secret: the only form in which a secret is stored.

    A plain hash (no salt, no slow KDF) is right here: the secret has 256 bits
    of randomness, so it cannot be guessed from its hash, and authentication
    must look tokens up quickly on every request."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
