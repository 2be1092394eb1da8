"""The safeguarding screen of feedback comments, on its labelled set and on cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import victimcare.feedback
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
BLIND_6 = Path(victimcare.feedback.__file__).parent / "data" / "triage_blind_6.jsonl"


def test_the_labelled_set_is_large_and_covers_every_category() -> None:
    assert len(EXAMPLES) >= 150
    holdout = [e for e in EXAMPLES if e.split == HOLDOUT]
    # 42 of 340 (12.4%): the minimum went from 0.15 to 0.12 when blind batch 4 moved to dev.
    assert 0.12 <= len(holdout) / len(EXAMPLES) <= 0.30
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
    """The numbers in docs/feedback-triage.md (whole set: urgent precision 0.987,
    recall 1.000 on 340 comments). Every split has now been tuned on, so these only
    show the rules do what they were written to do; the honest estimate is the next
    blind batch (batch 4 was 11/25 with 4 false alarms before the danger net)."""
    whole = evaluate(EXAMPLES)
    assert (whole.urgent.tp, whole.urgent.fp, whole.urgent.fn) == (155, 2, 0)
    assert (whole.flagged.tp, whole.flagged.fp, whole.flagged.fn) == (176, 2, 0)
    dev = evaluate(e for e in EXAMPLES if e.split != HOLDOUT)
    assert (dev.urgent.tp, dev.urgent.fp, dev.urgent.fn) == (134, 2, 0)


def test_the_blind_batch_numbers_match_the_docs() -> None:
    """Batch 6 was written by someone who never saw the rules and was not tuned on:
    the honest estimate in docs/feedback-triage.md (urgent 16 TP, 5 FP, 9 FN)."""
    blind = load_labelled(BLIND_6)
    assert len(blind) == 60 and sum(e.urgent for e in blind) == 25
    result = evaluate(blind)
    assert (result.urgent.tp, result.urgent.fp, result.urgent.fn) == (16, 5, 9)


def test_holdout_numbers_match_the_report() -> None:
    holdout = evaluate(e for e in EXAMPLES if e.split == HOLDOUT)
    assert (holdout.urgent.tp, holdout.urgent.fp, holdout.urgent.fn) == (21, 0, 0)
    batch3 = [e for e in EXAMPLES if e.batch == 3]
    assert len(batch3) == 20 and all(e.split != HOLDOUT for e in batch3)  # tuned on: now dev
    blind = evaluate(batch3)
    assert (blind.urgent.tp, blind.urgent.fp, blind.urgent.fn) == (11, 0, 0)
    batch4 = [e for e in EXAMPLES if e.batch == 4]
    assert len(batch4) == 60 and all(e.split != HOLDOUT for e in batch4)  # tuned on: now dev
    tuned = evaluate(batch4)
    assert (tuned.urgent.tp, tuned.urgent.fp, tuned.urgent.fn) == (25, 2, 0)


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
        "She helped me feel less scared, thank you so much",
        "Officer very kind. Nobody has threatened me since.",
        "He hasn't contacted me since the arrest",
        "The officer turned up within 20 minutes",
        "He called me back the same day with an update",
        "They followed up my case really well",
        "my bike was stolen from outside my house",
        "I feel much less anxious now",
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
        ("he's been outside my flat every night", FEAR_OF_OFFENDER),
        ("he turned up at my mums house looking for me yesterday", FEAR_OF_OFFENDER),
        ("He keeps phoning my work pretending to be my brother", FEAR_OF_OFFENDER),
        ("he won't stop texting me", FEAR_OF_OFFENDER),
        ("I can't stop shaking", FEAR_OF_OFFENDER),
        ("someone has been watching my house at night", FEAR_OF_OFFENDER),
        ("i keep thinking id be better off dead", SELF_HARM),
        ("I've thought about taking my own life", SELF_HARM),
        ("He told me he'd smash my face in if I spoke to you", THREAT),
        ("I don't know what I'll do to him", THREAT),
        ("this is urgent, what do I do", HELP_REQUEST),
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
    assert screen("Proszę o pilny kontakt, on znowu mnie śledzi.", "pl").categories == (
        FEAR_OF_OFFENDER,
        HELP_REQUEST,
    )
    assert screen("On ciągle do mnie dzwoni.", "pl").urgent


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


def test_sexualised_remark_by_an_officer_is_urgent_misconduct() -> None:
    remark = screen("Officer made a comment about me being 'too pretty to be a victim'")
    assert remark.categories == (MISCONDUCT,) and remark.urgent


@pytest.mark.parametrize(
    "text",
    [
        "he " * 700,
        "a" * 2000,
        "he keeps " * 250,
        "he is he is he is outside my " * 80,
        "he said that he would " * 100,
        "i do not know what i " * 110,
        "he, " * 700,
        "x" * 1999 + "!",
        "please " * 300,
        "officer " * 250,
    ],
)
def test_pathological_inputs_return_a_consistent_result(text: str) -> None:
    """Repetitive 2,000-character inputs (the shapes that make backtracking regular
    expressions slow) return a well-formed result. No timing is asserted: the project
    forbids timed assertions in the test suite; the cost is in benchmarks and the docs."""
    result = screen(text[:2000])
    assert isinstance(result, Screen) and result.screened
    assert set(result.categories) <= set(CATEGORIES)
    assert result.urgent == bool(set(result.categories) - {MISCONDUCT}) or (
        result.categories == (MISCONDUCT,)
    )
    assert not screen(("officer " * 250)[:2000]).flagged
    assert not screen("a" * 2000).flagged


@pytest.mark.parametrize(
    ("comment", "category"),
    [
        ("i have not slept properly since, i am constantly on edge", FEAR_OF_OFFENDER),
        ("im not coping at all", FEAR_OF_OFFENDER),
        ("I am scared to leave the house", FEAR_OF_OFFENDER),
        ("his mates were parked outside again", FEAR_OF_OFFENDER),
        ("he keeps sending me flowers, it is creepy", FEAR_OF_OFFENDER),
        ("he rang my mum asking where i live now", FEAR_OF_OFFENDER),
        ("i sleep with a knife by the bed now", FEAR_OF_OFFENDER),
        ("she laughed at me outside the court and said you will see", THREAT),
        ("watch yourself, that is what he said", THREAT),
        ("i just want to walk into the sea some days", SELF_HARM),
        ("i dont see the point in anything anymore", SELF_HARM),
        ("some days i think everyone would be better off without me", SELF_HARM),
        ("Nie widzę już sensu żeby dalej żyć", SELF_HARM),
        ("i would like a call back, i am worried he is out again", HELP_REQUEST),
        ("the PC tried to kiss me when he dropped me home", MISCONDUCT),
        ("the policeman wanted me to go for a drink with him", MISCONDUCT),
    ],
)
def test_the_danger_net_flags_broad_phrasings_as_urgent(comment: str, category: str) -> None:
    """Round 4's broad net: first-person distress, the offender acting now or again,
    hopelessness, worried requests for contact, officer sexual or violent conduct."""
    result = screen(comment)
    assert category in result.categories, result.matched
    assert result.urgent


@pytest.mark.parametrize(
    "comment",
    [
        "the officer was dead frustrating to get hold of",
        "i nearly died of embarrassment when i cried on the phone",
        "the car has a kill switch now thanks to the advice",
        "i am nervous about my exams but the officer was great",
        "im terrified about my exams next month",
        "no point complaining, the system is slow",
        "the officer kept me updated every week",
        "The officer was rude and kept looking at his phone.",
        "it was a nightmare to find parking at the station",
        "The man hit me, but the officer who came was great",
        "the pc pushed for a charge and got it",
        "my ex kept turning up last year but since the order he has not been near",
        "he was arrested and remanded, i can relax now",
    ],
)
def test_the_danger_net_keeps_negation_idioms_and_resolved_fear(comment: str) -> None:
    assert not screen(comment).urgent


def test_officer_money_is_review_not_urgent() -> None:
    """Money or bribery near an officer is misconduct for the review list (policy:
    only sexual behaviour or violence by an officer is urgent on its own)."""
    bribe = screen("officer asked for cash to make it go away")
    assert bribe.categories == (MISCONDUCT,) and not bribe.urgent


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
