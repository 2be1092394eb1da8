"""Demo insights (issue 9): an imported survey, targets, and the rollups.

Runs last, on the feedback the earlier steps wrote:

- one imported "User Satisfaction Survey" file (`SURVEY_RESPONDENTS` at scale
  1, spread over the 12 months before the epoch and over the boroughs): each
  respondent's chance of being satisfied starts from the 2013 calibration in
  demo/data/feedback.json (74% overall; Hackney, Enfield and Tower Hamlets
  66%, Kingston and Sutton 84%) and moves with their group on the logit
  scale by the report's gaps (BAME 72% against White 77%, disabled 70%
  against 76%, needs recognised 79% against 46%). Respondent ids are the
  survey's own pseudonyms, never people;
- targets set by MOPAC's analyst for the financial year holding the epoch and
  the next: satisfaction 80% for London with quarterly milestones, 72% for the
  three lowest boroughs and 85% for the two highest; Code compliance 90%, VPS
  offered 85%, referral within 2 working days 90%;
- a full rollup rebuild, so the dashboards have everything at once.

Every random choice comes from the `insights:*` streams, so the same seed gives
the same survey.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from victimcare.accounts.constants import OrganisationKind, Role
from victimcare.accounts.models import Area, User
from victimcare.cases.constants import AgeBand, OffenceGroup
from victimcare.insights.constants import ContactType, Measure, SurveyImportState
from victimcare.insights.models import (
    ComplianceMonthly,
    Publication,
    RollupState,
    SatisfactionMonthly,
    StatementMonthly,
    SurveyImport,
    SurveyResponse,
    Target,
)
from victimcare.insights.rollups import LONDON, rollups_refresh
from victimcare.insights.targets import financial_year_of

from ..pipeline import DemoContext, demo_step

SURVEY = "uss"
SURVEY_RESPONDENTS = 3600
SURVEY_MONTHS = 12
CALIBRATION = Path(__file__).resolve().parents[1] / "data" / "feedback.json"
ETHNIC_GROUPS = (
    ("white", 0.55),
    ("asian", 0.18),
    ("black", 0.13),
    ("mixed", 0.06),
    ("other", 0.05),
)
AGE_BANDS = (
    (AgeBand.UNDER_16, 0.04),
    (AgeBand.AGE_16_24, 0.14),
    (AgeBand.AGE_25_34, 0.22),
    (AgeBand.AGE_35_44, 0.2),
    (AgeBand.AGE_45_54, 0.17),
    (AgeBand.AGE_55_64, 0.12),
    (AgeBand.AGE_65_PLUS, 0.11),
)
OFFENCES = (
    (OffenceGroup.BURGLARY, 0.3),
    (OffenceGroup.VIOLENCE_WITH_INJURY, 0.2),
    (OffenceGroup.VIOLENCE_WITHOUT_INJURY, 0.15),
    (OffenceGroup.VEHICLE_OFFENCES, 0.2),
    (OffenceGroup.ROBBERY, 0.1),
    (OffenceGroup.THEFT, 0.05),
)
CONTACTS = ((ContactType.VISIT, 0.5), (ContactType.CALL, 0.35), (ContactType.REPORT, 0.15))
LOW_BOROUGH_TARGET = Decimal("72")
HIGH_BOROUGH_TARGET = Decimal("85")


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def insights_reset(ctx: DemoContext) -> int:
    deleted = 0
    for model in (SatisfactionMonthly, ComplianceMonthly, StatementMonthly, RollupState):
        deleted += model.objects.all().delete()[0]
    deleted += Publication.objects.all().delete()[0]
    deleted += Target.objects.all().delete()[0]
    deleted += SurveyResponse.objects.all().delete()[0]
    deleted += SurveyImport.objects.all().delete()[0]
    return deleted


def _choice(rng, weighted):  # type: ignore[no-untyped-def]
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _survey(ctx: DemoContext, analyst: User | None) -> int:
    calibration = json.loads(CALIBRATION.read_text(encoding="utf-8"))["calibration"]
    areas = list(Area.objects.order_by("code"))
    if not areas:
        return 0
    rng = ctx.random("insights:survey")
    base = _logit(calibration["satisfied"])
    by_name = {name: _logit(p) for name, p in calibration["boroughs"].items()}
    eth = calibration["ethnicity"]
    dis = calibration["disability"]
    needs = calibration["needs_recognised"]
    mid = (_logit(eth["bme"]) + _logit(eth["white"])) / 2
    offsets = {
        "bame": _logit(eth["bme"]) - mid,
        "white": _logit(eth["white"]) - mid,
        "dis_yes": _logit(dis["yes"]) - _logit(calibration["satisfied"]),
        "dis_no": _logit(dis["no"]) - _logit(calibration["satisfied"]),
        "needs_yes": _logit(needs["yes"]) - _logit(calibration["satisfied"]),
        "needs_no": _logit(needs["no"]) - _logit(calibration["satisfied"]),
    }
    epoch_day = ctx.epoch.astimezone(LONDON).date()
    count = ctx.scaled(SURVEY_RESPONDENTS)
    upload = SurveyImport.objects.create(
        survey=SURVEY,
        filename="uss-demo.csv",
        sha256=hashlib.sha256(f"demo-survey-{ctx.seed}".encode()).hexdigest(),
        state=SurveyImportState.IMPORTED,
        rows_total=count,
        rows_checked=count,
        rows_imported=count,
        uploaded_by=analyst,
        uploaded_at=ctx.epoch,
        started_at=ctx.epoch,
        finished_at=ctx.epoch,
    )
    rows = []
    for number in range(count):
        area = areas[rng.randrange(len(areas))]
        ethnicity = _choice(rng, ETHNIC_GROUPS) if rng.random() > 0.04 else "not_said"
        disability = "yes" if rng.random() < 0.16 else "no"
        # Needs recognised: most say yes; "no" is the 2013 report's sharpest gap.
        needs_answer = "yes" if rng.random() < 0.8 else ("no" if rng.random() < 0.7 else "not_sure")
        logit = by_name.get(area.name, base)
        logit += (
            offsets["white"]
            if ethnicity == "white"
            else offsets["bame"]
            if ethnicity != "not_said"
            else 0
        )
        logit += offsets["dis_yes"] if disability == "yes" else offsets["dis_no"]
        logit += {"yes": offsets["needs_yes"], "no": offsets["needs_no"]}.get(needs_answer, 0)
        satisfied = rng.random() < _sigmoid(logit)
        if satisfied:
            rating = 5 if rng.random() < calibration["very_satisfied_of_satisfied"] else 4
        elif rng.random() < calibration["neither"] / (
            calibration["neither"] + calibration["dissatisfied"]
        ):
            rating = 3
        else:
            rating = 1 if rng.random() < calibration["very_dissatisfied_of_dissatisfied"] else 2
        rows.append(
            SurveyResponse(
                survey_import=upload,
                survey=SURVEY,
                respondent_id=f"USS-{ctx.seed}-{number + 1:06d}",
                interviewed_on=epoch_day - dt.timedelta(days=1 + rng.randrange(SURVEY_MONTHS * 30)),
                area=area,
                offence_group=_choice(rng, OFFENCES),
                contact_type=_choice(rng, CONTACTS),
                age_band=_choice(rng, AGE_BANDS),
                ethnicity=ethnicity,
                disability=disability,
                needs_recognised=needs_answer,
                rating=rating,
            )
        )
    SurveyResponse.objects.bulk_create(rows, batch_size=2000)
    return count + 1


def _targets(ctx: DemoContext, analyst: User) -> int:
    year = financial_year_of(ctx.epoch.astimezone(LONDON).date())
    areas = {a.name: a for a in Area.objects.all()}
    targets: list[Target] = []
    for fy in (year, year + 1):
        plan: list[tuple[str, Area | None, Decimal, tuple[str, ...] | None]] = [
            (Measure.SATISFACTION, None, Decimal("80"), ("77", "78", "79", "80")),
            (Measure.COMPLIANCE, None, Decimal("90"), None),
            (Measure.VPS_OFFERED, None, Decimal("85"), None),
            (Measure.REFERRAL_TIMELY, None, Decimal("90"), None),
        ]
        for name in ("Hackney", "Enfield", "Tower Hamlets"):
            if name in areas:
                plan.append(
                    (
                        Measure.SATISFACTION,
                        areas[name],
                        LOW_BOROUGH_TARGET,
                        ("69", "70", "71", "72"),
                    )
                )
        for name in ("Kingston upon Thames", "Sutton"):
            if name in areas:
                plan.append((Measure.SATISFACTION, areas[name], HIGH_BOROUGH_TARGET, None))
        for measure, area, annual, milestones in plan:
            quarters = dict(
                zip(("q1", "q2", "q3", "q4"), (Decimal(m) for m in milestones or ()), strict=False)
            )
            targets.append(
                Target(
                    measure=measure,
                    area=area,
                    year=fy,
                    annual=annual,
                    set_by=analyst,
                    set_at=ctx.epoch,
                    **quarters,
                )
            )
    Target.objects.bulk_create(targets)
    return len(targets)


def _analyst() -> User | None:
    return (
        User.objects.filter(role=Role.ANALYST, organisation__kind=OrganisationKind.OVERSIGHT_BODY)
        .order_by("pk")
        .first()
    )


@demo_step("insights", order=80, reset=insights_reset)
def insights_generate(ctx: DemoContext) -> int:
    """The survey import, the targets and the rollups."""
    analyst = _analyst()
    with transaction.atomic():
        written = _survey(ctx, analyst)
        if analyst is not None:
            written += _targets(ctx, analyst)
    result = rollups_refresh(full=True)
    return written + result.rows
