"""Loading the Victims' Code rules from data, and reading the rules in force.

`ruleset_load` checks the whole file before it writes anything, then updates
the edition's rules in one transaction: a broken file raises RuleSetError naming
the rule at fault and leaves the rules in force exactly as they were.
(AutodiscoverRulesConfig imports every app's `rules` module; this one only
defines functions, so that is harmless.)
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from victimcare.cases.constants import EventCode
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import messages, permissions  # noqa: F401  (registers the duties policy)
from .calendar import deadline_for, explain_days, local_day
from .conditions import conditions_hold, conditions_problem, facts_needed
from .constants import FIRST_RIGHT, LAST_RIGHT, Clock, DeadlineKind, Owner
from .models import Rule, RuleSet

DATA_DIR = Path(__file__).resolve().parent / "data"
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_RULE_FIELDS = ("code", "trigger", "duty", "owner", "right", "standard", "enhanced")


class RuleSetError(ValueError):
    """The rule file is missing or wrong; nothing was changed."""


def _resolve(path_or_name: str | Path) -> Path:
    text = str(path_or_name)
    if _SLUG_RE.match(text):
        return DATA_DIR / f"{text}.json"
    return Path(text)


def _deadline(code: str, which: str, value: Any) -> dict[str, int]:
    if not isinstance(value, dict) or not value:
        raise RuleSetError(messages.RULE_DEADLINE_MISSING.format(code=code, which=which))
    kinds = sorted(value)
    if len(kinds) != 1 or kinds[0] not in DeadlineKind.values:
        raise RuleSetError(
            messages.RULE_DEADLINE_KINDS.format(code=code, which=which, kinds=", ".join(kinds))
        )
    amount = value[kinds[0]]
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise RuleSetError(
            messages.RULE_DEADLINE_NOT_POSITIVE.format(code=code, which=which, value=amount)
        )
    return {f"{which}_{kinds[0]}": amount}


def ruleset_parse(*, path_or_name: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read and check a rule file; return (rule set fields, rule fields). Writes nothing."""
    path = _resolve(path_or_name)
    name = path.name
    if not path.is_file():
        raise RuleSetError(messages.FILE_MISSING.format(name=path_or_name))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RuleSetError(messages.FILE_NOT_JSON.format(name=name, error=exc)) from exc
    if not isinstance(data, dict):
        raise RuleSetError(messages.FILE_FIELD_MISSING.format(name=name, field="edition"))
    for field in ("edition", "title", "effective_from", "rules"):
        if not data.get(field):
            raise RuleSetError(messages.FILE_FIELD_MISSING.format(name=name, field=field))
    edition = data["edition"]
    if not isinstance(edition, str) or not _SLUG_RE.match(edition):
        raise RuleSetError(messages.EDITION_INVALID.format(name=name, edition=edition))
    try:
        effective_from = dt.date.fromisoformat(str(data["effective_from"]))
    except ValueError as exc:
        raise RuleSetError(
            messages.EFFECTIVE_FROM_INVALID.format(name=name, value=data["effective_from"])
        ) from exc
    if not isinstance(data["rules"], list):
        raise RuleSetError(messages.NO_RULES.format(name=name))
    rules: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, row in enumerate(data["rules"]):
        code = row.get("code") if isinstance(row, dict) else None
        if not isinstance(code, str) or not _SLUG_RE.match(code):
            raise RuleSetError(messages.RULE_CODE_INVALID.format(name=name, index=index, code=code))
        if code in seen:
            raise RuleSetError(messages.RULE_CODE_DUPLICATE.format(name=name, code=code))
        seen.add(code)
        for field in _RULE_FIELDS:
            if row.get(field) in (None, ""):
                raise RuleSetError(messages.RULE_FIELD_MISSING.format(code=code, field=field))
        if row["trigger"] not in EventCode.values:
            raise RuleSetError(
                messages.RULE_TRIGGER_UNKNOWN.format(code=code, trigger=row["trigger"])
            )
        if row["owner"] not in Owner.values:
            raise RuleSetError(messages.RULE_OWNER_UNKNOWN.format(code=code, owner=row["owner"]))
        clock = row.get("clock", Clock.OCCURRED.value)
        if clock not in Clock.values:
            raise RuleSetError(messages.RULE_CLOCK_UNKNOWN.format(code=code, clock=clock))
        right = row["right"]
        if (
            isinstance(right, bool)
            or not isinstance(right, int)
            or not (FIRST_RIGHT <= right <= LAST_RIGHT)
        ):
            raise RuleSetError(messages.RULE_RIGHT_INVALID.format(code=code, right=right))
        conditions = row.get("conditions") or {}
        if problem := conditions_problem(conditions):
            raise RuleSetError(messages.RULE_CONDITIONS_INVALID.format(code=code, problem=problem))
        confirmed = row.get("confirmed", True)
        if not isinstance(confirmed, bool):
            raise RuleSetError(messages.RULE_CONFIRMED_INVALID.format(code=code))
        fields: dict[str, Any] = {
            f"{which}_{kind}": None for which in ("standard", "enhanced") for kind in DeadlineKind
        }
        fields |= _deadline(code, "standard", row["standard"])
        fields |= _deadline(code, "enhanced", row["enhanced"])
        fields |= {
            "code": code,
            "position": index,
            "trigger": row["trigger"],
            "conditions": conditions,
            "duty": str(row["duty"]),
            "owner": row["owner"],
            "clock": clock,
            "right": right,
            "source": str(row.get("source", "")),
            "confirmed": confirmed,
        }
        rules.append(fields)
    header = {
        "edition": edition,
        "title": str(data["title"]),
        "effective_from": effective_from,
        "source": str(data.get("source", "")),
    }
    return header, rules


