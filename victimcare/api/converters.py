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
    """

    regex = r"[A-Za-z0-9][A-Za-z0-9/._-]{0,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
