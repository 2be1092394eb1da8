"""The story: a victim rings the desk. Dana Desk finds the case by phone number,
must pass an identity check before anything is disclosed, then sees "Do not
leave voicemail" at the top, the duties owed with their deadlines, the officer
in the case and whether the desk is open. A failed check discloses nothing.
Every read of the victim's data is an audit entry; the check's audit entry
holds the method and outcome only, never what the caller said."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from victimcare.cases.constants import EventCode
from victimcare.cases.services import VictimInput, event_record
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.desk import messages as msg
from victimcare.desk.views import FAILED_TITLE

from .conftest import CODE_WORD, VICTIM_NAME, VICTIM_PHONE, signed_in, text

pytestmark = pytest.mark.django_db
PURPOSE = "The victim called the desk"


def _urls(victim, crime) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return (
        reverse("desk:identity-check", args=[victim.pk, crime.pk]),
        reverse("desk:case", args=[victim.pk, crime.pk]),
    )


def _views(victim, page: str) -> int:  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(
        action=AuditAction.VIEW,
        subject_type="cases.victim",
        subject_id=str(victim.pk),
        detail__page=page,
    ).count()


def test_the_agent_finds_checks_and_reads_the_case(desk, desk_agent, crime, victim, officer):
    officer.collar_number = "1234AB"
    officer.save(update_fields=["collar_number"])
    event_record(
        actor=officer,
        crime=crime,
        code=EventCode.CONTACT_CALL,
        occurred_at=crime.reported_at,
        victim=victim,
        summary="Explained what happens next",
    )
    check, case = _urls(victim, crime)

    # Find by phone number, with a reason.
    found = desk.post(
        reverse("desk:search"), {"phone": VICTIM_PHONE, "purpose": PURPOSE}, follow=True
    )
    assert check in found.content.decode()

    # The case view is not shown before the identity check.
    assert desk.get(case).url == check
    assert _views(victim, "desk.case") == 0

    # The identity check shows the agent what to check against, and that read is audited.
    page = desk.get(check)
    assert page.status_code == 200
    assert "31 March 1980" in text(page) and CODE_WORD in text(page)
    entry = AuditEvent.objects.filter(detail__page="desk.identity_check").latest("seq")
    assert entry.subject_id == str(victim.pk) and entry.purpose == PURPOSE
    assert entry.actor_id == desk_agent.pk

    passed = desk.post(check, {"method": "crn_and_date_of_birth", "outcome": "passed"})
    assert passed.status_code == 302 and passed.url == case
    recorded = AuditEvent.objects.filter(object_type="desk.identity_check").latest("seq")
    assert recorded.action == AuditAction.CREATE
    assert recorded.subject_id == str(victim.pk)
    assert recorded.detail == {
        "method": "crn_and_date_of_birth",
        "outcome": "passed",
        "crime_id": crime.pk,
    }

    # The case in plain words, safe-contact rules first.
    response = desk.get(case)
    assert response.status_code == 200
    page = text(response)
    assert "no-store" in response["Cache-Control"]
    main = page[page.index(f"Case {crime.crn}") :]
    assert main.index("Do not leave voicemail") < main.index("Where the case is")
    assert "Only between 10:00 and 14:00" in page
    assert "No letters home" in page
    assert 'class="govuk-warning-text vc-desk-safe-contact"' in response.content.decode()
    assert "Reported. The police are looking into what happened." in page
    assert "Call with the victim" in page and "Explained what happens next" in page
    assert "Carry out a needs assessment" in page
    assert re.search(r"Due \w", page)
    assert "Olivia Officer" in page and "1234AB" in page and "Central East Response" in page
    assert "Yes, Polish" in page
    assert "The desk is open now." in page or "The desk is closed now." in page
    assert _views(victim, "desk.case") == 1

    # A reload within the half hour does not ask again, and is audited again.
    assert desk.get(case).status_code == 200
    assert _views(victim, "desk.case") == 2


def test_a_failed_check_discloses_nothing(desk, crime, victim):
    check, case = _urls(victim, crime)
    response = desk.post(check, {"method": "code_word", "outcome": "failed"})
    assert response.status_code == 200
    page = text(response)
    assert FAILED_TITLE in page
    for secret in (VICTIM_NAME, CODE_WORD, "1980", "voicemail", "Olivia Officer", crime.crn):
        assert secret not in page
    recorded = AuditEvent.objects.filter(object_type="desk.identity_check").latest("seq")
    assert recorded.detail["outcome"] == "failed" and recorded.detail["method"] == "code_word"
    assert CODE_WORD not in str(recorded.detail)
    # Still no case view.
    assert desk.get(case).url == check
    assert _views(victim, "desk.case") == 0


def test_a_failure_forgets_an_earlier_pass(desk, crime, victim):
    check, case = _urls(victim, crime)
    desk.post(check, {"method": "code_word", "outcome": "passed"})
    assert desk.get(case).status_code == 200
    desk.post(check, {"method": "code_word", "outcome": "failed"})
    assert desk.get(case).url == check


def test_a_nominated_contact_can_be_checked(desk, desk_agent, crime, victim, officer):
    from victimcare.cases.services import victim_add

    contact = victim_add(
        actor=officer,
        crime=crime,
        data=VictimInput(full_name="Test Contact", role="nominated_contact"),
    )
    check, case = _urls(victim, crime)
    page = text(desk.get(check))
    assert "Test Contact" in page
    # The contact's name shown to the agent is a read of their data too.
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, subject_id=str(contact.pk), detail__page="desk.identity_check"
    ).exists()
    missing = desk.post(check, {"method": "nominated_contact", "outcome": "passed"})
    assert msg.CALLER_REQUIRED in text(missing)
    stranger = desk.post(
        check, {"method": "nominated_contact", "caller": "other", "outcome": "passed"}
    )
    assert msg.CALLER_NOT_RECORDED in text(stranger)
    response = desk.post(
        check, {"method": "nominated_contact", "caller": str(contact.pk), "outcome": "passed"}
    )
    assert response.url == case
    recorded = AuditEvent.objects.filter(object_type="desk.identity_check").latest("seq")
    assert recorded.detail["caller_id"] == contact.pk


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, msg.METHOD_REQUIRED),
        ({"method": "code_word"}, "Select whether the caller passed the identity check"),
        ({"method": "telepathy", "outcome": "passed"}, msg.METHOD_REQUIRED),
    ],
    ids=["nothing", "no-outcome", "unknown-method"],
)
def test_bad_identity_check_input_records_nothing(desk, crime, victim, data, error):
    check, case = _urls(victim, crime)
    response = desk.post(check, data)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert error in text(response)
    assert not AuditEvent.objects.filter(object_type="desk.identity_check").exists()
    assert desk.get(case).url == check


def test_a_check_needs_something_recorded_to_check_against(desk, make_crime):
    crime = make_crime(victims=[VictimInput(full_name="No Details", phone="07700 900777")])
    victim = crime.victim_links.get().victim
    check, _ = _urls(victim, crime)
    assert "Not recorded" in text(desk.get(check))
    dob = desk.post(check, {"method": "crn_and_date_of_birth", "outcome": "passed"})
    assert msg.NO_DATE_OF_BIRTH in text(dob)
    word = desk.post(check, {"method": "code_word", "outcome": "passed"})
    assert msg.NO_CODE_WORD in text(word)


def test_a_case_the_desk_may_not_see_is_not_found(desk, make_crime, crime, victim):
    restricted = make_crime(offence="rape", victims=[VictimInput(full_name="Other Person")])
    other = restricted.victim_links.get().victim
    for url in _urls(other, restricted):
        assert desk.get(url).status_code == 404
    # A person on another case, with this case's id: also 404.
    for url in _urls(other, crime):
        assert desk.get(url).status_code == 404
    assert (
        not AuditEvent.objects.filter(action=AuditAction.VIEW, subject_id=str(other.pk))
        .exclude(actor_id=None)
        .filter(detail__page__startswith="desk.")
        .exists()
    )


def test_an_officer_cannot_open_the_desk_case_view(crime, victim, officer):
    client = signed_in(officer)
    for url in _urls(victim, crime):
        assert client.get(url).status_code == 404
