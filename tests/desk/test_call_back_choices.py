"""Call backs: the next open times offered as choices that book directly, and
cancelling a call back with a reason (not twice, not a done one).

On a Saturday the victim asks for 17:00; the desk closes at 16:00 at weekends,
so the agent sees the message and Sunday 08:00, 08:30 and 09:00 as choices, and
chooses 08:30. Later the victim rings to say they no longer need it, and the
agent cancels it from the case view."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from victimcare.core.models import AuditEvent
from victimcare.desk import messages as msg
from victimcare.desk.constants import CallBackCancelReason, CallBackReason, CallBackState
from victimcare.desk.models import CallBack
from victimcare.messaging.desk import LONDON

from .conftest import signed_in, text

pytestmark = pytest.mark.django_db

SATURDAY_MORNING = dt.datetime(2026, 12, 5, 10, 0, tzinfo=LONDON)
SUNDAY_8 = dt.datetime(2026, 12, 6, 8, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def desk_hours(settings):  # type: ignore[no-untyped-def]
    settings.VICTIM_FOCUS_DESK_HOURS = "mon-fri 08:00-20:00; sat-sun 08:00-16:00"
    settings.VICTIM_FOCUS_DESK_CLOSED_ON_BANK_HOLIDAYS = True


def _checked_desk(desk_agent, victim, crime):  # type: ignore[no-untyped-def]
    desk = signed_in(desk_agent)
    desk.post(
        reverse("desk:identity-check", args=[victim.pk, crime.pk]),
        {"method": "code_word", "outcome": "passed"},
    )
    return desk


def _ask(desk, victim, crime, day: dt.date, time: str, reason: str = "question"):  # type: ignore[no-untyped-def]
    return desk.post(
        reverse("desk:call-back", args=[victim.pk, crime.pk]),
        {
            "date-day": day.day,
            "date-month": day.month,
            "date-year": day.year,
            "time": time,
            "reason": reason,
        },
    )


def test_a_saturday_1700_request_offers_sunday_0800_onwards_and_a_choice_books_it(
    desk_agent, crime, victim
):
    with time_machine.travel(SATURDAY_MORNING, tick=False):
        desk = _checked_desk(desk_agent, victim, crime)
        refused = _ask(desk, victim, crime, dt.date(2026, 12, 5), "17:00")
        page = refused.content.decode()
        # The message stays, and the same times are offered as radio choices.
        assert "The desk is closed then. The next times it is open: Sunday 6 December 08:00" in (
            text(refused)
        )
        offered = [
            SUNDAY_8,
            SUNDAY_8 + dt.timedelta(minutes=30),
            SUNDAY_8 + dt.timedelta(minutes=60),
        ]
        for at in offered:
            assert f'type="radio" value="{at.isoformat()}"' in page
        assert 'name="offered-reason" value="question"' in page
        assert not CallBack.objects.exists()

        # Sent with no time chosen: its own error, and the same times offered again.
        unchosen = desk.post(
            reverse("desk:call-back", args=[victim.pk, crime.pk]),
            {
                "offered": "1",
                "offered-reason": "question",
                "offered-after": dt.datetime(2026, 12, 5, 17, 0, tzinfo=LONDON).isoformat(),
            },
        )
        assert msg.SLOT_REQUIRED in text(unchosen)
        for at in offered:
            assert f'type="radio" value="{at.isoformat()}"' in unchosen.content.decode()
        assert not CallBack.objects.exists()

        booked = desk.post(
            reverse("desk:call-back", args=[victim.pk, crime.pk]),
            {"offered": "1", "offered-slot": offered[1].isoformat(), "offered-reason": "question"},
        )
        assert booked.url == reverse("desk:case", args=[victim.pk, crime.pk])
        call_back = CallBack.objects.get()
        assert call_back.requested_for == offered[1]
        assert call_back.reason == CallBackReason.QUESTION
        assert call_back.requested_by == desk_agent
        assert AuditEvent.objects.filter(object_type="desk.call_back", action="create").count() == 1


@pytest.mark.parametrize(
    ("slot", "error"),
    [
        ("", msg.SLOT_REQUIRED),
        ("not a time", msg.SLOT_INVALID),
        # 17:00 on Saturday: the desk is closed, so it is not a time it could offer.
        (dt.datetime(2026, 12, 5, 17, 0, tzinfo=LONDON).isoformat(), msg.SLOT_INVALID),
        # Open, but already past.
        (dt.datetime(2026, 12, 5, 9, 0, tzinfo=LONDON).isoformat(), msg.CALL_BACK_IN_PAST),
    ],
    ids=["none", "garbage", "closed", "past"],
)
def test_a_bad_offered_time_books_nothing(desk_agent, crime, victim, slot, error):
    with time_machine.travel(SATURDAY_MORNING, tick=False):
        desk = _checked_desk(desk_agent, victim, crime)
        response = desk.post(
            reverse("desk:call-back", args=[victim.pk, crime.pk]),
            {"offered": "1", "offered-slot": slot, "offered-reason": "update"},
        )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert error in text(response)
    assert not CallBack.objects.exists()


def _call_back(crime, victim, **kw):  # type: ignore[no-untyped-def]
    return CallBack.objects.create(
        crime=crime,
        victim=victim,
        requested_for=SUNDAY_8,
        due_at=SUNDAY_8 + dt.timedelta(hours=1),
        reason=CallBackReason.UPDATE,
        **kw,
    )


def test_cancelling_from_the_case_view_with_a_reason_and_not_twice(desk_agent, crime, victim):
    call_back = _call_back(crime, victim)
    with time_machine.travel(SATURDAY_MORNING, tick=False):
        desk = _checked_desk(desk_agent, victim, crime)
        case_url = reverse("desk:case", args=[victim.pk, crime.pk])
        cancel = reverse("desk:call-back-cancel", args=[call_back.pk])
        case = desk.get(case_url).content.decode()
        assert f'href="{cancel}?from=case"' in case

        missing = desk.post(cancel, {"from": "case"})
        assert missing.status_code == 200 and msg.CANCEL_REASON_REQUIRED in text(missing)
        made_up = desk.post(cancel, {"from": "case", "reason": "because"})
        assert msg.CANCEL_REASON_REQUIRED in text(made_up)
        call_back.refresh_from_db()
        assert call_back.state == CallBackState.OPEN

        done = desk.post(cancel, {"from": "case", "reason": "victim_asked"})
        assert done.url == case_url
        call_back.refresh_from_db()
        assert call_back.state == CallBackState.CANCELLED
        assert call_back.cancel_reason == CallBackCancelReason.VICTIM_ASKED
        assert call_back.done_by == desk_agent and call_back.done_at == SATURDAY_MORNING
        entry = AuditEvent.objects.get(object_type="desk.call_back", action="change")
        assert entry.detail == {
            "crime_id": crime.pk,
            "state": "cancelled",
            "reason": "victim_asked",
        }
        assert "Call back Sunday 6 December" not in text(desk.get(case_url))
        assert call_back.crime.crn not in text(desk.get(reverse("desk:call-backs")))

        twice = desk.post(cancel, {"reason": "duplicate"})
        assert twice.status_code == 200
        assert msg.CALL_BACK_ALREADY_CANCELLED in text(twice)
    call_back.refresh_from_db()
    assert call_back.cancel_reason == CallBackCancelReason.VICTIM_ASKED
    assert AuditEvent.objects.filter(object_type="desk.call_back", action="change").count() == 1


def test_a_done_call_back_cannot_be_cancelled(desk, desk_agent, crime, victim):
    call_back = _call_back(crime, victim)
    queue = reverse("desk:call-backs")
    assert reverse("desk:call-back-cancel", args=[call_back.pk]) in desk.get(queue).content.decode()
    desk.post(reverse("desk:call-back-done", args=[call_back.pk]), {"outcome": "Rang them."})
    refused = desk.post(
        reverse("desk:call-back-cancel", args=[call_back.pk]), {"reason": "dealt_with"}
    )
    assert refused.status_code == 200
    assert msg.CALL_BACK_ALREADY_DONE in text(refused)
    call_back.refresh_from_db()
    assert call_back.state == CallBackState.DONE and call_back.cancel_reason == ""


def test_officers_and_other_forces_cases_get_not_found(desk, make_crime, crime, victim, officer):
    from victimcare.cases.services import VictimInput

    call_back = _call_back(crime, victim)
    cancel = reverse("desk:call-back-cancel", args=[call_back.pk])
    assert signed_in(officer).post(cancel, {"reason": "duplicate"}).status_code == 404
    restricted = make_crime(offence="rape", victims=[VictimInput(full_name="Other Person")])
    hidden = _call_back(restricted, restricted.victim_links.get().victim)
    hidden_cancel = reverse("desk:call-back-cancel", args=[hidden.pk])
    assert desk.post(hidden_cancel, {"reason": "duplicate"}).status_code == 404
    assert set(CallBack.objects.values_list("state", flat=True)) == {CallBackState.OPEN}
