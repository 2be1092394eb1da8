"""The words of the portal's pages, in the languages we have them in.

The same mechanism as the feedback pages (victimcare.feedback.i18n): data files
`data/page/<language>.json` with `review` ("reviewed" for English, the source;
"machine_draft" for the rest until a person has checked them) and `texts`, one
string per key, with `((name))` placeholders that must match English exactly.
A portal page's `PageText` is the feedback page words of its language (the
layout's words: skip link, "Exit this page", the desk and Supportline lines)
with the portal's own words over them.

A page is only offered in a language with a portal file, so no page mixes
languages: anything else (`?lang=ro`, `?lang=klingon`) gives English.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from victimcare.feedback import i18n as feedback_i18n
from victimcare.feedback.i18n import PageText, choose_language

PAGE_DIR = Path(__file__).parent / "data" / "page"
SOURCE_LANGUAGE = feedback_i18n.SOURCE_LANGUAGE


@functools.cache
def _load(language: str) -> dict[str, Any]:
    path = PAGE_DIR / f"{language}.json"
    if not path.exists():
        return {"language": language, "review": "", "texts": {}}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def portal_languages() -> list[str]:
    """The languages the portal pages can be read in, in the messaging app's order."""
    have = {p.stem for p in PAGE_DIR.glob("*.json")}
    return [code for code in feedback_i18n.supported_languages() if code in have]


def raw_texts(language: str) -> dict[str, str]:
    """The strings in one language's portal file, as written (no fallback)."""
    return dict(_load(language).get("texts", {}))


def review_status(language: str) -> str:
    return str(_load(language).get("review", ""))


def portal_language(requested: str | None) -> str:
    """The language to show for `?lang=`: a portal language, else English. Never raises."""
    code = choose_language(requested)
    return code if code in portal_languages() else SOURCE_LANGUAGE


@functools.cache
def portal_text(language: str) -> PageText:
    """The portal page words in `language` (anything without a file gives English)."""
    code = portal_language(language)
    layout = feedback_i18n.page_text(code).texts
    merged = {**layout, **raw_texts(SOURCE_LANGUAGE), **raw_texts(code)}
    return PageText(language=code, texts=merged)


def language_links(current: str, query: dict[str, str]) -> list[dict[str, Any]]:
    """One link per portal language, named in itself, keeping the page's other
    query parameters (the filter) so switching language keeps the results."""
    links = []
    for link in feedback_i18n.language_links(current):
        if link["code"] in portal_languages():
            params = {**query, "lang": link["code"]}
            links.append({**link, "href": "?" + urlencode(params)})
    return links


def support_link(language: str) -> dict[str, str]:
    """The link to /support/ that other public pages show (rights, feedback
    thanks), in `language` when the portal has it, else in English: its text,
    href, and the language the text and the page are in."""
    text = portal_text(language)
    return {
        "href": f"{reverse('portal:support')}?lang={text.language}",
        "text": text.plain("support_link"),
        "lang": text.language,
    }
