"""The small vocabulary of rule conditions and how they are checked against case facts.

A rule's `conditions` is a JSON object; every key must hold (AND). `any_of` takes a
list of such objects of which at least one must hold (OR), for rows like "12 months
or more custody, or a hospital order". Each condition reads one fact about the case;
a condition whose fact is unknown is *undecided* (None), never silently true.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from victimcare.cases.constants import OffenceGroup

# condition key -> (fact it reads, kind of value the rule gives)
CONDITIONS: dict[str, tuple[str, str]] = {
    "offence_groups": ("offence_group", "offence_groups"),
    "violent_with_injury": ("violent_with_injury", "bool"),
    "specified_violent_or_sexual": ("specified_violent_or_sexual", "bool"),
    "min_custody_months": ("custody_months", "positive_int"),
    "hospital_order": ("hospital_order", "bool"),
    "decided_by": ("decided_by", "decider"),
    "investigation_open": ("investigation_open", "bool"),
}
DECIDERS = ("police", "cps")
FACTS = frozenset(fact for fact, _ in CONDITIONS.values())


def conditions_problem(conditions: Any) -> str | None:
    """Return what is wrong with a conditions object, or None if it is well formed."""
    if not isinstance(conditions, Mapping):
        return "conditions must be a JSON object."
    for key, value in conditions.items():
        if key == "any_of":
            if not isinstance(value, list) or not value:
                return "any_of must be a non-empty list of condition objects."
            for option in value:
                if problem := conditions_problem(option):
                    return problem
            continue
        if key not in CONDITIONS:
            return f"unknown condition {key!r} (known: any_of, {', '.join(sorted(CONDITIONS))})."
        kind = CONDITIONS[key][1]
        if kind == "bool" and not isinstance(value, bool):
            return f"condition {key!r} must be true or false."
        if kind == "positive_int" and (
            isinstance(value, bool) or not isinstance(value, int) or value <= 0
        ):
            return f"condition {key!r} must be a whole number greater than 0."
        if kind == "decider" and value not in DECIDERS:
            return f"condition {key!r} must be one of {', '.join(DECIDERS)}."
        if kind == "offence_groups" and (
            not isinstance(value, list)
            or not value
            or any(g not in OffenceGroup.values for g in value)
        ):
            return f"condition {key!r} must be a non-empty list of offence groups."
    return None


def facts_needed(conditions: Mapping[str, Any]) -> set[str]:
    """Every fact the conditions read."""
    needed: set[str] = set()
    for key, value in conditions.items():
        if key == "any_of":
            for option in value:
                needed |= facts_needed(option)
        else:
            needed.add(CONDITIONS[key][0])
    return needed


def conditions_hold(conditions: Mapping[str, Any], facts: Mapping[str, Any]) -> bool | None:
    """True if the facts meet every condition, False if one fails, None if undecided."""
    undecided = False
    for key, value in conditions.items():
        if key == "any_of":
            results = [conditions_hold(option, facts) for option in value]
            if any(r is True for r in results):
                continue
            if all(r is False for r in results):
                return False
            undecided = True
            continue
        fact = CONDITIONS[key][0]
        if fact not in facts:
            undecided = True
            continue
        actual = facts[fact]
        if key == "offence_groups":
            ok = actual in value
        elif key == "min_custody_months":
            ok = isinstance(actual, int | float) and actual >= value
        else:
            ok = actual == value
        if not ok:
            return False
    return None if undecided else True
