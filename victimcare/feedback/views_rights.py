"""The rights in other formats: the PDF leaflet (per language), large print
(page and PDF), Easy Read (English), and the police force's QR leaflet.

Public URLs take the language as `?lang=`. For a PDF the rule is strict: no
`lang` means English, a supported code gets that language, and anything else
(or a language whose script has no font here) is a 404 — a download is never
silently in another language. The HTML pages follow the rights page: an
unknown `lang` shows English. The force leaflet is for that force's police
administrators and supervisors only (leaflet_access); anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.messaging import desk
from victimcare.messaging.wording import languages

from . import easy_read, leaflets
from .i18n import SOURCE_LANGUAGE, SUPPORTLINE_PHONE, choose_language, page_context, page_text
from .leaflet_access import access_force_for_leaflet, leaflet_force_for
from .leaflets import (
    LeafletError,
    Variant,
    force_leaflet_pdf,
    leaflet_filename,
    leaflet_pdf,
    leaflet_text,
    pdf_language,
    pdf_languages,
    public_rights_url,
    review_note,
    rights_texts,
)

FORCE_LEAFLET_TITLE = "Print the rights leaflet with a QR code"
PUBLIC_PDF_MAX_AGE = 60 * 60  # the words change only with a release or a setting


def _with_lang(path: str, language: str) -> str:
    return path if language == SOURCE_LANGUAGE else f"{path}?lang={language}"


def rights_formats(language: str) -> dict[str, Any]:
    """What the rights pages show about the other formats, in `language`: the
    PDF link (or why there is none), large print, Easy Read, review status."""
    text = leaflet_text(language)
    code = text.language
    has_pdf = leaflets.font_available(code)
    return {
        "formats_heading": text.plain("formats_heading"),
        "leaflet": {
            "href": _with_lang(reverse("feedback:rights-leaflet"), code),
            "text": text.plain("leaflet_link"),
        }
        if has_pdf
        else None,
        "leaflet_unavailable": None
        if has_pdf
        else {
            "text": text.plain("pdf_unavailable"),
            "href": reverse("feedback:rights-leaflet"),
            "english": leaflet_text(SOURCE_LANGUAGE).plain("leaflet_link"),
        },
        "large_print": {
            "href": _with_lang(reverse("feedback:rights-large-print"), code),
            "text": text.plain("large_print_link"),
        },
        "easy_read": {
            "href": reverse("feedback:rights-easy-read"),
            "text": text.plain("easy_read_link"),
        },
        "review": review_note(code),
    }


def _pdf_response(data: bytes, filename: str, *, public: bool) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    if public:
        response["Cache-Control"] = f"public, max-age={PUBLIC_PDF_MAX_AGE}"
    return response


def _public_pdf(request: HttpRequest, variant: Variant) -> HttpResponse:
    try:
        language = pdf_language(request.GET.get("lang"))
        data = leaflet_pdf(language=language, variant=variant)
    except LeafletError as exc:
        raise Http404(str(exc)) from exc
    return _pdf_response(data, leaflet_filename(language=language, variant=variant), public=True)


@require_http_methods(["GET"])
def leaflet(request: HttpRequest) -> HttpResponse:
    """Public: the rights leaflet as a tagged PDF in ?lang= (English without it)."""
    return _public_pdf(request, "standard")


@require_http_methods(["GET"])
def large_print_leaflet(request: HttpRequest) -> HttpResponse:
    """Public: the large print (18pt) leaflet as a tagged PDF in ?lang=."""
    return _public_pdf(request, "large_print")


@cache_control(max_age=300)
@require_http_methods(["GET"])
def large_print(request: HttpRequest) -> HttpResponse:
    """Public: the rights page in large print (24px/18pt body, a print
    stylesheet), in the language ?lang= picks (English otherwise)."""
    text = leaflet_text(choose_language(request.GET.get("lang")))
    code = text.language
    formats = rights_formats(code)
    pdf = (
        {
            "href": _with_lang(reverse("feedback:rights-large-print-leaflet"), code),
            "text": text.plain("large_print_pdf_link"),
        }
        if leaflets.font_available(code)
        else None
    )
    return render(
        request,
        "feedback/rights_large_print.html",
        {
            **page_context(text),
            "title": text.plain("rights_title"),
            "caption": text.plain("large_print_link"),
            "rights": rights_texts(text),
            "formats": formats,
            "pdf": pdf,
            "rights_url": _with_lang(reverse("feedback:rights"), code),
        },
    )


@cache_control(max_age=300)
@require_http_methods(["GET"])
def easy_read_page(request: HttpRequest) -> HttpResponse:
    """Public: the 12 rights in Easy Read, in English only (whatever ?lang=
    says: the page says so, and links the full rights in every language)."""
    text = page_text(SOURCE_LANGUAGE)
    return render(
        request,
        "feedback/rights_easy_read.html",
        {
            **page_context(text),
            "title": easy_read.EASY_READ_TITLE,
            "english_only": easy_read.EASY_READ_ENGLISH_ONLY,
            "intro": easy_read.INTRO,
            "sections": easy_read.RIGHTS,
            "desk_phone": settings.VICTIM_FOCUS_DESK_PHONE,
            "desk_hours": desk.desk_hours_text(SOURCE_LANGUAGE),
            "supportline_phone": SUPPORTLINE_PHONE,
            "rights_url": reverse("feedback:rights"),
            "other_languages": [
                {"code": code, "name": info["native_name"], "dir": info["dir"]}
                for code, info in languages().items()
                if code != SOURCE_LANGUAGE
            ],
        },
    )


# --- the force's QR leaflet (staff) --------------------------------------------------


@never_cache
@permission_required_or_404("feedback.print_force_leaflet")
@require_http_methods(["GET"])
def force_leaflets(request: HttpRequest) -> HttpResponse:
    """Police administrators and supervisors: the force's one-page QR leaflet,
    one download per language this machine can print."""
    force = leaflet_force_for(request.user)
    if force is None:  # the permission says there is one; belt and braces
        raise Http404("No such page.")
    pdf_url = reverse("feedback:force-leaflet-pdf", kwargs={"force_id": force.pk})
    options = [
        {
            "code": code,
            "name": languages()[code]["name"],
            "native_name": languages()[code]["native_name"],
            "dir": languages()[code]["dir"],
            "href": f"{pdf_url}?lang={code}",
        }
        for code in pdf_languages()
    ]
    missing = [languages()[code]["name"] for code in languages() if code not in pdf_languages()]
    return render(
        request,
        "feedback/rights_force_leaflet.html",
        {
            "title": FORCE_LEAFLET_TITLE,
            "force": force,
            "options": options,
            "missing": missing,
            "public_url": public_rights_url(),
        },
    )


@never_cache
@permission_required_or_404("feedback.print_force_leaflet")
@require_http_methods(["GET"])
def force_leaflet_pdf_view(request: HttpRequest, force_id: int) -> HttpResponse:
    """The force's leaflet as a PDF in ?lang= (English without it); 404 for a
    force the person may not print for, and for an unknown language."""
    force = access_force_for_leaflet(request.user, force_id)
    try:
        language = pdf_language(request.GET.get("lang"))
        data = force_leaflet_pdf(force=force, language=language)
    except LeafletError as exc:
        raise Http404(str(exc)) from exc
    filename = leaflet_filename(language=language, force_code=force.code)
    return _pdf_response(data, filename, public=False)
