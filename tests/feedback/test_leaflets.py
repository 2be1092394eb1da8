"""The rights as printable leaflets: tagged PDFs per language, large print,
Easy Read, and a police force's one-page QR leaflet (page and command)."""

from __future__ import annotations

import io
import re

import pytest
import segno
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from tests.feedback.conftest import signed_in
from victimcare.feedback import leaflets
from victimcare.feedback.easy_read import EASY_READ_ENGLISH_ONLY, EASY_READ_TITLE
from victimcare.feedback.i18n import page_text
from victimcare.feedback.leaflets import (
    QR_BORDER,
    QR_SCALE,
    LeafletError,
    force_leaflet_html,
    leaflet_html,
    leaflet_pdf,
    leaflet_text,
    public_rights_url,
)

EN = page_text("en")
DESK_PHONE = "0808 157 0000"


@pytest.fixture(autouse=True)
def _fresh_cache(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.VICTIM_FOCUS_DESK_PHONE = DESK_PHONE
    settings.VICTIMCARE_BASE_URL = "https://rights.example.org/"
    leaflets.cache_clear()
    yield
    leaflets.cache_clear()


def _reader(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def _text(reader: PdfReader) -> str:
    # Words may be split across lines: compare without whitespace.
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _squash(value: str) -> str:
    return re.sub(r"\s+", "", value)


def test_the_english_leaflet_is_a_tagged_pdf_with_the_rights_and_the_desk():
    reader = _reader(leaflet_pdf(language="en"))
    root = reader.trailer["/Root"]

    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert reader.metadata is not None and reader.metadata.title == EN.plain("rights_title")
    text = _text(reader)
    for number in range(1, 13):
        assert _squash(EN.plain(f"right.{number}")) in text
    assert _squash(DESK_PHONE) in text
    assert _squash("08 08 16 89 111") in text  # Supportline
    assert "999" in text and "101" in text
    assert _squash("https://rights.example.org/your-rights/") in text


def test_the_polish_leaflet_is_in_polish_and_says_how_far_the_translation_was_checked():
    reader = _reader(leaflet_pdf(language="pl"))
    polish = leaflet_text("pl")

    assert reader.trailer["/Root"]["/Lang"] == "pl"
    text = _text(reader)
    assert _squash(polish.plain("right.7")) in text
    # The rights page's Polish was reviewed, the leaflet's own words are a machine
    # draft: the leaflet says the weaker of the two, in Polish and in English.
    assert _squash(polish.plain("review_machine_draft")) in text
    assert _squash(leaflet_text("en").plain("review_machine_draft")) in text


def test_the_structure_has_real_headings_and_a_list_in_reading_order():
    html = leaflet_html(language="en")
    tags = _struct_tags(_reader(leaflet_pdf(language="en")))

    assert tags.count("/H1") == 1 and tags.count("/H2") == 2
    assert tags.count("/LI") >= 12 and "/L" in tags
    assert html.index("<h1>") < html.index(EN.plain("support_heading")) < html.index("<ol>")


def _struct_tags(reader: PdfReader) -> list[str]:
    found: list[str] = []

    def walk(node, depth=0):  # type: ignore[no-untyped-def]
        if depth > 50:
            return
        node = node.get_object()
        if isinstance(node, list) or type(node).__name__ == "ArrayObject":
            for child in node:
                walk(child, depth + 1)
            return
        if not hasattr(node, "get"):
            return
        if "/S" in node:
            found.append(str(node["/S"]))
        if "/K" in node:
            walk(node["/K"], depth + 1)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def test_an_arabic_leaflet_reads_right_to_left_with_its_language_set():
    html = leaflet_html(language="ar")
    reader = _reader(leaflet_pdf(language="ar"))

    assert '<html lang="ar" dir="rtl">' in html
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    assert _squash(DESK_PHONE) in _text(reader)


def test_an_unknown_language_is_refused_with_a_clear_message_not_printed_in_english():
    with pytest.raises(LeafletError, match="There is no leaflet in 'xx'"):
        leaflet_html(language="xx")


def test_a_script_without_a_font_gets_no_pdf_but_a_clear_message(monkeypatch):
    monkeypatch.setattr(leaflets, "font_available", lambda language: language != "ar")

    with pytest.raises(LeafletError, match="no font for its script"):
        leaflets.pdf_language("ar")
    content = Client().get(reverse("feedback:rights") + "?lang=ar").content.decode()
    assert leaflet_text("ar").plain("pdf_unavailable") in content
    assert 'href="/your-rights/leaflet.pdf?lang=ar"' not in content


def test_the_rights_page_links_the_leaflet_large_print_and_easy_read_in_its_language():
    content = Client().get(reverse("feedback:rights") + "?lang=pl").content.decode()

    assert 'href="/your-rights/leaflet.pdf?lang=pl"' in content
    assert 'href="/your-rights/large-print/?lang=pl"' in content
    assert 'href="/your-rights/easy-read/"' in content
    assert leaflet_text("pl").plain("review_machine_draft") in content


def test_the_public_pdf_download_follows_a_strict_language_rule():
    client = Client()
    url = reverse("feedback:rights-leaflet")

    english = client.get(url)
    polish = client.get(url + "?lang=pl")
    unknown = client.get(url + "?lang=klingon")

    assert english.status_code == 200 and english["Content-Type"] == "application/pdf"
    assert _reader(english.content).trailer["/Root"]["/Lang"] == "en"
    assert "your-rights-pl.pdf" in polish["Content-Disposition"]
    assert _reader(polish.content).trailer["/Root"]["/Lang"] == "pl"
    assert unknown.status_code == 404


def test_a_pdf_is_rendered_once_and_then_served_from_the_cache(monkeypatch, tmp_path):
    calls: list[int] = []
    real = leaflets._render
    monkeypatch.setattr(leaflets, "_render", lambda html: calls.append(1) or real(html))

    first = leaflet_pdf(language="en")
    again = leaflet_pdf(language="en")
    leaflets.cache_clear()  # a new process: the copy on disk is used
    from_disk = leaflet_pdf(language="en")

    assert first == again == from_disk and len(calls) == 1
    assert len(list((tmp_path / "leaflets").glob("*.pdf"))) == 1


def test_a_change_of_desk_number_makes_a_new_pdf(settings):
    before = leaflet_pdf(language="en")
    settings.VICTIM_FOCUS_DESK_PHONE = "0808 157 0999"

    after = leaflet_pdf(language="en")

    assert before != after and _squash("0808 157 0999") in _text(_reader(after))


def test_the_large_print_page_and_pdf():
    client = Client()
    page = client.get(reverse("feedback:rights-large-print") + "?lang=ar")
    pdf = client.get(reverse("feedback:rights-large-print-leaflet"))

    content = page.content.decode()
    assert page.status_code == 200
    assert 'lang="ar" dir="rtl"' in content and "feedback/rights.css" in content
    assert leaflet_text("ar").plain("right.12") in content
    assert 'href="/your-rights/large-print/leaflet.pdf?lang=ar"' in content
    assert "large-print-en.pdf" in pdf["Content-Disposition"]
    assert b"18pt" in leaflet_html(language="en", variant="large_print").encode()


def test_the_easy_read_page_is_english_with_pictures_that_have_text_alternatives():
    content = Client().get(reverse("feedback:rights-easy-read") + "?lang=pl").content.decode()

    assert EASY_READ_TITLE in content and EASY_READ_ENGLISH_ONLY in content
    assert '<html lang="en"' in content
    icons = re.findall(r"<svg[^>]*>", content)
    assert len(icons) >= 14
    assert all('role="img"' in svg and 'aria-label="' in svg for svg in icons)
    assert "Right 12" in content and DESK_PHONE in content


# --- the force's QR leaflet -----------------------------------------------------------


def _qr_modules(reader: PdfReader) -> list[list[bool]]:
    """The QR code image in the PDF, read back module by module (dark = True)."""
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1
    picture = images[0].image.convert("L")
    size = picture.width // QR_SCALE - 2 * QR_BORDER
    half = QR_SCALE // 2
    return [
        [
            picture.getpixel(
                ((QR_BORDER + col) * QR_SCALE + half, (QR_BORDER + row) * QR_SCALE + half)
            )
            < 128
            for col in range(size)
        ]
        for row in range(size)
    ]


def _matrix(url: str) -> list[list[bool]]:
    return [[bool(cell) for cell in row] for row in segno.make(url, error="m").matrix]


def test_the_force_leaflet_is_one_page_with_a_qr_code_for_the_public_rights_page(orgs):
    reader = _reader(leaflets.force_leaflet_pdf(force=orgs["force"], language="pl"))
    expected = "https://rights.example.org/your-rights/?lang=pl"

    assert public_rights_url("pl") == expected
    assert len(reader.pages) == 1
    assert _qr_modules(reader) == _matrix(expected)
    assert _qr_modules(reader) != _matrix("https://rights.example.org/your-rights/")
    text = _text(reader)
    assert _squash(orgs["force"].name) in text and _squash(DESK_PHONE) in text
    assert _squash(leaflet_text("pl").plain("right.12")) in text
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert 'alt="' in force_leaflet_html(force=orgs["force"], language="pl")


def test_the_urdu_force_leaflet_still_fits_on_one_page(orgs):
    reader = _reader(leaflets.force_leaflet_pdf(force=orgs["force"], language="ur"))

    assert len(reader.pages) == 1
    assert reader.trailer["/Root"]["/Lang"] == "ur"


def test_a_force_administrator_and_a_supervisor_can_download_their_forces_leaflet(
    orgs, administrator, supervisor
):
    pdf_url = reverse("feedback:force-leaflet-pdf", kwargs={"force_id": orgs["force"].pk})
    for person in (administrator, supervisor):
        client = signed_in(person)

        page = client.get(reverse("feedback:force-leaflets"))
        pdf = client.get(pdf_url + "?lang=ar")

        assert page.status_code == 200
        assert f'href="{pdf_url}?lang=ar"' in page.content.decode()
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert "your-rights-force-ar.pdf" in pdf["Content-Disposition"]
    assert client.get(pdf_url + "?lang=klingon").status_code == 404


def test_anyone_else_gets_not_found_for_the_force_leaflet(orgs, officer, desk_agent, analyst):
    from tests.factories import OrganisationFactory, UserFactory
    from victimcare.accounts.constants import OrganisationKind, Role

    other_force = OrganisationFactory(kind=OrganisationKind.POLICE_FORCE, code="other-force")
    other_admin = UserFactory(organisation=other_force, role=Role.ADMINISTRATOR)
    pdf_url = reverse("feedback:force-leaflet-pdf", kwargs={"force_id": orgs["force"].pk})
    for person in (officer, desk_agent, analyst):
        client = signed_in(person)
        assert client.get(reverse("feedback:force-leaflets")).status_code == 404
        assert client.get(pdf_url).status_code == 404
    client = signed_in(other_admin)
    assert client.get(pdf_url).status_code == 404  # another force's administrator
    assert client.get(reverse("feedback:force-leaflets")).status_code == 200
    missing = reverse("feedback:force-leaflet-pdf", kwargs={"force_id": 999_999})
    assert client.get(missing).status_code == 404


def test_the_command_writes_the_force_leaflet(orgs, tmp_path):
    out = tmp_path / "leaflet.pdf"

    call_command("leaflet", "--force", orgs["force"].code, "--out", str(out), "--lang", "pl")
    by_id = tmp_path / "by-id.pdf"
    call_command("leaflet", "--force", str(orgs["force"].pk), "--out", str(by_id))

    assert _reader(out.read_bytes()).trailer["/Root"]["/Lang"] == "pl"
    assert _reader(by_id.read_bytes()).trailer["/Root"]["/Lang"] == "en"


def test_the_command_refuses_bad_input_and_writes_nothing(orgs, tmp_path):
    out = tmp_path / "leaflet.pdf"

    with pytest.raises(CommandError, match="is not an active police force"):
        call_command("leaflet", "--force", orgs["bcu"].code, "--out", str(out))
    with pytest.raises(CommandError, match="There is no leaflet in 'xx'"):
        call_command("leaflet", "--force", "force", "--out", str(out), "--lang", "xx")
    with pytest.raises(CommandError, match="must name a .pdf file"):
        call_command("leaflet", "--force", "force", "--out", str(tmp_path / "leaflet.txt"))
    assert not out.exists()
