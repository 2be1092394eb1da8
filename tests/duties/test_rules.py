"""The Victims' Code as rules data: the shipped file, the loader's checks, the rules in force."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from victimcare.cases.constants import EventCode
from victimcare.duties import messages
from victimcare.duties.models import Rule, RuleSet
from victimcare.duties.rules import DATA_DIR, RuleSetError, rules_in_force, ruleset_load

pytestmark = pytest.mark.django_db

SHIPPED = json.loads((DATA_DIR / "vcop-2021.json").read_text(encoding="utf-8"))

WD = "working_days"
# Every row of the table in shared/domain/vcop.md, one line per trigger event:
# (event, owner, right, standard, enhanced, clock). Typed from the table, not the file.
VCOP_ROWS: list[tuple[str, str, int, tuple[str, int], tuple[str, int], str]] = [
    ("crime_reported", "police", 2, ("hours", 24), ("hours", 24), "occurred"),
    ("crime_reported", "police", 3, (WD, 5), (WD, 5), "occurred"),
    ("crime_reported", "police", 4, (WD, 2), (WD, 2), "occurred"),  # needs assessment
    ("crime_reported", "police", 4, (WD, 2), (WD, 2), "occurred"),  # support referral
    ("crime_reported", "police", 5, (WD, 5), (WD, 5), "occurred"),
    ("crime_reported", "police", 6, (WD, 2), (WD, 2), "occurred"),
    ("statement_taken", "police", 7, ("hours", 24), ("hours", 24), "occurred"),
    ("decision_not_to_investigate", "police", 6, (WD, 5), (WD, 1), "occurred"),
    ("suspect_arrested", "police", 6, (WD, 5), (WD, 1), "occurred"),
    ("suspect_interviewed", "police", 6, (WD, 5), (WD, 1), "occurred"),
    ("released_no_further_action", "police", 6, (WD, 5), (WD, 1), "occurred"),
    ("released_on_bail", "police", 6, (WD, 5), (WD, 1), "occurred"),
    ("released_under_investigation", "police", 6, (WD, 5), (WD, 1), "occurred"),
    ("bail_conditions_changed", "police", 6, (WD, 5), (WD, 1), "occurred"),
    ("bail_cancelled", "police", 6, (WD, 5), (WD, 1), "occurred"),
    ("charged", "police", 6, (WD, 5), (WD, 1), "occurred"),
    ("out_of_court_disposal", "police", 6, (WD, 5), (WD, 1), "occurred"),
    ("decision_not_to_prosecute", "police", 6, (WD, 5), (WD, 1), "occurred"),
    ("charge_dropped", "cps", 6, (WD, 5), (WD, 1), "occurred"),
    ("charge_altered", "cps", 6, (WD, 5), (WD, 1), "occurred"),
    ("needs_assessed", "police", 6, ("cadence_days", 28), ("cadence_days", 28), "occurred"),
    ("vrr_requested", "police", 6, (WD, 10), (WD, 10), "occurred"),
    ("vrr_requested", "police", 6, (WD, 30), (WD, 30), "occurred"),
    ("hearing_scheduled", "wcu", 8, (WD, 1), (WD, 1), "received"),
    ("hearing_changed", "wcu", 8, (WD, 1), (WD, 1), "received"),
    ("bail_hearing_outcome", "wcu", 8, (WD, 5), (WD, 1), "received"),
    ("warrant_issued", "wcu", 8, (WD, 5), (WD, 1), "received"),
    ("witness_required", "wcu", 8, (WD, 1), (WD, 1), "received"),
    ("verdict", "wcu", 9, (WD, 1), (WD, 1), "received"),
    ("sentenced", "wcu", 9, (WD, 1), (WD, 1), "received"),
    ("sentenced", "wcu", 11, (WD, 10), (WD, 10), "occurred"),
    ("vcs_referral_received", "probation", 11, (WD, 20), (WD, 20), "occurred"),
    ("appeal_lodged", "wcu", 9, (WD, 5), (WD, 1), "received"),
    ("complaint_received", "any_provider", 12, (WD, 10), (WD, 10), "occurred"),
]
# Rows the Code's own text has not confirmed ("(check)" in vcop.md, or derived from one).
UNCONFIRMED = {
    "crime-reported-written-confirmation",
    "crime-reported-support-referral",
    "crime-reported-compensation-information",
    "appeal-lodged-inform",
}


@pytest.fixture
def vcop_2021() -> RuleSet:
    return ruleset_load(path_or_name="vcop-2021")


def _signature(rule: Rule) -> tuple[str, str, int, tuple[str, int], tuple[str, int], str]:
    return (
        rule.trigger,
        rule.owner,
        rule.right,
        rule.deadline(enhanced=False),
        rule.deadline(enhanced=True),
        rule.clock,
    )


def test_the_shipped_file_loads_every_rule(vcop_2021: RuleSet) -> None:
    assert vcop_2021.edition == "vcop-2021"
    assert vcop_2021.effective_from == dt.date(2021, 4, 1)
    assert vcop_2021.rules.count() == len(SHIPPED["rules"]) == len(VCOP_ROWS)


@pytest.mark.parametrize("row", VCOP_ROWS, ids=[f"{r[0]}-right{r[2]}" for r in VCOP_ROWS])
def test_every_row_of_the_code_table_has_its_rule(vcop_2021: RuleSet, row: Any) -> None:
    signatures = [_signature(rule) for rule in vcop_2021.rules.filter(trigger=row[0])]
    assert row in signatures


def test_every_rule_is_a_row_of_the_code_table(vcop_2021: RuleSet) -> None:
    assert sorted(_signature(rule) for rule in vcop_2021.rules.all()) == sorted(VCOP_ROWS)


def test_unconfirmed_rows_are_flagged(vcop_2021: RuleSet) -> None:
    flagged = set(vcop_2021.rules.filter(confirmed=False).values_list("code", flat=True))
    assert flagged == UNCONFIRMED


def test_every_rule_cites_its_source(vcop_2021: RuleSet) -> None:
    assert all(rule.source.startswith("VCOP 2020 Right") for rule in vcop_2021.rules.all())


def test_loading_again_is_idempotent(vcop_2021: RuleSet) -> None:
    again = ruleset_load(path_or_name="vcop-2021")
    assert again.pk == vcop_2021.pk
    assert RuleSet.objects.count() == 1
    assert again.rules.count() == len(VCOP_ROWS)


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _edit(edition: str, code: str, **changes: Any) -> dict[str, Any]:
    """The shipped file as a new edition, with one rule changed (None deletes a key)."""
    doc = copy.deepcopy(SHIPPED)
    doc["edition"] = edition
    doc["effective_from"] = "2026-01-01"
    rule = next(r for r in doc["rules"] if r["code"] == code)
    for key, value in changes.items():
        if value is None:
            rule.pop(key, None)
        else:
            rule[key] = value
    return doc


def _duplicate(edition: str) -> dict[str, Any]:
    doc = _edit(edition, "charged-inform")
    doc["rules"].append(copy.deepcopy(doc["rules"][0]))
    return doc


# The last rule of the file is broken, so every good rule before it was read first.
LAST = SHIPPED["rules"][-1]["code"]
BROKEN = [
    (
        "unknown-event",
        _edit("vcop-2026", LAST, trigger="complaint_recieved"),
        messages.RULE_TRIGGER_UNKNOWN.format(code=LAST, trigger="complaint_recieved"),
    ),
    (
        "negative-deadline",
        _edit("vcop-2026", LAST, standard={"working_days": -5}),
        messages.RULE_DEADLINE_NOT_POSITIVE.format(code=LAST, which="standard", value=-5),
    ),
    (
        "zero-deadline",
        _edit("vcop-2026", LAST, enhanced={"hours": 0}),
        messages.RULE_DEADLINE_NOT_POSITIVE.format(code=LAST, which="enhanced", value=0),
    ),
    (
        "two-deadline-kinds",
        _edit("vcop-2026", LAST, standard={"working_days": 5, "hours": 24}),
        messages.RULE_DEADLINE_KINDS.format(
            code=LAST, which="standard", kinds="hours, working_days"
        ),
    ),
    (
        "no-deadline",
        _edit("vcop-2026", LAST, enhanced=None),
        messages.RULE_FIELD_MISSING.format(code=LAST, field="enhanced"),
    ),
    (
        "unknown-owner",
        _edit("vcop-2026", LAST, owner="courts"),
        messages.RULE_OWNER_UNKNOWN.format(code=LAST, owner="courts"),
    ),
    (
        "right-0",
        _edit("vcop-2026", LAST, right=0),
        messages.RULE_RIGHT_INVALID.format(code=LAST, right=0),
    ),
    (
        "right-13",
        _edit("vcop-2026", LAST, right=13),
        messages.RULE_RIGHT_INVALID.format(code=LAST, right=13),
    ),
    (
        "duplicate-code",
        _duplicate("vcop-2026"),
        messages.RULE_CODE_DUPLICATE.format(name="rules.json", code=SHIPPED["rules"][0]["code"]),
    ),
    (
        "unknown-condition",
        _edit("vcop-2026", LAST, conditions={"plea": "guilty"}),
        None,
    ),
]


@pytest.mark.parametrize(("case", "doc", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_rule_file_is_refused_and_changes_nothing(
    tmp_path: Path, vcop_2021: RuleSet, case: str, doc: dict[str, Any], message: str | None
) -> None:
    before = sorted(_signature(r) for r in vcop_2021.rules.all())
    later = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)

    with pytest.raises(RuleSetError) as refused:
        ruleset_load(path_or_name=_write(tmp_path, doc))

    if message is not None:
        assert str(refused.value) == message
    else:
        assert LAST in str(refused.value)
    assert list(RuleSet.objects.values_list("edition", flat=True)) == ["vcop-2021"]
    assert rules_in_force(later) == vcop_2021
    assert sorted(_signature(r) for r in vcop_2021.rules.all()) == before


def test_a_broken_file_for_the_edition_in_force_leaves_its_rules(
    tmp_path: Path, vcop_2021: RuleSet
) -> None:
    doc = copy.deepcopy(SHIPPED)
    doc["rules"] = doc["rules"][:3] + [{**doc["rules"][3], "right": 99}]

    with pytest.raises(RuleSetError, match="right must be a whole number from 1 to 12"):
        ruleset_load(path_or_name=_write(tmp_path, doc))

    assert vcop_2021.rules.count() == len(VCOP_ROWS)


def test_a_missing_or_malformed_file_is_refused(tmp_path: Path) -> None:
    before = list(RuleSet.objects.values_list("edition", "loaded_at"))
    with pytest.raises(RuleSetError, match="No rule file called 'vcop-1999'"):
        ruleset_load(path_or_name="vcop-1999")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(RuleSetError, match="not valid JSON"):
        ruleset_load(path_or_name=bad)
    assert list(RuleSet.objects.values_list("edition", "loaded_at")) == before


def test_a_new_edition_takes_over_from_its_effective_date(
    tmp_path: Path, vcop_2021: RuleSet
) -> None:
    doc = _edit("vcop-2026", "charged-inform", enhanced={"hours": 24})
    vcop_2026 = ruleset_load(path_or_name=_write(tmp_path, doc))

    assert rules_in_force(dt.datetime(2025, 12, 31, 23, 0, tzinfo=dt.UTC)) == vcop_2021
    assert rules_in_force(dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)) == vcop_2026
    assert rules_in_force(dt.datetime(2021, 3, 31, 12, 0, tzinfo=dt.UTC)) is None

    vcop_2026.active = False
    vcop_2026.save()
    assert rules_in_force(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)) == vcop_2021


def test_rule_events_are_all_known() -> None:
    assert {r["trigger"] for r in SHIPPED["rules"]} <= set(EventCode.values)


def test_every_database_has_the_2021_code_in_force_from_its_first_migrate() -> None:
    # The data migration loads it: duties must never silently fail to arise.
    assert rules_in_force(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)).edition == "vcop-2021"


def test_a_rule_dropped_from_a_reloaded_file_is_retired_not_deleted(
    tmp_path: Path, vcop_2021: RuleSet
) -> None:
    doc = json.loads((DATA_DIR / "vcop-2021.json").read_text(encoding="utf-8"))
    dropped = doc["rules"].pop()["code"]
    ruleset_load(path_or_name=_write(tmp_path, doc))
    rule = vcop_2021.rules.get(code=dropped)
    assert rule.retired
    assert vcop_2021.rules.filter(retired=False).count() == len(VCOP_ROWS) - 1
    # Loading the full file again brings it back.
    ruleset_load(path_or_name="vcop-2021")
    assert not vcop_2021.rules.get(code=dropped).retired
