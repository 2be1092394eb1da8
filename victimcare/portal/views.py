"""The portal's public pages (no account): /support/, the support finder.

The filter is a GET form, so it works without JavaScript and its results can be
bookmarked; the query string holds a borough code and two tags, never anything
about the person. A value we do not know is ignored with a message saying so,
never an error page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from markupsafe import Markup

from victimcare.feedback.i18n import PageText, page_context

from .constants import CRIME_TAGS, WHO_TAGS
from .directory import (
    ServiceDirectoryError,
    SupportFilters,
    SupportService,
    borough_names,
    service_list,
    support_directory,
)
from .i18n import language_links, portal_language, portal_text

logger = logging.getLogger(__name__)

FILTER_FIELDS = ("borough", "crime", "who")
# Longer than any code we use: such a value is ignored without being looked at.
MAX_VALUE_LENGTH = 40


def _filters(query: QueryDict) -> tuple[SupportFilters, list[str]]:
    """The filter from the query string, and the names of the parts that were
    given but not recognised (those are left as "any")."""
    known = {
        "borough": set(borough_names()),
        "crime": set(CRIME_TAGS),
        "who": set(WHO_TAGS),
    }
    chosen: dict[str, str | None] = {}
    ignored: list[str] = []
    for name in FILTER_FIELDS:
        value = (query.get(name) or "").strip()
        if not value:
            chosen[name] = None
        elif len(value) <= MAX_VALUE_LENGTH and value in known[name]:
            chosen[name] = value
        else:
            chosen[name] = None
            ignored.append(name)
    # "Any crime" and "anyone" as a choice mean no filter.
    if chosen["crime"] == "any_crime":
        chosen["crime"] = None
    if chosen["who"] == "everyone":
        chosen["who"] = None
    return SupportFilters(**chosen), ignored


def _select(
    text: PageText, name: str, any_label: str, options: list[tuple[str, str]], value: str | None
) -> dict[str, Any]:
    items = [{"value": "", "text": any_label, "selected": value is None}]
    items += [{"value": v, "text": label, "selected": v == value} for v, label in options]
    return {"id": name, "name": name, "items": items}


def _service_rows(text: PageText, service: SupportService, boroughs: dict[str, str]) -> list:
    rows = []
    if service.phone:
        rows.append(
            {
                "key": {"text": text.plain("label_phone")},
                "value": {
                    "html": Markup(
                        '<a class="govuk-link vc-nowrap" href="tel:{}" dir="ltr">{}</a>'
                    ).format(service.tel, service.phone)
                },
            }
        )
    if service.website:
        shown = service.website.removeprefix("https://").rstrip("/")
        rows.append(
            {
                "key": {"text": text.plain("label_website")},
                "value": {
                    "html": Markup(
                        '<a class="govuk-link" href="{}" rel="noreferrer" hreflang="en"'
                        ' dir="ltr">{}</a>'
                    ).format(service.website, shown)
                },
            }
        )
    rows.append(
        {
            "key": {"text": text.plain("label_hours")},
            "value": {"html": Markup('<span lang="en" dir="ltr">{}</span>').format(service.hours)},
        }
    )
    rows.append(
        {
            "key": {"text": text.plain("label_self_referral")},
            "value": {
                "text": text.plain(
                    "self_referral_yes" if service.self_referral else "self_referral_no"
                )
            },
        }
    )
    if service.boroughs is None:
        area = text.plain("area_national" if service.national else "area_london")
    else:
        area = ", ".join(sorted(boroughs[code] for code in service.boroughs))
    rows.append({"key": {"text": text.plain("label_area")}, "value": {"text": area}})
    rows.append(
        {
            "key": {"text": text.plain("label_crimes")},
            "value": {"text": ", ".join(text.plain(f"crime.{c}") for c in service.crimes)},
        }
    )
    rows.append(
        {
            "key": {"text": text.plain("label_who")},
            "value": {"text": ", ".join(text.plain(f"who.{w}") for w in service.helps)},
        }
    )
    if service.languages:
        rows.append(
            {
                "key": {"text": text.plain("label_languages")},
                "value": {
                    "html": Markup('<span lang="en" dir="ltr">{}</span>').format(
                        ", ".join(service.languages)
                    )
                },
            }
        )
    return rows


@require_http_methods(["GET", "HEAD"])
def support(request: HttpRequest) -> HttpResponse:
    """Public: support services filtered by borough, type of crime and who they
    help, in the language ?lang= picks (English, Polish, Arabic)."""
    text = portal_text(portal_language(request.GET.get("lang")))
    filters, ignored = _filters(request.GET)
    boroughs = borough_names()
    status = 200
    try:
        directory = support_directory()
    except ServiceDirectoryError:
        # The file is ours and checked by `manage.py check` and the tests; if it
        # is broken in production, still give the page with the phone lines.
        logger.exception("The support directory could not be loaded")
        directory, status = (), 503
    services = service_list(filters=filters, services=directory)
    query = {
        name: value
        for name, value in (
            ("borough", filters.borough),
            ("crime", filters.crime),
            ("who", filters.who),
        )
        if value
    }
    context = {
        **page_context(text),
        "language_links": language_links(text.language, query),
        "title": text.plain("support_title"),
        "lang": text.language,
        "borough_select": _select(
            text, "borough", text.plain("borough_any"), list(boroughs.items()), filters.borough
        ),
        "crime_select": _select(
            text,
            "crime",
            text.plain("crime_any"),
            [(c, text.plain(f"crime.{c}")) for c in CRIME_TAGS if c != "any_crime"],
            filters.crime,
        ),
        "who_select": _select(
            text,
            "who",
            text.plain("who_any"),
            [(w, text.plain(f"who.{w}")) for w in WHO_TAGS if w != "everyone"],
            filters.who,
        ),
        "ignored": [text.plain(f"ignored_{name}") for name in ignored],
        "available": bool(directory),
        "services": [{"service": s, "rows": _service_rows(text, s, boroughs)} for s in services],
        "count": len(services),
        "total": len(directory),
        "filtered": bool(query),
    }
    response = render(request, "portal/support.html", context, status=status)
    # The filter is not personal, but nothing here needs to go to other sites.
    response["Referrer-Policy"] = "same-origin"
    return response
