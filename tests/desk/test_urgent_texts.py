"""An urgent text on the desk case view. PC Olivia Officer visits a victim who
prefers texts; the feedback invitation goes out. The victim answers by text that
they are scared (through the real inbound-SMS endpoint): the feedback app raises
a FEEDBACK_SAFETY task naming the text by id. When the victim rings the desk,
Dana Desk sees the text itself on the case view, but only after the identity
check, and each read is audited. Once the task is done the text is not shown."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from victimcare.cases.constants import Channel as CaseChannel
from victimcare.cases.constants import EventCode
from victimcare.cases.services import VictimInput, event_record
from victimcare.core.models import AuditEvent
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.models import ContactTask, InboundSms
from victimcare.messaging.views_callbacks import callback_window

from .conftest import text

pytestmark = pytest.mark.django_db

TOKEN = "inbound-token-for-desk-tests-0123456789"
PHONE = "07700 900271"
FROM_NUMBER = "447700900271"
WORDS = "I'm scared he will come back tonight"


@pytest.fixture(autouse=True)
def configured(settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFY_CALLBACK_BEARER_TOKEN = TOKEN
    settings.VICTIMCARE_BASE_URL = "http://testserver.example.org"
    callback_window.reset()


@pytest.fixture
def texting(make_crime, officer):  # type: ignore[no-untyped-def]
    crime = make_crime(
        victims=[
            VictimInput(
                full_name="Sam Example",
                phone=PHONE,
                preferred_channel=CaseChannel.SMS,
                code_word="heron",
            )
        ]
    )
    victim = crime.victim_links.get().victim
    event_record(
        actor=officer,
        crime=crime,
        code=EventCode.CONTACT_VISIT,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        victim=victim,
    )
    return crime, victim


def _text_in(client, callbacks, message: str, number: str = FROM_NUMBER, n: int = 1) -> None:  # type: ignore[no-untyped-def]
    body = {
        "id": f"df10a23e-0000-4000-8000-{n:012d}",
        "source_number": number,
        "destination_number": "07700900000",
        "message": message,
        "date_received": timezone.now().isoformat(),
    }
    with callbacks(execute=True):
        response = client.post(
            "/callbacks/notify/inbound-sms/",
            data=json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert response.status_code == 200


def test_an_urgent_text_is_shown_to_a_checked_desk_agent_and_audited(
    texting, desk, desk_agent, client, django_capture_on_commit_callbacks
):
    crime, victim = texting
    _text_in(client, django_capture_on_commit_callbacks, WORDS)
    task = ContactTask.objects.get(kind=TaskKind.FEEDBACK_SAFETY)
    sms = InboundSms.objects.get()
    case = reverse("desk:case", args=[victim.pk, crime.pk])

    # Before the identity check: nothing shown, nothing read.
    before = desk.get(case)
    assert before.status_code == 302 and WORDS not in before.content.decode()
    check = reverse("desk:identity-check", args=[victim.pk, crime.pk])
    assert "scared" not in desk.get(check).content.decode()
    assert not AuditEvent.objects.filter(object_type="messaging.inboundsms").exists()

    desk.post(check, {"method": "code_word", "outcome": "passed"})
    page = text(desk.get(case))
    assert "Urgent text from them about their feedback" in page
    assert WORDS in page
    assert reverse("messaging:task-done", args=[task.pk]) in desk.get(case).content.decode()
    reads = AuditEvent.objects.filter(object_type="messaging.inboundsms")
    assert reads.count() == 2  # one per page shown
    entry = reads.first()
    assert (entry.action, entry.object_id, entry.subject_id) == (
        "view",
        str(sms.pk),
        str(victim.pk),
    )
    assert entry.actor_id == desk_agent.pk and entry.detail["task_id"] == task.pk
    assert "scared" not in json.dumps(entry.detail)

    # Once someone has contacted them and marked the task done, it is not shown.
    ContactTask.objects.filter(pk=task.pk).update(state=TaskState.DONE, done_at=timezone.now())
    assert WORDS not in text(desk.get(case))
    assert reads.count() == 2


def test_a_task_naming_someone_elses_text_shows_nothing(
    texting, desk, client, django_capture_on_commit_callbacks
):
    crime, victim = texting
    # A text from a number no invitation of this case went to.
    InboundSms.objects.create(
        provider_id="other-1", from_number="447700900999", content="Not theirs", raw="{}"
    )
    other = InboundSms.objects.get()
    ContactTask.objects.create(
        crime=crime,
        victim=victim,
        kind=TaskKind.FEEDBACK_SAFETY,
        reason=f"A text reply may show a safety concern (x). Read inbound text {other.pk} and act.",
    )
    desk.post(
        reverse("desk:identity-check", args=[victim.pk, crime.pk]),
        {"method": "code_word", "outcome": "passed"},
    )
    page = text(desk.get(reverse("desk:case", args=[victim.pk, crime.pk])))
    assert "Not theirs" not in page and "Urgent text from them" not in page
    assert not AuditEvent.objects.filter(object_type="messaging.inboundsms").exists()
