"""The public feedback page and the officer's QR code, as stories: PC Olivia
Officer visits a victim and shows a QR code; the victim rates the visit once;
replaying the form, an unknown link and an expired one all get the same page;
the token never reaches the request log."""

from __future__ import annotations

import logging
import re
import threading

import pytest
import structlog
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from victimcare.feedback import messages as msg
from victimcare.feedback.models import Invitation, Response
from victimcare.feedback.services import invitation_create, invitation_for_token

from .conftest import signed_in

pytestmark = pytest.mark.django_db

_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
_NONCE = re.compile(rb'nonce="[^"]*"')


def _normalised(content: bytes) -> bytes:
    # The CSRF token and the CSP nonce change on every request, by design.
    return _NONCE.sub(b'nonce=""', _CSRF.sub(b'name="csrfmiddlewaretoken" value=""', content))


def _url(token: str) -> str:
    return reverse("feedback:respond", kwargs={"token": token})


def _answers(**overrides: str) -> dict[str, str]:
    return {"rating": "4", "went_well": "Explained what happens next.", **overrides}


@pytest.fixture
def token(officer, visit) -> str:
    return invitation_create(officer=officer, contact_event=visit, channel="qr")[1]


def test_the_victim_rates_the_visit_once(token):
    client = Client()
    page = client.get(_url(token))
    assert page.status_code == 200
    assert b"Very dissatisfied" in page.content
    assert b"Very satisfied" in page.content
    assert b"govuk-exit-this-page" in page.content
    assert b"Olivia Officer" in page.content
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]

    thanks = client.post(_url(token), _answers(age_band="under_16", contact_back="on"))
    assert thanks.status_code == 200
    assert b"Thank you for your feedback" in thanks.content
    stored = Response.objects.get()
    assert (stored.rating, stored.age_band, stored.contact_back) == (4, "under_16", True)
    assert stored.victim_voice_forum is False

    again = client.post(_url(token), _answers(rating="1"))
    assert msg.LINK_UNAVAILABLE.encode() in again.content
    assert Response.objects.count() == 1
    assert Response.objects.get().rating == 4


def test_unknown_used_expired_and_malformed_links_get_the_same_page(officer, visit):
    _, used = invitation_create(officer=officer, contact_event=visit, channel="qr")
    Client().post(_url(used), _answers())
    invitation, expired = invitation_create(officer=officer, channel="card")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    unknown = "C" * 22

    pages = []
    for token in (unknown, used, expired, "short", "x" * 200, "%00%ff"):
        for method in ("get", "post"):
            client = Client()
            page = getattr(client, method)(_url(token) if "%" not in token else f"/f/{token}/")
            pages.append(page)
    assert {page.status_code for page in pages} == {404}
    assert len({_normalised(page.content) for page in pages}) == 1
    content = pages[0].content
    assert msg.LINK_UNAVAILABLE.encode() in content
    assert b"Olivia Officer" not in content
    assert b"govuk-exit-this-page" in content
    assert visit.crime.crn.encode() not in content


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"rating": "0"}, msg.RATING_INVALID),
        ({"rating": "6"}, msg.RATING_INVALID),
        ({"rating": "five"}, msg.RATING_INVALID),
        ({}, msg.RATING_REQUIRED),
        ({"rating": "3", "could_be_better": "x" * 2001}, msg.COMMENT_TOO_LONG),
        ({"rating": "3", "ethnicity": "martian"}, msg.ANSWER_INVALID),
    ],
)
def test_bad_answers_show_an_error_summary_and_store_nothing(token, answers, message):
    page = Client().post(_url(token), answers)
    assert page.status_code == 200
    assert b"govuk-error-summary" in page.content
    assert message.encode() in page.content
    assert page.content.count(b"<title>Error: ") == 1
    assert Response.objects.count() == 0
    assert invitation_for_token(token) is not None


def test_a_comment_is_escaped_when_the_form_comes_back(token):
    page = Client().post(_url(token), {"went_well": "<script>alert(1)</script>"})
    assert b"<script>alert(1)</script>" not in page.content
    assert b"&lt;script&gt;" in page.content


def test_the_token_never_reaches_the_request_log(token, caplog):
    caplog.set_level(logging.DEBUG)
    with structlog.testing.capture_logs() as logs:
        Client().get(_url(token))
        Client().post(_url(token), _answers())
        Client().get(_url("D" * 22))
    requests = [entry for entry in logs if entry.get("event") == "request"]
    assert [entry["route"] for entry in requests] == ["/f/<str:token>/"] * 3
    assert token not in repr(logs)
    assert "D" * 22 not in repr(logs)
    assert token not in caplog.text


