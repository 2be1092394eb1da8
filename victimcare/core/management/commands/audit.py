"""`victimcare audit verify` and `victimcare audit search` for operators."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from victimcare.core.audit import audit_filter, audit_record, audit_verify
from victimcare.core.constants import AuditAction

SEARCH_COLUMNS = ("seq", "when (UTC)", "actor", "role", "action", "object", "subject", "purpose")


class Command(BaseCommand):
    help = "Check the audit log's hash chain (verify) or search it (search)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser(
            "verify",
            help="Exit 0 if the chain is intact, 1 naming the first bad entry otherwise.",
        )
        search = sub.add_parser("search", help="Entries by one actor or about one subject.")
        who = search.add_mutually_exclusive_group(required=True)
        who.add_argument("--actor", metavar="EMAIL", help="Entries written by this staff member.")
        who.add_argument("--subject", metavar="TYPE:ID", help="Entries about this subject.")
        search.add_argument("--limit", type=int, default=100, help="Newest entries to show.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify()
        else:
            self._search(actor=options["actor"], subject=options["subject"], limit=options["limit"])

    def _verify(self) -> None:
        result = audit_verify()
        if result.ok:
            self.stdout.write(f"Audit log intact: {result.checked} entries checked.")
            return
        self.stderr.write(f"Audit log BROKEN at entry seq={result.bad_seq}: {result.reason}")
        raise SystemExit(1)

    def _search(self, *, actor: str | None, subject: str | None, limit: int) -> None:
        criteria: dict[str, Any] = {}
        if actor:
            user = get_user_model().objects.filter(email__iexact=actor.strip()).first()
            if user is None:
                raise CommandError("No staff member has that email address.")
            criteria["actor_id"] = user.pk
        else:
            subject_type, sep, subject_id = (subject or "").partition(":")
            if not sep or not subject_type or not subject_id:
                raise CommandError("--subject must look like TYPE:ID, for example cases.victim:42.")
            criteria.update(subject_type=subject_type, subject_id=subject_id)
        events = list(audit_filter(**criteria)[: max(limit, 0)])
        # The search is itself a consultation of the log. The operator has no
        # account, so the entry has no actor; detail holds ids only, never the email.
        audit_record(
            action=AuditAction.SEARCH,
            object_type="core.auditevent",
            subject_type=criteria.get("subject_type", ""),
            subject_id=criteria.get("subject_id", ""),
            detail={"via": "command", "criteria": criteria, "results": len(events)},
        )
        emails = dict(
            get_user_model()
            .objects.filter(pk__in={e.actor_id for e in events if e.actor_id})
            .values_list("pk", "email")
        )
        rows = [
            (
                str(e.seq),
                e.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                emails.get(e.actor_id, "" if e.actor_id is None else f"#{e.actor_id}"),
                e.actor_role,
                e.action,
                f"{e.object_type}:{e.object_id}" if e.object_type else "",
                f"{e.subject_type}:{e.subject_id}" if e.subject_type else "",
                e.purpose,
            )
            for e in events
        ]
        self._table([SEARCH_COLUMNS, *rows])
        self.stdout.write(f"{len(rows)} entries shown, newest first.")

    def _table(self, rows: list[tuple[str, ...]]) -> None:
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
