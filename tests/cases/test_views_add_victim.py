"""Add a victim or contact, as stories: PC Olivia Officer, the officer in the case,
adds the bereaved relative who is to be the contact; the case page then shows
both people with the relative's role and contact rules. A phone number the
service refuses is shown on the page it belongs to, as typed, and nothing is
saved. An officer from another BCU and a support caseworker (who may not edit
needs) get 404 on every page. No personal data ever appears in a URL."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from victimcare.cases import messages as msg
from victimcare.cases import services
from victimcare.cases.constants import VictimRole
from victimcare.cases.models import ConsentRecord, CrimeVictim, EqualityData, Victim

from . import test_views
from .test_views import CONSENT_PAGE, NEEDS_PAGE, _errors, _hrefs, signed_in

# The story's cases, shared with test_views: Hackney's domestic abuse case
# (restricted) with one victim, and an unrestricted burglary.
london = test_views.london
recorded = test_views.recorded
burglary = test_views.burglary

pytestmark = pytest.mark.django_db

# Fake personal data only (STYLE.md): an Ofcom drama number and example.org.
RELATIVE = "Marta Przykladowa"
RELATIVE_PHONE = "07700 900777"
RELATIVE_EMAIL = "marta.przykladowa@example.org"
PERSONAL = [RELATIVE, "Marta", "Przykladowa", "07700", "900777", "+447700900777", "example.org"]

RELATIVE_PAGE = {
    "full_name": RELATIVE,
    "date_of_birth-day": "3",
    "date_of_birth-month": "9",
    "date_of_birth-year": "1961",
    "role": VictimRole.BEREAVED_RELATIVE,
    "phone": RELATIVE_PHONE,
    "email": RELATIVE_EMAIL,
    "address": "2 Example Road\nLondon",
}
# Email only, and only once she has been in touch first.
SAFE_CONTACT_PAGE = {
    "preferred_channel": "email",
    "language": "en",
    "interpreter_needed": "no",
    "accessible_format": "large_print",
    "wants_updates": "yes",
    "safe_ways": ["email"],
    "safe_from": "",
    "safe_until": "",
    "code_word": "",
    "other_rules": ["victim_initiates"],
}
NO_EQUALITY_ANSWERS: dict[str, str] = {}


def start(client: Client, crime_id: int) -> str:
    """Start adding a person; return the first page's URL (it holds a random token)."""
    response = client.post(reverse("cases:victim-add", args=[crime_id]))
    assert response.status_code == 302
    location = response["Location"]
    assert re.fullmatch(rf"/cases/{crime_id}/victims/add/[A-Za-z0-9_-]{{20,}}/victim/", location)
    return location


def walk(
    client: Client, crime_id: int, *, person=None, contact=None, equality=None
) -> tuple[str, list[str]]:
    """Answer every page; return the check page URL and every URL the server sent us to."""
    first = start(client, crime_id)
    base = first.removesuffix("victim/")
    locations = [first]
    pages = [
        ("victim", person or RELATIVE_PAGE),
        ("contact", contact or SAFE_CONTACT_PAGE),
        ("needs", {**NEEDS_PAGE, "enhanced": "yes", "enhanced_reasons": ["most_serious_crime"]}),
        ("consent", CONSENT_PAGE),
        ("equality", NO_EQUALITY_ANSWERS if equality is None else equality),
    ]
    for step, data in pages:
        response = client.post(f"{base}{step}/", data)
        assert response.status_code == 302, (step, _errors(response))
        locations.append(response["Location"])
    assert locations[-1] == f"{base}check/"
    return locations[-1], locations


def added(crime) -> list[CrimeVictim]:
    """The people linked to `crime` after the first (names are encrypted: no lookups)."""
    return list(crime.victim_links.filter(is_primary_contact=False).select_related("victim"))


def assert_no_personal_data(*urls: str) -> None:
    for url in urls:
        for value in PERSONAL:
            assert value.lower() not in url.lower(), (value, url)


def open_case(client: Client, crime_id: int) -> str:
    url = reverse("cases:case", args=[crime_id])
    client.post(url, {"purpose": "Add the family contact"})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


class TestAddABereavedRelative:
    def test_the_oic_adds_a_bereaved_relative_and_the_case_page_shows_both_people(
        self, recorded, officer
    ):
        client = signed_in(officer)
        before = open_case(client, recorded.pk)
        add_url = reverse("cases:victim-add", args=[recorded.pk])
        assert add_url in before and "Add a victim or contact" in before

        check_url, locations = walk(client, recorded.pk)
        check = client.get(check_url)
        html = check.content.decode()
        assert check.status_code == 200
        assert RELATIVE in html and "Close relative of someone who died" in html
        assert html.count(">Change<") >= 20

        response = client.post(check_url)

        assert response.status_code == 302, _errors(response)
        assert response["Location"] == reverse("cases:case", args=[recorded.pk])
        [link] = added(recorded)
        assert link.victim.full_name == RELATIVE
        assert link.role == VictimRole.BEREAVED_RELATIVE and not link.is_primary_contact
        relative = link.victim
        assert relative.phone == "+447700900777" and relative.email == RELATIVE_EMAIL
        assert relative.preferred_channel == "email" and relative.accessible_format == "large_print"
        assert relative.safe_to_email and not relative.safe_to_call and not relative.safe_to_text
        assert relative.contact_only_if_victim_initiates
        assert relative.needs.current.enhanced_reasons == ["most_serious_crime"]
        assert ConsentRecord.objects.filter(victim=relative).count() == 3
        # The equality page was left blank: nothing is stored for statistics.
        assert not EqualityData.objects.filter(victim=relative).exists()

        page = client.get(reverse("cases:case", args=[recorded.pk])).content.decode()
        assert page.count('class="vc-victim"') == 2
        assert ">Victims</h2>" in page
        relative_section = page.split(f">{RELATIVE}</h3>", 1)[1].split("</section>", 1)[0]
        assert "Close relative of someone who died" in relative_section
        assert "Do not contact them unless they get in touch first" in relative_section
        assert "Do not call" in relative_section and "Do not text" in relative_section
        # The answers are forgotten once added: the check page is gone.
        assert client.get(check_url).status_code == 404
        assert_no_personal_data(*locations, response["Location"], *_hrefs(html), *_hrefs(page))

    def test_equality_answers_are_stored_apart_and_not_shown_on_the_case_page(
        self, burglary, officer
    ):
        client = signed_in(officer)
        equality = {"age_band": "55_64", "sex": "female", "ethnicity": "not_said"}
        check_url, _ = walk(client, burglary.pk, equality=equality)
        assert "55 to 64" in client.get(check_url).content.decode()

        client.post(check_url)

        [link] = added(burglary)
        data = EqualityData.objects.get(victim=link.victim)
        assert (data.age_band, data.sex, data.ethnicity, data.disability) == (
            "55_64",
            "female",
            "not_said",
            "",
        )
        page = client.get(reverse("cases:case", args=[burglary.pk])).content.decode()
        assert RELATIVE in page and "55 to 64" not in page


