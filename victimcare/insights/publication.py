"""The quarterly publication (issue 9, item 4): open-data CSV files, an
accessible HTML report, a tagged PDF and a manifest, for one calendar quarter,
with statistical disclosure control on everything (disclosure.py; the method
is in docs/publication-method.md and in the report itself).

Reproducible: the first run of a quarter fixes its snapshot (the highest
feedback and survey response ids, and the Code compliance counts as they stood
then); every later run of that quarter reads exactly the same rows, so the
CSV files and the manifest are byte-identical. Each run is kept (manifest and
a zip of all files) in `Publication` and audited (counts only).

Who may call: `publication_run` checks nothing; the view checks
`insights.publish` and the command is for operators.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from victimcare.accounts.models import User
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from . import disclosure
from .models import Publication, RollupState
from .publication_data import (
    QUARTER_NO_DATA,
    PublicationError,
    Quarter,
    Snapshot,
    Watermarks,
    compliance_counts,
    compliance_from_json,
    compliance_to_json,
    current_watermarks,
    london_today,
    quarter_check_ended,
    quarter_parse,
    snapshot_read,
)
from .publication_render import report_html, report_pdf
from .publication_tables import publication_tables

__all__ = [
    "PublicationError",
    "publication_archive_files",
    "publication_build",
    "publication_run",
    "publication_write",
]

MANIFEST_NAME = "manifest.json"
REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
# Kept in Publication.manifest only, never written to manifest.json: the raw
# compliance counts of the first run, so later runs reproduce them.
FROZEN_KEY = "frozen"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(snapshot: Snapshot, csv_files: dict[str, bytes], html: bytes) -> dict[str, Any]:
    quarter = snapshot.quarter
    return {
        "publication": "Victim satisfaction and Victims' Code compliance",
        "quarter": quarter.label,
        "period": {"start": quarter.start.isoformat(), "end": quarter.end.isoformat()},
        "snapshot": {
            "response_watermark": snapshot.watermarks.response,
            "survey_watermark": snapshot.watermarks.survey,
            "sha256": snapshot.sha256,
        },
        "rules": {
            "method_version": disclosure.METHOD_VERSION,
            "method": "docs/publication-method.md",
            "threshold": disclosure.THRESHOLD,
            "rounding_base": disclosure.ROUNDING_BASE,
            "rounding": "nearest multiple of the base, halves up; zero stays zero",
            "suppressed_marker": disclosure.SUPPRESSED,
            "not_applicable_marker": disclosure.NOT_APPLICABLE,
            "zeros": (
                "suppressed when the row or column total is 1 to threshold - 1, or when a "
                "row of threshold or more has all its count in one column"
            ),
            "secondary": (
                "no suppressed cell exactly recoverable from published cells and totals "
                "(rational Gaussian elimination)"
            ),
            "percentages": (
                "from unrounded counts, one decimal place, halves up; suppressed when the "
                "numerator or any count of the base is suppressed"
            ),
        },
        "files": {
            **{name: _sha256(data) for name, data in sorted(csv_files.items())},
            REPORT_HTML: _sha256(html),
        },
    }


def publication_build(snapshot: Snapshot) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Every file of the publication (name → bytes) and its manifest."""
    tables = publication_tables(snapshot)
    csv_files = {f"{table.name}.csv": table.csv() for table in tables}
    names = {table.name: f"{table.name}.csv" for table in tables}
    html = report_html(snapshot=snapshot, tables=tables, files=names).encode("utf-8")
    manifest = _manifest(snapshot, csv_files, html)
    files = {
        **csv_files,
        REPORT_HTML: html,
        REPORT_PDF: report_pdf(html.decode("utf-8")),
        MANIFEST_NAME: manifest_bytes(manifest),
    }
    return files, manifest


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    public = {k: v for k, v in manifest.items() if k != FROZEN_KEY}
    return (json.dumps(public, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _archive(files: dict[str, bytes]) -> bytes:
    """A zip of `files` with fixed times and order (same files → same zip)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def publication_archive_files(publication: Publication) -> dict[str, bytes]:
    """The files kept with a run (name → bytes)."""
    with zipfile.ZipFile(io.BytesIO(bytes(publication.archive))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _quarter_lock(quarter: Quarter) -> None:
    """Lock the quarter's row in RollupState (created once) until the
    transaction ends (a no-op on SQLite, whose writers are serialised anyway)."""
    name = f"publication-{quarter.label}"
    RollupState.objects.get_or_create(name=name)
    RollupState.objects.select_for_update().get(name=name)


def _first_run(quarter: Quarter) -> Publication | None:
    return Publication.objects.filter(quarter=quarter.label).order_by("created_at", "pk").first()


def publication_run(
    *,
    quarter: str,
    actor: User | None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Publication:
    """Make the publication of `quarter` (YYYY-QN), keep it and audit it.

    Raises PublicationError (plain English) for a malformed quarter, a quarter
    that has not ended, or a quarter with no responses in its snapshot.
    """
    parsed = quarter_parse(quarter)
    now = now or timezone.now()
    quarter_check_ended(parsed, today=london_today(now))
    with transaction.atomic():
        # Two first runs of a quarter at once must not record two snapshots:
        # the quarter's lock row serialises them (the second sees the first).
        _quarter_lock(parsed)
        first = _first_run(parsed)
        if first is not None:
            watermarks = Watermarks(first.response_watermark, first.survey_watermark)
            compliance = compliance_from_json(
                first.manifest.get(FROZEN_KEY, {}).get("compliance", {})
            )
        else:
            watermarks = current_watermarks()
            compliance = compliance_counts(quarter=parsed, now=now)
        snapshot = snapshot_read(quarter=parsed, watermarks=watermarks, compliance=compliance)
        if snapshot.responses == 0:
            raise PublicationError(QUARTER_NO_DATA.format(quarter=parsed.label))
        files, manifest = publication_build(snapshot)
        stored = {**manifest, FROZEN_KEY: {"compliance": compliance_to_json(compliance)}}
        publication = Publication.objects.create(
            quarter=parsed.label,
            response_watermark=watermarks.response,
            survey_watermark=watermarks.survey,
            snapshot_sha256=snapshot.sha256,
            manifest=stored,
            archive=_archive(files),
            created_by=actor,
            created_at=now,
        )
        audit_record(
            action=AuditAction.CREATE,
            request=request,
            actor=actor,
            object_type="insights.publication",
            object_id=publication.pk,
            detail={
                "quarter": parsed.label,
                "files": len(files),
                "repeat": first is not None,
            },
        )
    return publication


def publication_write(*, publication: Publication, out: Path, force: bool = False) -> list[str]:
    """Write a run's files into `out` (created if missing). Refuses a directory
    that is not empty unless `force` (which writes over files of the same
    name). Returns the names written."""
    out_dir_check(out, force=force)
    out.mkdir(parents=True, exist_ok=True)
    files = publication_archive_files(publication)
    for name, data in sorted(files.items()):
        (out / name).write_bytes(data)
    return sorted(files)


OUT_NOT_EMPTY = "{path} is not empty: choose an empty or new directory, or use --force"
OUT_NOT_DIRECTORY = "{path} is not a directory"


def out_dir_check(out: Path, *, force: bool) -> None:
    """Raises PublicationError for a path that is a file, or a non-empty
    directory without `force`."""
    if out.exists() and not out.is_dir():
        raise PublicationError(OUT_NOT_DIRECTORY.format(path=out))
    if out.is_dir() and any(out.iterdir()) and not force:
        raise PublicationError(OUT_NOT_EMPTY.format(path=out))
