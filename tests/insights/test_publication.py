"""The quarterly publication as stories: Ann Analyst (MOPAC) publishes 2025-Q3
from the command line and again later, after more ratings for that quarter
arrived, and gets byte-identical open data; small counts show [c] with their
row and column protected; no comment a victim typed is ever published; bad
quarters and a used directory stop with a plain message."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import secrets
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from victimcare.accounts.models import Area, User
from victimcare.cases.models import Crime
from victimcare.core.models import AuditEvent
from victimcare.duties.calendar import LONDON
from victimcare.feedback.constants import InvitationChannel
from victimcare.feedback.models import Invitation, Response
from victimcare.insights.disclosure import SUPPRESSED, recoverable_cells
from victimcare.insights.models import Publication, SurveyImport, SurveyResponse
from victimcare.insights.publication import publication_archive_files, publication_run
from victimcare.insights.publication_data import (
    QUARTER_FORMAT,
    PublicationError,
    Quarter,
    Watermarks,
    compliance_from_json,
    quarter_parse,
    snapshot_read,
)
from victimcare.insights.publication_tables import publication_tables
from victimcare.insights.views_publication import QUARTER_INVALID, QUARTER_REQUIRED

from ..conftest import stepped_up

QUARTER = "2025-Q3"
IN_QUARTER = dt.date(2025, 8, 14)
AFTER_QUARTER = dt.datetime(2025, 10, 6, 9, 0, tzinfo=LONDON)
COMMENT = "The officer was kind about the broken window"


def add_survey(area: Area | None, rating: int, count: int, *, ethnicity: str = "white") -> None:
    """`count` survey respondents in `area` who gave `rating`, interviewed mid-quarter."""
    survey_import, _ = SurveyImport.objects.get_or_create(
        survey="uss", filename="uss-2025-q3.csv", sha256="0" * 64
    )
    start = SurveyResponse.objects.count()
    SurveyResponse.objects.bulk_create(
        SurveyResponse(
            survey_import=survey_import,
            survey="uss",
            respondent_id=f"R{start + n:06d}",
            interviewed_on=IN_QUARTER,
            area=area,
            offence_group="burglary",
            contact_type="visit",
            age_band="25_34",
            ethnicity=ethnicity,
            disability="no",
            needs_recognised="yes",
            rating=rating,
        )
        for n in range(count)
    )


def add_feedback(officer: User, crime: Crime, rating: int, *, when: dt.datetime) -> Response:
    invitation = Invitation.objects.create(
        token_hash=secrets.token_hex(32),
        channel=InvitationChannel.QR,
        officer=officer,
        crime=crime,
        created_at=when,
        expires_at=when + dt.timedelta(days=14),
        used_at=when,
    )
    return Response.objects.create(
        invitation=invitation,
        rating=rating,
        went_well=COMMENT,
        ethnicity="black",
        created_at=when,
    )


@pytest.fixture
def quarter_data(areas, make_crime, officer):  # type: ignore[no-untyped-def]
    """Hackney and Enfield ratings in 2025-Q3: four Black victims in Hackney
    were dissatisfied (a small count), everyone else is in larger groups."""
    hackney, enfield = areas["central_east"], areas["north"]
    add_survey(hackney, 5, 40)
    add_survey(hackney, 4, 12, ethnicity="asian")
    add_survey(hackney, 3, 20)
    add_survey(enfield, 5, 55)
    add_survey(enfield, 3, 20)
    add_survey(enfield, 1, 15)
    crime = make_crime()
    when = dt.datetime.combine(IN_QUARTER, dt.time(11), tzinfo=LONDON)
    for _ in range(4):
        add_feedback(officer, crime, 1, when=when)
    return {"crime": crime}


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_quarters_are_calendar_quarters_in_london():
    q3 = quarter_parse("2026-Q3")
    assert (q3.start, q3.end) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert Quarter(2026, 4).end == dt.date(2026, 12, 31)
    assert q3.first_moment().isoformat() == "2026-07-01T00:00:00+01:00"
    for bad in ("2026Q3", "2026-Q5", "Q3-2026", "", "2026-q3 OR 1=1"):
        with pytest.raises(PublicationError, match=QUARTER_FORMAT):
            quarter_parse(bad)


def test_a_small_count_is_hidden_with_its_row_and_column_protected(quarter_data):
    publication = publication_run(quarter=QUARTER, actor=None, now=AFTER_QUARTER)
    files = publication_archive_files(publication)
    rows = rows_of(files["satisfaction_by_borough.csv"])
    assert rows[0] == [
        "code",
        "borough",
        "satisfied",
        "neither",
        "dissatisfied",
        "responses",
        "satisfied_percent",
    ]
    hackney = next(r for r in rows if r[0] == "E09000012")
    enfield = next(r for r in rows if r[0] == "E09000010")
    total = next(r for r in rows if r[0] == "total")
    # Hackney's 4 dissatisfied (feedback) is hidden...
    assert hackney[4] == SUPPRESSED
    # ...and at least one other cell of its row and of its column too.
    assert SUPPRESSED in hackney[2:4] + hackney[5:6]
    assert SUPPRESSED in (enfield[4], total[4])
    # Enfield: 55 + 20 + 15 = 90 responses, 61.1% satisfied, from unrounded counts.
    assert enfield[5] in ("90", SUPPRESSED)
    assert enfield[6] in ("61.1", SUPPRESSED)
    # Every table protects every cell: none is recoverable from the rest.
    snapshot = snapshot_read(
        quarter=quarter_parse(QUARTER),
        watermarks=Watermarks(publication.response_watermark, publication.survey_watermark),
        compliance=compliance_from_json(publication.manifest["frozen"]["compliance"]),
    )
    for table in publication_tables(snapshot):
        protected = table.protected
        assert protected.primary <= protected.suppressed
        assert not recoverable_cells(protected.extended, set(protected.suppressed))
    # No free text anywhere, no officer.
    for name, data in files.items():
        if name.endswith((".csv", ".html", ".json")):
            text = data.decode("utf-8")
            assert COMMENT not in text
            assert "Olivia" not in text


def test_the_command_reproduces_the_quarter_byte_for_byte(quarter_data, areas, tmp_path: Path):
    first, second = tmp_path / "first", tmp_path / "second"
    out = io.StringIO()
    call_command("publish", quarter=QUARTER, out=str(first), stdout=out)
    assert "Published 2025-Q3" in out.getvalue()
    names = sorted(p.name for p in first.iterdir())
    assert {"manifest.json", "report.html", "report.pdf", "satisfaction_by_borough.csv"} <= set(
        names
    )
    assert "code_compliance_by_right.csv" in names
    pdf = PdfReader(first / "report.pdf")
    assert "/StructTreeRoot" in pdf.trailer["/Root"]  # tagged (PDF/UA-1)
    assert pdf.trailer["/Root"]["/Lang"] == "en"
    assert pdf.metadata is not None and "2025-Q3" in (pdf.metadata.title or "")

    # More ratings for the same quarter arrive (late survey returns, feedback).
    add_survey(areas["central_east"], 2, 30)
    when = dt.datetime.combine(IN_QUARTER, dt.time(15), tzinfo=LONDON)
    add_feedback(quarter_data["crime"].created_by, quarter_data["crime"], 5, when=when)

    call_command("publish", quarter=QUARTER, out=str(second), stdout=io.StringIO())
    for name in names:
        if name.endswith(".csv") or name in ("manifest.json", "report.html"):
            assert (first / name).read_bytes() == (second / name).read_bytes(), name

    manifest = json.loads((first / "manifest.json").read_text())
    assert (first / "satisfaction_by_borough.csv").read_bytes() == (
        second / "satisfaction_by_borough.csv"
    ).read_bytes()
    runs = list(Publication.objects.order_by("pk"))
    assert len(runs) == 2
    assert runs[0].snapshot_sha256 == runs[1].snapshot_sha256 == manifest["snapshot"]["sha256"]
    assert manifest["quarter"] == QUARTER
    assert manifest["rules"]["threshold"] == 10 and manifest["rules"]["rounding_base"] == 5
    assert "frozen" not in manifest
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((first / name).read_bytes()).hexdigest() == digest
    html = (first / "report.html").read_text()
    assert "[Commentary to be written by the analyst]" in html
    assert "<link" not in html and "<script" not in html and 'src="http' not in html
    assert AuditEvent.objects.filter(object_type="insights.publication").count() == 2
    # The second run kept the first run's watermarks, though newer rows exist.
    assert runs[1].response_watermark == runs[0].response_watermark
    assert Response.objects.filter(pk__gt=runs[0].response_watermark).exists()


def test_the_command_stops_with_a_plain_message(quarter_data, tmp_path: Path):
    with pytest.raises(CommandError, match="Enter the quarter as YYYY-QN, for example 2026-Q3"):
        call_command("publish", quarter="2025-3", out=str(tmp_path / "a"))
    with pytest.raises(CommandError, match="2999-Q4 has not ended: it ends on 31 December 2999"):
        call_command("publish", quarter="2999-Q4", out=str(tmp_path / "b"))
    with pytest.raises(CommandError, match="There is no data for 2024-Q1"):
        call_command("publish", quarter="2024-Q1", out=str(tmp_path / "c"))
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("keep me")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("publish", quarter=QUARTER, out=str(used))
    assert not Publication.objects.exists()
    call_command("publish", quarter=QUARTER, out=str(used), force=True, stdout=io.StringIO())
    assert (used / "notes.txt").read_text() == "keep me"
    assert (used / "manifest.json").exists()


def test_no_data_means_no_publication_and_no_snapshot_fixed(db):
    with pytest.raises(PublicationError, match="There is no data for 2025-Q3"):
        publication_run(quarter=QUARTER, actor=None, now=AFTER_QUARTER)
    assert not Publication.objects.exists()


# --- The page ----------------------------------------------------------------------


def signed_in(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


def test_an_analyst_publishes_from_the_button_and_downloads_the_zip(quarter_data, analyst):
    client = signed_in(analyst)
    page = client.get(reverse("insights:publications"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="2025-Q3"' in html
    assert "No quarter has been published yet." in html

    response = client.post(reverse("insights:publications"), {"quarter": QUARTER}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2025-Q3 has been published." in html
    publication = Publication.objects.get()
    assert publication.created_by == analyst
    assert publication.snapshot_sha256[:12] in html
    assert AuditEvent.objects.filter(
        action="create", object_type="insights.publication", actor_id=analyst.pk
    ).exists()

    download = stepped_up(client).get(
        reverse("insights:publication-download", args=[publication.pk])
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert "manifest.json" in names and "report.pdf" in names
    assert AuditEvent.objects.filter(action="export", object_type="insights.publication").exists()

    report = client.get(reverse("insights:publication-report", args=[publication.pk]))
    assert report.status_code == 200
    policy = report["Content-Security-Policy"]
    assert "style-src 'self' 'sha256-" in policy and "unsafe-inline" not in policy
    assert "[Commentary to be written by the analyst]" in report.content.decode()


def test_a_bad_quarter_shows_the_error_summary_and_changes_nothing(quarter_data, analyst):
    client = signed_in(analyst)
    for data, message in (({"quarter": "2999-Q4"}, QUARTER_INVALID), ({}, QUARTER_REQUIRED)):
        response = client.post(reverse("insights:publications"), data)
        assert response.status_code == 400
        html = response.content.decode()
        assert "govuk-error-summary" in html and message in html
    assert not Publication.objects.exists()


@pytest.mark.parametrize("persona", ["officer", "supervisor", "support_caseworker"])
def test_others_get_not_found(quarter_data, analyst, persona, request):
    publication = publication_run(quarter=QUARTER, actor=analyst, now=AFTER_QUARTER)
    client = signed_in(request.getfixturevalue(persona))
    for name, args in (
        ("insights:publications", []),
        ("insights:publication-download", [publication.pk]),
        ("insights:publication-report", [publication.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404
    assert client.post(reverse("insights:publications"), {"quarter": QUARTER}).status_code == 404
    assert Publication.objects.count() == 1
