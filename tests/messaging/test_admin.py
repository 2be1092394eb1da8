"""An administrator reads the local outbox in the admin; nobody edits it there."""

from __future__ import annotations

import pytest

from tests.core.test_audit_search import sign_in_with_second_factor

from .conftest import enqueue_sms

pytestmark = pytest.mark.django_db


def test_an_administrator_reads_a_message_in_the_outbox(client, administrator) -> None:  # type: ignore[no-untyped-def]
    message = enqueue_sms()
    sign_in_with_second_factor(client, administrator)

    listing = client.get("/admin/messaging/outboundmessage/")
    detail = client.get(f"/admin/messaging/outboundmessage/{message.pk}/change/")
    add = client.get("/admin/messaging/outboundmessage/add/")

    assert listing.status_code == 200
    assert b"suspect_charged" in listing.content
    assert detail.status_code == 200
    assert b"An update on your case is ready" in detail.content
    assert add.status_code in (403, 404)
    assert b'name="_save"' not in detail.content, "read-only: no save button"


def test_an_officer_cannot_open_the_outbox(client, officer) -> None:  # type: ignore[no-untyped-def]
    enqueue_sms()
    client.force_login(officer)
    assert client.get("/admin/messaging/outboundmessage/").status_code != 200
