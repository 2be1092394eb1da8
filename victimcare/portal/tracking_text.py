"""The case tracker's words (data/track/<language>.json over the portal's own)
and how it writes dates. Shared by the tracker's modules (tracking, tracking_case,
tracking_desk, tracking_start)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

from victimcare.duties.calendar import LONDON
from victimcare.feedback import i18n as feedback_i18n
from victimcare.feedback.i18n import PageText
from victimcare.messaging import wording

from .i18n import portal_language, portal_text
from .i18n import raw_texts as portal_raw_texts

TRACK_DIR = Path(__file__).parent / "data" / "track"


@functools.cache
def _track_words(language: str) -> dict[str, str]:
    path = TRACK_DIR / f"{language}.json"
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")).get("texts", {}))


@functools.cache
def track_text(language: str | None) -> PageText:
    """The portal's words in `language` with the tracker's over them (English
    for anything a language file lacks; a language without a portal file is English)."""
    code = portal_language(language)
    base = portal_text(code)
    merged = {**base.texts, **_track_words("en"), **_track_words(code)}
    return PageText(language=code, texts=merged)


def track_review_status(language: str) -> str:
    path = TRACK_DIR / f"{language}.json"
    if not path.exists():
        return ""
    return str(json.loads(path.read_text(encoding="utf-8")).get("review", ""))


def _date(value: dt.datetime, language: str) -> str:
    return wording.format_date(value.astimezone(LONDON).date(), language)


def _when(value: dt.datetime, language: str) -> str:
    return wording.format_when(value, language)


def words_language(text: PageText, key: str) -> str:
    """The language the words for `key` are actually in on a page in
    `text.language`: that language if it has them, else English (the fallback),
    so the page can mark an English phrase with lang="en" (WCAG 3.1.2)."""
    if text.language == "en":
        return "en"
    own = (
        key in _track_words(text.language)
        or key in portal_raw_texts(text.language)
        or key in feedback_i18n.raw_texts(text.language)
    )
    return text.language if own else "en"
