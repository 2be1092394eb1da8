"""The Victims' Code's 12 rights as printable leaflets: tagged PDFs (PDF/UA-1).

Three things are printed from the words of the public rights page
(`data/page/<language>.json`) plus the leaflet's own few words
(`data/leaflet/<language>.json`, same shape, English the fallback key by key):

- the rights leaflet, per language, standard (12pt) or large print (18pt:
  RNIB and GOV.UK ask for 16-18pt);
- the one-page A4 leaflet for a police force, with a QR code that opens the
  public rights page of the force's deployment (`VICTIMCARE_BASE_URL`).

Each carries the desk's number and hours (settings), Victim Support's
Supportline, 999/101 and the translation's review status: "reviewed" only when
both the page's words and the leaflet's own words were reviewed (English is the
source and says nothing). `<html lang>` and `dir` make the PDF's /Lang and
reading direction; `<title>` its title; h1/h2 and an ordered list its tags.

A language whose script has no font on this machine (fontconfig knows none
for it) gets no PDF at all rather than a PDF of empty boxes: the pages say so
and link the English leaflet instead (scripts/ensure-pdf-libs.sh installs the
fonts). WeasyPrint may fetch nothing at all (SSRF, local files): the QR code
is embedded as our own PNG data URI. Rendering takes about a second, so PDFs
are kept by the SHA-256 of their HTML, in the process and under
VAR_DIR/leaflets/, and a change of words, number, hours or URL makes a new one.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from markupsafe import Markup

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Organisation
from victimcare.messaging import desk
from victimcare.messaging.wording import languages, text_direction

from .i18n import (
    SOURCE_LANGUAGE,
    SUPPORTLINE_PHONE,
    PageText,
    choose_language,
    page_text,
    review_status,
)

Variant = Literal["standard", "large_print"]
VARIANTS: tuple[str, ...] = ("standard", "large_print")
FONT_SIZES_PT: dict[str, int] = {"standard": 12, "large_print": 18}
LEAFLET_DIR = Path(__file__).parent / "data" / "leaflet"
LEAFLET_TEMPLATE = "feedback/leaflet_rights.html"
FORCE_TEMPLATE = "feedback/leaflet_force.html"
RIGHT_NUMBERS = tuple(range(1, 13))
REVIEWED = "reviewed"
MACHINE_DRAFT = "machine_draft"

# Scripts that the fonts every machine has (Liberation, DejaVu) may not cover:
# a PDF is made in these only when fontconfig knows a font for the language.
NEEDS_SCRIPT_FONT = frozenset({"ar", "ur", "hi", "bn", "pa", "gu", "zh", "el"})
FONT_STACKS: dict[str, str] = {
    "ar": '"Noto Naskh Arabic", "Noto Sans Arabic"',
    "ur": '"Noto Nastaliq Urdu", "Noto Naskh Arabic", "Noto Sans Arabic"',
    "hi": '"Noto Sans Devanagari"',
    "bn": '"Noto Sans Bengali"',
    "pa": '"Noto Sans Gurmukhi"',
    "gu": '"Noto Sans Gujarati"',
    "zh": '"Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC"',
}
LATIN_FONTS = '"Liberation Sans", "DejaVu Sans", "Noto Sans", sans-serif'

# In-process cache of rendered PDFs (the disk cache below outlives restarts).
MEMORY_CACHE_SIZE = 48
DISK_CACHE_FILES = 200
CACHE_SUBDIR = "leaflets"

LANGUAGE_UNKNOWN = "There is no leaflet in '{language}'. Use one of: {languages}."
NO_FONT = (
    "The leaflet cannot be printed in {name}: this machine has no font for its script "
    "(scripts/ensure-pdf-libs.sh installs them)."
)
VARIANT_UNKNOWN = "There is no leaflet variant '{variant}' (use one of: {variants})."
NOT_A_FORCE = "'{reference}' is not an active police force. Give the id or the code of one."


class LeafletError(ValueError):
    """A leaflet cannot be made: an unknown language or variant, a script with
    no font on this machine, or an organisation that is not a police force."""


# --- words ---------------------------------------------------------------------------


@functools.cache
def _leaflet_file(language: str) -> dict[str, Any]:
    path = LEAFLET_DIR / f"{language}.json"
    if not path.exists():
        return {"language": language, "review": "", "texts": {}}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def leaflet_raw_texts(language: str) -> dict[str, str]:
    """The leaflet's own strings in one language, as written (no fallback)."""
    return dict(_leaflet_file(language).get("texts", {}))


@functools.cache
def leaflet_text(language: str) -> PageText:
    """The rights page's words and the leaflet's own, in `language` (a supported
    code; anything else gives English), English where a key has no translation."""
    code = choose_language(language)
    merged = {
        **page_text(code).texts,
        **leaflet_raw_texts(SOURCE_LANGUAGE),
        **leaflet_raw_texts(code),
    }
    return PageText(language=code, texts=merged)


