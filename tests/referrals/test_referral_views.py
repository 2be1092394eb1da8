# ruff: noqa: F811 - the fixtures imported from test_referral_services are parameters here
"""The officer's referral page: reached from the case page, it shows the
suggested services, where consent stands and the gate's problems in the error
summary; it sends a referral, records consent given now and a decline; and it
is a 404 for anyone who may not act on the case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from victimcare.cases.constants import ConsentKind
from victimcare.cases.models import ConsentRecord
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties.constants import DutyState
from victimcare.messaging.dispatch import safe_channel_confirm
from victimcare.referrals import gate
from victimcare.referrals.forms_referral import METHOD_REQUIRED
from victimcare.referrals.models import Referral

from .conftest import signed_in, text
from .test_referral_services import (  # noqa: F401 - fixtures
    VICTIM_NAME,
    a_victim,
    general,
    isva,
    make_service,
    right_4,
    support_org,
    sutton,
    victim_of,
)

pytestmark = pytest.mark.django_db


def page_url(crime, victim) -> str:  # type: ignore[no-untyped-def]
    return reverse("referrals:referral", args=[crime.pk, victim.pk])


def test_the_case_page_links_to_the_referral_page(make_crime, officer, general, sutton):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)

    response = signed_in(officer).get(reverse("cases:case", args=[crime.pk]))

    assert page_url(crime, victim) in response.content.decode()


def test_the_page_shows_suggestions_consent_and_sends_a_referral(
    make_crime, officer, general, sutton
):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)
    client = signed_in(officer)

    page = client.get(page_url(crime, victim))

    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    shown = text(page)
    assert general.name in shown and "Best fit" in shown
    assert "Automatic referral" in shown and "No referral has been made yet" in shown
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_id=str(crime.pk), subject_id=str(victim.pk)
    ).exists()

    sent = client.post(
        page_url(crime, victim),
        {"service": str(general.pk), "risk_level": "standard"},
        follow=True,
    )

    referral = Referral.objects.get(crime=crime, victim=victim)
    assert referral.sent_by == officer and not referral.automatic
    assert f"Referral sent to {general.name}" in text(sent)
    assert "Sent" in text(sent) and right_4(crime, victim).state == DutyState.DONE
    case_page = client.get(reverse("cases:case", args=[crime.pk]))
    assert case_page.status_code == 200 and "Referred to a support service" in text(case_page)


def test_gate_problems_are_listed_in_the_error_summary_and_nothing_is_sent(
    make_crime, officer, isva, sutton
):
    crime = make_crime(offence="rape", area="sutton", victims=[a_victim(needs=None)])
    victim = victim_of(crime)

    response = signed_in(officer).post(
        page_url(crime, victim), {"service": str(isva.pk), "risk_level": "high"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    shown = text(response)
    for problem in (
        gate.CONSENT_EXPLICIT.format(reason="this is a sexual offence"),
        gate.SAFE_CONTACT.format(why="a sexual offence"),
        gate.NEEDS_MISSING,
    ):
        assert problem in shown
    assert "Ask the victim first" in shown
    assert not Referral.objects.exists()


def test_consent_given_now_is_recorded_and_the_referral_goes(make_crime, officer, isva, sutton):
    crime = make_crime(offence="rape", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)
    safe_channel_confirm(actor=officer, crime=crime, victim=victim)
    client = signed_in(officer)

    missing_method = client.post(
        page_url(crime, victim),
        {"service": str(isva.pk), "risk_level": "high", "consent_now": "on"},
    )
    assert METHOD_REQUIRED in text(missing_method) and not Referral.objects.exists()

    client.post(
        page_url(crime, victim),
        {"service": str(isva.pk), "risk_level": "high", "consent_now": "on", "method": "phone"},
    )

    consent = ConsentRecord.objects.get(victim=victim, kind=ConsentKind.REFERRAL)
    assert consent.given and consent.method == "phone" and consent.recorded_by == officer
    assert Referral.objects.get(crime=crime, victim=victim).consent == consent


def test_recording_a_decline_completes_the_duty(make_crime, officer, general, sutton):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)
    client = signed_in(officer)
    decline = reverse("referrals:referral-decline", args=[crime.pk, victim.pk])

    assert decline in client.get(page_url(crime, victim)).content.decode()
    empty = client.post(decline, {})
    assert "Select how the victim told you" in text(empty)
    assert right_4(crime, victim).owed

    done = client.post(decline, {"method": "in_person"})

    assert done.status_code == 302
    assert ConsentRecord.objects.get(victim=victim).given is False
    assert right_4(crime, victim).state == DutyState.DONE


def test_people_who_may_not_act_on_the_case_get_404(
    make_crime, other_officer, support_caseworker, analyst, general, sutton
):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])
    victim = victim_of(crime)
    for person in (other_officer, support_caseworker, analyst):
        client = signed_in(person)
        assert client.get(page_url(crime, victim)).status_code == 404
        assert client.post(page_url(crime, victim), {"service": str(general.pk)}).status_code == 404
    assert not Referral.objects.exists()


def test_a_person_not_on_the_crime_is_404(make_crime, officer, general, sutton):
    crime = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])
    other = make_crime(offence="burglary-residential", area="sutton", victims=[a_victim()])

    response = signed_in(officer).get(page_url(crime, victim_of(other)))

    assert response.status_code == 404
    assert VICTIM_NAME not in response.content.decode()
