# ruff: noqa: F811  (pytest fixtures imported from tests/referrals/conftest.py)
"""Making a referral through the partner API, the police side (issue 10, item 1):
the Central East response team's records system refers a victim of a domestic
abuse assault to a support service, through the same services, consent rules,
data-quality gate and audit as the officer's referral page.

Fake personal data only (Ofcom drama numbers, example.org addresses)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.constants import Role
from victimcare.accounts.models import Area
from victimcare.api.constants import ALL_SCOPES
from victimcare.api.serializers_referrals import CONSENT_METHOD_INVALID, RISK_LEVEL_INVALID
from victimcare.api.services import token_create
from victimcare.api.views_referrals import SERVICE_UNKNOWN
from victimcare.cases.constants import ConsentKind
from victimcare.cases.models import ConsentRecord, Crime, Offence, Victim
from victimcare.cases.reference import offences_load
from victimcare.cases.services import NeedsInput, VictimInput, case_share
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty
from victimcare.messaging.dispatch import safe_channel_confirm
from victimcare.messaging.models import OutboundMessage
from victimcare.referrals import gate
from victimcare.referrals.constants import ConsentBasis, ReceiveBy, ReferralState
from victimcare.referrals.models import Referral, SupportService
from victimcare.referrals.services import ALREADY_REFERRED, ATTEMPT_OBJECT, RIGHT_4_RULE

from ..factories import OrganisationFactory, UserFactory
from ..referrals.conftest import make_service  # noqa: F401
from .conftest import Token

pytestmark = pytest.mark.django_db

VICTIM_NAME = "Amina Example"
VICTIM_PHONE = "07700 900431"
VICTIM_EMAIL = "amina.example@example.org"


@pytest.fixture
def offences(db) -> dict[str, Offence]:  # type: ignore[no-untyped-def]
    """The root conftest's (tests/api/conftest.py replaces it with one returning None,
    which make_crime cannot use)."""
    offences_load(name=settings.OFFENCE_LIST)
    return {o.code: o for o in Offence.objects.all()}


@pytest.fixture
def records_system(orgs) -> Token:  # type: ignore[no-untyped-def]
    """The Central East response team's records system (every scope)."""
    return Token(*token_create(organisation=orgs["team"], name="team records", scopes=ALL_SCOPES))


@pytest.fixture
def assault(make_crime, records_system) -> Crime:  # type: ignore[no-untyped-def]
    """A domestic abuse assault in Hackney that the records system recorded (so it is
    the officer in the case: a restricted case is seen only by those in it). The
    victim can be reached safely (confirmed) and has a needs assessment, so only
    their explicit consent and the risk level stand between them and a referral."""
    crime = make_crime(
        actor=records_system.user,
        domestic_abuse=True,
        victims=[
            VictimInput(
                full_name=VICTIM_NAME,
                phone=VICTIM_PHONE,
                email=VICTIM_EMAIL,
                needs=NeedsInput(support_wanted=["emotional"]),
            )
        ],
    )
    safe_channel_confirm(actor=records_system.user, crime=crime, victim=_victim(crime))
    return crime


@pytest.fixture
def service(make_service) -> SupportService:  # type: ignore[no-untyped-def]  # noqa: F811
    """Example Victim Support Hackney, told of new referrals by email."""
    service = make_service()
    service.receive_by = ReceiveBy.VICTIMCARE
    service.referral_email = "referrals@support.example.org"
    service.save()
    return service


def _victim(crime: Crime) -> Victim:
    return Victim.objects.get(crime_links__crime=crime)


def _url(crime: Crime, victim: Victim | int | None = None) -> str:
    victim_id = victim if isinstance(victim, int) else (victim or _victim(crime)).pk
    crn = crime.crn.replace("/", "%2F")
    return f"/api/v1/crimes/{crn}/victims/{victim_id}/referrals/"


def _errors(response: Any) -> list[tuple[str, str]]:
    return [(error["attr"], error["detail"]) for error in response.json()["errors"]]


def _right_4(crime: Crime) -> Duty:
    return Duty.objects.exclude(state=DutyState.REPLACED).get(crime=crime, rule__code=RIGHT_4_RULE)