def leaflet_review_status(language: str) -> str:
    """ "reviewed" when both the page's and the leaflet's words in `language`
    were checked by a translator, else "machine_draft"."""
    both = (review_status(language), str(_leaflet_file(language).get("review", "")))
    return REVIEWED if all(status == REVIEWED for status in both) else MACHINE_DRAFT


def review_note(language: str) -> dict[str, str] | None:
    """The line saying whether the translation was checked, in `language` and
    in English (for the staff who hand it out); None for English itself."""
    if language == SOURCE_LANGUAGE:
        return None
    key = f"review_{leaflet_review_status(language)}"
    return {
        "text": leaflet_text(language).plain(key),
        "english": leaflet_text(SOURCE_LANGUAGE).plain(key),
        "status": leaflet_review_status(language),
    }


def rights_texts(text: PageText) -> list[str]:
    return [text.plain(f"right.{number}") for number in RIGHT_NUMBERS]


# --- fonts ---------------------------------------------------------------------------


@functools.cache
def font_available(language: str) -> bool:
    """Whether a PDF in `language` would show its script: always for Latin
    scripts (Liberation/DejaVu), else when fontconfig lists a font for it.
    Asked once per process and language."""
    if language not in NEEDS_SCRIPT_FONT:
        return True
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    try:
        found = subprocess.run(  # fixed argv, no shell  # nosec B603
            [fc_list, f":lang={language}", "family"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return found.returncode == 0 and bool(found.stdout.strip())


def pdf_languages() -> list[str]:
    """The languages a leaflet PDF can be made in here, in the messaging app's order."""
    return [code for code in languages() if font_available(code)]


def pdf_language(requested: str | None) -> str:
    """The leaflet's language for `?lang=`: English when absent; exactly a
    supported code otherwise. Raises LeafletError for anything else, or for a
    language whose script has no font here (never a PDF of empty boxes)."""
    if requested is None or requested == "":
        return SOURCE_LANGUAGE
    if requested not in languages():
        raise LeafletError(
            LANGUAGE_UNKNOWN.format(language=requested[:16], languages=", ".join(languages()))
        )
    if not font_available(requested):
        raise LeafletError(NO_FONT.format(name=languages()[requested]["name"]))
    return requested


# --- links and the QR code -----------------------------------------------------------


def public_rights_url(language: str = SOURCE_LANGUAGE) -> str:
    """The public rights page of this deployment (VICTIMCARE_BASE_URL), in `language`."""
    base = str(settings.VICTIMCARE_BASE_URL).rstrip("/")
    path = reverse("feedback:rights")
    return f"{base}{path}" if language == SOURCE_LANGUAGE else f"{base}{path}?lang={language}"


QR_SCALE = 16  # pixels per module: ~300 dpi at the printed size
QR_BORDER = 4  # the quiet zone the QR standard asks for, in modules


def qr_for(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_png_data_uri(url: str) -> str:
    return str(qr_for(url).png_data_uri(scale=QR_SCALE, border=QR_BORDER))


# --- HTML ----------------------------------------------------------------------------


def _ltr(url: str) -> Markup:
    """A URL kept left to right inside right-to-left text."""
    return Markup('<span dir="ltr">{}</span>').format(url)


def _common(language: str) -> dict[str, Any]:
    text = leaflet_text(language)
    return {
        "lang": text.language,
        "dir": text_direction(text.language),
        "t": text,
        "fonts": ", ".join(filter(None, [FONT_STACKS.get(text.language), LATIN_FONTS])),
        "rights": rights_texts(text),
        "desk_phone": settings.VICTIM_FOCUS_DESK_PHONE,
        "desk_hours": desk.desk_hours_text(text.language),
        "supportline_phone": SUPPORTLINE_PHONE,
        "review": review_note(text.language),
        "force_name": settings.FORCE_NAME,
    }


def leaflet_html(*, language: str, variant: Variant = "standard") -> str:
    """The rights leaflet as HTML (what leaflet_pdf prints). Raises LeafletError."""
    if variant not in VARIANTS:
        raise LeafletError(VARIANT_UNKNOWN.format(variant=variant, variants=", ".join(VARIANTS)))
    code = pdf_language(language)
    context = _common(code)
    context.update(
        variant=variant,
        font_size=FONT_SIZES_PT[variant],
        online_url=_ltr(public_rights_url(code)),
        title=context["t"].plain("rights_title"),
    )
    return render_to_string(LEAFLET_TEMPLATE, context)


def force_for_reference(reference: str | int) -> Organisation:
    """The active police force with this id or code. Raises LeafletError."""
    text = str(reference).strip()
    forces = Organisation.objects.filter(kind=OrganisationKind.POLICE_FORCE, active=True)
    force = forces.filter(pk=int(text)).first() if text.isdigit() else None
    if force is None:
        force = forces.filter(code=text).first()
    if force is None:
        raise LeafletError(NOT_A_FORCE.format(reference=text[:80]))
    return force


FORCE_FONT_SIZES_PT = (13, 12, 11, 10)


def force_leaflet_html(
    *, force: Organisation, language: str = SOURCE_LANGUAGE, font_size: float = 13
) -> str:
    """The one-page A4 leaflet for `force`: the 12 rights as headlines, the
    desk, and a QR code opening the public rights page in `language`."""
    code = pdf_language(language)
    url = public_rights_url(code)
    context = _common(code)
    context.update(
        variant="force",
        # Nastaliq needs taller lines: a smaller size keeps the page to one.
        font_size=min(font_size, 10.5) if code == "ur" else font_size,
        title=context["t"].plain("rights_title"),
        force_name=force.name,
        online_url=url,
        qr_data_uri=qr_png_data_uri(url),
    )
    return render_to_string(FORCE_TEMPLATE, context)


# --- PDF and its cache ---------------------------------------------------------------


def _fetcher() -> object:
    from weasyprint.urls import URLFetcher

    class EmbeddedImagesOnly(URLFetcher):  # type: ignore[misc]
        """Reads our own embedded PNGs (the QR code) and nothing else."""

        def fetch(self, url: str, headers: object = None) -> object:
            if url.startswith("data:image/png;base64,"):
                return super().fetch(url, headers)
            raise ValueError(f"Leaflets may not fetch {url[:40]!r}.")

    return EmbeddedImagesOnly(allowed_protocols=("data",))


def _render(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, url_fetcher=_fetcher()).write_pdf(pdf_variant="pdf/ua-1")
    return pdf


def _render_one_page(variants: list[str]) -> bytes:
    """The first of `variants` (the same leaflet, smaller and smaller) that
    fits on one page; the last one whatever its length."""
    from weasyprint import HTML

    for number, html in enumerate(variants, start=1):
        document = HTML(string=html, url_fetcher=_fetcher()).render(pdf_variant="pdf/ua-1")
        if len(document.pages) == 1 or number == len(variants):
            pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
            return pdf
    raise AssertionError("unreachable")


_memory: collections.OrderedDict[str, bytes] = collections.OrderedDict()
_lock = threading.Lock()


def _cache_key(html: str) -> str:
    import weasyprint

    return hashlib.sha256(f"{weasyprint.__version__}\n{html}".encode()).hexdigest()


def _cache_dir() -> Path:
    return Path(settings.VAR_DIR) / CACHE_SUBDIR


def _disk_read(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") else None


def _disk_write(path: Path, data: bytes) -> None:
    """Write atomically (a reader never sees half a file), then keep only the
    newest DISK_CACHE_FILES leaflets. A failure only costs the next render."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)
        files = sorted(path.parent.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[DISK_CACHE_FILES:]:
            old.unlink(missing_ok=True)
    except OSError:
        return


def pdf_cached(html: str, render: Callable[[], bytes] | None = None) -> bytes:
    """The tagged PDF of `html` (made by `render` when given), rendered once
    per distinct HTML (and WeasyPrint version), kept in the process and on disk."""
    key = _cache_key(html)
    with _lock:
        if key in _memory:
            _memory.move_to_end(key)
            return _memory[key]
    path = _cache_dir() / f"{key}.pdf"
    data = _disk_read(path)
    if data is None:
        data = render() if render is not None else _render(html)
        _disk_write(path, data)
    with _lock:
        _memory[key] = data
        while len(_memory) > MEMORY_CACHE_SIZE:
            _memory.popitem(last=False)
    return data


def cache_clear() -> None:
    """Forget the in-process copies (tests; the disk copies stay valid)."""
    with _lock:
        _memory.clear()


def leaflet_pdf(*, language: str, variant: Variant = "standard") -> bytes:
    """The rights leaflet in `language` as a tagged PDF. Raises LeafletError."""
    return pdf_cached(leaflet_html(language=language, variant=variant))


def force_leaflet_pdf(*, force: Organisation, language: str = SOURCE_LANGUAGE) -> bytes:
    """The force's one-page QR leaflet as a tagged PDF, at the largest size
    that fits one A4 page (13pt down to 10pt). Raises LeafletError."""
    variants = [
        force_leaflet_html(force=force, language=language, font_size=size)
        for size in FORCE_FONT_SIZES_PT
    ]
    return pdf_cached(variants[0], lambda: _render_one_page(variants))


def leaflet_filename(*, language: str, variant: str = "standard", force_code: str = "") -> str:
    """A download name of fixed words, codes and the language only."""
    parts = ["your-rights", force_code, "large-print" if variant == "large_print" else "", language]
    return "-".join(part for part in parts if part) + ".pdf"
