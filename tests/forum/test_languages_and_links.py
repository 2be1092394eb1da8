"""The forum's words in English, Polish and Arabic (placeholders exactly as in
English, nothing missing), and the "Join the Victim Voice Forum" link on the
feedback thank-you page (?from=feedback) and on /support/, in the page's
language."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from victimcare.feedback.i18n import page_context, page_text, placeholders_in
from victimcare.forum import i18n

FORUM_LANGUAGES = ("en", "pl", "ar")


def test_the_forum_is_offered_in_english_polish_and_arabic():
    assert i18n.forum_languages() == [c for c in i18n.forum_languages() if c in FORUM_LANGUAGES]
    assert set(i18n.forum_languages()) == set(FORUM_LANGUAGES)
    assert i18n.review_status("en") == "reviewed"
    assert i18n.forum_language("klingon") == "en"


@pytest.mark.parametrize("language", ["pl", "ar"])
def test_every_text_is_translated_with_the_same_placeholders(language):
    english = i18n.raw_texts("en")
    other = i18n.raw_texts(language)
    assert set(other) == set(english)
    for key, text in english.items():
        assert placeholders_in(other[key]) == placeholders_in(text), key


def _join_links(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="govuk-link" href="(/forum/join/[^"]*)"[^>]*>([^<]+)</a>', page)


@pytest.mark.parametrize("language", FORUM_LANGUAGES)
def test_the_feedback_thank_you_page_links_to_the_forum(db, language):
    text = page_text(language)
    request = RequestFactory().get("/f/thanks/")
    page = render_to_string(
        "feedback/thanks.html",
        {**page_context(text), "title": "Thank you", "rights_url": "/rights/"},
        request=request,
    )
    links = _join_links(page)
    assert links == [
        (
            f"{reverse('forum:join')}?from=feedback&amp;lang={language}",
            i18n.raw_texts(language)["join_link"],
        )
    ]


def test_a_feedback_page_in_a_language_the_forum_lacks_links_in_english(db):
    text = page_text("ro")
    page = render_to_string(
        "feedback/thanks.html",
        {**page_context(text), "title": "Thank you", "rights_url": "/rights/"},
        request=RequestFactory().get("/"),
    )
    assert _join_links(page) == [
        (f"{reverse('forum:join')}?from=feedback&amp;lang=en", i18n.raw_texts("en")["join_link"])
    ]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_support_page_links_to_the_forum(db, language):
    page = Client().get(f"{reverse('portal:support')}?lang={language}").content.decode()
    assert _join_links(page) == [
        (f"{reverse('forum:join')}?lang={language}", i18n.raw_texts(language)["join_link"])
    ]
