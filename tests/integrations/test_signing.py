"""Webhook signatures: what a partner's receiver accepts and refuses."""

from __future__ import annotations

from victimcare.integrations.signing import signature_header, signature_verify

SECRET = "whsec_test-secret"
BODY = b'{"id":"3f1c","type":"sentenced"}'
NOW = 1_780_000_000


def test_a_fresh_signature_of_the_body_verifies():
    header = signature_header(SECRET, BODY, NOW)
    assert header.startswith(f"t={NOW},v1=")
    assert signature_verify(SECRET, header, BODY, now=NOW + 10)


def test_a_tampered_body_is_refused():
    header = signature_header(SECRET, BODY, NOW)
    assert not signature_verify(SECRET, header, BODY.replace(b"sentenced", b"verdict"), now=NOW)


def test_a_wrong_secret_is_refused():
    header = signature_header("whsec_someone-else", BODY, NOW)
    assert not signature_verify(SECRET, header, BODY, now=NOW)


def test_a_replayed_signature_outside_the_tolerance_window_is_refused():
    header = signature_header(SECRET, BODY, NOW)
    assert signature_verify(SECRET, header, BODY, now=NOW + 300)
    assert not signature_verify(SECRET, header, BODY, now=NOW + 301)
    assert not signature_verify(SECRET, header, BODY, now=NOW - 301)
    assert not signature_verify(SECRET, header, BODY, now=NOW + 60, tolerance=30)


def test_a_changed_timestamp_breaks_the_signature():
    header = signature_header(SECRET, BODY, NOW)
    forged = header.replace(f"t={NOW}", f"t={NOW + 100}")
    assert not signature_verify(SECRET, forged, BODY, now=NOW + 100)


def test_malformed_headers_are_refused():
    good = signature_header(SECRET, BODY, NOW)
    for header in ("", "nonsense", f"t={NOW}", good.split(",")[1], "t=abc,v1=00", f"t={NOW},v1"):
        assert not signature_verify(SECRET, header, BODY, now=NOW), header
