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

from pathlib import Path
from typing import Any

from victimcare.feedback import i18n as feedback_i18n
from victimcare.feedback.i18n import OverlayWords, PageText

PAGE_DIR = Path(__file__).parent / "data" / "page"
SOURCE_LANGUAGE = feedback_i18n.SOURCE_LANGUAGE
WORDS = OverlayWords(PAGE_DIR)


def forum_languages() -> list[str]:
    """The languages the forum pages can be read in, in the messaging app's order."""
    return WORDS.languages()


def raw_texts(language: str) -> dict[str, str]:
    """The strings in one language's forum file, as written (no fallback)."""
    return WORDS.raw_texts(language)


def review_status(language: str) -> str:
    return WORDS.review_status(language)


def forum_language(requested: str | None) -> str:
    """The language to show for `?lang=`: a forum language, else English. Never raises."""
    return WORDS.language(requested)


def forum_text(language: str) -> PageText:
    """The forum page words in `language` (anything without a file gives English)."""
    return WORDS.text(language)


def language_links(current: str, query: dict[str, str]) -> list[dict[str, Any]]:
    """One link per forum language, named in itself, keeping the page's other
    query parameters (where the person came from)."""
    return WORDS.language_links(current, query)
