"""How sign-in failures are counted and locked out (django-axes), without personal data.

django-axes counts failures per (user name, client address): police stations
share one address behind NAT, so one person's typos must never lock out their
colleagues. Three hooks keep axes' tables and log lines free of email addresses:

- `axes_username` is AXES_USERNAME_CALLABLE: axes stores and compares a keyed
  hash of the normalised email address, never the address itself;
- `axes_client_str` is AXES_CLIENT_STR_CALLABLE: axes' log lines name the path only;
- AXES_SENSITIVE_PARAMETERS masks the email and code in the stored form data.

Wrong second-factor codes count too: `second_factor_failed` sends Django's
`user_login_failed` signal with the person's email, which axes records as one
more failure for that person at that address, exactly like a wrong password.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from .models import User

_HASH_SALT = "victimcare.accounts.lockout.username"


def normalise_email(value: str | None) -> str:
    """The form of an email address used for look-ups and lockout keys."""
    return (value or "").strip().lower()


def lockout_key(email: str | None) -> str | None:
    """A keyed hash of the normalised email (what axes stores), or None if empty."""
    email = normalise_email(email)
    if not email:
        return None
    return salted_hmac(_HASH_SALT, email, algorithm="sha256").hexdigest()


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the lockout key for this attempt.

    Accepts the email under either key: `authenticate(username=…)` reports
    failures with "username", axes' own backend and our code use "email".
    """
    if credentials:
        value = credentials.get(settings.AXES_USERNAME_FORM_FIELD) or credentials.get("username")
    else:
        data = getattr(request, "data", None) or request.POST
        value = data.get(settings.AXES_USERNAME_FORM_FIELD)
    return lockout_key(value if isinstance(value, str) else None)


def axes_client_str(
    username: str | None,
    ip_address: str | None,
    user_agent: str | None,
    path_info: Any,
    request: HttpRequest,
) -> str:
    """AXES_CLIENT_STR_CALLABLE: what axes writes into log lines (the path only)."""
    if isinstance(path_info, (tuple, list)):
        path_info = path_info[0] if path_info else ""
    return f"{{path_info: {path_info!s}}}"


def is_locked_out(*, request: HttpRequest, email: str) -> bool:
    """True when this email is locked out at this client address. For sign-in views."""
    return not AxesProxyHandler.is_allowed(request, {settings.AXES_USERNAME_FORM_FIELD: email})


def second_factor_failed(*, request: HttpRequest, user: User) -> bool:
    """Count a wrong second-factor code as a failed sign-in for `user` at this address.

    Returns True if this failure locked the person out (axes then also sets
    `request.axes_locked_out`, and AxesMiddleware serves the lockout page).
    """
    user_login_failed.send(
        sender=__name__,
        credentials={settings.AXES_USERNAME_FORM_FIELD: user.email},
        request=request,
    )
    return bool(getattr(request, "axes_locked_out", False))
