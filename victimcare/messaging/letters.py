"""Letters to victims as tagged, accessible PDFs (WeasyPrint, PDF/UA-1).

A letter is the rendered message (see wording.message_render) laid out with
the address block Notify expects, in one of three variants: standard (12pt),
large print (18pt: RNIB and GOV.UK ask for 16-18pt) and easy read (one idea
per line, 16pt, generous spacing). `<html lang>` and `dir` follow the language
of the main text; an interpreter line in another language carries its own.

WeasyPrint may fetch nothing from the network or the disk except our own font
files, so a value in a letter can never make the renderer read a URL (SSRF)
or a local file. Rendering is CPU-heavy: call it from a task, not a request.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .wording import Rendered, base_language, format_date, text_direction

Variant = Literal["standard", "large_print", "easy_read"]
VARIANTS: tuple[str, ...] = ("standard", "large_print", "easy_read")
FONT_SIZES_PT = {"standard": 12, "large_print": 18, "easy_read": 16}
FONTS_DIR = (Path(__file__).parent / "static" / "messaging" / "fonts").resolve()
TEMPLATE = "messaging/letters/letter.html"

# A UK postcode (with or without its space), as Royal Mail writes them.
UK_POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$", re.IGNORECASE
)
# Notify's letter rules: 3 to 7 address lines, the postcode on the last one.
ADDRESS_MIN_LINES, ADDRESS_MAX_LINES = 3, 7

LETTER_NOT_A_LETTER = "Template '{code}' was rendered for {channel}, not for a letter."
ADDRESS_NO_POSTCODE = (
    "The address has no UK postcode on its last line, so the letter cannot be sent."
)
ADDRESS_TOO_SHORT = (
    "The address needs at least {min} lines (name, street, postcode); it has {count}."
)
ADDRESS_TOO_LONG = "The address may have at most {max} lines; it has {count}."
VARIANT_UNKNOWN = "There is no letter variant '{variant}' (use one of: {variants})."


class LetterError(ValueError):
    """A letter cannot be made: an address without a UK postcode, too few or
    too many address lines, or an unknown variant."""


def address_check(address_lines: list[str]) -> list[str]:
    """The address lines, stripped and without blanks; raises LetterError
    unless there are 3-7 lines and the last is a UK postcode."""
    lines = [line.strip() for line in address_lines if line and line.strip()]
    if not lines or not UK_POSTCODE.match(lines[-1]):
        raise LetterError(ADDRESS_NO_POSTCODE)
    if len(lines) < ADDRESS_MIN_LINES:
        raise LetterError(ADDRESS_TOO_SHORT.format(min=ADDRESS_MIN_LINES, count=len(lines)))
    if len(lines) > ADDRESS_MAX_LINES:
        raise LetterError(ADDRESS_TOO_LONG.format(max=ADDRESS_MAX_LINES, count=len(lines)))
    lines[-1] = lines[-1].upper()
    return lines


def _blocks(text: str) -> list[dict[str, object]]:
    """Paragraphs and "* " bullet lists from the plain message text."""
    blocks: list[dict[str, object]] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if lines and all(line.startswith("* ") for line in lines):
            blocks.append({"kind": "list", "items": [line[2:] for line in lines]})
        else:
            # Runs of "* " lines inside a paragraph become a list of their own.
            para: list[str] = []
            items: list[str] = []
            for line in lines:
                if line.startswith("* "):
                    if para:
                        blocks.append({"kind": "lines", "lines": para})
                        para = []
                    items.append(line[2:])
                else:
                    if items:
                        blocks.append({"kind": "list", "items": items})
                        items = []
                    para.append(line)
            if para:
                blocks.append({"kind": "lines", "lines": para})
            if items:
                blocks.append({"kind": "list", "items": items})
    return blocks


def letter_html(*, rendered: Rendered, address_lines: list[str], variant: Variant) -> str:
    """The letter as HTML (what letter_pdf prints). Raises LetterError."""
    if variant not in VARIANTS:
        raise LetterError(VARIANT_UNKNOWN.format(variant=variant, variants=", ".join(VARIANTS)))
    if rendered.channel and rendered.channel != "letter":
        raise LetterError(
            LETTER_NOT_A_LETTER.format(code=rendered.template_code, channel=rendered.channel)
        )
    address = address_check(address_lines)
    main_text = rendered.body
    if rendered.interpreter_line and main_text.startswith(rendered.interpreter_line):
        main_text = main_text[len(rendered.interpreter_line) :].lstrip("\n")
    language = base_language(rendered.language)
    line_language = base_language(rendered.interpreter_language or rendered.language)
    return render_to_string(
        TEMPLATE,
        {
            "lang": language,
            "dir": text_direction(language),
            "title": rendered.title or rendered.template_code,
            "address": address,
            "date": format_date(timezone.localdate(), language),
            "interpreter_line": rendered.interpreter_line,
            "interpreter_lang": line_language,
            "interpreter_dir": text_direction(line_language),
            "blocks": _blocks(main_text),
            "variant": variant,
            "font_size": FONT_SIZES_PT[variant],
            "desk_phone": settings.VICTIM_FOCUS_DESK_PHONE,
            "sign_off": "Victim Focus Desk" if language == "en" else "Victim Focus Desk:",
        },
    )


def _fetcher() -> object:
    from weasyprint.urls import URLFetcher, URLFetchingError

    class FontsOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Fetches our own font files and nothing else."""

        def fetch(self, url: str, headers: object = None) -> object:
            if url.startswith("file://"):
                path = Path(url.removeprefix("file://")).resolve()
                if path.is_relative_to(FONTS_DIR) and path.is_file():
                    return super().fetch(url, headers)
            raise URLFetchingError(f"Letters may not fetch {url[:80]!r}.")

    return FontsOnlyFetcher()


def letter_pdf(*, rendered: Rendered, address_lines: list[str], variant: Variant) -> bytes:
    """A tagged PDF (PDF/UA-1) of the letter, with its language set.

    Raises LetterError for an address without a UK postcode (or with too few
    or too many lines), an unknown variant, or a message not rendered for a
    letter.
    """
    from weasyprint import HTML

    html = letter_html(rendered=rendered, address_lines=address_lines, variant=variant)
    document = HTML(string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=_fetcher())
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
    return pdf


VARIANT_FOR_FORMAT: dict[str, Variant] = {"large_print": "large_print", "easy_read": "easy_read"}


def letter_pdf_for_message(message: Any) -> bytes:
    """The PDF of a queued letter (an OutboundMessage), as the channel sends it.

    Built from what the outbox row holds (heading, text, language, address),
    so the letter is exactly the text the ledger recorded; the variant follows
    the victim's accessible format now. The interpreter offer, when the text
    starts with one, keeps its own language and direction."""
    victim = getattr(message, "victim", None)
    requested = (victim.language if victim is not None else "") or message.language
    body = message.body
    line, line_language = "", ""
    if base_language(requested) != base_language(message.language) and "\n\n" in body:
        line = body.split("\n\n", 1)[0]
        line_language = requested
    rendered = Rendered(
        template_code=message.template_code,
        version=message.template_version,
        language=message.language,
        requested_language=requested,
        review_status="",
        subject="",
        body=body,
        interpreter_offer=bool(line),
        channel="letter",
        title=message.subject,
        interpreter_line=line,
        interpreter_language=line_language,
    )
    variant = VARIANT_FOR_FORMAT.get(
        (victim.accessible_format if victim is not None else "") or "", "standard"
    )
    address = [line for line in message.recipient.splitlines() if line.strip()]
    return letter_pdf(rendered=rendered, address_lines=address, variant=variant)
