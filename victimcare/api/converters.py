"""Path converters for the partner API."""

from __future__ import annotations


class CrnConverter:
    """A crime reference number in a URL path.

    CRNs contain '/' (Met format 4412345/26). Clients send it percent-encoded
    (4412345%2F26); servers decode %2F before routing, so the converter
    accepts '/' and the literal form works too. '-' is kept as itself, never
    translated, because other forces' CRN formats may contain it. The routes
    that continue after the CRN (events/, timeline/, needs/) are listed before
    the bare crime route, so a CRN never swallows them.

    Any non-empty text is accepted, not only what looks like a CRN: the view
    then answers a reference that names no crime the token may see with the
    API's structured 404, the same as for a well-formed one. (A narrower
    pattern left such paths unmatched, and Django answered them with the
    website's HTML 404 page, which the schema does not promise: found by
    tests/api/test_fuzz.py.)
    """

    regex = r"[\s\S]+"

    def to_python(self, value: str) -> str:
        # PostgreSQL cannot compare text containing NUL (it raises, a 500); no
        # CRN contains one, so the replacement character finds nothing instead.
        return value.replace("\x00", "\ufffd")

    def to_url(self, value: str) -> str:
        return value
