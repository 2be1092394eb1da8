"""The duties pages as stories: PC Olivia Officer sees what she owes victims, most
overdue first, never another officer's; Sgt Sam Supervisor sees the team's
counts; a duty page explains itself down to the bank holidays skipped; a duty is
closed as not applicable only with a reason, and done by recording the contact
that fulfils it. Duties come from the real services (crime_create, event_record);
only the clock is moved.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.cases import messages as case_msg
from victimcare.cases.constants import EnhancedReason, EventCode, VpsOutcome
from victimcare.cases.models import JourneyEvent, NeedsAssessmentVersion
from victimcare.cases.services import VictimInput, event_record
from victimcare.core.audit import audit_verify
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties import messages
from victimcare.duties.constants import DutyState, NotificationKind
from victimcare.duties.models import Duty, DutyNotification
from victimcare.duties.views import NOT_APPLICABLE_DONE

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
WORKLIST = reverse("duties:worklist")
TEAM = reverse("duties:team")
NAME = "Test Victim"


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:  # type: ignore[no-untyped-def]
    """The page's visible text, tags removed and spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html_lib.unescape(body).split())


def _victim(**rules: object) -> VictimInput:
    return VictimInput(full_name=NAME, phone="07700 900001", **rules)  # type: ignore[arg-type]


def _duty(crime, code: str) -> Duty:  # type: ignore[no-untyped-def]
    return Duty.objects.exclude(state=DutyState.REPLACED).get(crime=crime, rule__code=code)


def _row_ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(i) for i in re.findall(r'data-duty-id="(\d+)"', response.content.decode())]


@pytest.fixture
def crime(make_crime):  # type: ignore[no-untyped-def]
    """A common assault reported yesterday, one victim with safe-contact rules."""
    return make_crime(
        victims=[
            _victim(
                voicemail_allowed=False,
                safe_for_letters=False,
                safe_from=dt.time(10, 0),
                safe_until=dt.time(14, 0),
            )
        ]
    )


# --- Owed to victims ---------------------------------------------------------------------


def test_the_worklist_shows_the_officers_duties_overdue_first_and_no_names(
    make_crime, officer, other_officer
):
    # Reported ten days ago: the 24-hour and 2-day duties are long overdue.
    with time_machine.travel(timezone.now() - dt.timedelta(days=10), tick=False):
        old = make_crime(victims=[_victim(contact_only_if_victim_initiates=True)])
    Duty.objects.filter(crime=old, due_at__lt=timezone.now()).update(state=DutyState.OVERDUE)
    recent = make_crime(victims=[_victim(voicemail_allowed=False)])
    event_record(
        actor=officer, crime=recent, code=EventCode.SUSPECT_ARRESTED, occurred_at=timezone.now()
    )
    theirs = make_crime(actor=other_officer, victims=[_victim()])

    response = signed_in(officer).get(WORKLIST)

    assert response.status_code == 200
    ids = _row_ids(response)
    overdue = set(
        Duty.objects.filter(crime=old, state=DutyState.OVERDUE).values_list("pk", flat=True)
    )
    assert overdue and set(ids[: len(overdue)]) == overdue  # overdue first
    rest = Duty.objects.filter(pk__in=ids[len(overdue) :])
    dues = [rest.get(pk=i).due_at for i in ids[len(overdue) :]]
    assert dues == sorted(dues)  # then by deadline
    assert _duty(recent, "suspect-arrested-inform").pk in ids
    assert not set(Duty.objects.filter(crime=theirs).values_list("pk", flat=True)) & set(ids)
    page = text(response)
    assert old.crn in page and recent.crn in page and theirs.crn not in page
    assert "Overdue" in page
    assert "Only if the victim gets in touch" in page
    assert "Do not leave voicemail" in page
    assert "Phone call" in page
    assert NAME not in page
    # No names, but each listed victim's safe-contact rules, channel and language
    # were read: one view entry per victim listed (and none for the other officer's).
    views = AuditEvent.objects.filter(action=AuditAction.VIEW, actor_id=officer.pk)
    listed = set(Duty.objects.filter(pk__in=ids).values_list("victim_id", flat=True))
    assert {int(v.subject_id) for v in views} == listed
    assert {(v.subject_type, v.object_type) for v in views} == {("cases.victim", "duties.worklist")}
    assert audit_verify().ok


