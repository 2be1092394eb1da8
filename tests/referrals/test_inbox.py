"""The support organisation's side: Sue Support (Example Victim Support) works her
inbox, moves referrals along, and reports data problems that Olivia Officer
corrects — the correction reaches Sue without a phone call."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from victimcare.cases.models import Victim
from victimcare.cases.services import NeedsInput, needs_assessment_record
from victimcare.core.models import AuditEvent
from victimcare.duties.calendar import deadline_for
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.models import ContactTask
from victimcare.referrals import inbox
from victimcare.referrals.constants import ProblemKind, ProblemState, ReferralState
from victimcare.referrals.models import DataProblem, Referral, ReferralSnapshot, ReferralStatusEvent

from .conftest import CORRECTED_PHONE, REFERRED_NAME, REFERRED_PHONE, signed_in, text

pytestmark = pytest.mark.django_db

DESCRIPTION = "The number rings a shop that does not know the victim."


def _report(client, referral, *, kind=ProblemKind.WRONG_PHONE, description=DESCRIPTION):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("referrals:inbox-problem-new", args=[referral.pk]),
        {"kind": kind, "description": description},
    )


def test_a_wrong_phone_number_is_reported_corrected_by_the_officer_and_reaches_the_caseworker(
    make_referral, support_caseworker, officer, desk_agent
):
    referral = make_referral()
    sue = signed_in(support_caseworker)

    # Sue reports the wrong number.
    response = _report(sue, referral)
    assert response.status_code == 302
    problem = DataProblem.objects.get(referral=referral)
    assert problem.kind == ProblemKind.WRONG_PHONE and problem.state == ProblemState.OPEN
    assert problem.description == DESCRIPTION
    assert problem.due_at == deadline_for(
        started=problem.reported_at, working_days=settings.REFERRAL_RECTIFY_WORKING_DAYS
    )
    task = problem.task
    assert task.kind == TaskKind.REFERRAL_DATA_PROBLEM and task.state == TaskState.OPEN
    assert task.assignee == officer == referral.crime.oic
    assert task.reason == "A support service reported: wrong or missing phone number"
    assert "shop" not in task.reason

    # Olivia sees it on her worklist, linked to the problem page; the desk sees the task too.
    olivia = signed_in(officer)
    problem_href = reverse("referrals:problem", args=[task.pk])
    assert problem_href in olivia.get(reverse("duties:worklist")).content.decode()
    desk_tasks = signed_in(desk_agent).get(reverse("messaging:tasks")).content.decode()
    assert reverse("messaging:task-done", args=[task.pk]) in desk_tasks
    assert problem_href in desk_tasks
    page = olivia.get(problem_href)
    assert page.status_code == 200
    assert DESCRIPTION in text(page)
    assert AuditEvent.objects.filter(
        action="view", object_type="referrals.dataproblem", object_id=str(problem.pk)
    ).exists()

    # She corrects the number.
    response = olivia.post(
        reverse("referrals:problem-correct", args=[task.pk]), {"phone": CORRECTED_PHONE}
    )
    assert response.status_code == 302
    assert Victim.objects.get(pk=referral.victim_id).phone == "+447700900402"

    referral.refresh_from_db()
    assert referral.snapshot_version == 2
    second = ReferralSnapshot.objects.get(referral=referral, version=2)
    assert second.changed_fields == ["phone"]
    problem.refresh_from_db()
    assert problem.state == ProblemState.FIXED
    assert problem.fixed_in_version == 2 and problem.fixed_by == officer
    assert problem.fixed_at is not None
    task.refresh_from_db()
    assert task.state == TaskState.DONE
    assert AuditEvent.objects.filter(
        action="disclose", object_type="referrals.referral", object_id=str(referral.pk)
    ).exists()

    # Sue sees the correction: the new number, marked corrected, and the problem fixed.
    page = text(sue.get(reverse("referrals:inbox-referral", args=[referral.pk])))
    assert "+447700900402 Corrected" in page
    assert "Version 2" in page and "Fixed" in page
    assert "+447700900401" not in page.split("Corrections")[0]


def test_needs_corrected_through_the_case_flow_back_and_fix_the_needs_problem(
    make_referral, support_caseworker, officer
):
    referral = make_referral()
    problem = inbox.problem_report(
        actor=support_caseworker,
        referral=referral,
        kind=ProblemKind.MISSING_NEEDS,
        description="No needs were shared.",
    )
    phone_problem = inbox.problem_report(
        actor=support_caseworker,
        referral=referral,
        kind=ProblemKind.WRONG_PHONE,
        description="Rings out.",
    )

    needs_assessment_record(
        actor=officer,
        victim=referral.victim,
        crime=referral.crime,
        needs=NeedsInput(vulnerabilities=["isolated"], support_wanted=["emotional"]),
    )

    referral.refresh_from_db()
    assert referral.snapshot_version == 2
    assert set(ReferralSnapshot.objects.get(referral=referral, version=2).changed_fields) == {
        "vulnerabilities",
        "support_wanted",
    }
    problem.refresh_from_db()
    phone_problem.refresh_from_db()
    assert problem.state == ProblemState.FIXED and problem.fixed_in_version == 2
    assert phone_problem.state == ProblemState.OPEN  # the phone did not change


def test_nothing_changed_means_no_new_version(make_referral, officer):
    referral = make_referral()
    assert inbox.referrals_refresh_for_victim(victim_id=referral.victim_id, actor=officer) == []
    referral.refresh_from_db()
    assert referral.snapshot_version == 1


def test_a_closed_referral_gets_no_new_version(make_referral, officer):
    referral = make_referral(state=ReferralState.CLOSED)
    Victim.objects.filter(pk=referral.victim_id).update(address="1 Example Road")
    assert inbox.referrals_refresh_for_victim(victim_id=referral.victim_id, actor=officer) == []


def test_marking_the_task_done_by_hand_fixes_a_wrong_victim_problem(
    make_referral, support_caseworker, officer
):
    referral = make_referral()
    problem = inbox.problem_report(
        actor=support_caseworker,
        referral=referral,
        kind=ProblemKind.WRONG_VICTIM,
        description="These are the details of someone else.",
    )
    olivia = signed_in(officer)
    response = olivia.post(
        reverse("messaging:task-done", args=[problem.task_id]),
        {"note": "Checked with the victim and withdrew the wrong referral."},
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.state == ProblemState.FIXED
    assert problem.fixed_by == officer and problem.fixed_in_version == 1


def test_a_problem_report_without_a_description_is_refused_and_changes_nothing(
    make_referral, support_caseworker
):
    referral = make_referral()
    response = _report(signed_in(support_caseworker), referral, description="   ")
    assert response.status_code == 200
    page = text(response)
    assert inbox.PROBLEM_DESCRIPTION_REQUIRED in page and "There is a problem" in page
    assert not DataProblem.objects.exists()
    assert not ContactTask.objects.filter(kind=TaskKind.REFERRAL_DATA_PROBLEM).exists()

    response = _report(signed_in(support_caseworker), referral, kind="", description="x")
    assert inbox.PROBLEM_KIND_REQUIRED in text(response)
    response = _report(signed_in(support_caseworker), referral, description="x" * 1001)
    assert inbox.PROBLEM_DESCRIPTION_TOO_LONG in text(response)
    assert not DataProblem.objects.exists()


def test_the_caseworker_moves_a_referral_along_and_each_move_is_recorded(
    make_referral, support_caseworker
):
    referral = make_referral()
    sue = signed_in(support_caseworker)
    move = reverse("referrals:inbox-move", args=[referral.pk])
    for state in (ReferralState.ACCEPTED, ReferralState.NOT_REACHED, ReferralState.CONTACT_MADE):
        assert sue.post(move, {"to_state": state}).status_code == 302
    assert sue.post(move, {"to_state": ReferralState.SUPPORT_STARTED}).status_code == 302
    referral.refresh_from_db()
    assert referral.state == ReferralState.SUPPORT_STARTED
    moves = list(
        ReferralStatusEvent.objects.filter(referral=referral)
        .exclude(from_state="")
        .values_list("from_state", "to_state")
    )
    assert moves == [
        ("sent", "accepted"),
        ("accepted", "not_reached"),
        ("not_reached", "contact_made"),
        ("contact_made", "support_started"),
    ]
    assert (
        AuditEvent.objects.filter(
            action="change", object_type="referrals.referral", object_id=str(referral.pk)
        ).count()
        == 4
    )


def test_illegal_moves_are_refused_with_a_clear_message(make_referral, support_caseworker):
    referral = make_referral()
    sue = signed_in(support_caseworker)
    response = sue.post(
        reverse("referrals:inbox-move", args=[referral.pk]),
        {"to_state": ReferralState.SUPPORT_STARTED},
    )
    assert response.status_code == 200
    assert "cannot be marked as support started now: it is sent" in text(response)
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT
    assert not ReferralStatusEvent.objects.filter(referral=referral).exclude(from_state="").exists()

    response = sue.post(reverse("referrals:inbox-move", args=[referral.pk]), {"to_state": "nope"})
    assert inbox.MOVE_UNKNOWN in text(response)


def test_two_caseworkers_cannot_both_move_it(make_referral, support_caseworker, support_supervisor):
    referral = make_referral()
    stale = Referral.objects.get(pk=referral.pk)
    inbox.referral_move(actor=support_caseworker, referral=referral, to_state="accepted")
    with pytest.raises(Exception) as refused:
        inbox.referral_move(
            actor=support_supervisor, referral=stale, to_state="declined", reason="x"
        )
    assert "cannot be marked as declined by the service now: it is accepted" in str(refused.value)
    assert ReferralStatusEvent.objects.filter(referral=referral, to_state="declined").count() == 0


def test_a_decline_needs_a_reason(make_referral, support_caseworker):
    referral = make_referral()
    sue = signed_in(support_caseworker)
    url = reverse("referrals:inbox-decline", args=[referral.pk])
    response = sue.post(url, {"reason": "  "})
    assert inbox.DECLINE_REASON_REQUIRED in text(response)
    response = sue.post(url, {"reason": "y" * 501})
    assert inbox.DECLINE_REASON_TOO_LONG in text(response)
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT

    assert sue.post(url, {"reason": "Outside the boroughs we cover."}).status_code == 302
    referral.refresh_from_db()
    assert referral.state == ReferralState.DECLINED
    assert referral.decline_reason == "Outside the boroughs we cover."
    event = ReferralStatusEvent.objects.get(referral=referral, to_state="declined")
    assert event.note == "Outside the boroughs we cover." and event.by == support_caseworker


def test_the_inbox_lists_only_the_organisations_referrals_without_personal_data(
    make_referral, make_service, support_caseworker, other_charity
):
    mine = make_referral()
    accepted = make_referral(phone="07700 900403", state=ReferralState.ACCEPTED)
    theirs = make_referral(
        phone="07700 900404", service=make_service(organisation=other_charity, name="Elsewhere")
    )
    sue = signed_in(support_caseworker)
    page = sue.get(reverse("referrals:inbox"))
    assert page.status_code == 200
    body = text(page)
    assert f"Referral {mine.pk}" in body and f"Referral {accepted.pk}" in body
    assert f"Referral {theirs.pk}" not in body and "Elsewhere" not in body
    assert REFERRED_NAME not in body and "900401" not in body and mine.crime.crn not in body
    assert "Hackney" in body and mine.crime.offence.name in body
    # Newest first.
    assert body.index(f"Referral {accepted.pk}") < body.index(f"Referral {mine.pk}")

    filtered = text(sue.get(reverse("referrals:inbox"), {"state": "accepted"}))
    assert f"Referral {accepted.pk}" in filtered and f"Referral {mine.pk} " not in filtered
    wrong = text(sue.get(reverse("referrals:inbox"), {"state": "bogus"}))
    assert "Choose a state from the list" in wrong


def test_reading_a_referral_is_audited_as_a_view_of_the_victim(make_referral, support_caseworker):
    referral = make_referral()
    page = signed_in(support_caseworker).get(
        reverse("referrals:inbox-referral", args=[referral.pk])
    )
    assert page.status_code == 200
    assert REFERRED_NAME in text(page) and "+447700900401" in text(page)
    entry = AuditEvent.objects.get(
        action="view", object_type="referrals.referral", object_id=str(referral.pk)
    )
    assert entry.subject_id == str(referral.victim_id)
    assert entry.detail["referral_id"] == referral.pk


def test_a_caseworker_of_another_organisation_cannot_see_or_touch_the_referral(
    make_referral, other_caseworker, officer
):
    referral = make_referral()
    for person in (other_caseworker, officer):
        client = signed_in(person)
        assert (
            client.get(reverse("referrals:inbox-referral", args=[referral.pk])).status_code == 404
        )
        assert (
            client.post(
                reverse("referrals:inbox-move", args=[referral.pk]), {"to_state": "accepted"}
            ).status_code
            == 404
        )
        assert (
            client.post(
                reverse("referrals:inbox-decline", args=[referral.pk]), {"reason": "No."}
            ).status_code
            == 404
        )
        assert _report(client, referral).status_code == 404
    assert signed_in(officer).get(reverse("referrals:inbox")).status_code == 404
    other_inbox = text(signed_in(other_caseworker).get(reverse("referrals:inbox")))
    assert f"Referral {referral.pk}" not in other_inbox
    # A missing id answers the same.
    assert (
        signed_in(other_caseworker).get(reverse("referrals:inbox-referral", args=[999999]))
    ).status_code == 404
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT
    assert not DataProblem.objects.exists()
    assert not AuditEvent.objects.filter(object_type="referrals.referral", action="view").exists()


def test_only_people_who_may_act_on_the_task_read_the_problem(
    make_referral, support_caseworker, other_officer, officer
):
    referral = make_referral()
    problem = inbox.problem_report(
        actor=support_caseworker,
        referral=referral,
        kind=ProblemKind.WRONG_PHONE,
        description=DESCRIPTION,
    )
    url = reverse("referrals:problem", args=[problem.task_id])
    assert signed_in(other_officer).get(url).status_code == 404
    assert signed_in(support_caseworker).get(url).status_code == 404
    response = signed_in(other_officer).post(
        reverse("referrals:problem-correct", args=[problem.task_id]), {"phone": CORRECTED_PHONE}
    )
    assert response.status_code == 404
    assert Victim.objects.get(pk=referral.victim_id).phone == "+447700900401"


def test_a_bad_correction_is_refused_and_changes_nothing(
    make_referral, support_caseworker, officer
):
    referral = make_referral()
    problem = inbox.problem_report(
        actor=support_caseworker, referral=referral, kind=ProblemKind.WRONG_PHONE, description="x"
    )
    olivia = signed_in(officer)
    url = reverse("referrals:problem-correct", args=[problem.task_id])
    assert inbox.CORRECTION_PHONE_INVALID in text(olivia.post(url, {"phone": "not a number"}))
    assert inbox.CORRECTION_UNCHANGED in text(olivia.post(url, {"phone": REFERRED_PHONE}))
    referral.refresh_from_db()
    problem.refresh_from_db()
    assert referral.snapshot_version == 1 and problem.state == ProblemState.OPEN
