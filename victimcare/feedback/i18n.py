"""The words of the public feedback pages in each language victimcare supports.

Data, not code: `data/page/<language>.json` holds `review` (English and Polish
"reviewed", the rest "machine_draft", as for the messaging translations) and
`texts`, one string per key. English is the source: a key missing from another
language falls back to English, key by key, so a page is never blank.
Placeholders look like the messaging ones, `((name))`, must be exactly the
English ones (tests/feedback/test_languages.py), and are filled in one pass
with escaped values (never read as placeholders or markup).

The languages are the messaging app's (`messaging/data/languages.json`), with
their direction: Arabic and Urdu are right to left.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from markupsafe import Markup, escape

from victimcare.messaging import desk
from victimcare.messaging.wording import base_language, languages, text_direction

PAGE_DIR = Path(__file__).parent / "data" / "page"
SOURCE_LANGUAGE = "en"
PLACEHOLDER = re.compile(r"\(\(([a-z][a-z0-9_]*)\)\)")
# Victim Support's national Supportline: free, 24 hours a day, every day.
SUPPORTLINE_PHONE = "08 08 16 89 111"
VICTIMS_CODE_URL = (
    "https://www.gov.uk/government/publications/the-code-of-practice-for-victims-of-crime"
)
# The forms a plural may take in any language (Intl.PluralRules), for the
# character count's messages: every form we do not word gets "other".
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")


def supported_languages() -> list[str]:
    """The language codes the pages can be read in, in the messaging app's order."""
    return list(languages())


def choose_language(requested: str | None, default: str = SOURCE_LANGUAGE) -> str:
    """The language to show: `requested` (e.g. from ?lang=) when we support it,
    else `default` when we support it, else English. Never raises."""
    supported = languages()
    for candidate in (requested, default):
        if isinstance(candidate, str) and 0 < len(candidate) <= 16:
            code = base_language(candidate)
            if code in supported:
                return code
    return SOURCE_LANGUAGE


@functools.cache
def _load(language: str) -> dict[str, Any]:
    path = PAGE_DIR / f"{language}.json"
    if not path.exists():
        return {"language": language, "review": "", "texts": {}}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def raw_texts(language: str) -> dict[str, str]:
    """The strings in one language's file, as written (no fallback)."""
    return dict(_load(language).get("texts", {}))


def review_status(language: str) -> str:
    return str(_load(language).get("review", ""))


