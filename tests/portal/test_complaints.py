"""A complaint under the Victims' Code (Right 12), made at /complain/ with no
account: an empty one is refused in plain words and nothing is stored; one
with a crime reference is stored encrypted, acknowledged (on screen, and by
email where that is safe), due in 10 working days (counted across Christmas
and the new year), recorded on the crime as a complaint_received event with
its Victims' Code duty, and lands in the force's professional standards queue,
where reading it is audited, the response closes it, and nobody else can see
it. The form is rate-limited per address, and speaks Polish and Arabic."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.feedback.conftest import signed_in
from victimcare.accounts.constants import Role
from victimcare.cases.constants import EventCode
from victimcare.cases.models import JourneyEvent
from victimcare.cases.services import VictimInput
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.duties.models import Duty
from victimcare.feedback.i18n import placeholders_in
from victimcare.messaging.constants import Channel
from victimcare.messaging.models import OutboundMessage
from victimcare.portal import i18n
from victimcare.portal.constants import ACK_RESTRICTED, ACK_SAFE_CONTACT, ComplaintState
from victimcare.portal.models import Complaint

LONDON = ZoneInfo("Europe/London")
URL = reverse("portal:complain")
RECEIVED_URL = reverse("portal:complain-received")
QUEUE_URL = reverse("portal:complaints")
EN = i18n.portal_text("en")
AR = i18n.portal_text("ar")
PL = i18n.portal_text("pl")
REFERENCE = re.compile(r"^CMP-[2-9A-HJKMNP-Z]{6}$")

COMPLAINT_TEXT = "Nobody told me the suspect had been released on bail."


@pytest.fixture
def standards(orgs):  # type: ignore[no-untyped-def]
    """Insp Pat Standards, a supervisor at force headquarters: the professional
    standards department's queue."""
    return UserFactory(
        organisation=orgs["force"],
        role=Role.SUPERVISOR,
        email="pat.standards@example.org",
        full_name="Pat Standards",
    )


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "details": COMPLAINT_TEXT,
        "crn": "",
        "name": "Maria Example",
        "reply_email": "maria@example.com",
        "reply_phone": "",
        "reply_address": "",
        "about": "police",
        "language": "en",
    }
    data.update(overrides)
    return data


def _complain(client: Client | None = None, lang: str = "en", **overrides: str):
    client = client or Client()
    return client, client.post(f"{URL}?lang={lang}", _form(**overrides))


# --- Refused -----------------------------------------------------------------------


def test_an_empty_complaint_is_refused_in_plain_english_and_nothing_is_stored(orgs):
    _, response = _complain(details="   ", reply_email="")

    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert EN.plain("complain_details_required") in page
    assert EN.plain("complain_reply_required") in page
    assert 'href="#details"' in page and 'href="#reply_email"' in page
    assert "<title>Error:" in page
    assert not Complaint.objects.exists()


def test_an_over_long_complaint_is_refused_and_keeps_what_was_typed(orgs):
    _, response = _complain(details="x" * 5001)

    assert response.status_code == 400
    page = response.content.decode()
    assert EN.plain("complain_details_too_long") in page
    assert "x" * 5001 in page  # nothing lost: the text is given back
    assert not Complaint.objects.exists()


def test_a_bad_reply_address_is_explained(orgs):
    _, response = _complain(reply_email="not-an-email", reply_address="1 High Street")
    page = response.content.decode()
    assert EN.plain("complain_email_invalid") in page
    assert EN.plain("complain_address_postcode") in page
    assert not Complaint.objects.exists()


def test_errors_are_in_the_page_language(orgs):
    _, response = _complain(lang="ar", details="")
    page = response.content.decode()
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert AR.plain("complain_details_required") in page
    assert AR.plain("error_summary_title") in page


