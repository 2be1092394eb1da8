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

from pathlib import Path
from typing import Any

from django.urls import reverse

from victimcare.feedback import i18n as feedback_i18n
from victimcare.feedback.i18n import OverlayWords, PageText

PAGE_DIR = Path(__file__).parent / "data" / "page"
SOURCE_LANGUAGE = feedback_i18n.SOURCE_LANGUAGE
WORDS = OverlayWords(PAGE_DIR)


def portal_languages() -> list[str]:
    """The languages the portal pages can be read in, in the messaging app's order."""
    return WORDS.languages()


def raw_texts(language: str) -> dict[str, str]:
    """The strings in one language's portal file, as written (no fallback)."""
    return WORDS.raw_texts(language)


def review_status(language: str) -> str:
    return WORDS.review_status(language)


def portal_language(requested: str | None) -> str:
    """The language to show for `?lang=`: a portal language, else English. Never raises."""
    return WORDS.language(requested)


def portal_text(language: str) -> PageText:
    """The portal page words in `language` (anything without a file gives English)."""
    return WORDS.text(language)


def language_links(current: str, query: dict[str, str]) -> list[dict[str, Any]]:
    """One link per portal language, named in itself, keeping the page's other
    query parameters (the filter) so switching language keeps the results."""
    return WORDS.language_links(current, query)


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


def track_link(language: str) -> dict[str, str]:
    """The link to /track/ (check your case) that other public pages show, in
    `language` when the tracker has it, else in English."""
    from .tracking_text import track_text

    text = track_text(language)
    return {
        "href": f"{reverse('portal:track-begin')}?lang={text.language}",
        "text": text.plain("track_title"),
        "lang": text.language,
    }
