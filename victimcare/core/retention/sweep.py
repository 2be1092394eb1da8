"""Applying the retention table: checking it, then each rule in bounded, audited batches.

See the package docstring for the guarantees.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Min, Q, QuerySet
from django.db.models.deletion import ProtectedError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..audit import audit_record
from ..constants import AuditAction
from ..models import AuditEvent
from .rules import (
    AUDIT_OBJECT_TYPE,
    DELETE,
    DELETE_REACHES_PROTECTED,
    ERASE,
    OVERRIDE_TOO_SHORT,
    PROTECTED_MODELS,
    RULE_ON_PROTECTED,
    RULES,
    UNKNOWN_OVERRIDE,
    RetentionRule,
)

log = structlog.get_logger(__name__)

LONDON = zoneinfo.ZoneInfo("Europe/London")


# --- Checking the table and the overrides ---------------------------------------------


def _cascade_targets(model: type[models.Model], seen: set[str] | None = None) -> set[str]:
    """Every model a delete of `model` rows would cascade to, recursively."""
    seen = set() if seen is None else seen
    for rel in model._meta.related_objects:
        if rel.on_delete is not models.CASCADE:  # type: ignore[attr-defined]
            continue
        target = rel.related_model
        label = target._meta.label_lower
        if label not in seen:
            seen.add(label)
            _cascade_targets(target, seen)
    return seen


def retention_rules_check(rules: tuple[RetentionRule, ...] = RULES) -> None:
    """Raise ImproperlyConfigured if a rule would touch the audit log or an
    immutable row, or an override names no rule or is shorter than allowed."""
    for rule in rules:
        label = rule.model_class._meta.label_lower
        if label in PROTECTED_MODELS:
            raise ImproperlyConfigured(RULE_ON_PROTECTED.format(name=rule.name, model=rule.model))
        if rule.action == DELETE:
            reached = _cascade_targets(rule.model_class) & PROTECTED_MODELS
            if reached:
                raise ImproperlyConfigured(
                    DELETE_REACHES_PROTECTED.format(
                        name=rule.name, model=rule.model, target=sorted(reached)[0]
                    )
                )
    names = {rule.name: rule for rule in rules}
    for name, days in retention_overrides().items():
        rule = names.get(name)
        if rule is None:
            raise ImproperlyConfigured(
                UNKNOWN_OVERRIDE.format(name=name.upper(), known=", ".join(sorted(names)))
            )
        if days < rule.min_days:
            raise ImproperlyConfigured(
                OVERRIDE_TOO_SHORT.format(name=name.upper(), days=days, minimum=rule.min_days)
            )


def retention_overrides() -> dict[str, int]:
    """Periods set in the environment (settings.RETENTION_DAYS), by rule name."""
    return {k.lower(): int(v) for k, v in getattr(settings, "RETENTION_DAYS", {}).items()}


def rule_days(rule: RetentionRule) -> int:
    """The rule's period in days: the environment's override, else the default."""
    return retention_overrides().get(rule.name, rule.days)


# --- Running ---------------------------------------------------------------------------


@dataclass
class RuleOutcome:
    """What one rule did in one run (counts only)."""

    rule: str
    action: str
    days: int
    due: int = 0
    done: int = 0
    cascaded: int = 0
    refused: int = 0
    batches: int = 0
    complete: bool = True
    dry_run: bool = False


def _position_q(clock: str, at: dt.datetime, pk: Any) -> Q:
    return Q(**{f"{clock}__gt": at}) | Q(**{clock: at, "pk__gt": pk})


def _last_entry(rule: RetentionRule) -> dict[str, Any]:
    entry = (
        AuditEvent.objects.filter(object_type=AUDIT_OBJECT_TYPE, object_id=rule.name)
        .order_by("-seq")
        .values_list("detail", flat=True)
        .first()
    )
    return entry or {}


def _parse(value: Any) -> dt.datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def _apply(rule: RetentionRule, pks: list[Any], guard: QuerySet[Any], outcome: RuleOutcome) -> None:
    """Act on one batch in its own short transaction. The rule's conditions
    (`guard`) are applied again in the statement, so a row that changed since
    it was read (a case reopened, a review opened) is left alone."""
    manager = rule.model_class._default_manager
    scope = manager.filter(pk__in=guard.filter(pk__in=pks).order_by().values("pk"))
    if rule.action == ERASE:
        with transaction.atomic():
            outcome.done += scope.update(**rule.erase)
        return
    try:
        with transaction.atomic():
            total, per_model = scope.delete()
    except ProtectedError:
        # Another table still needs some of these rows: delete the others one by
        # one and count the refused (the run moves past them; nothing is forced).
        total, per_model = 0, {}
        for pk in pks:
            try:
                with transaction.atomic():
                    n, counts = scope.filter(pk=pk).delete()
            except ProtectedError:
                outcome.refused += 1
                continue
            total += n
            for key, value in counts.items():
                per_model[key] = per_model.get(key, 0) + value
    own = per_model.get(rule.model_class._meta.label, 0)
    outcome.done += own
    outcome.cascaded += total - own


def _in_period(rule: RetentionRule, cutoff: dt.datetime) -> QuerySet[Any]:
    return rule.queryset().filter(**{f"{rule.clock}__lt": cutoff})


def _eligible(rule: RetentionRule) -> Q:
    return rule.eligible() if rule.eligible is not None else Q()


def _candidates(in_period: QuerySet[Any], rule: RetentionRule) -> QuerySet[Any]:
    return in_period.filter(_eligible(rule)).order_by(rule.clock, "pk")


def _page(candidates: QuerySet[Any], rule: RetentionRule, batch_size: int) -> QuerySet[Any]:
    return candidates.values_list(rule.clock, "pk")[:batch_size]


def rule_batch_query(rule: RetentionRule, *, now: dt.datetime) -> QuerySet[Any]:
    """The query of a rule's first batch as of `now` (no watermark), as `rule_run`
    sends it: for EXPLAIN in tests and benchmarks."""
    cutoff = now - dt.timedelta(days=rule_days(rule))
    return _page(_candidates(_in_period(rule, cutoff), rule), rule, settings.RETENTION_BATCH_SIZE)


def rule_run(
    rule: RetentionRule,
    *,
    now: dt.datetime,
    dry_run: bool = False,
    batch_size: int | None = None,
    max_batches: int | None = None,
) -> RuleOutcome:
    """Apply one rule as of `now` (see the module's guarantees) and, unless it
    is a dry run, write its one audit entry. Returns the counts."""
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    max_batches = max_batches or settings.RETENTION_MAX_BATCHES
    days = rule_days(rule)
    cutoff = now - dt.timedelta(days=days)
    outcome = RuleOutcome(rule=rule.name, action=rule.action, days=days, dry_run=dry_run)
    clock = rule.clock
    eligible = _eligible(rule)
    in_period = _in_period(rule, cutoff)

    window_from: dt.datetime | None = None
    position: tuple[dt.datetime, Any] | None = None
    if rule.watermark:
        last = _last_entry(rule)
        resume = last.get("resume") or {}
        if not last.get("complete", True) and _parse(resume.get("at")) is not None:
            window_from = _parse(last.get("window_from"))
            position = (_parse(resume["at"]), resume.get("pk"))  # type: ignore[assignment]
        else:
            window_from = _parse(last.get("through"))
    if window_from is not None:
        in_period = in_period.filter(**{f"{clock}__gte": window_from})
    candidates = _candidates(in_period, rule)

    if dry_run:
        if position is not None:
            candidates = candidates.filter(_position_q(clock, *position))
        outcome.due = candidates.count()
        return outcome

    while outcome.batches < max_batches:
        page = candidates
        if position is not None:
            page = page.filter(_position_q(clock, *position))
        rows = list(_page(page, rule, batch_size))
        if not rows:
            break
        outcome.batches += 1
        outcome.due += len(rows)
        _apply(rule, [pk for _, pk in rows], candidates, outcome)
        position = rows[-1]
        if len(rows) < batch_size:
            position = None
            break
    else:
        # Stopped by the batch limit: is anything left?
        outcome.complete = (
            position is None or not candidates.filter(_position_q(clock, *position)).exists()
        )

    detail: dict[str, Any] = {
        "rule": rule.name,
        "action": rule.action,
        "days": days,
        "due": outcome.due,
        "done": outcome.done,
        "cascaded": outcome.cascaded,
        "refused": outcome.refused,
        "batches": outcome.batches,
        "complete": outcome.complete,
    }
    if rule.watermark:
        if outcome.complete:
            # Rows in the period that could not be erased yet hold the mark back.
            held = None
            if rule.eligible is not None:
                held = in_period.exclude(eligible).aggregate(first=Min(clock))["first"]
            through = min(held, cutoff) if held is not None else cutoff
            detail["through"] = through.isoformat()
        else:
            assert position is not None
            detail["window_from"] = window_from.isoformat() if window_from else None
            detail["resume"] = {"at": position[0].isoformat(), "pk": str(position[1])}
    audit_record(
        action=AuditAction.DELETE,
        object_type=AUDIT_OBJECT_TYPE,
        object_id=rule.name,
        purpose="Retention: scheduled deletion and erasure",
        detail=detail,
    )
    log.info(
        "retention.rule_finished",
        rule=rule.name,
        due=outcome.due,
        done=outcome.done,
        refused=outcome.refused,
        complete=outcome.complete,
    )
    return outcome


def retention_sweep_due(*, now: dt.datetime) -> bool:
    """True in the night hour `RETENTION_HOUR` (Europe/London) when no run has
    been recorded in the last 12 hours: the nightly job runs once a night."""
    if timezone.localtime(now, LONDON).hour != settings.RETENTION_HOUR:
        return False
    return not AuditEvent.objects.filter(
        object_type=AUDIT_OBJECT_TYPE, occurred_at__gt=now - dt.timedelta(hours=12)
    ).exists()


def retention_run(
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    only: str | None = None,
    batch_size: int | None = None,
    max_batches: int | None = None,
    rules: tuple[RetentionRule, ...] = RULES,
) -> list[RuleOutcome]:
    """Check the table, then apply every rule (or the one named `only`) as of
    `now`. For the nightly job and `victimcare retention run`. Raises
    ImproperlyConfigured (before changing anything) for a bad table or override,
    ValueError for an unknown `only`."""
    retention_rules_check(rules)
    now = now or timezone.now()
    chosen = [rule for rule in rules if only is None or rule.name == only]
    if not chosen:
        raise ValueError(f"No retention rule is called {only!r}.")
    return [
        rule_run(rule, now=now, dry_run=dry_run, batch_size=batch_size, max_batches=max_batches)
        for rule in chosen
    ]
