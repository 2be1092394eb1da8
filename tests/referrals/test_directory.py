"""Who a support service is for, which services a victim may be referred to,
in what order, and why not: a story per rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from victimcare.accounts.models import Area
from victimcare.cases.constants import AccessibleFormat, Vulnerability
from victimcare.cases.models import Victim
from victimcare.cases.services import EqualityInput, NeedsInput, VictimInput
from victimcare.referrals.constants import Gender, ReceiveBy, RiskLevel, ServiceKind
from victimcare.referrals.directory import (
    NO_DOB,
    NO_RISK,
    NO_SEX,
    age_on,
    eligibility_notes,
    eligible_services,
    ineligibility_reasons,
    suggested_services,
)
from victimcare.referrals.models import SupportService

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def sutton(orgs) -> Area:  # type: ignore[no-untyped-def]
    return Area.objects.get_or_create(
        code="E09000029", defaults={"name": "Sutton", "bcu": orgs["other_bcu"]}
    )[0]


@pytest.fixture
def service(orgs, areas):  # type: ignore[no-untyped-def]
    """Make a service of the persona charity covering Hackney unless told otherwise."""

    def make(
        name: str = "Example service", *, boroughs: Any = None, **fields: Any
    ) -> SupportService:
        s = SupportService.objects.create(
            organisation=orgs["charity"],
            name=name,
            kind=fields.pop("kind", ServiceKind.GENERAL),
            receive_by=ReceiveBy.VICTIMCARE,
            **fields,
        )
        s.boroughs.set(boroughs if boroughs is not None else [areas["central_east"]])
        return s

    return make


@pytest.fixture
def case(make_crime):  # type: ignore[no-untyped-def]
    """A crime with one victim: `case(offence=…, born=…, sex=…, needs=…, **victim)`."""

    def make(
        *,
        offence: str = "common-assault",
        born: dt.date | None = dt.date(1990, 3, 4),
        sex: str | None = "female",
        area: str = "central_east",
        domestic_abuse: bool = False,
        hate_crime: bool = False,
        **victim: Any,
    ) -> tuple[Any, Victim]:
        crime = make_crime(
            offence=offence,
            area=area,
            domestic_abuse=domestic_abuse,
            hate_crime=hate_crime,
            victims=[
                VictimInput(
                    full_name="Alex Example",
                    date_of_birth=born,
                    equality=EqualityInput(sex=sex) if sex is not None else None,
                    **victim,
                )
            ],
        )
        return crime, Victim.objects.get(crime_links__crime=crime)

    return make


def names(services: list[SupportService]) -> list[str]:
    return [s.name for s in services]


def test_age_counts_whole_years_and_unreadable_dates_are_unknown() -> None:
    assert age_on("2008-06-02", TODAY) == 17
    assert age_on("2008-06-01", TODAY) == 18
    assert age_on("", TODAY) is None
    assert age_on("not a date", TODAY) is None
    assert age_on("2030-01-01", TODAY) is None


def test_a_service_that_does_not_cover_the_borough_is_not_offered(case, service, sutton):
    here = service("Hackney support")
    service("Sutton support", boroughs=[sutton])
    crime, victim = case()

    assert names(eligible_services(crime=crime, victim=victim, on=TODAY)) == ["Hackney support"]
    other = SupportService.objects.get(name="Sutton support")
    assert ineligibility_reasons(other, crime, victim, on=TODAY) == [
        "This service does not cover Hackney"
    ]
    assert ineligibility_reasons(here, crime, victim, on=TODAY) == []


def test_inactive_services_are_not_offered(case, service):
    stopped = service("Closed service", active=False)
    crime, victim = case()

    assert eligible_services(crime=crime, victim=victim, on=TODAY) == []
    assert ineligibility_reasons(stopped, crime, victim, on=TODAY) == [
        "This service is not taking referrals at the moment"
    ]


def test_age_bounds_follow_the_date_of_birth(case, service):
    adults = service("Adults", min_age=18)
    young = service("Young people", kind=ServiceKind.YOUNG_VICTIMS, max_age=17)
    band = service("Students", min_age=16, max_age=25)
    crime, child = case(born=dt.date(2012, 1, 1))

    assert names(eligible_services(crime=crime, victim=child, on=TODAY)) == ["Young people"]
    assert ineligibility_reasons(adults, crime, child, on=TODAY) == [
        "This service is for people aged 18 and over"
    ]
    assert ineligibility_reasons(band, crime, child, on=TODAY) == [
        "This service is for people aged 16 to 25"
    ]
    crime, adult = case(born=dt.date(1960, 1, 1))
    assert ineligibility_reasons(young, crime, adult, on=TODAY) == [
        "This service is for people aged 17 and under"
    ]


def test_unknown_age_only_services_without_age_bounds_and_the_page_is_told(case, service):
    service("Anyone")
    adults = service("Adults", min_age=18)
    crime, victim = case(born=None)

    assert names(eligible_services(crime=crime, victim=victim, on=TODAY)) == ["Anyone"]
    assert ineligibility_reasons(adults, crime, victim, on=TODAY) == [
        "This service is for people aged 18 and over, and the victim's date of birth is not recorded"
    ]
    assert NO_DOB in eligibility_notes(crime=crime, victim=victim, on=TODAY)


def test_gender_comes_from_the_recorded_sex_and_unknown_means_open_to_all_only(case, service):
    service("Anyone")
    women = service("Women's service", genders=[Gender.FEMALE])
    crime, woman = case(sex="female")
    assert names(eligible_services(crime=crime, victim=woman, on=TODAY)) == [
        "Anyone",
        "Women's service",
    ]

    crime, man = case(sex="male")
    assert ineligibility_reasons(women, crime, man, on=TODAY) == [
        "This service is for women and girls"
    ]

    crime, unknown = case(sex=None)
    assert names(eligible_services(crime=crime, victim=unknown, on=TODAY)) == ["Anyone"]
    assert ineligibility_reasons(women, crime, unknown, on=TODAY) == [
        "This service is for women and girls, and the victim's sex is not recorded"
    ]
    assert NO_SEX in eligibility_notes(crime=crime, victim=unknown, on=TODAY)
    crime, not_said = case(sex="not_said")
    assert names(eligible_services(crime=crime, victim=not_said, on=TODAY)) == ["Anyone"]


def test_offence_groups_limit_a_service(case, service):
    isva = service("ISVA", kind=ServiceKind.ISVA, offence_groups=["sexual_offences"])
    crime, victim = case(offence="burglary-residential")

    assert eligible_services(crime=crime, victim=victim, on=TODAY) == []
    assert ineligibility_reasons(isva, crime, victim, on=TODAY) == [
        "This service does not take referrals for burglary"
    ]
    crime, victim = case(offence="rape")
    assert names(eligible_services(crime=crime, victim=victim, on=TODAY)) == ["ISVA"]


def test_risk_levels_limit_a_service_and_a_missing_risk_is_said(case, service):
    idva = service("IDVA", kind=ServiceKind.IDVA, risk_levels=[RiskLevel.HIGH])
    crime, victim = case(domestic_abuse=True)

    assert names(eligible_services(crime=crime, victim=victim, risk_level="high", on=TODAY)) == [
        "IDVA"
    ]
    assert ineligibility_reasons(idva, crime, victim, "medium", on=TODAY) == [
        "This service is for high risk cases only"
    ]
    assert ineligibility_reasons(idva, crime, victim, "", on=TODAY) == [
        "This service is for high risk cases, and no risk level is given"
    ]
    assert NO_RISK in eligibility_notes(crime=crime, victim=victim, on=TODAY)


def test_idva_and_hate_crime_services_take_only_their_own_crimes(case, service):
    idva = service("IDVA", kind=ServiceKind.IDVA)
    hate = service("Hate crime", kind=ServiceKind.HATE_CRIME)
    crime, victim = case()

    assert eligible_services(crime=crime, victim=victim, on=TODAY) == []
    assert ineligibility_reasons(idva, crime, victim, on=TODAY) == [
        "This service is for domestic abuse, and this crime is not marked as such"
    ]
    assert ineligibility_reasons(hate, crime, victim, on=TODAY) == [
        "This service is for hate crime, and this crime is not marked as one"
    ]
    crime, victim = case(hate_crime=True)
    assert names(eligible_services(crime=crime, victim=victim, on=TODAY)) == ["Hate crime"]


def test_a_language_service_works_only_in_its_languages(case, service):
    polish = service("Polish service", kind=ServiceKind.LANGUAGE, languages=["pl", "ro"])
    crime, victim = case(language="ur", interpreter_needed=True)

    assert ineligibility_reasons(polish, crime, victim, on=TODAY) == [
        "This service works in Polish and Romanian, not in Urdu"
    ]
    crime, victim = case(language="pl", interpreter_needed=True)
    assert names(eligible_services(crime=crime, victim=victim, on=TODAY)) == ["Polish service"]


def test_several_reasons_are_all_given(case, service, sutton):
    isva = service(
        "Far ISVA",
        kind=ServiceKind.ISVA,
        boroughs=[sutton],
        min_age=18,
        offence_groups=["sexual_offences"],
    )
    crime, victim = case(born=dt.date(2015, 1, 1))

    assert ineligibility_reasons(isva, crime, victim, on=TODAY) == [
        "This service does not cover Hackney",
        "This service is for people aged 18 and over",
        "This service does not take referrals for violence without injury",
    ]


def test_suggestions_put_the_isva_and_rape_crisis_first_for_a_sexual_offence(case, service):
    service("General support")
    service("Young people", kind=ServiceKind.YOUNG_VICTIMS, max_age=17)
    service("Rape Crisis", kind=ServiceKind.RAPE_CRISIS, genders=[Gender.FEMALE])
    service("ISVA", kind=ServiceKind.ISVA, offence_groups=["sexual_offences"])
    crime, victim = case(offence="rape")

    assert names(suggested_services(crime=crime, victim=victim, on=TODAY)) == [
        "ISVA",
        "Rape Crisis",
        "General support",
    ]


def test_high_risk_domestic_abuse_puts_the_idva_first(case, service):
    service("General support")
    service("IDVA", kind=ServiceKind.IDVA, risk_levels=[RiskLevel.HIGH, RiskLevel.MEDIUM])
    service("Hate crime", kind=ServiceKind.HATE_CRIME)
    crime, victim = case(domestic_abuse=True, hate_crime=True)

    high = suggested_services(crime=crime, victim=victim, risk_level="high", on=TODAY)
    assert names(high) == ["IDVA", "Hate crime", "General support"]
    # Medium risk: the IDVA still takes it, but it is not the best fit.
    medium = suggested_services(crime=crime, victim=victim, risk_level="medium", on=TODAY)
    assert names(medium) == ["Hate crime", "IDVA", "General support"]


@pytest.mark.parametrize(
    ("kind", "offence", "extra"),
    [
        (ServiceKind.HATE_CRIME, "racially-aggravated-public-order", {"hate_crime": True}),
        (ServiceKind.BEREAVED, "murder", {}),
        (ServiceKind.ROAD_CRASH, "death-by-dangerous-driving", {}),
        (ServiceKind.FRAUD, "fraud", {}),
        (ServiceKind.YOUNG_VICTIMS, "common-assault", {"born": dt.date(2011, 5, 5)}),
        (ServiceKind.LANGUAGE, "common-assault", {"language": "pl", "interpreter_needed": True}),
        (
            ServiceKind.DISABLED,
            "common-assault",
            {"needs": NeedsInput(vulnerabilities=[Vulnerability.LEARNING_DISABILITY])},
        ),
        (ServiceKind.DISABLED, "common-assault", {"accessible_format": AccessibleFormat.BSL}),
        (
            ServiceKind.LGBT,
            "common-assault",
            {"needs": NeedsInput(communication_needs="Identifies as non-binary; use they/them")},
        ),
    ],
)
def test_the_specialist_service_for_the_case_comes_before_the_others(
    case, service, kind, offence, extra
):
    service("A general service")
    # Another specialist that fits nothing here, named to sort first by name.
    if kind == ServiceKind.FRAUD:
        service("A disabled victims' service", kind=ServiceKind.DISABLED)
    else:
        service("A fraud service", kind=ServiceKind.FRAUD)
    service("Z specialist", kind=kind, languages=["pl"] if kind == ServiceKind.LANGUAGE else [])
    crime, victim = case(offence=offence, **extra)

    suggested = names(suggested_services(crime=crime, victim=victim, on=TODAY))
    assert suggested[0] == "Z specialist"
    assert suggested[-1] == "A general service"


def test_without_the_need_the_specialist_is_not_first(case, service):
    service("A general service")
    service("A disabled victims' service", kind=ServiceKind.DISABLED)
    service("B LGBT+ service", kind=ServiceKind.LGBT)
    crime, victim = case(needs=NeedsInput(communication_needs="Prefers mornings"))

    assert names(suggested_services(crime=crime, victim=victim, on=TODAY)) == [
        "B LGBT+ service",
        "A disabled victims' service",
        "A general service",
    ]


def test_a_local_service_comes_before_a_pan_london_one_of_the_same_kind(
    case, service, areas, sutton
):
    service("A pan-London ISVA", kind=ServiceKind.ISVA, boroughs=[*areas.values(), sutton])
    service("Z Hackney ISVA", kind=ServiceKind.ISVA)
    crime, victim = case(offence="sexual-assault")

    assert names(suggested_services(crime=crime, victim=victim, on=TODAY)) == [
        "Z Hackney ISVA",
        "A pan-London ISVA",
    ]