def test_the_worklist_shows_safe_contact_rules_and_due_tomorrow(crime, officer):
    event_record(
        actor=officer, crime=crime, code=EventCode.SUSPECT_ARRESTED, occurred_at=timezone.now()
    )
    friday = london(2026, 3, 5, 10, 0)  # a Thursday: due by end of Friday is "tomorrow"
    Duty.objects.filter(crime=crime, rule__code="suspect-arrested-inform").update(
        due_at=london(2026, 3, 6, 23, 59, 59)
    )
    with time_machine.travel(friday, tick=False):
        page = text(signed_in(officer).get(WORKLIST))

    assert "Due tomorrow" in page
    assert "Only between 10:00 and 14:00" in page
    assert "No letters home" in page


def test_a_person_who_owes_nothing_sees_the_empty_state(officer):
    page = text(signed_in(officer).get(WORKLIST))
    assert "You owe no duties to victims at the moment" in page


def test_an_analyst_has_no_worklist(analyst, crime):
    client = signed_in(analyst)
    assert client.get(WORKLIST).status_code == 404
    assert "Owed to victims" not in text(client.get(reverse("accounts:home")))


def test_the_home_page_shows_what_the_officer_owes(crime, officer):
    response = signed_in(officer).get(reverse("accounts:home"))
    owed = Duty.objects.filter(crime=crime, state__in=[DutyState.OPEN, DutyState.OVERDUE])
    page = text(response)
    assert f"You owe {owed.count()} duties to victims" in page
    assert crime.crn in page
    assert f'href="{WORKLIST}"' in response.content.decode()
    assert NAME not in page


def test_notifications_are_shown_and_marked_read(crime, officer, other_officer):
    duty = _duty(crime, "crime-reported-record")
    note = DutyNotification.objects.create(
        duty=duty, recipient=officer, kind=NotificationKind.REMINDER
    )
    client = signed_in(officer)
    page = text(client.get(WORKLIST))
    assert "Reminder: due by the end of the next working day" in page

    read = reverse("duties:notification-read", args=[note.pk])
    assert signed_in(other_officer).post(read).status_code == 404
    assert client.get(read).status_code == 405
    response = client.post(read, follow=True)

    note.refresh_from_db()
    assert note.read_at is not None
    assert "Reminder: due by the end" not in text(response)


# --- Team duties ----------------------------------------------------------------------------


def test_team_duties_are_for_supervisors_only(officer, desk_agent, analyst):
    for person in (officer, desk_agent, analyst):
        assert signed_in(person).get(TEAM).status_code == 404


def test_a_supervisor_sees_the_teams_counts_and_assignees(make_crime, supervisor, officer):
    with time_machine.travel(london(2026, 3, 2, 9, 0), tick=False):  # a Monday
        crime = make_crime(occurred_at=london(2026, 3, 1, 20, 0), victims=[_victim()])
    # Make one overdue, and leave the others open with later deadlines.
    overdue = _duty(crime, "crime-reported-record")
    Duty.objects.filter(pk=overdue.pk).update(state=DutyState.OVERDUE)
    # On Wednesday 4 March the two-working-day duties (due end of Wednesday) are due today.
    with time_machine.travel(london(2026, 3, 4, 9, 0), tick=False):
        response = signed_in(supervisor).get(TEAM)

    assert response.status_code == 200
    owed = Duty.objects.filter(crime=crime)
    open_count = owed.filter(state=DutyState.OPEN).count()
    due_today = owed.filter(state=DutyState.OPEN, due_at__lte=london(2026, 3, 4, 23, 59, 59))
    assert due_today.count() >= 1
    content = response.content.decode()
    for element, expected in (
        ("count-open", open_count),
        ("count-due-today", due_today.count()),
        ("count-overdue", 1),
    ):
        block = re.search(rf'id="{element}">\s*<span[^>]*>(\d+)</span>', content)
        assert block and int(block.group(1)) == expected, element
    assert _row_ids(response)[0] == overdue.pk
    assert officer.full_name in text(response)  # the assignee
    assert NAME not in text(response)


# --- One duty --------------------------------------------------------------------------------


