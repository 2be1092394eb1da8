"""Stories of victims answering a feedback invitation by text.

PC Olivia Officer visits a victim who prefers texts; the invitation goes through
the outbox. The victim's answers arrive through the real inbound-SMS callback
endpoint (Notify's bearer token), and the feedback app hears of each new one
after it commits, as in production (on_commit callbacks executed).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.utils import timezone

from victimcare.cases.constants import Channel as CaseChannel
from victimcare.cases.constants import EventCode, VictimRole
from victimcare.cases.models import Crime, Victim
from victimcare.cases.services import VictimInput, event_record
from victimcare.feedback.constants import ResponseSource
from victimcare.feedback.models import Invitation, Response
from victimcare.feedback.services import invitation_for_token
from victimcare.feedback.sms import rating_in
from victimcare.messaging.constants import Channel, TaskKind
from victimcare.messaging.models import ContactTask, InboundSms, OutboundMessage
from victimcare.messaging.views_callbacks import callback_window

pytestmark = pytest.mark.django_db

TOKEN = "inbound-token-for-tests-0123456789"
INBOUND = "/callbacks/notify/inbound-sms/"
PHONE = "07700 900201"
FROM_NUMBER = "447700900201"  # how Notify writes the same number
LINK = re.compile(r"http://testserver\.example\.org/f/([A-Za-z0-9_-]{22})/")


@pytest.fixture(autouse=True)
def configured(settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFY_CALLBACK_BEARER_TOKEN = TOKEN
    settings.VICTIMCARE_BASE_URL = "http://testserver.example.org"
    callback_window.reset()


@pytest.fixture
def crime(make_crime) -> Crime:  # type: ignore[no-untyped-def]
    return make_crime(
        victims=[
            VictimInput(full_name="Sam Example", phone=PHONE, preferred_channel=CaseChannel.SMS)
        ]
    )


@pytest.fixture
def invitation(crime: Crime, officer) -> Invitation:  # type: ignore[no-untyped-def]
    """The officer visited an hour ago; the victim got the text invitation."""
    victim = crime.victim_links.get(role=VictimRole.VICTIM).victim
    event_record(
        actor=officer,
        crime=crime,
        code=EventCode.CONTACT_VISIT,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        victim=victim,
    )
    return Invitation.objects.get()


class Phone:
    """The victim's phone: each text gets a fresh Notify id."""

    def __init__(self, client, callbacks) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.callbacks = callbacks
        self.count = 0

    def text(self, message: str, *, number: str = FROM_NUMBER, sms_id: str | None = None) -> Any:
        self.count += 1
        body = {
            "id": sms_id or f"df10a23e-0000-4000-8000-{self.count:012d}",
            "source_number": number,
            "destination_number": "07700900000",
            "message": message,
            "date_received": timezone.now().isoformat(),
        }
        with self.callbacks(execute=True):
            response = self.client.post(
                INBOUND,
                data=json.dumps(body),
                content_type="application/json",
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
        assert response.status_code == 200
        return response


@pytest.fixture
def phone(client, django_capture_on_commit_callbacks) -> Phone:  # type: ignore[no-untyped-def]
    return Phone(client, django_capture_on_commit_callbacks)


def replies() -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(template_code="feedback_sms_reply"))


def test_a_4_stores_one_rating_from_the_text_even_if_notify_sends_it_twice(
    invitation: Invitation, phone: Phone
) -> None:
    phone.text("4", sms_id="df10a23e-0000-4000-8000-0000000000aa")
    phone.text("4", sms_id="df10a23e-0000-4000-8000-0000000000aa")

    response = Response.objects.get()
    assert (response.invitation, response.rating, response.source) == (
        invitation,
        4,
        ResponseSource.SMS,
    )
    assert response.language == invitation.language
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    assert InboundSms.objects.count() == 1
    assert replies() == []