def test_the_qr_page_needs_sign_in(visit):
    url = reverse("feedback:qr", kwargs={"event_id": visit.pk})
    page = Client().get(url)
    assert page.status_code == 302
    assert Invitation.objects.count() == 0


def test_the_officer_shows_a_qr_code_that_opens_the_feedback_page(officer, visit):
    client = signed_in(officer)
    page = client.get(reverse("feedback:qr", kwargs={"event_id": visit.pk}))
    assert page.status_code == 200
    assert b"<svg" in page.content
    match = re.search(rb"/f/([A-Za-z0-9_-]{22})", page.content)
    assert match is not None
    token = match.group(1).decode()
    assert b"Test Victim" not in page.content
    assert visit.crime.crn.encode() not in page.content
    assert invitation_for_token(token).contact_event == visit

    card = client.get(reverse("feedback:qr-card", kwargs={"event_id": visit.pk}))
    assert card.status_code == 200
    assert b"<svg" in card.content
    assert b"Test Victim" not in card.content
    # Opening the page again made a new code; the first one stopped working.
    assert invitation_for_token(token) is None
    assert (
        Invitation.objects.filter(used_at__isnull=True, expires_at__gt=timezone.now()).count() == 1
    )


def test_another_officer_cannot_open_the_qr_code(other_officer, supervisor, visit):
    for user in (other_officer, supervisor):
        page = signed_in(user).get(reverse("feedback:qr", kwargs={"event_id": visit.pk}))
        assert page.status_code == 404
    assert Invitation.objects.count() == 0


def test_a_non_contact_event_has_no_qr_code(officer, crime):
    reported = crime.events.get(code="crime_reported")
    page = signed_in(officer).get(reverse("feedback:qr", kwargs={"event_id": reported.pk}))
    assert page.status_code == 404


def test_the_form_works_with_csrf_checks_on_and_without_javascript(token):
    client = Client(enforce_csrf_checks=True)
    page = client.get(_url(token))
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert csrf is not None
    assert page.content.count(b'data-module="govuk-character-count"') == 2
    assert b'data-maxlength="2000"' in page.content
    thanks = client.post(_url(token), {**_answers(), "csrfmiddlewaretoken": csrf.group(1).decode()})
    assert b"Thank you for your feedback" in thanks.content
    assert Response.objects.count() == 1


def test_the_case_timeline_links_a_contact_to_its_qr_code(officer, crime, visit) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(officer).get(reverse("cases:case", args=[crime.pk]))
    assert page.status_code == 200
    assert reverse("feedback:qr", args=[visit.pk]) in page.content.decode()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_the_same_form_posted_at_once_from_two_tabs_stores_one_response(token):
    """Both posts pass the form check; the invitation row lock lets one store and
    the other gets the dead-link page (never a 500, never two responses)."""
    barrier = threading.Barrier(4)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post(rating: str) -> None:
        try:
            barrier.wait()
            statuses.append(Client().post(_url(token), _answers(rating=rating)).status_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=post, args=(str(r),)) for r in (1, 2, 4, 5)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors, errors
    assert sorted(statuses) == [200, 404, 404, 404]
    assert Response.objects.count() == 1
    assert Invitation.objects.get().used_at is not None


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        (b"rating=4&went_well=caf\xe9 \xff\xfe", True),  # Latin-1 bytes, not UTF-8
        (b"rating=\xff&went_well=x", False),  # a rating that is not even text
        (b"\x00\x01\x02", False),  # not a form at all
    ],
    ids=["latin1-comment", "binary-rating", "binary-body"],
)
def test_a_body_that_is_not_utf8_never_crashes_and_changes_nothing_it_cannot_read(
    token, body, stored
):
    page = Client().post(_url(token), body, content_type="application/x-www-form-urlencoded")
    assert page.status_code == 200
    if stored:
        # Django reads a body that is not UTF-8 as Latin-1 (QueryDict): the
        # comment is kept as that text, escaped like any other, and the rating counts.
        response = Response.objects.get()
        assert response.rating == 4
        assert response.went_well == "caf\xe9 \xff\xfe"
    else:
        assert not Response.objects.exists()
        assert b"govuk-error-summary" in page.content
