"""Staff: sign in with each demo account, see the role's home page and navigation,
sign out, and get locked out after too many wrong passwords. Every page is
checked with axe-core."""

from __future__ import annotations

import re
from contextlib import closing

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from victimcare.accounts.constants import Role
from victimcare.accounts.forms import EMAIL_REQUIRED, PASSWORD_REQUIRED
from victimcare.demo.catalogue import SignInSpec, demo_catalogue
from victimcare.demo.constants import DEMO_PASSWORD

from .support import Server, assert_accessible, screenshot

pytestmark = pytest.mark.browser

SIGN_INS = demo_catalogue(name=settings.REFERENCE_DATA).sign_ins
LOCKED_OUT_TITLE = "You cannot sign in for now"


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def navigation(page: Page) -> list[str]:
    return [
        " ".join(text.split())
        for text in page.locator(".govuk-service-navigation__item").all_inner_texts()
    ]


def test_the_demo_printed_every_well_known_sign_in(server: Server):
    for spec in SIGN_INS:
        assert spec.email in server.demo_output
    roles = {spec.role for spec in SIGN_INS}
    assert roles == set(Role.values), "one demo sign-in per role"


def test_the_sign_in_page_is_accessible(page: Page):
    page.goto("/sign-in/")

    expect(page.locator("h1")).to_have_text("Sign in")
    assert_accessible(page)


def test_signing_in_with_nothing_shows_the_error_summary_that_leads_to_each_field(page: Page):
    page.goto("/sign-in/")

    page.get_by_role("button", name="Sign in", exact=True).click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to it on load
    assert page.title().startswith("Error: ")
    links = summary.locator(".govuk-error-summary__list a")
    expect(links).to_have_text([EMAIL_REQUIRED, PASSWORD_REQUIRED])
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")
        assert target and target.startswith("#")
        expect(page.locator(target)).to_have_count(1)
        # Each field shows its own message beside it.
        field_group = page.locator(f".govuk-form-group:has({target})")
        expect(field_group.locator(".govuk-error-message")).to_be_visible()
    assert_accessible(page)

    first = links.first
    target = first.get_attribute("href")
    first.click()
    expect(page.locator(target)).to_be_focused()


@pytest.mark.parametrize("spec", SIGN_INS, ids=[s.email.split("@")[0] for s in SIGN_INS])
def test_each_demo_account_signs_in_to_its_role_home_page(page: Page, spec: SignInSpec):
    role = Role(spec.role)

    sign_in(page, spec.email)

    page.wait_for_url(re.compile(r"/staff/$"))
    expect(page.locator("h1")).to_have_text(spec.full_name)
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text(role.label)
    expect(page.locator("#role-text")).to_have_text(
        re.compile(rf"^As an? {re.escape(role.label)}\b", re.IGNORECASE)
    )

    items = navigation(page)
    assert items[0] == "Home" and items[-1] == "Sign out"
    assert ("My team" in items) == (role in {Role.SUPERVISOR, Role.ADMINISTRATOR})
    assert ("Audit log" in items) == (role == Role.ADMINISTRATOR)
    assert ("Administration" in items) == (role == Role.ADMINISTRATOR)
    expect(page.locator(".govuk-service-navigation [aria-current]")).to_have_text("Home")
    assert_accessible(page)
    if role == Role.OFFICER and spec is SIGN_INS[0]:
        screenshot(page, "staff-home-officer")
    if role == Role.ADMINISTRATOR:
        screenshot(page, "staff-home-administrator")


def _spec(role: str) -> SignInSpec:
    return next(s for s in SIGN_INS if s.role == role)


def test_the_supervisors_team_page_is_accessible(page: Page):
    sign_in(page, _spec(Role.SUPERVISOR).email)
    page.wait_for_url(re.compile(r"/staff/$"))

    page.locator(".govuk-service-navigation").get_by_role("link", name="My team").click()

    page.wait_for_url(re.compile(r"/staff/team/$"))
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".govuk-table")).to_be_visible()
    expect(page.locator(".govuk-service-navigation [aria-current]")).to_have_text("My team")
    assert_accessible(page)


def test_the_administrators_audit_log_search_and_results_are_accessible(page: Page):
    sign_in(page, _spec(Role.ADMINISTRATOR).email)
    page.wait_for_url(re.compile(r"/staff/$"))

    page.locator(".govuk-service-navigation").get_by_role("link", name="Audit log").click()

    page.wait_for_url(re.compile(r"/audit/$"))
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page)

    # Search with whatever the form starts with: results, or the error summary.
    page.locator("main form").get_by_role("button").first.click()
    page.wait_for_load_state()
    assert_accessible(page)


def test_a_person_who_is_not_an_administrator_cannot_open_the_audit_log(page: Page):
    sign_in(page, _spec(Role.SUPERVISOR).email)
    page.wait_for_url(re.compile(r"/staff/$"))

    response = page.goto("/audit/")

    assert response is not None and response.status == 404
    assert_accessible(page)


def test_signing_out_asks_to_confirm_then_ends_the_session(page: Page):
    sign_in(page, _spec(Role.OFFICER).email)
    page.wait_for_url(re.compile(r"/staff/$"))

    page.locator(".govuk-service-navigation").get_by_role("link", name="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-out/$"))
    assert_accessible(page)
    page.locator("main").get_by_role("button", name="Sign out").click()

    page.wait_for_url(re.compile(r"/signed-out/$"))
    assert_accessible(page)
    page.goto("/staff/")
    page.wait_for_url(re.compile(r"/sign-in/"))
    expect(page.locator("h1")).to_have_text("Sign in")


def test_five_wrong_passwords_lock_that_account_but_not_another(page: Page, server: Server):
    """Lock-out is keyed on the account and the address: a colleague at the same
    station (same browser, same address) can still sign in."""
    # Someone from the generated demo staff, not a well-known sign-in other tests use.
    well_known = [s.email for s in SIGN_INS]
    with closing(server.database()) as db:
        placeholders = ",".join("?" * len(well_known))
        row = db.execute(
            f"SELECT email FROM accounts_user WHERE email NOT IN ({placeholders}) ORDER BY id LIMIT 1",
            well_known,
        ).fetchone()
    assert row is not None, "the demo made no other staff"
    victim_of_guessing = row[0]

    statuses = []
    for _ in range(5):
        page.goto("/sign-in/")
        page.get_by_label("Email address").fill(victim_of_guessing)
        page.get_by_label("Password", exact=True).fill("not-the-password-at-all")
        with page.expect_response(
            lambda r: r.request.method == "POST" and "/sign-in/" in r.url
        ) as answer:
            page.get_by_role("button", name="Sign in", exact=True).click()
        statuses.append(answer.value.status)

    assert statuses == [200, 200, 200, 200, 429]
    expect(page.locator("h1")).to_have_text(LOCKED_OUT_TITLE)
    assert_accessible(page)

    # The right password does not help while locked out.
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        sign_in(page, victim_of_guessing)
    assert answer.value.status == 429

    sign_in(page, _spec(Role.DESK_AGENT).email)
    page.wait_for_url(re.compile(r"/staff/$"))
    expect(page.locator("h1")).to_have_text(_spec(Role.DESK_AGENT).full_name)
