"""Letters as tagged, accessible PDFs: language, direction, large print, easy
read, and the address rules (issue 5, Templates)."""

from __future__ import annotations

import re
import zlib

import pytest

from tests.messaging.test_wording import FULL_CONTEXT
from victimcare.messaging.letters import (
    ADDRESS_NO_POSTCODE,
    LetterError,
    letter_html,
    letter_pdf,
)
from victimcare.messaging.wording import Rendered, message_render

ADDRESS = ["Sam Example", "1 Example Street", "London", "SW1A 1AA"]


def letter(language: str = "en", code: str = "charged", accessible_format: str = "") -> Rendered:
    return message_render(
        template_code=code,
        channel="letter",
        language=language,
        context=FULL_CONTEXT,
        accessible_format=accessible_format,
    )


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's bytes with every compressed stream inflated (object streams hide the tags).

    Each stream is inflated from its start until zlib's own end marker, not up
    to the next "endstream": compressed data may end in a carriage-return
    byte, which the PDF's end-of-line before "endstream" would otherwise take,
    truncating the stream on some days' letters (the text holds dates).
    """
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        inflater = zlib.decompressobj()
        try:
            parts.append(inflater.decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"".join(parts)


def test_a_letter_is_a_tagged_pdf_with_its_language_set() -> None:
    pdf = letter_pdf(rendered=letter("pl"), address_lines=ADDRESS, variant="standard")
    assert pdf.startswith(b"%PDF")
    objects = pdf_objects(pdf)
    assert b"/StructTreeRoot" in objects
    assert b"/MarkInfo" in objects
    assert b"/Lang (pl)" in objects
    assert b"pdfuaid" in objects  # declared PDF/UA


@pytest.mark.parametrize("language", ["ar", "ur"])
def test_right_to_left_languages_get_dir_rtl(language: str) -> None:
    html = letter_html(rendered=letter(language), address_lines=ADDRESS, variant="standard")
    # The main text is English (machine drafts are not sent); the offer line is RTL.
    assert f'lang="{language}" dir="rtl"' in html
    assert '<html lang="en" dir="ltr">' in html


def test_a_reviewed_translation_sets_the_page_language() -> None:
    html = letter_html(rendered=letter("pl"), address_lines=ADDRESS, variant="standard")
    assert '<html lang="pl" dir="ltr">' in html
    assert "<title>Informacja o Twojej sprawie: pierwsza rozprawa w sądzie</title>" in html
    assert "<li>termin: 29.12.2026, godz. 10:00</li>" in html


def test_large_print_uses_at_least_16pt() -> None:
    standard = letter_html(rendered=letter(), address_lines=ADDRESS, variant="standard")
    large = letter_html(rendered=letter(), address_lines=ADDRESS, variant="large_print")
    size = re.compile(r"html \{[^}]*font-size: (\d+)pt")
    assert int(size.search(standard).group(1)) == 12  # type: ignore[union-attr]
    assert int(size.search(large).group(1)) >= 16  # type: ignore[union-attr]


def test_easy_read_puts_one_idea_on_each_line() -> None:
    rendered = letter(accessible_format="easy_read")
    html = letter_html(rendered=rendered, address_lines=ADDRESS, variant="easy_read")
    assert "<p>The police have charged a person.</p>" in html
    assert "<p>This means the case will go to court.</p>" in html
    assert 'class="easy-read"' in html
    pdf = letter_pdf(rendered=rendered, address_lines=ADDRESS, variant="easy_read")
    assert pdf.startswith(b"%PDF")


def test_values_are_escaped_in_the_html() -> None:
    context = {**FULL_CONTEXT, "court": "<script>alert(1)</script>"}
    rendered = message_render(
        template_code="hearing_date", channel="letter", language="en", context=context
    )
    html = letter_html(rendered=rendered, address_lines=ADDRESS, variant="standard")
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "address",
    [
        ["Sam Example", "1 Example Street", "London"],
        ["Sam Example", "1 Example Street", "SW1A 1AA", "London"],
        [],
    ],
)
def test_an_address_without_a_postcode_is_refused(address: list[str]) -> None:
    with pytest.raises(LetterError) as caught:
        letter_pdf(rendered=letter(), address_lines=address, variant="standard")
    assert str(caught.value) == ADDRESS_NO_POSTCODE


def test_too_short_an_address_is_refused() -> None:
    with pytest.raises(LetterError, match="at least 3 lines"):
        letter_html(rendered=letter(), address_lines=["Sam", "SW1A 1AA"], variant="standard")


def test_an_sms_is_not_printed_as_a_letter() -> None:
    sms = message_render(
        template_code="charged", channel="sms", language="en", context=FULL_CONTEXT
    )
    with pytest.raises(LetterError, match="not for a letter"):
        letter_html(rendered=sms, address_lines=ADDRESS, variant="standard")


def test_the_letter_fetches_nothing_from_outside(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from victimcare.messaging.letters import _fetcher

    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    fetcher = _fetcher()
    for url in (secret.as_uri(), "http://127.0.0.1:1/", "https://example.org/x.css"):
        with pytest.raises(Exception, match="may not fetch"):
            fetcher.fetch(url)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("language", "font"),
    [
        ("hi", b"Devanagari"),
        ("bn", b"Bengali"),
        ("pa", b"Gurmukhi"),
        ("gu", b"Gujarati"),
        ("zh", b"CJK"),
    ],
)
def test_the_interpreter_line_is_set_in_a_font_that_has_its_script(
    language: str, font: bytes
) -> None:
    # Without a font for the script the line would print as empty boxes.
    pdf = letter_pdf(rendered=letter(language), address_lines=ADDRESS, variant="standard")
    embedded = re.findall(rb"/BaseFont\s*/([A-Za-z0-9+_-]+)", pdf_objects(pdf))
    assert any(font in name for name in embedded), embedded
