"""Leaving the Victim Voice Forum at any time: with the link in the
confirmation message (a page that asks, then a button), or recorded by the
coordinator when asked by phone. Either way the personal data is erased at
once and a tombstone keeps the counts right; doing it again changes nothing;
each erasure is audited once."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.feedback.conftest import signed_in
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent
from victimcare.forum import i18n
from victimcare.forum.constants import ContactStatus, WithdrawnVia
from victimcare.forum.models import Volunteer, VolunteerExperience
from victimcare.forum.selectors import volunteer_counts
from victimcare.messaging.models import OutboundMessage

from .conftest import LIST_URL, join, withdraw_token

EN = i18n.forum_text("en")


def _withdraw_url(token: str) -> str:
    return reverse("forum:withdraw", kwargs={"token": token})


def _erased(volunteer: Volunteer) -> None:
    volunteer.refresh_from_db()
    assert volunteer.status == ContactStatus.WITHDRAWN
    assert volunteer.withdrawn_at is not None
    assert (volunteer.name, volunteer.email, volunteer.phone, volunteer.borough) == ("", "", "", "")
    assert not any(
        (
            volunteer.share_name,
            volunteer.share_email,
            volunteer.share_phone,
            volunteer.share_borough,
            volunteer.share_experience,
        )
    )
    assert volunteer.contact_preference == ""
    assert not VolunteerExperience.objects.filter(volunteer=volunteer).exists()


def test_the_link_asks_first_then_erases_the_personal_data(db):
    join()
    volunteer = Volunteer.objects.get()
    token = withdraw_token(OutboundMessage.objects.get())
    client = Client()

    asked = client.get(_withdraw_url(token))
    assert asked.status_code == 200
    assert EN.plain("withdraw_intro") in asked.content.decode()
    assert asked["Referrer-Policy"] == "same-origin"
    volunteer.refresh_from_db()
    assert volunteer.status == ContactStatus.NEW  # a GET changes nothing

    done = client.post(_withdraw_url(token))
    assert done.status_code == 200
    assert EN.plain("withdrawn_title") in done.content.decode()
    _erased(volunteer)
    assert volunteer.withdrawn_via == WithdrawnVia.SELF
    erasure = AuditEvent.objects.get(action=AuditAction.DELETE, object_type="forum.volunteer")
    assert erasure.object_id == str(volunteer.pk)
    assert erasure.actor_id is None
    assert erasure.detail["via"] == "self"


def test_withdrawing_twice_changes_nothing_the_second_time(db):
    join()
    volunteer = Volunteer.objects.get()
    token = withdraw_token(OutboundMessage.objects.get())
    Client().post(_withdraw_url(token))
    volunteer.refresh_from_db()
    first_time = volunteer.withdrawn_at

    again = Client().post(_withdraw_url(token))
    page_again = Client().get(_withdraw_url(token))

    assert again.status_code == 200 and page_again.status_code == 200
    assert EN.plain("withdrawn_title") in page_again.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.withdrawn_at == first_time
    assert AuditEvent.objects.filter(action=AuditAction.DELETE).count() == 1


def test_a_link_that_matches_nobody_changes_nothing(db):
    join()
    response = Client().post(_withdraw_url("not-a-real-token"))
    assert response.status_code == 404
    assert EN.plain("link_dead_title") in response.content.decode()
    assert Volunteer.objects.get().status == ContactStatus.NEW


def test_the_tombstone_keeps_the_counts_right(db, mopac_admin):
    join(email="one@example.com")
    join(email="two@example.com")
    token = withdraw_token(OutboundMessage.objects.order_by("created_at").first())
    Client().post(_withdraw_url(token))

    counts = volunteer_counts(user=mopac_admin)
    assert counts[ContactStatus.NEW] == 1
    assert counts[ContactStatus.WITHDRAWN] == 1
    assert Volunteer.objects.count() == 2


def test_the_coordinator_records_a_withdrawal_asked_for_by_phone(db, mopac_admin):
    join()
    volunteer = Volunteer.objects.get()
    client = signed_in(mopac_admin)
    url = reverse("forum:volunteer", kwargs={"volunteer_id": volunteer.pk})

    unconfirmed = client.post(url, {"action": "withdraw"})
    assert unconfirmed.status_code == 400
    assert "Confirm that the volunteer asked to leave the forum" in unconfirmed.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.status == ContactStatus.NEW

    response = client.post(url, {"action": "withdraw", "confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    _erased(volunteer)
    assert volunteer.withdrawn_via == WithdrawnVia.COORDINATOR
    erasure = AuditEvent.objects.get(action=AuditAction.DELETE)
    assert erasure.actor_id == mopac_admin.pk
    # The tombstone is not a volunteer any more: it cannot be opened or listed.
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "withdraw", "confirm": "yes"}).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.DELETE).count() == 1


def test_leaving_stops_an_unsent_confirmation_and_erases_its_address(db):
    from victimcare.messaging.constants import Status
    from victimcare.messaging.services import ERASED

    join()
    message = OutboundMessage.objects.get()
    assert message.status == Status.PENDING
    token = withdraw_token(message)

    Client().post(_withdraw_url(token))

    message.refresh_from_db()
    assert message.status == Status.CANCELLED
    assert message.recipient == ERASED and message.body == ERASED
    assert token not in message.body
