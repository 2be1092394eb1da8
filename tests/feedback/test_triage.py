"""The safeguarding screen of feedback comments, on its labelled set and on cases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from victimcare.feedback.triage import (
    CATEGORIES,
    FEAR_OF_OFFENDER,
    HELP_REQUEST,
    MISCONDUCT,
    SELF_HARM,
    THREAT,
    Screen,
    screen,
    screen_all,
)
from victimcare.feedback.triage_report import HOLDOUT, evaluate, load_labelled, render

EXAMPLES = load_labelled()


def test_the_labelled_set_is_large_and_covers_every_category() -> None:
    assert len(EXAMPLES) >= 150
    holdout = [e for e in EXAMPLES if e.split == HOLDOUT]
    assert 0.15 <= len(holdout) / len(EXAMPLES) <= 0.30
    for cat in CATEGORIES:
        assert sum(cat in e.categories for e in EXAMPLES) >= 5, cat
        assert sum(cat in e.categories for e in holdout) >= 2, cat
    hard_negatives = [e for e in EXAMPLES if not e.categories and "hard negative" in e.note]
    assert len(hard_negatives) >= 25
    assert {e.language for e in EXAMPLES} >= {"en", "pl", "ar", "ur", "bn"}


def test_every_urgent_label_follows_the_documented_policy() -> None:
    """Urgent = a danger category, or misconduct noted as sexual/violence."""
    danger = {THREAT, SELF_HARM, FEAR_OF_OFFENDER, HELP_REQUEST}
    for e in EXAMPLES:
        expected = bool(danger & e.categories) or (e.categories == {MISCONDUCT} and e.urgent)
        assert e.urgent == expected, e.text


def test_whole_set_precision_and_recall_match_the_report() -> None:
    """The numbers in docs/feedback-triage.md (whole set: urgent precision 0.983,
    recall 0.934). The brief's recall target of 0.95 is met on the dev split only;
    the blind batch pulls the whole set below it, and we do not tune that away."""
    whole = evaluate(EXAMPLES)
    assert (whole.urgent.tp, whole.urgent.fp, whole.urgent.fn) == (113, 2, 8)
    assert whole.urgent.precision >= 0.85
    assert whole.urgent.recall >= 0.93
    dev = evaluate(e for e in EXAMPLES if e.split != HOLDOUT)
    assert dev.urgent.recall >= 0.95
    assert dev.urgent.precision >= 0.85


def test_holdout_numbers_match_the_report() -> None:
    holdout = evaluate(e for e in EXAMPLES if e.split == HOLDOUT)
    assert (holdout.urgent.tp, holdout.urgent.fp, holdout.urgent.fn) == (24, 2, 8)
    blind = evaluate(e for e in EXAMPLES if e.split == HOLDOUT and e.batch == 3)
    assert (blind.urgent.tp, blind.urgent.fp, blind.urgent.fn) == (3, 2, 8)


def test_the_report_renders_without_comment_text() -> None:
    text = render(EXAMPLES)
    assert "Whole set" in text and "Holdout split" in text
    assert EXAMPLES[0].text not in text


@pytest.mark.parametrize(
    "comment",
    [
        "I no longer feel scared",
        "not scared at all",
        "I was worried but the officer reassured me",
        "The officer explained what to do if I feel scared",
        "He said I shouldn't be afraid to call",
        "I'm not worried any more",
        "he made me feel safe",
        "Help arrived within 10 minutes",
    ],
)
def test_negated_resolved_and_instructional_fear_is_not_flagged(comment: str) -> None:
    assert screen(comment) == Screen(screened=True)


@pytest.mark.parametrize(
    ("comment", "category"),
    [
        ("I'm still scared", FEAR_OF_OFFENDER),
        ("im so scaaared he will find me", FEAR_OF_OFFENDER),
        ("he knows where I live", FEAR_OF_OFFENDER),
        ("I cant go on", SELF_HARM),
        ("pls can sum1 call me", HELP_REQUEST),
        ("he threatend me again", THREAT),
    ],
)
def test_messy_writing_is_flagged_and_urgent(comment: str, category: str) -> None:
    result = screen(comment)
    assert category in result.categories
    assert result.urgent


def test_misconduct_alone_goes_to_review_but_sexual_approach_is_urgent() -> None:
    drunk = screen("The officer was drunk")
    assert drunk.categories == (MISCONDUCT,) and not drunk.urgent
    approach = screen("The officer asked me out for a drink")
    assert approach.categories == (MISCONDUCT,) and approach.urgent
    assert screen("he was drunk when they arrested him").categories == ()


def test_the_result_names_rules_never_text() -> None:
    result = screen("I'm scared he will come back, 07700 900123")
    assert result.matched and all("." in rule_id for rule_id in result.matched)
    assert not any("07700" in m or "scared" in m for m in result.matched)


def test_polish_comments_are_screened_with_or_without_diacritics() -> None:
    assert screen("Boję się, że on wróci.", "pl").categories == (FEAR_OF_OFFENDER,)
    assert screen("boje sie ze on wroci", "pl-PL").categories == (FEAR_OF_OFFENDER,)
    assert screen("Już się nie boję.", "pl").categories == ()
    assert screen("Chcę się zabić", "pl").urgent
    assert screen("Policjantka była bardzo miła i pomocna.", "pl") == Screen(screened=True)


def test_unscreened_languages_say_so_and_still_catch_keywords() -> None:
    kind = screen("الضابط كان لطيفا جدا", "ar")
    assert not kind.screened and kind.categories == ()
    suicide = screen("أفكر في الانتحار", "ar")
    assert not suicide.screened and suicide.categories == (SELF_HARM,) and suicide.urgent
    assert not screen("افسر بہت مددگار تھا", "ur").flagged  # "helpful", not "help me"
    assert not screen("El agente fue muy amable", "es").screened
    # An English comment on another language's page is screened.
    assert screen("The officer was very kind and helpful", "so").screened
    # Arabic text on the English page cannot be screened by the English rules.
    assert not screen("الضابط كان لطيفا جدا", "en").screened


def test_long_input_and_odd_unicode() -> None:
    filler = "The officer was polite and the update was slow. " * 50
    long_text = (filler + "I'm scared he will come back.")[-2000:]
    assert len(long_text) == 2000
    assert screen(long_text).categories == (FEAR_OF_OFFENDER,)
    assert screen(filler[:2000]).categories == ()
    # Full-width letters, zero-width joiners, combining marks, an RTL override and emoji.
    odd = "ＨＥＬＰ ｍｅ\u200d \u202eplease\u202c 😱 I'm sc\u0301ared he will come back"
    assert {HELP_REQUEST, FEAR_OF_OFFENDER} <= set(screen(odd).categories)
    assert screen("\x00\ufffd\U0010ffff") == Screen(screened=True)
    assert screen("") == Screen() and screen("   \n ") == Screen()


def test_screen_all_combines_both_comments() -> None:
    combined = screen_all(["Lovely officer", "The officer was drunk"], "en")
    assert combined.categories == (MISCONDUCT,) and not combined.urgent
    assert screen_all(["", "I want to kill myself"]).urgent
    assert screen_all([]) == Screen()


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=2500), language=st.sampled_from(["en", "pl", "ar", "", "x-y_z"]))
def test_screen_never_raises(text: str, language: str) -> None:
    result = screen(text, language)
    assert set(result.categories) <= set(CATEGORIES)
    if set(result.categories) - {MISCONDUCT}:
        assert result.urgent
    if result.urgent:
        assert result.categories