# --- Made and acknowledged -----------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 12, 22, 10, 0, tzinfo=LONDON), tick=False)
def test_a_complaint_with_a_crime_reference_is_recorded_acknowledged_and_queued(
    orgs, make_crime, standards
):
    crime = make_crime(victims=[VictimInput(full_name="Maria Example")])
    client = Client()

    _, response = _complain(client, crn=crime.crn.lower().replace("/", " / "))

    # Post/redirect/get: the reference is in the session, never in the address.
    assert response.status_code == 302
    assert response["Location"] == f"{RECEIVED_URL}?lang=en"
    complaint = Complaint.objects.get()
    assert REFERENCE.match(complaint.reference)
    assert complaint.state == ComplaintState.OPEN
    assert complaint.crime == crime
    assert complaint.force == orgs["force"]
    # Ten working days from Tuesday 22 December 2026, skipping Christmas Day,
    # the Boxing Day substitute (Monday 28th), New Year's Day and two weekends.
    assert complaint.due_at == dt.datetime(2027, 1, 8, 23, 59, 59, tzinfo=LONDON)
    assert complaint.acknowledged_at == dt.datetime(2026, 12, 22, 10, 0, tzinfo=LONDON)

    page = client.get(response["Location"]).content.decode()
    assert complaint.reference in page
    assert "Friday 8 January 2027" in page
    assert "29 January 2025" in page  # no MP referral needed for the Ombudsman
    assert "Independent Office for Police Conduct" in page
    assert EN.plain("received_ack_sent") in page

    # Personal data is encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT details, name, reply_email FROM portal_complaint WHERE id = %s",
            [complaint.pk],
        )
        stored = " ".join(cursor.fetchone())
    assert "bail" not in stored and "Maria" not in stored and "maria@" not in stored

    # The journey event on the crime, by the system, created the Right 12 duty.
    event = JourneyEvent.objects.get(crime=crime, code=EventCode.COMPLAINT_RECEIVED)
    assert complaint.event == event
    assert event.recorded_by is None
    assert complaint.reference in event.summary
    duty = Duty.objects.get(event=event)
    assert duty.rule.code == "complaint-received-respond"
    assert duty.right == 12
    assert duty.due_at == complaint.due_at

    # The acknowledgement is in the outbox: the reference, never the complaint.
    message = OutboundMessage.objects.get(pk=complaint.ack_message_id)
    assert message.channel == Channel.EMAIL
    assert message.recipient == "maria@example.com"
    assert complaint.reference in message.body and "bail" not in message.body

    # Professional standards see it in their queue.
    queue = signed_in(standards).get(QUEUE_URL)
    assert queue.status_code == 200
    assert complaint.reference in queue.content.decode()
    assert "Maria" not in queue.content.decode()  # no personal data in the list


def test_a_complaint_without_a_crime_reference_goes_to_the_force(orgs, standards):
    _complain(reply_email="", reply_phone="07700 900123")

    complaint = Complaint.objects.get()
    assert complaint.crime is None and complaint.event is None
    assert complaint.force == orgs["force"]
    message = OutboundMessage.objects.get(pk=complaint.ack_message_id)
    assert message.channel == Channel.SMS


def test_an_unknown_crime_reference_gets_the_same_confirmation(orgs, make_crime):
    make_crime(crn="4400777/26")
    known_client, _ = _complain(crn="4400777/26")
    unknown_client, _ = _complain(crn="9999999/26")

    def shown(client: Client) -> str:
        page = client.get(RECEIVED_URL).content.decode()
        return re.sub(r"CMP-[A-Z0-9]{6}", "CMP-XXXXXX", page)

    # Nothing on the page says whether the reference matched a crime.
    known = re.sub(r'nonce="[^"]*"', "", shown(known_client))
    unknown = re.sub(r'nonce="[^"]*"', "", shown(unknown_client))
    assert re.sub(r'name="csrf[^>]*>', "", known) == re.sub(r'name="csrf[^>]*>', "", unknown)


def test_no_acknowledgement_is_sent_for_a_restricted_case(orgs, make_crime):
    crime = make_crime(victims=[VictimInput(full_name="A Victim")], domestic_abuse=True)

    _complain(crn=crime.crn)

    complaint = Complaint.objects.get()
    assert complaint.ack_message is None
    assert complaint.ack_withheld_reason == ACK_RESTRICTED
    assert not OutboundMessage.objects.exists()
    assert complaint.event is not None  # still recorded on the case


