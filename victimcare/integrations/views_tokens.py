"""API tokens pages (issue 10, item 2): the list, creating a token, a token's
details, rotating and revoking. For token administrators
(`integrations.manage_tokens`); anyone else gets 404.

A secret exists only in the response to the POST that made it: it is never
stored (only its hash), never put in a URL or a session, and the page is sent
with `Cache-Control: no-store` so the browser does not keep it either.
Writes go through `api.services`, which record them in the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.api.constants import SCOPES
from victimcare.api.models import ApiToken
from victimcare.api.selectors import access_token, token_list_for_user
from victimcare.api.services import TokenError, token_create, token_revoke, token_rotate

from .forms_tokens import TokenCreateForm, TokenRotateForm
from .permissions_tokens import MANAGE_TOKENS

LIST_TITLE = "API tokens"
NEW_TITLE = "Create an API token"
CREATED_TITLE = "API token created"
ROTATED_TITLE = "New API token created"
ROTATE_TITLE = "Rotate this API token"
REVOKE_TITLE = "Revoke this API token"
TOKEN_REVOKED = "Token revoked. Systems using it can no longer reach the API."  # noqa: S105
NEVER = "Never"
STATUS_LABELS = {"active": "Active", "expired": "Expired", "revoked": "Revoked"}
STATUS_CLASSES = {
    "active": "govuk-tag--green",
    "expired": "govuk-tag--grey",
    "revoked": "govuk-tag--red",
}


def when_text(value: dt.datetime | None) -> str:
    """A moment in London time, like "1 May 2027 at 14:05"; "Never" for None."""
    if value is None:
        return NEVER
    return timezone.localtime(value).strftime("%-d %B %Y at %H:%M")


def _context(**extra: Any) -> dict[str, Any]:
    return {
        "when": when_text,
        "status_labels": STATUS_LABELS,
        "status_classes": STATUS_CLASSES,
        "scope_descriptions": SCOPES,
        "now": timezone.now(),
        **extra,
    }


def _secret_page(request: HttpRequest, token: ApiToken, secret: str, title: str) -> HttpResponse:
    # Rendered in the POST response itself (never a redirect): the secret must
    # not reach a URL, the session or a later page. never_cache sets no-store.
    return render(
        request,
        "integrations/tokens_secret.html",
        _context(title=title, token=token, secret=secret),
    )


def _copy_errors(form: Any, error: TokenError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


@never_cache
@permission_required_or_404(MANAGE_TOKENS)
@require_GET
def token_list_page(request: HttpRequest) -> HttpResponse:
    """Every token, with its status, scopes and when it was last used."""
    return render(
        request,
        "integrations/tokens_list.html",
        _context(title=LIST_TITLE, tokens=list(token_list_for_user(user=request.user))),
    )


@never_cache
@permission_required_or_404(MANAGE_TOKENS)
@require_http_methods(["GET", "POST"])
def token_new(request: HttpRequest) -> HttpResponse:
    """Create a token; the next page shows its secret once."""
    if request.method == "POST":
        form = TokenCreateForm(data=request.POST)
        if form.is_valid():
            try:
                token, secret = token_create(
                    organisation=form.cleaned_data["organisation"],
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                    scopes=form.cleaned_data["scopes"],
                    actor=request.user,
                    request=request,
                )
            except TokenError as error:
                _copy_errors(form, error)
            else:
                return _secret_page(request, token, secret, CREATED_TITLE)
    else:
        form = TokenCreateForm()
    return render(
        request,
        "integrations/tokens_form.html",
        _context(title=NEW_TITLE, form=form),
        status=400 if form.errors else 200,
    )


@never_cache
@permission_required_or_404(MANAGE_TOKENS)
@require_GET
def token_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One token: what it may do, its history, and the rotate and revoke actions."""
    token = access_token(user=request.user, pk=pk)
    successors = list(token_list_for_user(user=request.user).filter(rotated_from=token))
    return render(
        request,
        "integrations/tokens_detail.html",
        _context(title=f"API token {token.prefix}", token=token, successors=successors),
    )


@never_cache
@permission_required_or_404(MANAGE_TOKENS)
@require_http_methods(["GET", "POST"])
def token_rotate_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then make a new token with the same organisation, name and
    scopes; the old one keeps working until it is revoked or expires."""
    token = access_token(user=request.user, pk=pk)
    form = TokenRotateForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            new, secret = token_rotate(
                prefix=token.prefix,
                days=form.cleaned_data["days"],
                actor=request.user,
                request=request,
            )
        except TokenError as error:
            _copy_errors(form, error)
        else:
            return _secret_page(request, new, secret, ROTATED_TITLE)
    return render(
        request,
        "integrations/tokens_confirm.html",
        _context(
            title=ROTATE_TITLE,
            token=token,
            form=form,
            action=reverse("integrations:token-rotate", args=[token.pk]),
            rotate=True,
        ),
        status=400 if form.errors else 200,
    )


@never_cache
@permission_required_or_404(MANAGE_TOKENS)
@require_http_methods(["GET", "POST"])
def token_revoke_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then revoke the token at once."""
    token = access_token(user=request.user, pk=pk)
    form = forms.Form(data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            token_revoke(prefix=token.prefix, actor=request.user, request=request)
        except TokenError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, TOKEN_REVOKED)
            return redirect("integrations:token-detail", pk=token.pk)
    return render(
        request,
        "integrations/tokens_confirm.html",
        _context(
            title=REVOKE_TITLE,
            token=token,
            form=form,
            action=reverse("integrations:token-revoke", args=[token.pk]),
            rotate=False,
        ),
        status=400 if form.errors else 200,
    )