def test_a_later_text_after_rating_changes_nothing(invitation: Invitation, phone: Phone) -> None:
    phone.text(" 5! ")
    phone.text("2")
    phone.text("why did nobody call me")

    assert list(Response.objects.values_list("rating", flat=True)) == [5]
    assert replies() == [], "a used invitation gets no automatic reply"


@pytest.mark.parametrize("answer", ["5 stars!!", "3, he was rude"])
def test_an_answer_that_is_not_a_single_number_gets_one_polite_reply_with_a_fresh_link(
    invitation: Invitation, phone: Phone, answer: str
) -> None:
    first_link = LINK.search(invitation.message.body).group(1)  # type: ignore[union-attr]

    phone.text(answer)

    assert not Response.objects.exists()
    [reply] = replies()
    assert (reply.channel, reply.victim_id, reply.crime_id) == (
        Channel.SMS,
        invitation.victim_id,
        invitation.crime_id,
    )
    assert reply.body.startswith("Thank you for your reply.")
    assert "reply with one number from 1 (very dissatisfied) to 5 (very satisfied)" in reply.body
    fresh = LINK.search(reply.body).group(1)  # type: ignore[union-attr]
    assert invitation_for_token(fresh) == invitation
    assert invitation_for_token(first_link) is None, "only the newest link works"
    invitation.refresh_from_db()
    assert invitation.reply_prompted_at is not None

    phone.text("thanks")
    phone.text("")
    assert len(replies()) == 1, "one reply per invitation, however many odd answers"


def test_a_number_after_the_polite_reply_still_counts(invitation: Invitation, phone: Phone) -> None:
    phone.text("5 stars!!")
    phone.text("5.")

    response = Response.objects.get()
    assert (response.rating, response.source) == (5, ResponseSource.SMS)
    assert len(replies()) == 1


def test_a_text_from_an_unknown_number_does_nothing(invitation: Invitation, phone: Phone) -> None:
    phone.text("1", number="447700900999")
    phone.text("this is rubbish", number="447700900999")

    assert not Response.objects.exists()
    assert replies() == []
    invitation.refresh_from_db()
    assert invitation.used_at is None and invitation.reply_prompted_at is None


def test_an_expired_invitation_gets_no_rating_and_no_reply(
    invitation: Invitation, phone: Phone
) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    phone.text("4")
    phone.text("hello?")
    assert not Response.objects.exists() and replies() == []


def test_no_reply_goes_once_texts_are_no_longer_safe(invitation: Invitation, phone: Phone) -> None:
    Victim.objects.filter(pk=invitation.victim_id).update(safe_to_text=False)
    phone.text("5 stars!!")
    assert replies() == []
    invitation.refresh_from_db()
    assert invitation.reply_prompted_at is None


def test_a_text_saying_they_are_scared_goes_to_a_person(
    invitation: Invitation, phone: Phone
) -> None:
    phone.text("I'm scared he will come back")

    task = ContactTask.objects.get(kind=TaskKind.FEEDBACK_SAFETY)
    assert (task.crime_id, task.victim_id) == (invitation.crime_id, invitation.victim_id)
    assert "scared" not in task.reason.lower() and "come back" not in task.reason
    assert str(InboundSms.objects.get().pk) in task.reason
    # A person follows up; the one automatic reply also says to call 999 in danger.
    [reply] = replies()
    assert "If you are in danger now, call 999." in reply.body

    phone.text("please help")
    assert ContactTask.objects.filter(kind=TaskKind.FEEDBACK_SAFETY).count() == 1


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("4", 4),
        (" 4. ", 4),
        ("5!", 5),
        ("1", 1),
        ("\u0664", 4),  # Arabic-Indic four
        ("\uff13", 3),  # full-width three
        ("0", None),
        ("6", None),
        ("45", None),
        ("5 stars!!", None),
        ("3, he was rude", None),
        ("four", None),
        ("", None),
        ("\U0001f44d", None),
    ],
)
def test_only_a_single_number_from_1_to_5_is_a_rating(text: str, rating: int | None) -> None:
    assert rating_in(text) == rating
