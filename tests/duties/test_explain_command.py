"""`victimcare duties explain` and `load-rules`, as an operator runs them."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from victimcare.duties import messages
from victimcare.duties.rules import ruleset_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules_loaded() -> None:
    ruleset_load(path_or_name="vcop-2021")


def explain(*args: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    call_command("duties", "explain", *args, stdout=out)
    return json.loads(out.getvalue())


def test_load_rules_reports_what_it_loaded() -> None:
    out = io.StringIO()
    call_command("duties", "load-rules", stdout=out)
    assert out.getvalue().strip() == "Loaded vcop-2021: 34 rules, in force from 2021-04-01."


def test_load_rules_refuses_a_missing_file_with_exit_code_2() -> None:
    with pytest.raises(CommandError) as refused:
        call_command("duties", "load-rules", "--file", "vcop-1999")
    assert refused.value.returncode == 2


@pytest.mark.usefixtures("rules_loaded")
def test_charged_on_christmas_eve_for_an_enhanced_victim() -> None:
    duties = explain("--event", "charged", "--at", "2026-12-24T16:30:00+00:00", "--enhanced")

    assert duties == [
        {
            "right": 6,
            "duty": (
                "Inform the victim of the charge, with the date, time and place of the first "
                "hearing and any bail conditions (CPS where the CPS decided)."
            ),
            "owner": "police",
            "due": "2026-12-29T23:59:59+00:00",
            "rule": {"code": "charged-inform", "edition": "vcop-2021"},
            "confirmed": True,
            "counted": {
                "clock": "occurred",
                "started": "2026-12-24T16:30:00+00:00",
                "deadline": {"working_days": 1, "enhanced": True},
                "skipped_days": [
                    {"date": "2026-12-25", "reason": "Christmas Day"},
                    {"date": "2026-12-26", "reason": "Saturday"},
                    {"date": "2026-12-27", "reason": "Sunday"},
                    {"date": "2026-12-28", "reason": "Boxing Day (observed)"},
                ],
            },
            "skipped": None,
        }
    ]


@pytest.mark.usefixtures("rules_loaded")
def test_a_standard_victim_gets_five_working_days() -> None:
    [duty] = explain("--event", "charged", "--at", "2026-12-24T16:30:00+00:00")
    assert duty["due"] == "2027-01-05T23:59:59+00:00"


@pytest.mark.usefixtures("rules_loaded")
def test_a_wcu_duty_starts_its_clock_on_receipt() -> None:
    # Hearing set on Monday, the WCU hears of it on Thursday: due end of Friday.
    [duty] = explain(
        "--event",
        "hearing_scheduled",
        "--at",
        "2026-06-08T10:00:00+01:00",
        "--received-at",
        "2026-06-11T09:00:00+01:00",
    )
    assert duty["owner"] == "wcu"
    assert duty["due"] == "2026-06-12T23:59:59+01:00"
    assert duty["counted"]["started"] == "2026-06-11T09:00:00+01:00"


@pytest.mark.usefixtures("rules_loaded")
def test_rules_needing_case_facts_are_listed_as_skipped_until_the_facts_are_given() -> None:
    at = "2026-03-02T12:00:00+00:00"
    listed = {d["rule"]["code"]: d for d in explain("--event", "sentenced", "--at", at)}
    assert listed["sentenced-explain"]["skipped"] is None
    referral = listed["sentenced-vcs-referral"]
    assert referral["due"] is None
    assert referral["skipped"] == messages.CONDITION_FACTS_MISSING.format(
        facts="custody_months, hospital_order, specified_violent_or_sexual"
    )

    facts = ["--fact", "specified_violent_or_sexual=true", "--fact", "custody_months=18"]
    listed = {d["rule"]["code"]: d for d in explain("--event", "sentenced", "--at", at, *facts)}
    assert listed["sentenced-vcs-referral"]["due"] == "2026-03-16T23:59:59+00:00"

    facts = ["--fact", "specified_violent_or_sexual=true", "--fact", "custody_months=6"]
    facts += ["--fact", "hospital_order=false"]
    listed = {d["rule"]["code"]: d for d in explain("--event", "sentenced", "--at", at, *facts)}
    assert listed["sentenced-vcs-referral"]["skipped"] == messages.CONDITION_NOT_MET


@pytest.mark.usefixtures("rules_loaded")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--event", "charged_badly", "--at", "2026-12-24T16:30:00+00:00"],
            "Unknown event code 'charged_badly'.",
        ),
        (
            ["--event", "charged", "--at", "24/12/2026"],
            messages.DATETIME_INVALID.format(option="--at", value="24/12/2026"),
        ),
        (
            [
                "--event",
                "hearing_scheduled",
                "--at",
                "2026-12-24T16:30:00+00:00",
                "--received-at",
                "2026-12-23T09:00:00+00:00",
            ],
            messages.RECEIVED_BEFORE_OCCURRED,
        ),
        (
            ["--event", "charged", "--at", "2020-01-06T09:00:00+00:00"],
            messages.NO_RULES_IN_FORCE.format(day="2020-01-06"),
        ),
        (
            ["--event", "sentenced", "--at", "2026-03-02T12:00:00+00:00", "--fact", "plea"],
            messages.FACT_INVALID.format(value="plea"),
        ),
    ],
    ids=["unknown-event", "malformed-date", "received-before-occurred", "no-rules", "bad-fact"],
)
def test_bad_input_exits_with_code_2_and_a_plain_message(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("duties", "explain", *args)
    assert refused.value.returncode == 2
    assert str(refused.value).startswith(message)
