"""Staff case screens as stories: PC Olivia Officer records a domestic abuse crime
through the intake, opens the restricted case, finds it again by phone; an
officer from another BCU cannot; the Witness Care Unit records only its own
events. No personal data ever appears in a URL."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from victimcare.accounts.models import Area, User
from victimcare.cases import forms as case_forms
from victimcare.cases import messages as msg
from victimcare.cases import services
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, IntakeDraft, JourneyEvent, Offence
from victimcare.cases.reference import offences_load
from victimcare.core.constants import AuditAction
from victimcare.core.models import AuditEvent

pytestmark = pytest.mark.django_db

START = reverse("cases:intake-start")
SEARCH = reverse("cases:search")
MINE = reverse("cases:mine")

# Fake personal data only (STYLE.md): Ofcom drama numbers and example.org.
NAME = "Alicja Testowa"
PHONE = "07700 900123"
PHONE_E164 = "+447700900123"
EMAIL = "alicja.testowa@example.org"
DOB = ("14", "2", "1987")
PERSONAL = [NAME, "Alicja", "Testowa", "07700", "900123", PHONE_E164, EMAIL, "1987"]


def signed_in(user: User) -> Client:
    """A client signed in as `user` (second factor waived as for demo accounts)."""
    User.objects.filter(pk=user.pk).update(otp_exempt=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def london(orgs):
    force = orgs["force"]
    force.crn_pattern = r"^[0-9]{7}/[0-9]{2}$"
    force.crn_example = "4412345/26"
    force.save()
    offences_load(name=settings.OFFENCE_LIST)
    return SimpleNamespace(
        force=force,
        hackney=Area.objects.create(code="E09000012", name="Hackney", bcu=orgs["bcu"]),
        barnet=Area.objects.create(code="E09000003", name="Barnet", bcu=orgs["other_bcu"]),
        assault=Offence.objects.get(code="common-assault"),
        burglary=Offence.objects.get(code="burglary-residential"),
    )


def crime_page(london, **overrides) -> dict[str, object]:
    today = timezone.localdate() - dt.timedelta(days=2)
    data: dict[str, object] = {
        "crn": "4412345/26",
        "offence": str(london.assault.pk),
        "flags": ["domestic_abuse"],
        "restricted_reason": "",
        "occurred_date-day": str(today.day),
        "occurred_date-month": str(today.month),
        "occurred_date-year": str(today.year),
        "occurred_time": "21:30",
        "area": str(london.hackney.pk),
    }
    data.update(overrides)
    return data


VICTIM_PAGE = {
    "full_name": NAME,
    "date_of_birth-day": DOB[0],
    "date_of_birth-month": DOB[1],
    "date_of_birth-year": DOB[2],
    "role": "victim",
    "phone": PHONE,
    "email": EMAIL,
    "address": "1 Example Street\nLondon",
}
CONTACT_PAGE = {
    "preferred_channel": "phone",
    "language": "pl",
    "interpreter_needed": "yes",
    "accessible_format": "none",
    "wants_updates": "yes",
    "safe_ways": ["call", "email"],
    "safe_from": "10:00",
    "safe_until": "14:00",
    "code_word": "",
    "other_rules": [],
}
NEEDS_PAGE = {
    "vulnerabilities": ["repeat_victim"],
    "communication_needs": "",
    "special_measures": ["screens"],
    "support_wanted": ["idva"],
    "enhanced": "yes",
    "enhanced_reasons": ["intimidated"],
}
CONSENT_PAGE = {
    "referral": "yes",
    "sharing": "yes",
    "feedback_contact": "no",
    "method": "in_person",
}
# Optional: any question may be left blank or answered "Prefer not to say".
EQUALITY_PAGE = {"age_band": "35_44", "sex": "not_said", "ethnicity": "", "disability": "no"}


def step_url(draft_id: int, step: str) -> str:
    return reverse("cases:intake-step", args=[draft_id, step])


def start_draft(client: Client) -> int:
    response = client.post(START)
    assert response.status_code == 302
    match = re.match(r"^/cases/record/(\d+)/crime/$", response["Location"])
    assert match, response["Location"]
    return int(match[1])


def walk_intake(client: Client, london, *, contact=None, victim=None) -> tuple[int, list[str]]:
    """Answer every question page; return the draft id and every URL the server sent us to."""
    draft_id = start_draft(client)
    locations = []
    pages = [
        ("crime", crime_page(london)),
        ("victim", victim or VICTIM_PAGE),
        ("contact", contact or CONTACT_PAGE),
        ("needs", NEEDS_PAGE),
        ("consent", CONSENT_PAGE),
        ("equality", EQUALITY_PAGE),
    ]
    for step, data in pages:
        response = client.post(step_url(draft_id, step), data)
        assert response.status_code == 302, (step, _errors(response))
        locations.append(response["Location"])
    assert locations[-1] == reverse("cases:intake-check", args=[draft_id])
    return draft_id, locations


def _errors(response) -> list[str]:
    html = response.content.decode()
    return [html_lib.unescape(t) for t in re.findall(r'<a href="#[^"]+">([^<]+)</a>', html)]


def _hrefs(html: str) -> list[str]:
    return [unquote(h) for h in re.findall(r'(?:href|action)="([^"]+)"', html)]


def assert_no_personal_data(*urls: str) -> None:
    for u in urls:
        for value in PERSONAL:
            assert value.lower() not in unquote(u).lower(), (value, u)


@pytest.fixture
def recorded(london, officer):
    """A domestic abuse crime with one victim who needs a Polish interpreter and must not be texted."""
    return services.crime_create(
        actor=officer,
        crn="4400001/26",
        offence=london.assault,
        occurred_at=timezone.now() - dt.timedelta(days=3),
        area=london.hackney,
        domestic_abuse=True,
        victims=[
            services.VictimInput(
                full_name=NAME,
                phone=PHONE,
                email=EMAIL,
                language="pl",
                interpreter_needed=True,
                safe_to_text=False,
                voicemail_allowed=False,
                safe_from=dt.time(10, 0),
                safe_until=dt.time(14, 0),
                needs=services.NeedsInput(special_measures=["screens"]),
            )
        ],
    )


@pytest.fixture
def burglary(london, officer):
    """An unrestricted crime."""
    return services.crime_create(
        actor=officer,
        crn="4400002/26",
        offence=london.burglary,
        occurred_at=timezone.now() - dt.timedelta(days=1),
        area=london.hackney,
        victims=[services.VictimInput(full_name="Bob Example", phone="07700 900456")],
    )


class TestRecordACrime:
    def test_the_intake_records_the_crime_and_deletes_the_draft(self, london, officer):
        client = signed_in(officer)
        draft_id, locations = walk_intake(client, london)

        check = client.get(reverse("cases:intake-check", args=[draft_id]))
        html = check.content.decode()
        assert check.status_code == 200
        assert "govuk-summary-list" in html
        assert "4412345/26" in html and NAME in html and "Polish" in html
        assert html.count(">Change<") >= 20

        response = client.post(reverse("cases:intake-check", args=[draft_id]))

        assert response.status_code == 302, _errors(response)
        crime = Crime.objects.get(crn="4412345/26")
        assert response["Location"] == reverse("cases:case", args=[crime.pk])
        assert crime.domestic_abuse and crime.restricted
        assert crime.oic == officer and crime.area == london.hackney
        victim = crime.victim_links.get().victim
        assert victim.full_name == NAME
        assert victim.phone == PHONE_E164
        assert victim.language == "pl" and victim.interpreter_needed
        assert not victim.safe_to_text and victim.safe_to_call
        assert victim.safe_from == dt.time(10, 0)
        assert victim.needs.current.special_measures == ["screens"]
        assert victim.needs.current.enhanced
        # Equality answers are kept apart (for statistics) and never shown on the case page.
        assert (victim.equality.age_band, victim.equality.sex) == ("35_44", "not_said")
        assert (victim.equality.ethnicity, victim.equality.disability) == ("", "no")
        assert not IntakeDraft.objects.filter(pk=draft_id).exists()
        assert_no_personal_data(*locations, response["Location"], *_hrefs(html))

    def test_a_resumed_draft_keeps_the_answers(self, london, officer):
        client = signed_in(officer)
        draft_id = start_draft(client)
        client.post(step_url(draft_id, "crime"), crime_page(london))
        client.post(step_url(draft_id, "victim"), VICTIM_PAGE)

        # Later, from the start page ("Your unfinished records").
        later = signed_in(officer)
        start = later.get(START).content.decode()
        assert "Your unfinished records" in start
        assert "4412345/26" in start and NAME not in start
        assert step_url(draft_id, "contact") in start

        victim_page = later.get(step_url(draft_id, "victim")).content.decode()
        assert f'value="{NAME}"' in victim_page
        assert 'value="example.org"' not in victim_page
        assert EMAIL in victim_page
        # The draft is stored encrypted, not as readable JSON.
        draft = IntakeDraft.objects.get(pk=draft_id)
        assert json.loads(draft.data)["steps"]["victim"]["full_name"] == NAME

    def test_another_officer_cannot_open_someone_elses_draft(self, london, officer, supervisor):
        draft_id = start_draft(signed_in(officer))
        response = signed_in(supervisor).get(step_url(draft_id, "crime"))
        assert response.status_code == 404

    @pytest.mark.parametrize(
        ("step", "data", "expected"),
        [
            (
                "crime",
                {
                    "crn": "ABC",
                    "offence": "",
                    "occurred_date-day": "31",
                    "occurred_date-month": "2",
                },
                [
                    msg.CRN_FORMAT.format(example="4412345/26"),
                    case_forms.OFFENCE_REQUIRED,
                ],
            ),
            (
                "victim",
                {**VICTIM_PAGE, "full_name": "", "email": "not-an-email"},
                [msg.NAME_REQUIRED, msg.EMAIL_INVALID],
            ),
            (
                "contact",
                {**CONTACT_PAGE, "safe_from": "15:00", "safe_until": "09:00"},
                [msg.SAFE_TIMES_ORDER],
            ),
            (
                "needs",
                {**NEEDS_PAGE, "enhanced_reasons": []},
                [msg.ENHANCED_REASON_REQUIRED],
            ),
            (
                "consent",
                {"method": "phone"},
                [case_forms.CONSENT_REQUIRED.format(what="be referred to support services")],
            ),
        ],
    )
    def test_bad_input_shows_the_error_summary_keeps_what_was_typed_and_saves_nothing(
        self, london, officer, step, data, expected
    ):
        client = signed_in(officer)
        draft_id = start_draft(client)
        before = IntakeDraft.objects.get(pk=draft_id).data

        response = client.post(step_url(draft_id, step), data)

        html = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in html
        assert "<title>Error: " in html
        for text in expected:
            assert text in _errors(response), _errors(response)
            assert "govuk-error-message" in html
        for name, value in data.items():
            if isinstance(value, str) and value and name not in {"offence", "method"}:
                assert f'value="{value}"' in html or f">{value}</textarea>" in html, name
        assert IntakeDraft.objects.get(pk=draft_id).data == before

    def test_the_services_refusal_is_shown_on_the_page_and_field_it_belongs_to(
        self, london, officer
    ):
        client = signed_in(officer)
        # Wants updates, but nothing is safe: the service refuses it (a contradiction).
        contradiction = {**CONTACT_PAGE, "safe_ways": [], "safe_from": "", "safe_until": ""}
        draft_id, _ = walk_intake(
            client, london, contact=contradiction, victim={**VICTIM_PAGE, "phone": "12345"}
        )

        response = client.post(reverse("cases:intake-check", args=[draft_id]))

        html = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in html
        # The first page with a problem is shown, as typed.
        assert "About the victim" in html
        assert msg.PHONE_INVALID in _errors(response)
        assert 'value="12345"' in html
        assert not Crime.objects.exists()
        assert IntakeDraft.objects.filter(pk=draft_id).exists()

        client.post(step_url(draft_id, "victim"), {**VICTIM_PAGE, "change": "1"})
        response = client.post(reverse("cases:intake-check", args=[draft_id]))
        assert "How to contact them safely" in response.content.decode()
        assert msg.NO_SAFE_CHANNEL in _errors(response)
        assert not Crime.objects.exists()

    def test_only_people_who_may_record_crimes_see_the_intake(
        self, london, witness_care_officer, analyst
    ):
        for person in (witness_care_officer, analyst):
            assert signed_in(person).get(START).status_code == 404
            assert signed_in(person).post(START).status_code == 404
        assert not IntakeDraft.objects.exists()


class TestCasePage:
    def test_a_restricted_case_asks_for_a_purpose_first(self, recorded, officer):
        client = signed_in(officer)
        url = reverse("cases:case", args=[recorded.pk])

        page = client.get(url).content.decode()
        assert "Why do you need to see this case?" in page
        assert NAME not in page

        empty = client.post(url, {"purpose": ""})
        assert case_forms.PURPOSE_REQUIRED in _errors(empty)

        response = client.post(url, {"purpose": "Update the victim about bail"})
        assert response.status_code == 302 and response["Location"] == url

        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert NAME in html
        assert "Do not text" in html and "No voicemail" in html
        assert "Only call between 10:00 and 14:00" in html
        assert "govuk-warning-text" in html
        assert "moj-timeline" in html and "Crime reported" in html
        assert "Restricted" in html
        view = AuditEvent.objects.filter(action=AuditAction.VIEW, actor_id=officer.pk).last()
        assert view is not None and view.purpose == "Update the victim about bail"

    def test_an_unrestricted_case_opens_straight_away(self, burglary, officer):
        response = signed_in(officer).get(reverse("cases:case", args=[burglary.pk]))
        assert response.status_code == 200
        assert "Bob Example" in response.content.decode()

    def test_an_officer_from_another_bcu_gets_404_and_search_finds_nothing(
        self, recorded, burglary, other_officer
    ):
        client = signed_in(other_officer)
        for crime in (recorded, burglary):
            assert client.get(reverse("cases:case", args=[crime.pk])).status_code == 404
            assert client.get(reverse("cases:event-new", args=[crime.pk])).status_code == 404
        response = client.post(SEARCH, {"crn": recorded.crn, "purpose": "Checking"}, follow=True)
        html = response.content.decode()
        assert "0 cases found" in html
        assert reverse("cases:case", args=[recorded.pk]) not in html


class TestNeedsAssessment:
    def test_the_witness_care_unit_sees_the_needs_and_updates_them_keeping_the_old_version(
        self, recorded, officer, witness_care_officer, orgs
    ):
        services.case_share(actor=officer, crime=recorded, organisation=orgs["wcu"])
        client = signed_in(witness_care_officer)
        case_url = reverse("cases:case", args=[recorded.pk])
        client.post(case_url, {"purpose": "Arrange the trial"})

        page = client.get(case_url).content.decode()
        # Told once, seen by every agency: no need to ask the victim again.
        assert "Polish" in page and "Needed" in page
        assert "Screens in the courtroom" in page
        victim = recorded.victim_links.get().victim
        needs_url = reverse("cases:needs-update", args=[recorded.pk, victim.pk])
        assert needs_url in page
        assert 'value="screens" checked' in client.get(needs_url).content.decode()

        bad = client.post(needs_url, {"special_measures": ["live_link"], "enhanced": "yes"})
        assert msg.ENHANCED_REASON_REQUIRED in _errors(bad)
        response = client.post(
            needs_url,
            {
                "special_measures": ["screens", "live_link"],
                "enhanced": "yes",
                "enhanced_reasons": ["intimidated"],
            },
        )

        assert response.status_code == 302 and response["Location"] == case_url
        victim.refresh_from_db()
        assert victim.needs.versions.count() == 2
        assert victim.needs.current.special_measures == ["screens", "live_link"]
        assert "Enhanced rights eligibility changed" in client.get(case_url).content.decode()

    def test_a_support_caseworker_cannot_update_needs(
        self, recorded, officer, support_caseworker, orgs
    ):
        services.case_share(actor=officer, crime=recorded, organisation=orgs["charity"])
        victim = recorded.victim_links.get().victim
        url = reverse("cases:needs-update", args=[recorded.pk, victim.pk])
        assert signed_in(support_caseworker).get(url).status_code == 404


class TestFindACase:
    def test_search_by_phone_finds_the_case_for_the_officer_in_the_case(self, recorded, officer):
        client = signed_in(officer)

        response = client.post(SEARCH, {"phone": PHONE, "purpose": "Victim called the desk"})

        assert response.status_code == 302
        location = response["Location"]
        assert re.fullmatch(r"/cases/search/\?search=[A-Za-z0-9_-]+", location)
        assert_no_personal_data(location)
        results = client.get(location)
        html = results.content.decode()
        assert "1 case found" in html
        assert reverse("cases:case", args=[recorded.pk]) in html
        assert NAME not in html.split("found", 1)[1]
        search = AuditEvent.objects.filter(action=AuditAction.SEARCH, actor_id=officer.pk).last()
        assert search is not None and search.purpose == "Victim called the desk"
        assert_no_personal_data(*_hrefs(html))

    def test_a_search_needs_a_purpose_and_something_to_look_for(self, london, officer):
        response = signed_in(officer).post(SEARCH, {"name": "", "purpose": ""})
        errors = _errors(response)
        assert msg.SEARCH_PURPOSE_REQUIRED in errors
        assert msg.SEARCH_CRITERIA_REQUIRED in errors


class TestMyCases:
    def test_my_cases_lists_the_officers_open_cases_without_names(
        self, recorded, burglary, officer, other_officer
    ):
        html = signed_in(officer).get(MINE).content.decode()
        assert recorded.crn in html and burglary.crn in html
        assert reverse("cases:case", args=[recorded.pk]) in html
        assert NAME not in html and "Bob Example" not in html
        assert "(2 cases)" in html

        assert recorded.crn not in signed_in(other_officer).get(MINE).content.decode()


class TestRecordAnEvent:
    def test_a_partner_chooses_only_the_codes_their_organisation_owns(
        self, recorded, officer, witness_care_officer, orgs
    ):
        services.case_share(actor=officer, crime=recorded, organisation=orgs["wcu"])
        client = signed_in(witness_care_officer)
        url = reverse("cases:event-new", args=[recorded.pk])

        html = client.get(url).content.decode()
        assert 'value="hearing_scheduled"' in html
        assert 'value="charged"' not in html
        assert 'value="suspect_arrested"' not in html

        refused = client.post(url, {"code": "charged", "occurred_date-day": "1"})
        assert case_forms.EVENT_CODE_REQUIRED in _errors(refused)

        no_date = client.post(url, {"code": "hearing_scheduled", **_today("occurred_date")})
        assert msg.HEARING_DATE_REQUIRED in _errors(no_date)
        assert msg.HEARING_COURT_REQUIRED in _errors(no_date)
        assert not JourneyEvent.objects.filter(code=EventCode.HEARING_SCHEDULED).exists()

        hearing = timezone.localdate() + dt.timedelta(days=30)
        response = client.post(
            url,
            {
                "code": "hearing_scheduled",
                **_today("occurred_date"),
                "hearing_date-day": str(hearing.day),
                "hearing_date-month": str(hearing.month),
                "hearing_date-year": str(hearing.year),
                "hearing_time": "10:00",
                "court": "Example Magistrates' Court",
                "idempotency_key": "k" * 32,
            },
        )
        assert response.status_code == 302
        event = JourneyEvent.objects.get(code=EventCode.HEARING_SCHEDULED)
        assert event.recording_organisation == orgs["wcu"]
        assert event.details["court"] == "Example Magistrates' Court"

        # The same form submitted twice records the event once.
        again = client.post(
            url,
            {
                "code": "hearing_scheduled",
                **_today("occurred_date"),
                "hearing_date-day": str(hearing.day),
                "hearing_date-month": str(hearing.month),
                "hearing_date-year": str(hearing.year),
                "court": "Example Magistrates' Court",
                "idempotency_key": "k" * 32,
            },
        )
        assert again.status_code == 302
        assert JourneyEvent.objects.filter(code=EventCode.HEARING_SCHEDULED).count() == 1

    def test_the_officer_records_an_arrest_and_it_is_on_the_timeline(self, burglary, officer):
        client = signed_in(officer)
        url = reverse("cases:event-new", args=[burglary.pk])
        html = client.get(url).content.decode()
        assert 'value="suspect_arrested"' in html and 'value="hearing_scheduled"' not in html

        response = client.post(
            url, {"code": "suspect_arrested", **_today("occurred_date"), "summary": "Arrested"}
        )

        assert response.status_code == 302
        page = client.get(reverse("cases:case", args=[burglary.pk])).content.decode()
        assert "Suspect arrested" in page and "Olivia Officer" in page

    def test_a_correction_is_shown_as_superseding_the_event_it_corrects(self, burglary, officer):
        wrong, _ = services.event_record(
            actor=officer,
            crime=burglary,
            code=EventCode.SUSPECT_ARRESTED,
            occurred_at=timezone.now() - dt.timedelta(hours=5),
        )
        services.event_record(
            actor=officer,
            crime=burglary,
            code=EventCode.SUSPECT_INTERVIEWED,
            occurred_at=timezone.now() - dt.timedelta(hours=4),
            supersedes=wrong,
            summary="Interviewed, not arrested",
        )

        page = signed_in(officer).get(reverse("cases:case", args=[burglary.pk])).content.decode()

        timeline = page.split("moj-timeline", 1)[1]
        assert timeline.index("Suspect interviewed") < timeline.index(
            "Suspect arrested (superseded)"
        )
        assert "Corrects an earlier entry." in timeline
        assert "Corrected by a later entry." in timeline
        assert "by Olivia Officer, Central East Response" in timeline


class TestShareACase:
    def test_the_officer_shares_the_case_with_the_witness_care_unit(
        self, burglary, officer, witness_care_officer, orgs
    ):
        case_url = reverse("cases:case", args=[burglary.pk])
        assert signed_in(witness_care_officer).get(case_url).status_code == 404
        client = signed_in(officer)
        share = reverse("cases:share", args=[burglary.pk])
        assert orgs["wcu"].name in client.get(share).content.decode()

        missing = client.post(share, {"organisation": ""})
        assert case_forms.SHARE_ORGANISATION_REQUIRED in _errors(missing)

        response = client.post(share, {"organisation": str(orgs["wcu"].pk), "reason": "Trial"})

        assert response.status_code == 302 and response["Location"] == case_url
        assert signed_in(witness_care_officer).get(case_url).status_code == 200

    def test_a_partner_cannot_share(self, recorded, officer, witness_care_officer, orgs):
        services.case_share(actor=officer, crime=recorded, organisation=orgs["wcu"])
        url = reverse("cases:share", args=[recorded.pk])
        assert signed_in(witness_care_officer).get(url).status_code == 404


def _today(prefix: str) -> dict[str, str]:
    today = timezone.localdate()
    return {
        f"{prefix}-day": str(today.day),
        f"{prefix}-month": str(today.month),
        f"{prefix}-year": str(today.year),
    }
