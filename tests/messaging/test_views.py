"""The messaging pages as stories: PC Olivia Officer previews a message from a case
page (the text and the safe-contact verdict in plain words) and sends it; an
unsafe one is refused with an error summary and nothing queued; the case page's
timeline shows each message's status; contact tasks appear on her worklist and
on the Victim Focus Desk's task page, where Dana Desk marks one done with a
note; a restricted case's victim gets a "safe channel confirmed" action."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from victimcare.accounts.models import User
from victimcare.cases.constants import Channel as CaseChannel
from victimcare.cases.models import Victim
from victimcare.cases.services import VictimInput
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties.constants import DutyState
from victimcare.duties.models import Duty
from victimcare.messaging import dispatch, safety
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.models import ContactTask, OutboundMessage
from victimcare.messaging.views import MESSAGE_QUEUED, SAFE_CHANNEL_CONFIRMED, TASK_DONE

pytestmark = pytest.mark.django_db
TASKS = reverse("messaging:tasks")
WORKLIST = reverse("duties:worklist")


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:  # type: ignore[no-untyped-def]
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html_lib.unescape(body).split())


def victim(**overrides: Any) -> VictimInput:
    values: dict[str, Any] = {
        "full_name": "Test Victim",
        "phone": "07700 900123",
        "preferred_channel": CaseChannel.PHONE,
    }
    return VictimInput(**(values | overrides))


def compose_data(crime, **overrides: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    person = Victim.objects.get(crime_links__crime=crime)
    data = {
        "victim": str(person.pk),
        "template": "regular_update",
        "channel": "sms",
        "duty": "",
        "token": "form-token-0123456789abcdef",
        "action": "preview",
    }
    return data | overrides


def test_preview_shows_the_text_and_the_verdict_then_send_queues_it(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim()])
    client = signed_in(officer)
    url = reverse("messaging:compose", args=[crime.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "Test Victim" in text(page)

    preview = client.post(url, compose_data(crime))
    assert preview.status_code == 200
    assert "Safe to send by text message now." in text(preview)
    assert "+447700900123" in text(preview)
    assert crime.crn in text(preview), "the rendered message names the CRN"
    assert not OutboundMessage.objects.filter(crime=crime).exists(), "a preview queues nothing"
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW,
        purpose="preview a message",
        subject_id=str(Victim.objects.get(crime_links__crime=crime).pk),
    ).exists()

    sent = client.post(url, compose_data(crime, action="send"), follow=True)
    assert MESSAGE_QUEUED in text(sent)
    message = OutboundMessage.objects.get(crime=crime)
    assert message.template_code == "regular_update"
    # The case page's timeline shows it with its status.
    assert "Text message:" in text(sent)
    assert re.search(r"Queued|Sent", text(sent))


def test_an_unsafe_message_is_refused_and_nothing_is_queued(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(domestic_abuse=True, victims=[victim()])
    client = signed_in(officer)
    url = reverse("messaging:compose", args=[crime.pk])
    before = (OutboundMessage.objects.count(), ContactTask.objects.count())

    preview = client.post(url, compose_data(crime))
    assert f"Not safe to send: {safety.REASON_RESTRICTED_UNCONFIRMED}" in text(preview)
    assert "Send the message" not in text(preview)

    refused = client.post(url, compose_data(crime, action="send"))
    assert refused.status_code == 200
    assert "There is a problem" in text(refused)
    assert dispatch.ERROR_UNSAFE.format(reason=safety.REASON_RESTRICTED_UNCONFIRMED) in text(
        refused
    )
    assert (OutboundMessage.objects.count(), ContactTask.objects.count()) == before


def test_people_who_may_not_record_on_the_case_get_404(make_crime, other_officer, analyst):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim()])
    url = reverse("messaging:compose", args=[crime.pk])
    for person in (other_officer, analyst):
        assert signed_in(person).get(url).status_code == 404


def test_a_duty_can_be_chosen_and_the_message_is_linked_to_it(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim()])
    written = Duty.objects.get(crime=crime, rule__code="crime-reported-written-confirmation")
    client = signed_in(officer)
    url = reverse("messaging:compose", args=[crime.pk])
    data = compose_data(crime, template="crime_recorded", duty=str(written.pk), action="send")
    client.post(url, data)
    assert OutboundMessage.objects.get(crime=crime).duty_id == written.pk


def test_contact_tasks_on_the_worklist_and_the_desk_page(make_crime, officer, desk_agent):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim(preferred_channel=CaseChannel.SMS, wants_updates=False)])
    task = ContactTask.objects.get(crime=crime)
    assert task.kind == TaskKind.UNSAFE_TO_SEND

    worklist = signed_in(officer).get(WORKLIST)
    assert "Contact these victims yourself (1)" in text(worklist)
    assert safety.REASON_NO_UPDATES in text(worklist)
    assert "Test Victim" not in text(worklist)

    assert signed_in(officer).get(TASKS).status_code == 404
    desk = signed_in(desk_agent)
    page = desk.get(TASKS)
    assert page.status_code == 200
    assert crime.crn in text(page) and "Olivia Officer" in text(page)

    done_url = reverse("messaging:task-done", args=[task.pk])
    empty = desk.post(done_url, {"note": "  "})
    assert "There is a problem" in text(empty)
    assert dispatch.TASK_NOTE_REQUIRED in text(empty)
    done = desk.post(done_url, {"note": "Called them on a safe number."}, follow=True)
    assert TASK_DONE in text(done)
    task.refresh_from_db()
    assert (task.state, task.done_by_id) == (TaskState.DONE, desk_agent.pk)
    assert AuditEvent.objects.filter(
        action=AuditAction.CHANGE, object_type="messaging.contacttask", object_id=str(task.pk)
    ).exists()


def test_tasks_of_cases_a_person_may_not_view_are_404(make_crime, other_officer):  # type: ignore[no-untyped-def]
    crime = make_crime(victims=[victim(preferred_channel=CaseChannel.SMS, wants_updates=False)])
    task = ContactTask.objects.get(crime=crime)
    url = reverse("messaging:task-done", args=[task.pk])
    assert signed_in(other_officer).get(url).status_code == 404


def test_a_safe_channel_is_confirmed_from_a_restricted_case_page(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(domestic_abuse=True, victims=[victim(preferred_channel=CaseChannel.SMS)])
    person = Victim.objects.get(crime_links__crime=crime)
    client = signed_in(officer)
    case_url = reverse("cases:case", args=[crime.pk])
    client.post(case_url, {"purpose": "Confirm a safe channel with the victim"})
    page = client.get(case_url)
    assert "no automated messages until a safe channel is confirmed" in text(page)

    url = reverse("messaging:safe-channel", args=[crime.pk, person.pk])
    assert client.get(url).status_code == 405
    done = client.post(url, follow=True)
    assert SAFE_CHANNEL_CONFIRMED in text(done)
    person.refresh_from_db()
    assert person.safe_channel_confirmed_by_id == officer.pk
    assert "Safe channel confirmed with the victim" in text(done)


def test_the_timeline_shows_a_cancelled_message_and_why(make_crime, officer):  # type: ignore[no-untyped-def]
    from victimcare.messaging.services import message_send

    crime = make_crime(victims=[victim(preferred_channel=CaseChannel.SMS)])
    message = OutboundMessage.objects.get(crime=crime)
    Victim.objects.filter(pk=message.victim_id).update(safe_to_text=False)
    message_send(message_id=message.pk, worker_id="test-worker")
    page = signed_in(officer).get(reverse("cases:case", args=[crime.pk]))
    assert "Cancelled" in text(page)
    assert f"Not sent: {safety.REASON_SMS_UNSAFE}" in text(page)
    assert Duty.objects.get(pk=message.duty_id).state == DutyState.OPEN
