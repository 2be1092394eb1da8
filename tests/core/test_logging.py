"""Logs are structured JSON with a request id and never carry personal data."""

from __future__ import annotations

import json

import pytest

NAME = "Jane Victim-Example"
PHONE = "07700 900123"
PHONE_INTL = "+447700900123"
EMAIL = "jane.victim@example.org"
ADDRESS = "1 Example Street"
POSTCODE = "SW1A 1AA"
FREE_TEXT = "he said he would come back tonight"
PERSONAL = [NAME, "Jane", PHONE, "900123", PHONE_INTL, EMAIL, ADDRESS, POSTCODE, FREE_TEXT]


def _log_lines(captured: str) -> list[dict]:
    lines = []
    for raw in captured.splitlines():
        raw = raw.strip()
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def _assert_no_personal_data(output: str) -> None:
    for value in PERSONAL:
        assert value not in output, f"personal data leaked into the logs: {value!r}"
    assert "jane" not in output.lower()


@pytest.mark.django_db
def test_a_request_full_of_personal_data_leaves_none_in_the_logs(client, capfd):
    headers = {
        "HTTP_USER_AGENT": f"Mozilla/5.0 ({NAME})",
        "HTTP_REFERER": f"https://example.org/?phone={PHONE}",
        "HTTP_X_FORWARDED_FOR": "203.0.113.9",
    }
    query = {"name": NAME, "phone": PHONE, "email": EMAIL, "postcode": POSTCODE, "note": FREE_TEXT}

    client.get("/", query, **headers)
    client.get(f"/no-such-page/{EMAIL}/{PHONE_INTL}/", query, **headers)
    client.post(
        "/sign-in/",
        {"email": EMAIL, "password": FREE_TEXT, "address": ADDRESS, "phone": PHONE},
        **headers,
    )

    output = capfd.readouterr().err
    _assert_no_personal_data(output)
    requests = [line for line in _log_lines(output) if line.get("event") == "request"]
    assert [r["status"] for r in requests][:2] == [200, 404]
    assert requests[0]["route"] == "/"
    assert requests[1]["route"] == "[unmatched]"
    for line in requests:
        assert len(line["request_id"]) == 32
        assert line["method"] in {"GET", "POST"}
        assert "timestamp" in line and "level" in line


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls_failing")
def test_a_server_error_logs_the_failure_but_not_the_personal_data_in_it(client, capfd):
    client.raise_request_exception = False

    response = client.get("/test-only/fail/", {"phone": PHONE})

    assert response.status_code == 500
    assert b"Traceback" not in response.content
    output = capfd.readouterr().err
    _assert_no_personal_data(output)
    errors = [line for line in _log_lines(output) if line.get("level") == "error"]
    assert errors, "the server error must still be logged"
    assert "ValueError" in json.dumps(errors)


def test_the_request_id_is_returned_and_a_well_formed_incoming_id_is_kept(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-0123456789abcdef")
    assert response["X-Request-ID"] == "lb-0123456789abcdef"

    response = client.get("/healthz", HTTP_X_REQUEST_ID=f"<script>{EMAIL}")
    assert response["X-Request-ID"] != f"<script>{EMAIL}"
    assert len(response["X-Request-ID"]) == 32


def test_trusted_library_messages_are_interpolated_and_others_keep_their_template(capfd):
    import logging

    logging.getLogger("django.tasks").info("Task id=%s state=%s", "abc123", "SUCCESSFUL")
    logging.getLogger("somewhere.else").warning("Could not reach %s", EMAIL)

    lines = _log_lines(capfd.readouterr().err)
    events = {line["logger"]: line["event"] for line in lines}
    assert events["django.tasks"] == "Task id=abc123 state=SUCCESSFUL"
    assert events["somewhere.else"] == "Could not reach %s"


@pytest.mark.django_db
def test_a_not_found_warning_carries_the_status_but_not_the_path(client, capfd):
    import logging

    logging.getLogger("django.request").setLevel(logging.WARNING)
    try:
        client.get(f"/no-such-page/{PHONE_INTL}/")
    finally:
        logging.getLogger("django.request").setLevel(logging.ERROR)
    output = capfd.readouterr().err
    _assert_no_personal_data(output)
    warning = next(line for line in _log_lines(output) if line.get("logger") == "django.request")
    assert warning["status"] == 404