class TestBadInput:
    def test_a_bad_phone_shows_the_error_summary_keeps_the_input_and_saves_nothing(
        self, recorded, officer
    ):
        client = signed_in(officer)
        check_url, locations = walk(client, recorded.pk, person={**RELATIVE_PAGE, "phone": "12345"})
        people = Victim.objects.count()

        response = client.post(check_url)

        html = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in html and "<title>Error: " in html
        assert msg.PHONE_INVALID in _errors(response)
        assert "About the victim or contact" in html
        assert 'value="12345"' in html and f'value="{RELATIVE}"' in html
        assert RELATIVE_EMAIL in html and "2 Example Road" in html
        assert Victim.objects.count() == people
        assert added(recorded) == []

        # Corrected, it goes back to "Check your answers" and is added.
        victim_url = check_url.removesuffix("check/") + "victim/"
        fixed = client.post(victim_url, {**RELATIVE_PAGE, "change": "1"})
        assert fixed["Location"] == check_url
        assert client.post(check_url).status_code == 302
        assert [link.victim.full_name for link in added(recorded)] == [RELATIVE]
        assert_no_personal_data(*locations, *_hrefs(html))

    def test_a_page_with_mistakes_is_shown_again_and_keeps_nothing(self, recorded, officer):
        client = signed_in(officer)
        first = start(client, recorded.pk)
        session_before = dict(client.session["cases.victim_adds"])

        response = client.post(first, {**RELATIVE_PAGE, "full_name": "", "email": "nope"})

        assert response.status_code == 200
        assert msg.NAME_REQUIRED in _errors(response)
        assert msg.EMAIL_INVALID in _errors(response)
        assert 'value="nope"' in response.content.decode()
        assert dict(client.session["cases.victim_adds"]) == session_before
        assert added(recorded) == []

    def test_a_contradictory_safe_contact_rule_is_refused_on_its_page(self, burglary, officer):
        client = signed_in(officer)
        nothing_safe = {**SAFE_CONTACT_PAGE, "safe_ways": [], "other_rules": []}
        check_url, _ = walk(client, burglary.pk, contact=nothing_safe)

        response = client.post(check_url)

        assert "How to contact them safely" in response.content.decode()
        assert msg.NO_SAFE_CHANNEL in _errors(response)
        assert burglary.victim_links.count() == 1


class TestWhoMayAddPeople:
    def urls(self, client: Client, crime_id: int) -> list[str]:
        first = start(client, crime_id)
        base = first.removesuffix("victim/")
        steps = ("victim", "contact", "needs", "consent", "equality", "check")
        return [reverse("cases:victim-add", args=[crime_id]), *(f"{base}{s}/" for s in steps)]

    def test_an_officer_from_another_bcu_gets_404_on_every_page(
        self, recorded, burglary, officer, other_officer
    ):
        outsider = signed_in(other_officer)
        for crime in (recorded, burglary):
            for url in self.urls(signed_in(officer), crime.pk):
                assert outsider.get(url).status_code == 404, url
                assert outsider.post(url, RELATIVE_PAGE).status_code == 404, url
        assert added(recorded) == [] and added(burglary) == []

    def test_a_support_caseworker_who_may_not_edit_needs_gets_404(
        self, recorded, officer, support_caseworker, orgs
    ):
        services.case_share(actor=officer, crime=recorded, organisation=orgs["charity"])
        client = signed_in(support_caseworker)
        page = open_case(client, recorded.pk)
        add_url = reverse("cases:victim-add", args=[recorded.pk])
        assert add_url not in page

        for url in self.urls(signed_in(officer), recorded.pk):
            assert client.get(url).status_code == 404, url
            assert client.post(url, RELATIVE_PAGE).status_code == 404, url
        assert added(recorded) == []

    def test_answers_belong_to_one_crime_and_the_crime_page_is_not_a_step(
        self, recorded, burglary, officer
    ):
        client = signed_in(officer)
        base = start(client, recorded.pk).removesuffix("victim/")
        token = base.rstrip("/").rsplit("/", 1)[1]
        other = reverse("cases:victim-add-step", args=[burglary.pk, token, "victim"])
        assert client.get(other).status_code == 404
        assert client.get(f"{base}crime/").status_code == 404
        unknown = reverse("cases:victim-add-check", args=[recorded.pk, "x" * 22])
        assert client.get(unknown).status_code == 404