def test_no_acknowledgement_where_the_victim_has_safe_contact_rules(orgs, make_crime):
    crime = make_crime(victims=[VictimInput(full_name="A Victim", safe_to_email=False)])

    _complain(crn=crime.crn)

    complaint = Complaint.objects.get()
    assert complaint.ack_message is None
    assert complaint.ack_withheld_reason == ACK_SAFE_CONTACT


def test_the_confirmation_page_without_a_complaint_sends_you_to_the_form(orgs):
    response = Client().get(f"{RECEIVED_URL}?lang=pl")
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?lang=pl"


# --- The professional standards queue --------------------------------------------------


def test_the_queue_lists_overdue_complaints_first(orgs, standards):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)):
        _complain(details="The older complaint")
    with time_machine.travel(dt.datetime(2026, 3, 20, 10, 0, tzinfo=LONDON)):
        _complain(details="The newer complaint")
    older, newer = Complaint.objects.order_by("created_at")

    with time_machine.travel(dt.datetime(2026, 3, 23, 10, 0, tzinfo=LONDON)):
        page = signed_in(standards).get(QUEUE_URL).content.decode()

    assert page.index(older.reference) < page.index(newer.reference)
    assert "Overdue" in page
    assert 'id="overdue-count"' in page


def test_reading_a_complaint_is_audited_and_the_response_closes_it(orgs, standards):
    _complain()
    complaint = Complaint.objects.get()
    client = signed_in(standards)
    url = reverse("portal:complaint", kwargs={"complaint_id": complaint.pk})

    page = client.get(url)

    assert page.status_code == 200
    assert COMPLAINT_TEXT in page.content.decode()
    read = AuditEvent.objects.get(
        action=AuditAction.VIEW, object_type="portal.complaint", object_id=str(complaint.pk)
    )
    assert read.actor_id == standards.pk
    assert "bail" not in str(read.detail) and "Maria" not in str(read.detail)

    empty = client.post(url, {"response": " "})
    assert empty.status_code == 400
    assert "Enter the response you sent" in empty.content.decode()

    done = client.post(url, {"response": "Apologised by email; explained the bail update."})
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.CLOSED
    assert complaint.responded_by == standards
    assert complaint.response.startswith("Apologised")
    assert (
        complaint.reference
        not in signed_in(standards).get(QUEUE_URL).content.decode().split("Recently closed")[0]
    )


@pytest.mark.parametrize(
    "who", ["officer", "supervisor", "desk_agent", "analyst", "support_caseworker"]
)
def test_nobody_else_may_see_the_queue_or_a_complaint(orgs, request, who):
    _complain()
    complaint = Complaint.objects.get()
    person = request.getfixturevalue(who)
    client = signed_in(person)

    assert client.get(QUEUE_URL).status_code == 404
    url = reverse("portal:complaint", kwargs={"complaint_id": complaint.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"response": "closed"}).status_code == 404
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.OPEN
    assert not AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="portal.complaint"
    ).exists()


def test_a_signed_out_visitor_is_sent_to_sign_in(orgs):
    response = Client().get(QUEUE_URL)
    assert response.status_code == 302
    assert "complaints" not in response["Location"].split("?")[0]


def test_the_force_administrator_may_handle_complaints(orgs, administrator):
    _complain()
    assert signed_in(administrator).get(QUEUE_URL).status_code == 200


# --- Rate limit ----------------------------------------------------------------------


def test_the_form_is_rate_limited_per_address(orgs, settings):
    settings.PORTAL_COMPLAINT_RATE = 2
    client = Client(REMOTE_ADDR="192.0.2.7")
    for _ in range(2):
        _, response = _complain(client)
        assert response.status_code == 302

    _, refused = _complain(client)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert Complaint.objects.count() == 2
    # Another address is not affected.
    _, other = _complain(Client(REMOTE_ADDR="192.0.2.8"))
    assert other.status_code == 302


