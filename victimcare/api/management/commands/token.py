"""`victimcare token create|rotate|revoke|list`: partner API tokens, for operators.

`create --scopes a,b` gives the token those scopes (constants.SCOPES); without
it the token gets the defaults for its organisation's kind. `rotate` makes a
new token with the same organisation, name, role and scopes; the old one keeps
working until it is revoked or expires (rotation without downtime).
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from victimcare.accounts.constants import Role
from victimcare.accounts.models import Organisation
from victimcare.api import messages
from victimcare.api.constants import DEFAULT_TOKEN_DAYS, SCOPES
from victimcare.api.models import ApiToken
from victimcare.api.selectors import token_list
from victimcare.api.services import TokenError, token_create, token_revoke, token_rotate

SHOWN_ONCE = "Copy it now: it is shown only once and cannot be recovered."
LIST_COLUMNS = (
    "prefix",
    "organisation",
    "name",
    "role",
    "scopes",
    "created",
    "expires",
    "last used",
    "status",
    "rotated from",
)


class Command(BaseCommand):
    help = "Create, rotate, revoke or list partner API tokens."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument("--org", required=True, metavar="CODE", help="Organisation code.")
        create.add_argument("--name", required=True, metavar="LABEL", help="What it is for.")
        create.add_argument(
            "--role",
            choices=Role.values,
            help="Role of the token's service user (default: by organisation kind).",
        )
        create.add_argument(
            "--days", type=int, default=DEFAULT_TOKEN_DAYS, help="Days until it expires."
        )
        create.add_argument(
            "--scopes",
            metavar="A,B",
            help=(
                "Comma-separated scopes, e.g. events:read,events:write "
                "(default: by organisation kind). Known: " + ", ".join(SCOPES) + "."
            ),
        )
        rotate = sub.add_parser(
            "rotate", help="A new token like an existing one; both work until one is revoked."
        )
        rotate.add_argument("--prefix", required=True, help="The 8-character token prefix.")
        rotate.add_argument(
            "--days", type=int, default=DEFAULT_TOKEN_DAYS, help="Days until the new one expires."
        )
        revoke = sub.add_parser("revoke", help="Revoke a token at once.")
        revoke.add_argument("--prefix", required=True, help="The 8-character token prefix.")
        sub.add_parser("list", help="List tokens (prefixes only; secrets are never stored).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "create":
                self._create(options)
            elif options["subcommand"] == "rotate":
                token, secret = token_rotate(prefix=options["prefix"].strip(), days=options["days"])
                self._show(token, secret)
            elif options["subcommand"] == "revoke":
                token = token_revoke(prefix=options["prefix"].strip())
                self.stdout.write(f"Token {token.prefix} ({token.name}) revoked.")
            else:
                self._list()
        except TokenError as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, options: dict[str, Any]) -> None:
        code = options["org"].strip()
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            raise CommandError(messages.ORG_UNKNOWN.format(code=code))
        scopes = options["scopes"]
        token, secret = token_create(
            organisation=organisation,
            name=options["name"],
            role=options["role"],
            days=options["days"],
            scopes=scopes.split(",") if scopes is not None else None,
        )
        self._show(token, secret)

    def _show(self, token: ApiToken, secret: str) -> None:
        rotated = (
            f" It replaces {token.rotated_from.prefix}, which works until revoked or expired."
            if token.rotated_from is not None
            else ""
        )
        self.stdout.write(
            f"Token {token.prefix} for {token.organisation.code} ({token.name}), role "
            f"{token.user.role}, scopes {','.join(token.scopes)}, expires "
            f"{token.expires_at:%Y-%m-%d}.{rotated}\n{SHOWN_ONCE}\n\n{secret}"
        )

    def _list(self) -> None:
        now = timezone.now()
        rows = [
            (
                t.prefix,
                t.organisation.code,
                t.name,
                t.user.role,
                ",".join(t.scopes),
                f"{t.created_at:%Y-%m-%d}",
                f"{t.expires_at:%Y-%m-%d}",
                f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never",
                t.status(now=now),
                t.rotated_from.prefix if t.rotated_from is not None else "-",
            )
            for t in token_list()
        ]
        widths = [
            max(len(str(r[i])) for r in [LIST_COLUMNS, *rows]) for i in range(len(LIST_COLUMNS))
        ]
        for row in [LIST_COLUMNS, *rows]:
            self.stdout.write("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