def test_a_police_system_refers_a_victim_who_consented(
    records_system,
    assault,
    service,
) -> None:
    victim = _victim(assault)
    response = records_system.client().post(
        _url(assault),
        {"service": service.pk, "risk_level": "standard", "consent_method": "phone"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    referral = Referral.objects.get(crime=assault, victim=victim)
    body = response.json()
    assert body["id"] == referral.pk
    assert (body["service_id"], body["service"]) == (service.pk, service.name)
    assert body["state"] == ReferralState.SENT and body["automatic"] is False
    assert VICTIM_NAME not in response.content.decode()
    # The page's path: consent recorded, then the referral sent on it by the token's user.
    consent = ConsentRecord.objects.get(victim=victim, kind=ConsentKind.REFERRAL)
    assert consent.given and consent.method == "phone"
    assert referral.consent == consent and referral.consent_basis == ConsentBasis.EXPLICIT
    assert referral.sent_by == records_system.user and referral.risk_level == "standard"
    duty = _right_4(assault)
    assert duty.state == DutyState.DONE and duty.completed_event == referral.event
    arrived = OutboundMessage.objects.get(template_code="referral_arrived")
    assert arrived.recipient == service.referral_email and VICTIM_NAME not in arrived.body
    # Shared with the service's organisation: a disclosure, ids only.
    disclosure = AuditEvent.objects.get(
        action=AuditAction.DISCLOSE, object_type="referrals.referral"
    )
    assert disclosure.object_id == str(referral.pk)
    assert disclosure.subject_id == str(victim.pk)
    assert VICTIM_PHONE not in str(disclosure.detail) and VICTIM_NAME not in str(disclosure.detail)


def test_without_consent_the_referral_is_refused_in_plain_english_and_nothing_is_sent(
    records_system,
    assault,
    service,
) -> None:
    response = records_system.client().post(
        _url(assault), {"service": service.pk, "risk_level": "high"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert _errors(response) == [
        (
            "non_field_errors",
            gate.CONSENT_EXPLICIT.format(reason=gate.CONSENT_FIRST["domestic_abuse"]),
        )
    ]
    assert not Referral.objects.exists()
    assert not OutboundMessage.objects.filter(template_code="referral_arrived").exists()
    assert _right_4(assault).owed
    # The failed attempt is remembered, as the page's is, for "complete first time".
    attempt = AuditEvent.objects.get(object_type=ATTEMPT_OBJECT)
    assert attempt.detail["gate_failed"] is True


def test_every_gate_problem_comes_back_at_once_and_a_consent_given_is_kept(
    records_system,
    assault,
    service,
) -> None:
    Victim.objects.filter(pk=_victim(assault).pk).update(phone="+12025550123")
    response = records_system.client().post(
        _url(assault), {"service": service.pk, "consent_method": "in_person"}, format="json"
    )

    assert response.status_code == 400
    assert _errors(response) == [
        ("non_field_errors", gate.PHONE_INVALID),
        ("non_field_errors", gate.RISK_MISSING_DA),
    ]
    assert not Referral.objects.exists()
    # As on the page, the victim's consent is a fact recorded before the referral.
    assert ConsentRecord.objects.get(kind=ConsentKind.REFERRAL).given


def test_a_retry_with_the_same_key_makes_one_referral(
    records_system,
    assault,
    service,
) -> None:
    client = records_system.client()
    body = {"service": service.pk, "risk_level": "standard", "consent_method": "phone"}
    first = client.post(_url(assault), body, format="json", HTTP_IDEMPOTENCY_KEY="ref-1")
    retry = client.post(_url(assault), body, format="json", HTTP_IDEMPOTENCY_KEY="ref-1")

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Referral.objects.count() == 1
    assert ConsentRecord.objects.filter(kind=ConsentKind.REFERRAL).count() == 1
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.DISCLOSE, object_type="referrals.referral"
        ).count()
        == 1
    )
    assert OutboundMessage.objects.filter(template_code="referral_arrived").count() == 1
    other = client.post(
        _url(assault), {**body, "risk_level": "high"}, format="json", HTTP_IDEMPOTENCY_KEY="ref-1"
    )
    assert other.status_code == 409
    # Without a key, a second referral to the same service is refused by the service.
    again = client.post(_url(assault), body, format="json")
    assert again.status_code == 400
    assert _errors(again) == [("service", ALREADY_REFERRED)]
    assert Referral.objects.count() == 1


def test_the_get_lists_the_referrals_made_and_the_services_offered_and_is_audited(
    records_system,
    assault,
    service,
) -> None:
    client = records_system.client()
    before = client.get(_url(assault))
    assert before.status_code == 200
    assert before.json()["referrals"] == []
    assert before.json()["services"] == [
        {"id": service.pk, "name": service.name, "kind": "general", "suggested": True}
    ]
    client.post(
        _url(assault),
        {"service": service.pk, "risk_level": "standard", "consent_method": "phone"},
        format="json",
    )

    response = client.get(_url(assault))
    assert response.status_code == 200
    [row] = response.json()["referrals"]
    referral = Referral.objects.get()
    assert row["id"] == referral.pk and row["state"] == ReferralState.SENT
    assert row["service_id"] == service.pk and row["within_deadline"] is True
    assert VICTIM_NAME not in response.content.decode()
    assert VICTIM_PHONE not in response.content.decode()
    views = AuditEvent.objects.filter(action=AuditAction.VIEW, detail__part="referrals")
    assert views.count() == 2
    assert views.order_by("-pk").first().detail["referrals"] == [referral.pk]  # type: ignore[union-attr]
    assert {entry.subject_id for entry in views} == {str(_victim(assault).pk)}


def test_another_forces_crime_another_bcus_and_a_stranger_victim_are_404(
    records_system,
    assault,
    make_crime,
    areas,
    other_officer,
    service,
) -> None:
    force = OrganisationFactory(kind=K.POLICE_FORCE, name="Another Police", code="force-2")
    bcu = OrganisationFactory(kind=K.BCU, name="Another BCU", code="bcu-2", parent=force)
    team = OrganisationFactory(kind=K.TEAM, name="Another Team", code="team-2", parent=bcu)
    areas["elsewhere"] = Area.objects.create(code="E06000001", name="Hartlepool", bcu=bcu)
    stranger_officer = UserFactory(
        organisation=team, role=Role.OFFICER, email="pc.other@example.org", full_name="Pat Other"
    )
    victims = [VictimInput(full_name="Sam Example", phone="07700 900432")]
    other_force_crime = make_crime(actor=stranger_officer, area="elsewhere", victims=victims)
    other_bcu_crime = make_crime(actor=other_officer, victims=victims)
    stranger = _victim(other_bcu_crime)
    assert other_force_crime.team == team

    client = records_system.client()
    body = {"service": service.pk, "risk_level": "standard", "consent_method": "phone"}
    for url in (
        _url(other_force_crime),
        _url(other_bcu_crime),
        _url(assault, stranger),  # a person on another crime
        _url(assault, 999999),
    ):
        assert client.get(url).status_code == 404, url
        refused = client.post(url, body, format="json")
        assert refused.status_code == 404, url
        assert refused.json()["errors"][0]["code"] == "not_found"
    assert not Referral.objects.exists()
    assert not ConsentRecord.objects.filter(kind=ConsentKind.REFERRAL).exists()


def test_a_partner_that_sees_the_crime_but_does_not_refer_gets_404(
    orgs,
    records_system,
    assault,
    service,
) -> None:
    case_share(actor=records_system.user, crime=assault, organisation=orgs["wcu"])
    wcu = Token(*token_create(organisation=orgs["wcu"], name="wcu", scopes=ALL_SCOPES))
    client = wcu.client()
    assert client.get(f"/api/v1/crimes/{assault.crn.replace('/', '%2F')}/").status_code == 200
    assert client.get(_url(assault)).status_code == 404
    refused = client.post(
        _url(assault), {"service": service.pk, "consent_method": "phone"}, format="json"
    )
    assert refused.status_code == 404
    assert not Referral.objects.exists()


VALID = "the service's id"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ("service", "Give service")),
        ({"service": "first"}, ("service", "Give service")),
        ({"service": 999999}, ("service", SERVICE_UNKNOWN)),
        ({"service": VALID, "risk_level": "extreme"}, ("risk_level", RISK_LEVEL_INVALID)),
        (
            {"service": VALID, "consent_method": "telepathy"},
            ("consent_method", CONSENT_METHOD_INVALID),
        ),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    records_system,
    assault,
    service,
    body,
    expected,
) -> None:
    sent = {name: service.pk if value == VALID else value for name, value in body.items()}
    response = records_system.client().post(_url(assault), sent, format="json")
    assert response.status_code == 400
    field, text = expected
    assert [attr for attr, detail in _errors(response) if text in detail] == [field]
    assert not Referral.objects.exists()
    assert not ConsentRecord.objects.filter(kind=ConsentKind.REFERRAL).exists()
    assert not AuditEvent.objects.filter(object_type=ATTEMPT_OBJECT).exists()


def test_an_inactive_service_is_not_offered(
    records_system,
    assault,
    service,
) -> None:
    service.active = False
    service.save()
    response = records_system.client().post(
        _url(assault), {"service": service.pk, "consent_method": "phone"}, format="json"
    )
    assert response.status_code == 400
    assert _errors(response) == [("service", SERVICE_UNKNOWN)]
    assert records_system.client().get(_url(assault)).json()["services"] == []


@pytest.mark.parametrize(
    ("method", "scope"), [("get", "referrals:read"), ("post", "referrals:write")]
)
def test_each_method_needs_its_scope(orgs, assault, method, scope) -> None:  # type: ignore[no-untyped-def]
    token = Token(
        *token_create(
            organisation=orgs["team"], name="limited", scopes=[s for s in ALL_SCOPES if s != scope]
        )
    )
    response = getattr(token.client(), method)(_url(assault), {}, format="json")
    assert response.status_code == 403
    assert scope in response.json()["errors"][0]["detail"]
