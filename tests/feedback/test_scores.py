"""Fair scores and recognition, as stories: victims rate PC Olivia Officer
(Central East response team) and PC Nick North (North); Sgt Sam Supervisor sees
his team's officers and nobody else's, Ann Analyst sees the whole force, Olivia
sees her own ratings and trend but never the comments; an officer with three
perfect ratings is never ranked; a deserving one is on the recognition list and
Sam records a commendation once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import UserFactory
from victimcare.accounts.constants import Role
from victimcare.accounts.models import User
from victimcare.cases.models import JourneyEvent
from victimcare.core.models import AuditEvent
from victimcare.feedback import scores as sc
from victimcare.feedback.constants import InvitationChannel
from victimcare.feedback.models import Commendation, Invitation, Response
from victimcare.feedback.services import invitation_create

from .conftest import signed_in

COMMENT = "He was kind and the kettle story was lovely"


def rate(
    officer: User,
    ratings: list[int],
    *,
    event: JourneyEvent | None = None,
    days_ago: float = 1,
    comment: str = "",
) -> None:
    """Victims rate `officer`: one real invitation (QR for a case contact, else a
    personal card) and one response per rating, `days_ago` days ago."""
    when = timezone.now() - dt.timedelta(days=days_ago)
    for rating in ratings:
        invitation, _ = invitation_create(
            officer=officer,
            channel=InvitationChannel.QR if event else InvitationChannel.CARD,
            contact_event=event,
            now=when,
        )
        Response.objects.create(
            invitation=invitation, rating=rating, went_well=comment, created_at=when
        )
        Invitation.objects.filter(pk=invitation.pk).update(used_at=when)


def officer_in(org, name: str) -> User:  # type: ignore[no-untyped-def]
    slug = name.lower().replace(" ", ".")
    return UserFactory(
        organisation=org, role=Role.OFFICER, email=f"{slug}@example.org", full_name=name
    )


# --- Wilson score interval ------------------------------------------------------------

# Newcombe (1998), "Two-sided confidence intervals for the single proportion",
# Statistics in Medicine 17:857–872, table I, method 3 (score, no continuity
# correction); and two further worked values that agree with R's prop.test(correct=FALSE).
PUBLISHED = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (5, 10, 0.2366, 0.7634),
    (81, 100, 0.7222, 0.8749),
    (100, 100, 0.9630, 1.0000),
]


@pytest.mark.parametrize(("satisfied", "responses", "lower", "upper"), PUBLISHED)
def test_wilson_matches_published_values(satisfied, responses, lower, upper) -> None:  # type: ignore[no-untyped-def]
    got = sc.wilson_interval(satisfied, responses)
    assert got[0] == pytest.approx(lower, abs=5e-5)
    assert got[1] == pytest.approx(upper, abs=5e-5)


def test_wilson_with_no_responses_knows_nothing() -> None:
    assert sc.wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        sc.wilson_interval(5, 4)
    with pytest.raises(ValueError):
        sc.wilson_interval(-1, 4)


@given(n=st.integers(min_value=1, max_value=100_000), data=st.data())
def test_wilson_brackets_the_observed_share(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=0, max_value=n))
    lower, upper = sc.wilson_interval(k, n)
    assert 0.0 <= lower <= k / n <= upper <= 1.0


@given(
    n=st.integers(min_value=1, max_value=10_000),
    factor=st.integers(min_value=2, max_value=50),
    data=st.data(),
)
def test_wilson_narrows_as_responses_grow(n: int, factor: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=0, max_value=n))
    small = sc.wilson_interval(k, n)
    large = sc.wilson_interval(k * factor, n * factor)
    assert large[1] - large[0] < small[1] - small[0]


# --- Minimum responses ------------------------------------------------------------------


def test_below_the_minimum_a_unit_is_never_ranked_and_sorts_last() -> None:
    few = sc.Score(key="1", label="Aaron", distribution=(0, 0, 0, 0, 3), minimum=10)
    many = sc.Score(key="2", label="Zed", distribution=(3, 3, 0, 2, 2), minimum=10)
    assert not few.enough and few.comparison is None
    assert many.enough
    for sort in sc.SORTS:
        for descending in (True, False):
            assert sc.sort_scores([few, many], sort=sort, descending=descending)[-1] is few


def test_the_minimum_never_goes_below_five(settings) -> None:  # type: ignore[no-untyped-def]
    settings.FEEDBACK_MIN_RESPONSES = 1
    assert sc.min_responses() == sc.MIN_RESPONSES_FLOOR
    settings.FEEDBACK_MIN_RESPONSES = 25
    assert sc.min_responses() == 25


@pytest.mark.django_db
def test_scores_page_says_not_enough_responses(supervisor, officer, orgs) -> None:  # type: ignore[no-untyped-def]
    busy = officer_in(orgs["team"], "Busy Officer")
    rate(busy, [5] * 8 + [2] * 4)
    rate(officer, [5, 5, 5])
    page = signed_in(supervisor).get(reverse("feedback:scores")).content.decode()
    assert sc.NOT_ENOUGH in page
    officers = page[page.index('id="officers"') :]
    assert officers.index("Busy Officer") < officers.index("Olivia Officer")
    # Olivia's three perfect ratings give no share in the table.
    row = officers[officers.index("Olivia Officer") :].split("</tr>")[0]
    assert "100%" not in row and sc.NOT_ENOUGH in row


# --- Offence mix --------------------------------------------------------------------------


@pytest.mark.django_db
def test_offence_mix_adjustment_on_a_constructed_example(officer, visit, orgs) -> None:  # type: ignore[no-untyped-def]
    """Assaults (the visit's common assault) draw 12 of 20 satisfied force-wide,
    personal-card contacts 10 of 10: force share 22/30.

    Olivia: 10 assaults, 4 satisfied → expected 10 × 0.6 = 6;
    adjusted 4/6 × 22/30. Her colleague: 10 assaults (8 satisfied) and 10 cards
    (10) → expected 6 + 10 = 16; adjusted 18/16 × 22/30."""
    colleague = officer_in(orgs["team"], "Colin Colleague")
    rate(officer, [5, 4, 4, 5, 3, 3, 2, 1, 2, 3], event=visit)
    rate(colleague, [5] * 8 + [2, 3], event=visit)
    rate(colleague, [5] * 10)

    period = sc.period_for(months=12)
    reference = sc.reference_for(period)
    assert reference.group_share("violence_without_injury") == pytest.approx(0.6)
    assert reference.group_share(sc.NO_CASE_GROUP) == pytest.approx(1.0)
    assert reference.share == pytest.approx(22 / 30)

    olivia = sc.officer_score(officer=officer, period=period, reference=reference)
    assert olivia.expected == pytest.approx(6.0)
    assert olivia.share == pytest.approx(0.4)
    assert olivia.adjusted_share == pytest.approx(4 / 6 * 22 / 30)
    factor = 10 * (22 / 30) / 6
    raw_lower, raw_upper = sc.wilson_interval(4, 10)
    assert olivia.adjusted_interval == pytest.approx((raw_lower * factor, raw_upper * factor))

    colin = sc.officer_score(officer=colleague, period=period, reference=reference)
    assert colin.expected == pytest.approx(16.0)
    assert colin.adjusted_share == pytest.approx(18 / 16 * 22 / 30)

    # A team's expectation is the sum of its officers': adjusted = 22/22 × force share.
    figures = sc.scores_for_scope(organisation_ids=None, scope="Whole force", period=period)
    (team,) = figures.teams
    assert team.expected == pytest.approx(22.0)
    assert team.adjusted_share == pytest.approx(22 / 30)


# --- Scope ----------------------------------------------------------------------------------


@pytest.fixture
def rated(officer, other_officer) -> None:  # type: ignore[no-untyped-def]
    """Olivia (Central East) and Nick (North) each have twelve ratings."""
    rate(officer, [5] * 10 + [3, 4])
    rate(other_officer, [4] * 6 + [2] * 6)


@pytest.mark.django_db
def test_a_supervisor_sees_only_officers_in_their_team(supervisor, rated) -> None:  # type: ignore[no-untyped-def]
    figures = sc.scores_for_user(user=supervisor)
    assert [s.label for s in figures.officers] == ["Olivia Officer"]
    assert [s.label for s in figures.bcus] == ["Central East"]
    # The force-wide reference still counts everyone.
    assert figures.force.responses == 24 and figures.total.responses == 12

    page = signed_in(supervisor).get(reverse("feedback:scores")).content.decode()
    assert "Olivia Officer" in page
    assert "Nick North" not in page and "North Response" not in page


@pytest.mark.django_db
def test_an_analyst_sees_the_whole_force(analyst, rated) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(analyst).get(reverse("feedback:scores"), {"sort": "name", "order": "asc"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Nick North") < page.index("Olivia Officer")
    assert {"Central East", "North"} <= {s.label for s in sc.scores_for_user(user=analyst).bcus}
    assert AuditEvent.objects.filter(object_type="feedback.scores", actor_id=analyst.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["officer", "desk_agent", "support_caseworker"])
def test_scores_and_recognition_are_not_found_for_others(persona, request, rated) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(reverse("feedback:scores")).status_code == 404
    assert client.get(reverse("feedback:recognition")).status_code == 404


@pytest.mark.django_db
def test_a_bad_period_is_an_error_not_figures(supervisor, rated) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(supervisor).get(reverse("feedback:scores"), {"months": "7"}).content.decode()
    assert "There is a problem" in page and sc.PERIOD_INVALID in page
    assert "Olivia Officer" not in page


@pytest.mark.django_db
def test_the_period_filter_leaves_out_older_responses(supervisor, officer) -> None:  # type: ignore[no-untyped-def]
    rate(officer, [5] * 10, days_ago=150)
    rate(officer, [1] * 10, days_ago=10)
    recent = sc.scores_for_user(user=supervisor, months=3).officers[0]
    year = sc.scores_for_user(user=supervisor, months=12).officers[0]
    assert (recent.responses, recent.satisfied) == (10, 0)
    assert (year.responses, year.satisfied) == (20, 10)


# --- Own feedback ------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_officer_sees_their_trend_but_not_the_comments(officer, other_officer) -> None:  # type: ignore[no-untyped-def]
    rate(officer, [5, 4], days_ago=70, comment=COMMENT)
    rate(officer, [2], days_ago=1, comment=COMMENT)
    rate(other_officer, [1] * 5)
    Commendation.objects.create(
        officer=officer,
        recorded_by=officer,
        reason="Calm and thorough with a frightened victim",
        responses=20,
        satisfied=19,
        lower_bound=0.76,
    )
    response = signed_in(officer).get(reverse("feedback:mine"))
    page = response.content.decode()
    assert response.status_code == 200
    assert COMMENT not in page and "kettle" not in page
    assert "Your supervisor can discuss comments with you" in page
    assert 'id="trend"' in page
    data = sc.own_feedback(user=officer)
    months = {m.month: m for m in data.trend if m.responses}
    assert sorted(m.responses for m in months.values()) == [1, 2]
    assert len(data.trend) in (12, 13)  # every month of the period, empty ones too
    two_months_ago = (timezone.now() - dt.timedelta(days=70)).astimezone(sc.LONDON)
    assert two_months_ago.strftime("%B %Y") in page
    assert data.score.responses == 3  # never anyone else's
    assert "Calm and thorough with a frightened victim" in page


@pytest.mark.django_db
def test_own_feedback_is_not_found_for_non_officers(analyst, desk_agent) -> None:  # type: ignore[no-untyped-def]
    for person in (analyst, desk_agent):
        assert signed_in(person).get(reverse("feedback:mine")).status_code == 404


# --- Recognition and commendations --------------------------------------------------------


@pytest.fixture
def deserving(orgs) -> User:  # type: ignore[no-untyped-def]
    """PC Dee Deserving: 25 perfect ratings, Wilson lower bound 0.867 (above 0.85)."""
    dee = officer_in(orgs["team"], "Dee Deserving")
    rate(dee, [5] * 25)
    return dee


@pytest.mark.django_db
def test_recognition_lists_the_deserving_not_three_perfect_ratings(
    supervisor, analyst, officer, deserving
) -> None:  # type: ignore[no-untyped-def]
    rate(officer, [5, 5, 5])
    listed = [r.score.label for r in sc.recognition_for_user(user=supervisor).officers]
    assert listed == ["Dee Deserving"]
    page = signed_in(supervisor).get(reverse("feedback:recognition")).content.decode()
    assert "Dee Deserving" in page and "Olivia Officer" not in page
    assert reverse("feedback:commend", args=[deserving.pk]) in page
    # The analyst sees the list but cannot commend.
    analyst_page = signed_in(analyst).get(reverse("feedback:recognition")).content.decode()
    assert "Dee Deserving" in analyst_page
    assert reverse("feedback:commend", args=[deserving.pk]) not in analyst_page


@pytest.mark.django_db
def test_twenty_perfect_ratings_are_not_yet_enough_for_the_default_threshold(orgs) -> None:  # type: ignore[no-untyped-def]
    nearly = officer_in(orgs["team"], "Nearly There")
    rate(nearly, [5] * 20)
    score = sc.officer_score(officer=nearly, period=sc.period_for())
    assert score.lower == pytest.approx(20 / (20 + sc.Z95**2))
    assert not sc.is_recognised(score)


@pytest.mark.django_db
def test_a_supervisor_records_a_commendation_once(supervisor, deserving) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(supervisor)
    url = reverse("feedback:commend", args=[deserving.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Victims said she explained every step"})
    assert response.status_code == 302
    commendation = Commendation.objects.get(officer=deserving)
    assert (commendation.responses, commendation.satisfied) == (25, 25)
    assert commendation.lower_bound == pytest.approx(25 / (25 + sc.Z95**2))
    assert commendation.recorded_by == supervisor
    entry = AuditEvent.objects.get(object_type="feedback.commendation")
    assert entry.actor_id == supervisor.pk and entry.subject_id == str(deserving.pk)
    assert entry.object_id == str(commendation.pk)

    again = client.post(url, {"reason": "And again"})
    assert again.status_code == 200
    assert sc.COMMENDED_RECENTLY in again.content.decode()
    assert Commendation.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "error"),
    [("", sc.REASON_REQUIRED), ("   ", sc.REASON_REQUIRED), ("x" * 501, sc.REASON_TOO_LONG)],
)
def test_a_bad_reason_is_refused_with_an_error_summary(
    supervisor, deserving, reason, error
) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(supervisor).post(
        reverse("feedback:commend", args=[deserving.pk]), {"reason": reason}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and error in page
    assert not Commendation.objects.exists()
    assert not AuditEvent.objects.filter(object_type="feedback.commendation").exists()


@pytest.mark.django_db
def test_an_officer_not_on_the_list_cannot_be_commended(supervisor, officer) -> None:  # type: ignore[no-untyped-def]
    rate(officer, [5, 5, 5])
    response = signed_in(supervisor).post(
        reverse("feedback:commend", args=[officer.pk]), {"reason": "Three lovely ratings"}
    )
    assert sc.NOT_ELIGIBLE in response.content.decode()
    assert not Commendation.objects.exists()


@pytest.mark.django_db
def test_only_the_officers_supervisors_may_commend(analyst, other_officer, orgs, deserving) -> None:  # type: ignore[no-untyped-def]
    north_sergeant = UserFactory(
        organisation=orgs["other_team"],
        role=Role.SUPERVISOR,
        email="nora.sergeant@example.org",
        full_name="Nora Sergeant",
    )
    url = reverse("feedback:commend", args=[deserving.pk])
    for person in (analyst, north_sergeant):
        client = signed_in(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "Well done"}).status_code == 404
    assert signed_in(other_officer).post(url, {"reason": "Well done"}).status_code == 404
    unknown = reverse("feedback:commend", args=[deserving.pk + 10_000])
    assert signed_in(analyst).get(unknown).status_code == 404
    assert not Commendation.objects.exists()