def test_the_duty_page_explains_a_deadline_over_christmas(make_crime):
    with time_machine.travel(london(2026, 12, 24, 17, 0), tick=False):
        crime = make_crime(
            offence="gbh-with-intent",  # most serious crime: enhanced rights
            occurred_at=london(2026, 12, 20, 22, 0),
            victims=[_victim()],
        )
        event_record(
            actor=crime.oic,
            crime=crime,
            code=EventCode.CHARGED,
            occurred_at=dt.datetime(2026, 12, 24, 16, 30, tzinfo=dt.UTC),
        )
        duty = _duty(crime, "charged-inform")
        response = signed_in(crime.oic).get(reverse("duties:duty", args=[duty.pk]))

    assert response.status_code == 200
    page = text(response)
    assert "Why this duty exists" in page
    assert "Charged" in page
    assert "charged-inform" in page
    assert duty.rule.rule_set.title in page
    assert "Enhanced rights" in page
    assert "1 working day (enhanced rights)" in page
    assert "Thursday 24 December 2026 Day 0: the clock starts" in page
    assert "Friday 25 December 2026 Not counted: Christmas Day" in page
    assert "Saturday 26 December 2026 Not counted: Saturday" in page
    assert "Monday 28 December 2026 Not counted: Boxing Day (observed)" in page
    assert "Tuesday 29 December 2026 Working day 1: the deadline" in page
    assert "Due by Tuesday 29 December 2026 at 23:59" in page
    assert "not yet confirmed" not in page  # charged-inform is confirmed
    # Actions for the officer who owes it.
    assert f"?fulfils={duty.pk}" in response.content.decode()
    assert reverse("duties:not-applicable", args=[duty.pk]) in response.content.decode()
    assert NAME not in page


def test_an_unconfirmed_rule_is_flagged(crime, officer):
    duty = _duty(crime, "crime-reported-written-confirmation")  # confirmed: false in the file
    page = text(signed_in(officer).get(reverse("duties:duty", args=[duty.pk])))
    assert "This rule is not yet confirmed in the Code's text" in page


def test_someone_who_cannot_view_the_crime_gets_404(crime, other_officer, analyst):
    duty = _duty(crime, "crime-reported-record")
    for person in (other_officer, analyst):
        client = signed_in(person)
        assert client.get(reverse("duties:duty", args=[duty.pk])).status_code == 404
        assert client.get(reverse("duties:not-applicable", args=[duty.pk])).status_code == 404
    assert signed_in(other_officer).get(reverse("duties:duty", args=[999999])).status_code == 404


def test_not_applicable_needs_a_reason_and_changes_nothing_without_one(crime, officer):
    duty = _duty(crime, "crime-reported-written-confirmation")
    url = reverse("duties:not-applicable", args=[duty.pk])
    client = signed_in(officer)

    response = client.post(url, {"reason": "   "})

    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert messages.NOT_APPLICABLE_REASON_REQUIRED in content
    assert 'href="#id_reason"' in content and 'id="id_reason"' in content
    assert "<title>Error: " in content
    duty.refresh_from_db()
    assert duty.state == DutyState.OPEN and duty.closed_reason == ""

    too_long = client.post(url, {"reason": "x" * 501})
    assert messages.NOT_APPLICABLE_REASON_TOO_LONG in too_long.content.decode()
    duty.refresh_from_db()
    assert duty.state == DutyState.OPEN


def test_not_applicable_with_a_reason_closes_the_duty(crime, officer):
    duty = _duty(crime, "crime-reported-written-confirmation")
    url = reverse("duties:not-applicable", args=[duty.pk])

    response = signed_in(officer).post(
        url, {"reason": "The victim confirmed by email they need no letter"}, follow=True
    )

    duty.refresh_from_db()
    assert duty.state == DutyState.NOT_APPLICABLE
    assert duty.closed_reason == "The victim confirmed by email they need no letter"
    assert duty.closed_by == officer
    assert response.redirect_chain[-1][0] == reverse("duties:duty", args=[duty.pk])
    page = text(response)
    assert NOT_APPLICABLE_DONE in page
    assert "The victim confirmed by email they need no letter" in page
    assert officer.full_name in page
    assert AuditEvent.objects.filter(
        action=AuditAction.CHANGE, object_type="duties.duty", object_id=str(duty.pk)
    ).exists()
    # Once closed, the actions are gone and the form is not offered again.
    assert reverse("duties:not-applicable", args=[duty.pk]) not in response.content.decode()
    assert signed_in(officer).get(url).status_code == 302


