"""Field-level encryption and blind indexes for personal data.

Keys are separate from SECRET_KEY: `settings.FIELD_ENCRYPTION_KEYS` is a list of
Fernet keys (the first encrypts, all decrypt, so rotation is "put a new key in
front, run `reencrypt_fields`, drop the old key") and `settings.BLIND_INDEX_KEY`
keys the HMAC used for exact look-ups. Neither plaintext nor keys are ever logged.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

BLIND_INDEX_KINDS = frozenset({"phone", "email", "name"})


class DecryptionError(Exception):
    """A stored token could not be decrypted with any configured key."""


@functools.cache
def _multifernet() -> MultiFernet:
    keys = [k for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", []) if k]
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one Fernet key.")
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        # The message names no key material.
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a malformed Fernet key.") from exc


def reset_keys() -> None:
    """Forget the cached MultiFernet so the next call reads the settings again."""
    _multifernet.cache_clear()


@receiver(setting_changed)
def _keys_changed(*, setting: str, **kwargs: Any) -> None:
    # Tests (and override_settings) change keys at run time.
    if setting == "FIELD_ENCRYPTION_KEYS":
        reset_keys()


def encrypt_text(value: str) -> str:
    """A Fernet token (URL-safe ASCII) for `value`, encrypted under the primary key.

    Each call gives a different token (random IV), so tokens cannot be compared
    or looked up: use `blind_index` for that.
    """
    return _multifernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    """The plaintext of a token made by `encrypt_text` under any configured key.

    Raises DecryptionError (naming no data) if no key opens it.
    """
    try:
        return _multifernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError(
            "A stored value could not be decrypted with the configured keys."
        ) from exc


def rotate_token(token: str) -> str:
    """The same plaintext re-encrypted under the primary key (MultiFernet.rotate)."""
    try:
        return _multifernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError(
            "A stored value could not be decrypted with the configured keys."
        ) from exc


_UK_TRUNK_ZERO = re.compile(r"\(0\)")


def normalise_phone(value: str) -> str:
    """A UK-centred E.164 form of a phone number: `+447700900123`.

    "07700 900123", "+44 7700 900123", "+44 (0)7700 900123", "0044 7700 900123"
    and "447700900123" all give "+447700900123". Numbers already in
    international form keep their country code. Raises ValueError if there are
    no digits.
    """
    text = _UK_TRUNK_ZERO.sub("", value.strip())
    digits = re.sub(r"\D", "", text)
    if not digits:
        raise ValueError("A phone number needs digits.")
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("44") and len(digits) == 12:
        return "+" + digits
    if digits.startswith("0"):
        return "+44" + digits[1:]
    return "+44" + digits


def normalise_email(value: str) -> str:
    """An email address trimmed and lower-cased. Raises ValueError if empty."""
    email = value.strip().lower()
    if not email:
        raise ValueError("An email address cannot be empty.")
    return email


def normalise_name(value: str) -> str:
    """A person's name for exact look-up: case-folded, accents and punctuation
    kept, runs of spaces and hyphen spacing folded ("Anna  Kowalska" and
    "anna kowalska" match). Raises ValueError if empty."""
    name = " ".join(value.replace(" -", "-").replace("- ", "-").split()).casefold()
    if not name:
        raise ValueError("A name cannot be empty.")
    return name


_NORMALISERS = {"phone": normalise_phone, "email": normalise_email, "name": normalise_name}


def blind_index(value: str, *, kind: str) -> str:
    """HMAC-SHA256 (hex, 64 characters) of the normalised `value`, keyed by BLIND_INDEX_KEY.

    Equal values after normalisation give equal indexes, so a column of these
    supports exact look-ups and uniqueness without storing the value. `kind`
    ("phone" or "email") chooses the normalisation and is mixed into the
    message, so a phone and an email never share an index.
    """
    normalise = _NORMALISERS.get(kind)
    if normalise is None:
        raise ValueError(
            f"Unknown blind index kind {kind!r}; use one of {sorted(BLIND_INDEX_KINDS)}."
        )
    key = getattr(settings, "BLIND_INDEX_KEY", "")
    if not key:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be set.")
    message = f"{kind}:{normalise(value)}".encode()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()
