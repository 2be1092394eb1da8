"""Step-up re-authentication: Sgt Sam Supervisor asks for the compliance figures
as CSV (a bulk export). Although signed in, Sam is first asked to confirm it is
him (password and a fresh code), then goes straight on to the download. The
confirmation lasts a few minutes, in that session only; wrong answers count
towards the sign-in lock-out; nothing goes to another site afterwards."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from victimcare.accounts.forms import CODE_WRONG, PASSWORD_REQUIRED, PASSWORD_WRONG
from victimcare.accounts.stepup import local_path
from victimcare.accounts.views_stepup import TITLE
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent

from ..factories import TEST_PASSWORD, UserFactory
from .conftest import code_for

pytestmark = pytest.mark.django_db

CONFIRM = reverse("accounts:confirm")
HOME = reverse("accounts:home")
SIGN_IN = reverse("accounts:sign-in")
EXPORT = "/compliance/figures.csv?start-day=1&start-month=3&start-year=2026&end-day=31&end-month=3&end-year=2026&by=right"
START = dt.datetime(2026, 4, 7, 9, 0, tzinfo=dt.UTC)
# A TOTP code is good once per 30-second step: the step-up code is a later one.
NEXT_STEP = dt.timedelta(seconds=31)


def confirm_url(next_path: str) -> str:
    return f"{CONFIRM}?next={quote(next_path, safe='')}"


def step_up_entries(success: bool) -> list[AuditEvent]:
    action = AuditAction.SIGN_IN if success else AuditAction.SIGN_IN_FAILED
    return list(AuditEvent.objects.filter(action=action, detail__step_up=True))


def test_an_export_asks_to_confirm_then_goes_on_to_the_download(supervisor, sign_in):
    with time_machine.travel(START, tick=False) as traveller:
        client = sign_in(supervisor)
        asked = client.get(EXPORT)
        assert asked.status_code == 302 and asked["Location"] == confirm_url(EXPORT)

        page = client.get(asked["Location"])
        html = page.content.decode()
        assert page.status_code == 200 and "no-store" in page["Cache-Control"]
        assert f'<h1 class="govuk-heading-l">{TITLE}</h1>' in html
        assert 'name="password"' in html and 'name="code"' in html
        assert 'autocomplete="current-password"' in html

        traveller.shift(NEXT_STEP)
        old_key = client.session.session_key
        device = supervisor.totpdevice_set.get()
        done = client.post(
            CONFIRM, {"password": TEST_PASSWORD, "code": code_for(device), "next": EXPORT}
        )
        assert done.status_code == 302 and done["Location"] == EXPORT
        assert client.session.session_key != old_key  # a new session key on re-authentication

        download = client.get(EXPORT)
        assert download.status_code == 200
        assert download["Content-Type"] == "text/csv; charset=utf-8"
    [entry] = step_up_entries(success=True)
    assert entry.actor_id == supervisor.pk and entry.detail["second_factor"] == "totp"


def test_a_wrong_password_is_explained_and_counts_as_a_failure(supervisor, sign_in):
    client = sign_in(supervisor)

    response = client.post(CONFIRM, {"password": "not-my-password", "code": "123456"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "<title>Error:" in html
    assert html.count(PASSWORD_WRONG) == 2  # in the summary and by the field
    [entry] = step_up_entries(success=False)
    assert entry.detail == {"reason": "step_up_password", "step_up": True}
    assert "not-my-password" not in str(entry.detail)
    assert client.get(EXPORT)["Location"].startswith(CONFIRM)


def test_a_missing_password_is_asked_for(supervisor, sign_in):
    client = sign_in(supervisor)
    html = client.post(CONFIRM, {"password": "", "code": ""}).content.decode()
    assert PASSWORD_REQUIRED in html
    assert step_up_entries(success=False) == []


def test_a_wrong_code_is_refused(supervisor, sign_in):
    with time_machine.travel(START, tick=False) as traveller:
        client = sign_in(supervisor)
        traveller.shift(NEXT_STEP)
        right = code_for(supervisor.totpdevice_set.get())
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"

        html = client.post(CONFIRM, {"password": TEST_PASSWORD, "code": wrong}).content.decode()

        assert CODE_WRONG in html
        assert step_up_entries(success=False)[0].detail["reason"] == "step_up_code"
        assert client.get(EXPORT).status_code == 302


def test_repeated_failures_lock_out_and_end_the_session(supervisor, sign_in):
    client = sign_in(supervisor)
    statuses = [
        client.post(CONFIRM, {"password": f"wrong-{n}", "code": "123456"}).status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]

    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {200}
    # The session is over, and signing in again is refused while locked out.
    assert client.get(HOME)["Location"].startswith(SIGN_IN)
    again = Client().post(SIGN_IN, {"email": supervisor.email, "password": TEST_PASSWORD})
    assert again.status_code == 429
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, actor_id=supervisor.pk).exists()


def test_the_confirmation_lasts_step_up_seconds(supervisor, sign_in, settings):
    settings.STEP_UP_SECONDS = 120
    with time_machine.travel(START, tick=False) as traveller:
        client = sign_in(supervisor)
        traveller.shift(NEXT_STEP)
        client.post(
            CONFIRM,
            {"password": TEST_PASSWORD, "code": code_for(supervisor.totpdevice_set.get())},
        )
        traveller.shift(dt.timedelta(seconds=119))
        assert client.get(EXPORT).status_code == 200
        traveller.shift(dt.timedelta(seconds=2))
        assert client.get(EXPORT)["Location"] == confirm_url(EXPORT)


def test_the_confirmation_ends_with_the_session(supervisor, sign_in):
    with time_machine.travel(START, tick=False) as traveller:
        client = sign_in(supervisor)
        traveller.shift(NEXT_STEP)
        client.post(
            CONFIRM,
            {"password": TEST_PASSWORD, "code": code_for(supervisor.totpdevice_set.get())},
        )
        assert client.get(EXPORT).status_code == 200
        client.post(reverse("accounts:sign-out"))
        traveller.shift(NEXT_STEP)
        sign_in(supervisor, client)
        assert client.get(EXPORT)["Location"] == confirm_url(EXPORT)


def test_a_demo_account_without_a_second_factor_gives_the_password_only(orgs):
    demo = UserFactory(
        organisation=orgs["team"],
        role="supervisor",
        email="demo.supervisor@example.org",
        otp_exempt=True,
    )
    client = Client()
    client.post(SIGN_IN, {"email": demo.email, "password": TEST_PASSWORD})

    html = client.get(confirm_url(EXPORT)).content.decode()
    assert 'name="password"' in html and 'name="code"' not in html
    done = client.post(CONFIRM, {"password": TEST_PASSWORD, "next": EXPORT})

    assert done["Location"] == EXPORT
    assert client.get(EXPORT).status_code == 200
    assert step_up_entries(success=True)[0].detail["second_factor"] == "exempt"


@pytest.mark.parametrize(
    "target",
    [
        "https://attacker.example/",
        "//attacker.example/",
        "/\\attacker.example/",
        "http:/attacker.example",
        "javascript:alert(1)",
        "relative/path",
    ],
)
def test_confirming_never_sends_the_person_to_another_site(orgs, target):
    demo = UserFactory(
        organisation=orgs["team"], role="officer", email="demo.o@example.org", otp_exempt=True
    )
    client = Client()
    client.post(SIGN_IN, {"email": demo.email, "password": TEST_PASSWORD})

    done = client.post(CONFIRM, {"password": TEST_PASSWORD, "next": target})

    assert done.status_code == 302 and done["Location"] == HOME
    assert local_path(target) is None


def test_someone_not_signed_in_is_sent_to_sign_in():
    response = Client().get(confirm_url(EXPORT))
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)


def test_people_without_the_export_permission_get_not_found_first(officer, sign_in):
    client = sign_in(officer)
    assert client.get(EXPORT).status_code == 404
