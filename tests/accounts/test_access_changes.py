"""Changes to what a person may do take effect at once (security notes row 4,
ASVS v5.0.0-7.4.2, 8.3.2): PC Olivia Officer is signed in when an administrator
moves her to another team, makes her a supervisor or changes a permission flag.
Her next request finds her signed out, with a message, and it is audited.
Changes that do not touch what she may do leave her signed in."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.accounts.signin import NOTICE_ACCOUNT_CHANGED
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent

pytestmark = pytest.mark.django_db

HOME = reverse("accounts:home")
SIGN_IN = reverse("accounts:sign-in")


def _signed_out(client) -> bool:  # type: ignore[no-untyped-def]
    response = client.get(HOME)
    return response.status_code == 302 and response["Location"].startswith(SIGN_IN)


@pytest.mark.parametrize(
    "change",
    [
        {"role": Role.SUPERVISOR},
        {"organisation": "other_team"},
        {"is_staff": True},
        {"is_superuser": True},
        {"otp_exempt": True},
    ],
    ids=["role", "organisation", "staff-flag", "superuser-flag", "second-factor-exemption"],
)
def test_a_change_to_what_she_may_do_ends_her_session(officer, sign_in, orgs, change):
    client = sign_in(officer)
    assert client.get(HOME).status_code == 200
    values = {
        name: orgs[value] if name == "organisation" else value for name, value in change.items()
    }
    for name, value in values.items():
        setattr(officer, name, value)
    officer.save()

    assert _signed_out(client)
    assert SESSION_KEY not in client.session
    page = client.get(SIGN_IN).content.decode()
    assert NOTICE_ACCOUNT_CHANGED in page
    ended = AuditEvent.objects.filter(action=AuditAction.SIGN_OUT, actor_id=officer.pk).get()
    assert ended.detail == {"reason": "account_changed"}


def test_a_bulk_update_ends_the_session_too(officer, sign_in, orgs):
    client = sign_in(officer)
    User.objects.filter(pk=officer.pk).update(organisation=orgs["specialist_team"])
    assert _signed_out(client)


def test_changing_back_does_not_revive_the_old_session(officer, sign_in):
    client = sign_in(officer)
    stolen = client.session.session_key
    User.objects.filter(pk=officer.pk).update(role=Role.SUPERVISOR)
    assert _signed_out(client)
    User.objects.filter(pk=officer.pk).update(role=Role.OFFICER)
    client.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert _signed_out(client)


def test_other_changes_leave_her_signed_in(officer, sign_in):
    client = sign_in(officer)
    User.objects.filter(pk=officer.pk).update(full_name="Olivia Renamed", collar_number="AB123")
    assert client.get(HOME).status_code == 200
    assert not AuditEvent.objects.filter(
        action=AuditAction.SIGN_OUT, detail__reason="account_changed"
    ).exists()


def test_her_colleague_is_not_affected(officer, supervisor, sign_in):
    hers, his = sign_in(officer), sign_in(supervisor)
    User.objects.filter(pk=officer.pk).update(role=Role.SUPERVISOR)
    assert _signed_out(hers)
    assert his.get(HOME).status_code == 200
