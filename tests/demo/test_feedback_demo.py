"""`victimcare demo --crimes N` also builds rate-your-contact feedback (issue 6):
a card for every police officer, invitations only where they were safe to send,
ratings calibrated to the 2013 London report, and review items made by the live
follow-up rules.

The calibration is checked on a build large enough for each group (3,000
crimes at scale 0.2: about 1,300 responses); the smaller builds check the rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command

from victimcare.accounts.constants import POLICE_KINDS, Role
from victimcare.accounts.models import User
from victimcare.cases.models import Crime
from victimcare.feedback.constants import (
    LOW_RATINGS,
    TOKEN_PATTERN,
    InvitationChannel,
    ReviewKind,
    ReviewState,
)
from victimcare.feedback.models import Commendation, Invitation, OfficerCard, Response, Review
from victimcare.feedback.services import token_hash
from victimcare.messaging.safety import crime_is_restricted, enqueue_verdict

pytestmark = pytest.mark.django_db

SCALE = "0.2"
TOLERANCE = 3.0  # percentage points
BME = ("asian", "black", "mixed", "other")


def demo(*args: str) -> None:
    call_command("demo", "--scale", SCALE, *args, stdout=StringIO(), stderr=StringIO())


def satisfied(
    rows: list[tuple[int, ...]], keep: Callable[[tuple[int, ...]], bool]
) -> tuple[int, float]:
    """(responses, % satisfied) among the rows `keep` selects."""
    chosen = [r for r in rows if keep(r)]
    return len(chosen), 100 * sum(r[0] >= 4 for r in chosen) / max(1, len(chosen))


def test_the_feedback_matches_the_2013_report_and_every_officer_has_a_card() -> None:
    demo("--seed", "3", "--crimes", "3000")

    # Every police officer and supervisor has exactly one active card, of the real shape.
    police = User.objects.filter(
        otp_exempt=True,
        role__in=(Role.OFFICER, Role.SUPERVISOR),
        organisation__kind__in=POLICE_KINDS,
    )
    cards = list(OfficerCard.objects.filter(revoked_at__isnull=True))
    assert sorted(c.officer_id for c in cards) == sorted(police.values_list("pk", flat=True))
    assert all(TOKEN_PATTERN.match(c.code) and c.code_hash == token_hash(c.code) for c in cards)

    rows = list(
        Response.objects.values_list(
            "rating", "ethnicity", "disability", "needs_recognised", "invitation__crime__area__name"
        )
    )
    invitations = Invitation.objects.count()
    assert 0.20 <= len(rows) / invitations <= 0.30, "about a quarter of invitations answered"
    assert len(rows) > 1000

    n = len(rows)
    shares = {
        "satisfied": 100 * sum(r[0] >= 4 for r in rows) / n,
        "neither": 100 * sum(r[0] == 3 for r in rows) / n,
        "dissatisfied": 100 * sum(r[0] <= 2 for r in rows) / n,
    }
    for key, target in {"satisfied": 74, "neither": 10, "dissatisfied": 16}.items():
        assert abs(shares[key] - target) <= TOLERANCE, (key, shares[key])

    _, white = satisfied(rows, lambda r: r[1] == "white")
    _, bme = satisfied(rows, lambda r: r[1] in BME)
    assert bme < white
    assert abs(white - 77) <= TOLERANCE and abs(bme - 72) <= TOLERANCE, (white, bme)
    _, disabled = satisfied(rows, lambda r: r[2] == "yes")
    _, not_disabled = satisfied(rows, lambda r: r[2] == "no")
    assert disabled < not_disabled, (disabled, not_disabled)
    _, recognised = satisfied(rows, lambda r: r[3] == "yes")
    _, not_recognised = satisfied(rows, lambda r: r[3] == "no")
    assert abs(recognised - 79) <= TOLERANCE and abs(not_recognised - 46) <= 2 * TOLERANCE

    # Boroughs: the low three and the high two together, and Hackney and Kingston on
    # their own with one response's worth of slack (systematic sampling: the share in
    # each group is its expected share to within about a response).
    _, low = satisfied(rows, lambda r: r[4] in ("Hackney", "Enfield", "Tower Hamlets"))
    _, high = satisfied(rows, lambda r: r[4] in ("Kingston upon Thames", "Sutton"))
    assert low < 70 and high >= 80, (low, high)
    hackney_n, hackney = satisfied(rows, lambda r: r[4] == "Hackney")
    kingston_n, kingston = satisfied(rows, lambda r: r[4] == "Kingston upon Thames")
    assert hackney_n >= 15 and kingston_n >= 15, "enough responses to compare boroughs"
    assert hackney < 70 + 100 / hackney_n, hackney
    assert kingston >= 80 - 100 / kingston_n, kingston

    # The live follow-up put every low rating on a list; the urgent queue has items,
    # older items are mostly closed with an outcome, and top officers were commended.
    reviewed = set(Review.objects.values_list("response_id", flat=True))
    low = set(Response.objects.filter(rating__in=LOW_RATINGS).values_list("pk", flat=True))
    assert low <= reviewed
    assert Review.objects.filter(kind=ReviewKind.URGENT).exists()
    closed = Review.objects.filter(state=ReviewState.CLOSED)
    assert closed.exists() and not closed.filter(outcome="").exists()
    assert Commendation.objects.exists()


def test_no_text_or_email_invitation_where_automated_contact_is_not_safe() -> None:
    demo("--seed", "4", "--crimes", "1500")
    automated = list(
        Invitation.objects.filter(
            channel__in=(InvitationChannel.SMS, InvitationChannel.EMAIL)
        ).select_related("victim", "crime__offence")
    )
    assert automated, "some victims prefer texts or emails and may be sent them"
    for invitation in automated:
        assert invitation.victim is not None and invitation.crime is not None
        assert enqueue_verdict(
            victim=invitation.victim, channel=invitation.channel, crime=invitation.crime
        ).allowed, invitation.pk
        if crime_is_restricted(invitation.crime):
            assert invitation.victim.safe_channel_confirmed_at is not None

    # Restricted cases still get QR codes shown in person, never an automated one unconfirmed.
    restricted = [c for c in Crime.objects.select_related("offence") if crime_is_restricted(c)]
    assert restricted
    assert Invitation.objects.filter(channel=InvitationChannel.QR, crime__in=restricted).exists()


def digest() -> str:
    rows = sorted(
        (r[0], r[1].isoformat(), r[2], r[3])
        for r in Response.objects.values_list(
            "rating", "created_at", "invitation__officer__email", "invitation__channel"
        )
    )
    cards = sorted(OfficerCard.objects.values_list("officer__email", "code_hash"))
    return hashlib.sha256(repr((rows, cards)).encode()).hexdigest()


def test_the_same_seed_gives_the_same_feedback_after_a_reset() -> None:
    demo("--seed", "5", "--crimes", "400")
    first = digest()
    assert Response.objects.exists()

    demo("--seed", "5", "--crimes", "400", "--reset")
    assert digest() == first

    demo("--seed", "6", "--crimes", "400", "--reset")
    assert digest() != first