def test_the_desk_may_act_on_a_police_duty(crime, desk_agent):
    # Victim Focus Desk agents give updates on the police's behalf (permissions.py).
    duty = _duty(crime, "crime-reported-record")
    response = signed_in(desk_agent).get(reverse("duties:duty", args=[duty.pk]))
    assert response.status_code == 200
    assert reverse("duties:not-applicable", args=[duty.pk]) in response.content.decode()


# --- Record the contact that fulfils it ------------------------------------------------------


def _event_form(**fields: object) -> dict[str, object]:
    today = timezone.localdate()
    data: dict[str, object] = {
        "occurred_date-day": str(today.day),
        "occurred_date-month": str(today.month),
        "occurred_date-year": str(today.year),
        "occurred_time": "00:01",
        "idempotency_key": "k" * 24 + str(len(fields)),
    }
    data.update(fields)
    return data


def test_the_record_event_page_offers_the_owed_duties_and_preselects_one(crime, officer):
    duty = _duty(crime, "crime-reported-needs-assessment")
    url = reverse("cases:event-new", args=[crime.pk])
    response = signed_in(officer).get(f"{url}?fulfils={duty.pk}")

    content = response.content.decode()
    assert "Which duties does this contact fulfil?" in content
    owed = Duty.objects.filter(crime=crime, state__in=[DutyState.OPEN, DutyState.OVERDUE])
    for other in owed:
        assert f'value="{other.pk}"' in content
    assert re.search(rf'value="{duty.pk}"\s+checked', content)
    assert NAME not in text(response)


def test_recording_a_call_that_fulfils_a_duty_marks_it_done(crime, officer):
    duty = _duty(crime, "crime-reported-needs-assessment")
    url = reverse("cases:event-new", args=[crime.pk])

    response = signed_in(officer).post(
        url, _event_form(code=EventCode.CONTACT_CALL, fulfils=[str(duty.pk)]), follow=True
    )

    assert response.status_code == 200
    duty.refresh_from_db()
    assert duty.state == DutyState.DONE
    assert duty.on_time is True
    assert duty.completed_by == officer
    event = JourneyEvent.objects.get(crime=crime, code=EventCode.CONTACT_CALL)
    assert duty.completed_event == event
    assert event.victim_id == duty.victim_id
    assert "1 duty marked done" in text(response)
    # The duty page says how it was done.
    page = text(signed_in(officer).get(reverse("duties:duty", args=[duty.pk])))
    assert "Done on time" in page
    assert "Fulfilled by Call with the victim on" in page
    assert f"recorded by {officer.full_name}" in page


def test_a_duty_cannot_be_fulfilled_by_an_event_that_is_not_a_contact(crime, officer):
    duty = _duty(crime, "crime-reported-needs-assessment")
    url = reverse("cases:event-new", args=[crime.pk])

    response = signed_in(officer).post(
        url, _event_form(code=EventCode.SUSPECT_ARRESTED, fulfils=[str(duty.pk)])
    )

    content = html_lib.unescape(response.content.decode())
    assert "govuk-error-summary" in content
    assert case_msg.FULFILS_NOT_A_CONTACT in content
    assert 'href="#fulfils"' in content
    duty.refresh_from_db()
    assert duty.state == DutyState.OPEN
    assert not JourneyEvent.objects.filter(crime=crime, code=EventCode.SUSPECT_ARRESTED).exists()


def test_a_duty_no_longer_owed_is_refused(crime, officer):
    duty = _duty(crime, "crime-reported-needs-assessment")
    Duty.objects.filter(pk=duty.pk).update(
        state=DutyState.NOT_APPLICABLE, closed_reason="Test", closed_at=timezone.now()
    )
    url = reverse("cases:event-new", args=[crime.pk])

    response = signed_in(officer).post(
        url, _event_form(code=EventCode.CONTACT_CALL, fulfils=[str(duty.pk)])
    )

    assert case_msg.FULFILS_DUTY_INVALID in html_lib.unescape(response.content.decode())
    assert not JourneyEvent.objects.filter(crime=crime, code=EventCode.CONTACT_CALL).exists()