# --- Languages -------------------------------------------------------------------------


def test_the_form_speaks_english_polish_and_arabic(orgs):
    for text, direction in ((EN, "ltr"), (PL, "ltr"), (AR, "rtl")):
        page = Client().get(f"{URL}?lang={text.language}").content.decode()
        assert f'lang="{text.language}"' in page and f'dir="{direction}"' in page
        assert text.plain("complain_title") in page
        assert text.plain("complain_submit") in page
        assert "govuk-exit-this-page" in page


def test_every_complaint_text_has_the_english_placeholders():
    english = i18n.raw_texts("en")
    for language in ("pl", "ar"):
        texts = i18n.raw_texts(language)
        for key, value in english.items():
            if key.startswith(("complain", "received", "next_", "escalate", "ack_")):
                assert key in texts, (language, key)
                assert placeholders_in(texts[key]) == placeholders_in(value), (language, key)
        assert i18n.review_status(language) == "machine_draft"


# --- The response completes the duty; the acknowledgement is checked again ----------


def test_closing_a_complaint_completes_the_right_12_duty_on_its_crime(orgs, make_crime, standards):
    crime = make_crime(victims=[VictimInput(full_name="Maria Example")])
    _complain(crn=crime.crn)
    complaint = Complaint.objects.get()
    duty = Duty.objects.get(event=complaint.event)
    assert duty.state in ("open", "overdue")

    client = signed_in(standards)
    url = reverse("portal:complaint", kwargs={"complaint_id": complaint.pk})
    client.post(url, {"response": "Apologised by email; explained the bail update."})

    duty.refresh_from_db()
    assert duty.state == "done"
    assert duty.completed_by == standards
    assert duty.on_time is True
    responded = JourneyEvent.objects.get(crime=crime, code=EventCode.COMPLAINT_RESPONDED)
    assert duty.completed_event == responded
    # The timeline says that it was answered, never what was said.
    assert complaint.reference in responded.summary
    assert "bail" not in responded.summary and "Apologised" not in responded.summary
    closed = AuditEvent.objects.get(
        action=AuditAction.CHANGE, object_type="portal.complaint", object_id=str(complaint.pk)
    )
    assert closed.detail["duties_completed"] == 1


def test_closing_a_complaint_with_no_crime_completes_nothing(orgs, standards):
    _complain()
    complaint = Complaint.objects.get()
    url = reverse("portal:complaint", kwargs={"complaint_id": complaint.pk})
    signed_in(standards).post(url, {"response": "Replied by email."})

    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.CLOSED
    assert not JourneyEvent.objects.filter(code=EventCode.COMPLAINT_RESPONDED).exists()


def test_the_acknowledgement_is_a_public_message_checked_again_when_sent(
    orgs, make_crime, settings
):
    """Queued while the case had no safe-contact rules; a rule recorded before
    the outbox sends it stops it (the send-time check reads the crime again)."""
    from victimcare.cases.models import Victim
    from victimcare.messaging.constants import RecipientKind, Status
    from victimcare.messaging.services import message_send

    crime = make_crime(victims=[VictimInput(full_name="Maria Example")])
    _complain(crn=crime.crn)
    message = OutboundMessage.objects.get()
    assert message.recipient_kind == RecipientKind.PUBLIC
    assert message.crime == crime and message.victim is None

    Victim.objects.filter(crime_links__crime=crime).update(contact_only_if_victim_initiates=True)
    message_send(message_id=message.pk, worker_id="test")

    message.refresh_from_db()
    assert message.status == Status.CANCELLED
    assert "safe-contact rules" in message.safety_reason


def test_a_public_message_with_no_crime_is_sent(orgs):
    from victimcare.messaging.constants import Status
    from victimcare.messaging.services import message_send

    _complain()
    message = OutboundMessage.objects.get()
    message_send(message_id=message.pk, worker_id="test")

    message.refresh_from_db()
    assert message.status in (Status.SENT, Status.DELIVERED)
