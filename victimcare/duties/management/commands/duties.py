"""`victimcare duties load-rules|explain|compliance`: the Victims' Code rules, for operators.

`explain` prints a JSON list: one object per rule the event triggers under the
rules in force when it occurred. A rule that applies has `due` and
`"skipped": null`; a rule whose conditions need case facts not given (pass them
with `--fact name=value`) or not met by them has `"due": null` and `skipped`
saying why, so nothing is dropped silently. Bad input exits with code 2.

`compliance --from 2026-01-01 --to 2026-03-31 --by right [--format csv|json]`
prints the compliance figures of the whole force (duties/compliance.py has the
definitions): counts only, no personal data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from victimcare.cases.constants import EventCode
from victimcare.duties import messages
from victimcare.duties.calendar import LONDON
from victimcare.duties.compliance import (
    GROUPINGS,
    compliance_csv,
    compliance_figures_for_scope,
    compliance_json,
)
from victimcare.duties.conditions import FACTS
from victimcare.duties.constants import DEFAULT_RULE_FILE
from victimcare.duties.rules import RuleSetError, event_duties_explain, ruleset_load

BAD_INPUT = 2


def _moment(option: str, value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            messages.DATETIME_INVALID.format(option=option, value=value), returncode=BAD_INPUT
        ) from exc
    # No offset given: the time is read as London time, the calendar's own.
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


def _facts(pairs: list[str]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or name not in FACTS:
            raise CommandError(messages.FACT_INVALID.format(value=pair), returncode=BAD_INPUT)
        try:
            facts[name] = json.loads(raw)
        except json.JSONDecodeError:
            facts[name] = raw
    return facts


def _day(option: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            messages.COMPLIANCE_DATE_INVALID.format(option=option, value=value),
            returncode=BAD_INPUT,
        ) from exc


class Command(BaseCommand):
    help = (
        "Load the Victims' Code rules, explain the duties an event creates, "
        "or print the compliance figures."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load = sub.add_parser("load-rules", help="Load a rule file as a rule set.")
        load.add_argument(
            "--file",
            default=DEFAULT_RULE_FILE,
            help=f"A rule file name in duties/data/ or a path (default {DEFAULT_RULE_FILE}).",
        )
        explain = sub.add_parser("explain", help="Print the duties an event creates, as JSON.")
        explain.add_argument("--event", required=True, help="Event code, e.g. charged.")
        explain.add_argument("--at", required=True, help="When it happened (ISO 8601).")
        explain.add_argument("--received-at", help="When the duty-holder learned of it.")
        explain.add_argument(
            "--enhanced", action="store_true", help="The victim has enhanced rights."
        )
        explain.add_argument(
            "--fact",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"A case fact for rule conditions ({', '.join(sorted(FACTS))}).",
        )
        compliance = sub.add_parser(
            "compliance", help="Print the compliance figures of the whole force for a period."
        )
        compliance.add_argument(
            "--from", dest="start", required=True, help="First day, e.g. 2026-01-01."
        )
        compliance.add_argument("--to", dest="end", required=True, help="Last day, included.")
        compliance.add_argument("--by", choices=sorted(GROUPINGS), default="right")
        compliance.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "load-rules":
            try:
                rule_set = ruleset_load(path_or_name=options["file"])
            except RuleSetError as exc:
                raise CommandError(str(exc), returncode=BAD_INPUT) from exc
            self.stdout.write(
                f"Loaded {rule_set.edition}: {rule_set.rules.count()} rules, "
                f"in force from {rule_set.effective_from:%Y-%m-%d}."
            )
            return
        if options["subcommand"] == "compliance":
            self._compliance(options)
            return
        self._explain(options)

    def _compliance(self, options: dict[str, Any]) -> None:
        try:
            figures = compliance_figures_for_scope(
                organisation_ids=None,
                start=_day("--from", options["start"]),
                end=_day("--to", options["end"]),
                group_by=options["by"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=BAD_INPUT) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(compliance_json(figures), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(compliance_csv(figures), ending="")

    def _explain(self, options: dict[str, Any]) -> None:
        event = options["event"]
        if event not in EventCode.values:
            raise CommandError(
                messages.EVENT_UNKNOWN.format(event=event, codes=", ".join(EventCode.values)),
                returncode=BAD_INPUT,
            )
        occurred_at = _moment("--at", options["at"])
        received_at = (
            _moment("--received-at", options["received_at"]) if options["received_at"] else None
        )
        if received_at is not None and received_at < occurred_at:
            raise CommandError(messages.RECEIVED_BEFORE_OCCURRED, returncode=BAD_INPUT)
        try:
            duties, not_applied = event_duties_explain(
                event=event,
                occurred_at=occurred_at,
                received_at=received_at,
                enhanced=options["enhanced"],
                facts=_facts(options["fact"]),
            )
        except RuleSetError as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from exc
        listing = [{**d, "skipped": None} for d in duties] + [
            {
                "right": n["right"],
                "duty": n["duty"],
                "owner": n["owner"],
                "due": None,
                "rule": n["rule"],
                "conditions": n["conditions"],
                "skipped": n["why"],
            }
            for n in not_applied
        ]
        self.stdout.write(json.dumps(listing, indent=2, ensure_ascii=False))