def test_one_contact_cannot_fulfil_two_victims_duties(make_crime, officer):
    crime = make_crime(victims=[_victim(), _victim()])
    first, second = Duty.objects.filter(
        crime=crime, rule__code="crime-reported-needs-assessment"
    ).order_by("pk")
    url = reverse("cases:event-new", args=[crime.pk])

    response = signed_in(officer).post(
        url,
        _event_form(code=EventCode.CONTACT_VISIT, fulfils=[str(first.pk), str(second.pk)]),
    )

    assert case_msg.FULFILS_DUTY_OTHER_VICTIM in html_lib.unescape(response.content.decode())
    assert Duty.objects.filter(pk__in=[first.pk, second.pk], state=DutyState.OPEN).count() == 2


def test_a_statement_records_the_vps_answer(crime, officer):
    url = reverse("cases:event-new", args=[crime.pk])
    signed_in(officer).post(
        url, _event_form(code=EventCode.STATEMENT_TAKEN, vps=VpsOutcome.DECLINED)
    )
    event = JourneyEvent.objects.get(crime=crime, code=EventCode.STATEMENT_TAKEN)
    assert event.details == {"vps": VpsOutcome.DECLINED}


def test_the_needs_update_form_records_the_agreed_update_interval(crime, officer):
    victim = crime.victim_links.get().victim
    url = reverse("cases:needs-update", args=[crime.pk, victim.pk])
    client = signed_in(officer)

    bad = client.post(url, {"enhanced": "no", "update_interval_days": "120"})
    assert case_msg.UPDATE_INTERVAL_INVALID in html_lib.unescape(bad.content.decode())
    assert 'href="#id_update_interval_days"' in bad.content.decode()

    client.post(url, {"enhanced": "no", "update_interval_days": "14"})
    assert (
        NeedsAssessmentVersion.objects.filter(assessment__victim=victim)
        .order_by("-version")
        .first()
        .update_interval_days
        == 14
    )
    assert 'value="14"' in client.get(url).content.decode()


def test_the_case_page_lists_the_crimes_duties(crime, officer):
    response = signed_in(officer).get(reverse("cases:case", args=[crime.pk]))
    content = response.content.decode()
    assert "Victims&#39; Code duties" in content or "Victims' Code duties" in content
    for duty in Duty.objects.filter(crime=crime):
        assert reverse("duties:duty", args=[duty.pk]) in content


def test_the_duty_page_shows_a_tighter_deadline_replacing_a_looser_one(make_crime, officer):
    with time_machine.travel(london(2026, 3, 2, 9, 0), tick=False):  # a Monday
        crime = make_crime(occurred_at=london(2026, 3, 1, 20, 0), victims=[_victim()])
        event_record(
            actor=officer,
            crime=crime,
            code=EventCode.SUSPECT_ARRESTED,
            occurred_at=london(2026, 3, 2, 8, 0),
        )
    looser = _duty(crime, "suspect-arrested-inform")
    victim = crime.victim_links.get().victim
    url = reverse("cases:needs-update", args=[crime.pk, victim.pk])
    with time_machine.travel(london(2026, 3, 2, 15, 0), tick=False):
        signed_in(officer).post(
            url, {"enhanced": "yes", "enhanced_reasons": [EnhancedReason.INTIMIDATED]}
        )
        tighter = _duty(crime, "suspect-arrested-inform")
        looser.refresh_from_db()
        assert looser.state == DutyState.REPLACED and looser.replaced_by == tighter

        old_page = signed_in(officer).get(reverse("duties:duty", args=[looser.pk]))
        new_page = signed_in(officer).get(reverse("duties:duty", args=[tighter.pk]))

    assert "History" in text(old_page)
    assert reverse("duties:duty", args=[tighter.pk]) in old_page.content.decode()
    assert "Replaced" in text(old_page)
    # A replaced duty is no longer owed: no actions.
    assert reverse("duties:not-applicable", args=[looser.pk]) not in old_page.content.decode()
    assert reverse("duties:duty", args=[looser.pk]) in new_page.content.decode()
    assert "Tuesday 3 March 2026 Working day 1: the deadline" in text(new_page)


def test_the_menu_marks_only_team_duties_as_the_current_section(supervisor):
    content = signed_in(supervisor).get(TEAM).content.decode()
    active = re.findall(
        r'<li class="govuk-service-navigation__item govuk-service-navigation__item--active">\s*'
        r'<a class="govuk-service-navigation__link" href="([^"]+)"',
        content,
    )
    assert active == [TEAM]
    assert f'href="{WORKLIST}"' in content  # "Owed to victims" is still offered