@transaction.atomic
def ruleset_load(*, path_or_name: str | Path) -> RuleSet:
    """Load a rule file (a name in duties/data/ or a path) as an active RuleSet.

    Everything is checked first; on any problem RuleSetError is raised and nothing
    changes. Loading an edition again updates its rules from the file by code:
    new codes are added, changed ones updated, and codes no longer in the file
    are retired (kept, because duties already created refer to them, but they
    create no new duty). Writes an audit entry.
    """
    header, rows = ruleset_parse(path_or_name=path_or_name)
    rule_set, created = RuleSet.objects.update_or_create(
        edition=header["edition"],
        defaults={**header, "loaded_at": timezone.now(), "active": True},
    )
    existing = {rule.code: rule for rule in rule_set.rules.all()}
    for row in rows:
        rule = existing.pop(row["code"], None)
        if rule is None:
            Rule.objects.create(rule_set=rule_set, retired=False, **row)
            continue
        for name, value in row.items():
            setattr(rule, name, value)
        rule.retired = False
        rule.save()
    retired = sorted(existing)
    rule_set.rules.filter(code__in=retired).update(retired=True)
    audit_record(
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        object_type="duties.ruleset",
        object_id=rule_set.pk,
        detail={"edition": rule_set.edition, "rules": len(rows), "retired": retired},
    )
    return rule_set


def rules_in_force(at: dt.datetime) -> RuleSet | None:
    """The latest active rule set whose effective date is on or before `at` (London day)."""
    return (
        RuleSet.objects.filter(active=True, effective_from__lte=local_day(at))
        .order_by("-effective_from", "-loaded_at")
        .first()
    )


def rule_duty_explain(
    *,
    rule: Rule,
    occurred_at: dt.datetime,
    received_at: dt.datetime,
    enhanced: bool,
) -> dict[str, Any]:
    """The duty `rule` creates for an event, with its due time and how it was counted."""
    started = received_at if rule.clock == Clock.RECEIVED else occurred_at
    kind, amount = rule.deadline(enhanced=enhanced)
    due = deadline_for(started=started, **{kind.value: amount})
    skipped = explain_days(local_day(started), amount) if kind == DeadlineKind.WORKING_DAYS else []
    return {
        "right": rule.right,
        "duty": rule.duty,
        "owner": rule.owner,
        "due": due.isoformat(),
        "rule": {"code": rule.code, "edition": rule.rule_set.edition},
        "confirmed": rule.confirmed,
        "counted": {
            "clock": rule.clock,
            "started": started.astimezone(due.tzinfo).isoformat(),
            "deadline": {kind.value: amount, "enhanced": enhanced},
            "skipped_days": [{"date": d.isoformat(), "reason": r} for d, r in skipped],
        },
    }


def event_duties_explain(
    *,
    event: str,
    occurred_at: dt.datetime,
    received_at: dt.datetime | None = None,
    enhanced: bool = False,
    facts: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(duties, not_applied) for an event under the rules in force when it occurred.

    A rule whose conditions read case facts that were not given, or that the facts
    fail, creates no duty; it is listed in `not_applied` with why, so nothing is
    silently dropped. Raises RuleSetError if no rules are in force.
    """
    facts = facts or {}
    rule_set = rules_in_force(occurred_at)
    if rule_set is None:
        raise RuleSetError(messages.NO_RULES_IN_FORCE.format(day=local_day(occurred_at)))
    duties, not_applied = [], []
    for rule in rule_set.rules.filter(trigger=event, retired=False).select_related("rule_set"):
        holds = conditions_hold(rule.conditions, facts)
        if holds is True:
            duties.append(
                rule_duty_explain(
                    rule=rule,
                    occurred_at=occurred_at,
                    received_at=received_at or occurred_at,
                    enhanced=enhanced,
                )
            )
            continue
        missing = sorted(facts_needed(rule.conditions) - set(facts))
        not_applied.append(
            {
                "right": rule.right,
                "duty": rule.duty,
                "owner": rule.owner,
                "rule": {"code": rule.code, "edition": rule_set.edition},
                "conditions": rule.conditions,
                "why": (
                    messages.CONDITION_FACTS_MISSING.format(facts=", ".join(missing))
                    if holds is None
                    else messages.CONDITION_NOT_MET
                ),
            }
        )
    return duties, not_applied
