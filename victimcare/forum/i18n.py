"""The words of the forum's public pages, in the languages we have them in.

The same mechanism as the portal (victimcare.portal.i18n): data files
`data/page/<language>.json` with `review` ("reviewed" for English, the source;
"machine_draft" until a person has checked a translation) and `texts`, with
`((name))` placeholders that must match English exactly. A page's `PageText`
is the feedback layout's words of its language (skip link, "Exit this page",
the desk and Supportline lines) with the forum's own words over them.

A page is only offered in a language with a forum file, so no page mixes
languages: anything else gives English.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

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


def forum_languages() -> list[str]:
    """The languages the forum pages can be read in, in the messaging app's order."""
    have = {p.stem for p in PAGE_DIR.glob("*.json")}
    return [code for code in feedback_i18n.supported_languages() if code in have]


def raw_texts(language: str) -> dict[str, str]:
    """The strings in one language's forum file, as written (no fallback)."""
    return dict(_load(language).get("texts", {}))


def review_status(language: str) -> str:
    return str(_load(language).get("review", ""))


def forum_language(requested: str | None) -> str:
    """The language to show for `?lang=`: a forum language, else English. Never raises."""
    code = choose_language(requested)
    return code if code in forum_languages() else SOURCE_LANGUAGE


@functools.cache
def forum_text(language: str) -> PageText:
    """The forum page words in `language` (anything without a file gives English)."""
    code = forum_language(language)
    layout = feedback_i18n.page_text(code).texts
    merged = {**layout, **raw_texts(SOURCE_LANGUAGE), **raw_texts(code)}
    return PageText(language=code, texts=merged)


def language_links(current: str, query: dict[str, str]) -> list[dict[str, Any]]:
    """One link per forum language, named in itself, keeping the page's other
    query parameters (where the person came from)."""
    from urllib.parse import urlencode

    links = []
    for link in feedback_i18n.language_links(current):
        if link["code"] in forum_languages():
            params = {**query, "lang": link["code"]}
            links.append({**link, "href": "?" + urlencode(params)})
    return links