def placeholders_in(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _phone(number: str) -> Markup:
    """A phone number as a link that dials it. dir="ltr" keeps its digit groups
    in order inside right-to-left text."""
    tel = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return Markup('<a class="govuk-link vc-nowrap" href="tel:{}" dir="ltr">{}</a>').format(
        tel, number
    )


@dataclass(frozen=True)
class PageText:
    """The page's words in `language`, English where a key has no translation."""

    language: str
    texts: Mapping[str, str]

    @property
    def direction(self) -> str:
        return text_direction(self.language)

    def __call__(self, key: str, **values: Any) -> Markup:
        """The text for `key` with its placeholders filled, as escaped markup.
        Values are escaped unless already markup (phone numbers, names)."""
        text = self.texts.get(key)
        if text is None:
            raise KeyError(f"No page text {key!r}")
        escaped = str(escape(text))

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return str(escape(values[name]))
            return str(self.common_values().get(name, match.group(0)))

        # Built only from escaped text and escaped (or our own markup) values.
        return Markup(PLACEHOLDER.sub(fill, escaped))  # noqa: S704  # built from escaped text only  # nosec B704  # nosemgrep: vc-mark-safe-non-literal

    def plain(self, key: str, **values: Any) -> str:
        """The text for `key` as a plain string (for form labels and errors,
        which the templates escape)."""
        text = self.texts[key]
        plain_values = {**self.common_plain_values(), **values}
        return PLACEHOLDER.sub(lambda m: str(plain_values.get(m.group(1), m.group(0))), text)

    def common_plain_values(self) -> dict[str, str]:
        return {
            "desk_phone": settings.VICTIM_FOCUS_DESK_PHONE,
            "desk_hours": desk.desk_hours_text(self.language),
            "supportline_phone": SUPPORTLINE_PHONE,
        }

    def common_values(self) -> dict[str, Markup]:
        return {
            "desk_phone": _phone(settings.VICTIM_FOCUS_DESK_PHONE),
            "desk_hours": escape(desk.desk_hours_text(self.language)),
            "supportline_phone": _phone(SUPPORTLINE_PHONE),
        }

    def plural(self, key: str) -> dict[str, str]:
        """`<key>_one` and `<key>_other` as GOV.UK Frontend's plural messages,
        with "other" for every form the language has no words for."""
        other = self.texts[f"{key}_other"]
        forms = dict.fromkeys(PLURAL_FORMS, other)
        forms["one"] = self.texts.get(f"{key}_one", other)
        return forms


@functools.cache
def page_text(language: str) -> PageText:
    """The page's words in `language` (a supported code; anything else gives English)."""
    code = choose_language(language)
    merged = {**raw_texts(SOURCE_LANGUAGE), **raw_texts(code)}
    return PageText(language=code, texts=merged)


def language_links(current: str) -> list[dict[str, Any]]:
    """One link per language, named in its own language, that reloads the page
    in it (`?lang=xx`, relative: the path, and any token in it, stays as it is)."""
    return [
        {
            "code": code,
            "name": info["native_name"],
            "dir": info["dir"],
            "href": f"?lang={code}",
            "current": code == current,
        }
        for code, info in languages().items()
    ]


def page_context(text: PageText) -> dict[str, Any]:
    """What the public layout needs to show a page in `text.language`: the
    <html> lang and dir, the language links, and the layout's own words."""
    return {
        "htmlLang": text.language,
        "htmlDir": text.direction,
        "t": text,
        "language_links": language_links(text.language),
        "skip_link_text": text.plain("skip_link"),
        "error_summary_title": text.plain("error_summary_title"),
        "error_prefix": text.plain("error_prefix"),
        "exit_this_page": {
            "html": Markup('<span class="govuk-visually-hidden">{}</span> {}').format(
                text.plain("exit_emergency"), text.plain("exit_this_page")
            ),
            "activatedText": text.plain("exit_activated"),
            "timedOutText": text.plain("exit_timed_out"),
            "pressTwoMoreTimesText": text.plain("exit_press_two"),
            "pressOneMoreTimeText": text.plain("exit_press_one"),
        },
    }


class OverlayWords:
    """The words of another app's public pages (the portal's, the forum's),
    laid over the feedback layout's words of the same language.

    `page_dir` holds `<language>.json` files like `data/page/` here (`review`,
    `texts`). A page is only offered in a language with a file there, so no
    page mixes languages: anything else gives English."""

    def __init__(self, page_dir: Path) -> None:
        self.page_dir = page_dir
        self._files: dict[str, dict[str, Any]] = {}
        self._texts: dict[str, PageText] = {}

    def _load(self, language: str) -> dict[str, Any]:
        if language not in self._files:
            path = self.page_dir / f"{language}.json"
            self._files[language] = (
                json.loads(path.read_text(encoding="utf-8"))
                if path.exists()
                else {"language": language, "review": "", "texts": {}}
            )
        return self._files[language]

    def languages(self) -> list[str]:
        """The languages the pages can be read in, in the messaging app's order."""
        have = {p.stem for p in self.page_dir.glob("*.json")}
        return [code for code in supported_languages() if code in have]

    def raw_texts(self, language: str) -> dict[str, str]:
        """The strings in one language's file, as written (no fallback)."""
        return dict(self._load(language).get("texts", {}))

    def review_status(self, language: str) -> str:
        return str(self._load(language).get("review", ""))

    def language(self, requested: str | None) -> str:
        """The language to show for `?lang=`: one with a file, else English. Never raises."""
        code = choose_language(requested)
        return code if code in self.languages() else SOURCE_LANGUAGE

    def text(self, language: str) -> PageText:
        """The page words in `language` (anything without a file gives English)."""
        code = self.language(language)
        if code not in self._texts:
            layout = page_text(code).texts
            merged = {**layout, **self.raw_texts(SOURCE_LANGUAGE), **self.raw_texts(code)}
            self._texts[code] = PageText(language=code, texts=merged)
        return self._texts[code]

    def language_links(self, current: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """One link per language with a file, named in itself, keeping the page's
        other query parameters (a filter, where the person came from)."""
        from urllib.parse import urlencode

        have = self.languages()
        return [
            {**link, "href": "?" + urlencode({**query, "lang": link["code"]})}
            for link in language_links(current)
            if link["code"] in have
        ]
