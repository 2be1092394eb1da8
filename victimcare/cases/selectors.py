"""Reads of the case record, scoped to what the acting person may see.

Views, the API and exports read crimes only through these functions.
`crime_list_for_user` builds, as one query, exactly the decision that
`permissions.py` makes for a single crime (tests check every persona over a
mixed set of crimes), so a list never shows a case its page would refuse.
Reading a person's details writes an audit entry (DPA 2018 s.62).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest

from victimcare.accounts.models import Organisation, User
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.core.crypto import blind_index

from . import messages as msg
from .constants import CrimeStatus
from .models import (
    CaseShare,
    ConsentRecord,
    Crime,
    CrimeVictim,
    JourneyEvent,
    NeedsAssessmentVersion,
    Victim,
)
from .permissions import recordable_event_codes, viewer_for
from .validation import email_valid, phone_e164

OPEN_STATUSES = (CrimeStatus.OPEN, CrimeStatus.SUSPECT_CHARGED, CrimeStatus.IN_COURT)
SEARCH_LIMIT = 100
PURPOSE_MAX = 500  # the audit log's purpose column


def _subtree(organisation_id: int) -> QuerySet[Organisation]:
    """The organisation and those below it (force → BCU → team, one level spare),
    as a subquery, so the crime list stays one query."""
    return Organisation.objects.filter(
        Q(pk=organisation_id)
        | Q(parent_id=organisation_id)
        | Q(parent__parent_id=organisation_id)
        | Q(parent__parent__parent_id=organisation_id)
    ).values("pk")


def crime_list_for_user(*, user: User) -> QuerySet[Crime]:
    """Exactly the crimes `cases.view_crime` allows `user`, as one query.

    Unordered; callers order and slice. Nothing for anonymous, inactive or
    role-less people, analysts and administrators. Costs one query to learn
    the person's organisations (cached on `user`) before the list itself.
    """
    viewer = viewer_for(user)
    if viewer is None:
        return Crime.objects.none()
    allowed = Q(oic_id=viewer.user_id) | Q(
        pk__in=CaseShare.objects.filter(organisation_id=viewer.organisation_id).values("crime_id")
    )
    if viewer.is_police_supervisor:
        allowed |= Q(team_id__in=_subtree(viewer.organisation_id))
    if viewer.is_police and viewer.bcu_id is not None:
        allowed |= Q(restricted=False, team_id__in=_subtree(viewer.bcu_id))
    if viewer.is_desk and viewer.force_id is not None:
        allowed |= Q(restricted=False, force_id=viewer.force_id)
    return Crime.objects.filter(allowed)


def my_cases(*, user: User) -> QuerySet[Crime]:
    """The open crimes (not closed) where `user` is the officer in the case,
    most recently updated first, with what the list page shows."""
    if viewer_for(user) is None:
        return Crime.objects.none()
    return (
        Crime.objects.filter(oic_id=user.pk, status__in=OPEN_STATUSES)
        .select_related("offence", "area", "team")
        .order_by("-updated_at", "-pk")
    )


def access_crime(*, user: User, crime_id: int | None = None, crn: str | None = None) -> Crime:
    """The crime with `crime_id` (or `crn`) if `user` may view it.

    Raises Http404 both when there is no such crime and when `user` may not
    see it, so the answer never reveals that a case exists. A CRN is unique
    within a force; if crimes of several forces share it, the one of the
    person's own force is taken, and otherwise the answer is 404.
    """
    if (crime_id is None) == (crn is None):
        raise Http404("No such crime.")
    crimes = crime_list_for_user(user=user).select_related(
        "offence", "area", "team", "oic", "force"
    )
    if crime_id is not None:
        crime = crimes.filter(pk=crime_id).first()
    else:
        matches = list(crimes.filter(crn=(crn or "").strip().upper())[:10])
        if len(matches) > 1:
            viewer = viewer_for(user)
            own = viewer.force_id if viewer is not None else None
            matches = [c for c in matches if c.force_id == own]
        crime = matches[0] if len(matches) == 1 else None
    if crime is None:
        raise Http404("No such crime.")
    return crime


@dataclass(frozen=True)
class VictimDetail:
    """A person on a case as staff see them: decrypted details (on `victim`),
    their link to the crime, the current needs assessment and latest consents."""

    victim: Victim
    role: str
    role_label: str
    is_primary_contact: bool
    needs: NeedsAssessmentVersion | None
    consents: list[ConsentRecord] = field(default_factory=list)

    @property
    def date_of_birth(self) -> dt.date | None:
        value = self.victim.date_of_birth
        return dt.date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class CrimeDetail:
    """Everything the case page shows, read once and audited.

    `event_codes`: what the reader may record; `may_edit_needs` and
    `may_share`: which actions to offer (the services check again)."""

    crime: Crime
    victims: list[VictimDetail]
    timeline: list[JourneyEvent]
    shares: list[CaseShare]
    event_codes: list[str]
    may_edit_needs: bool
    may_share: bool


def _latest_consents(records: list[ConsentRecord]) -> list[ConsentRecord]:
    latest: dict[str, ConsentRecord] = {}
    for record in sorted(records, key=lambda r: (r.recorded_at, r.pk)):
        latest[record.kind] = record
    return sorted(latest.values(), key=lambda r: r.kind)


def _require_view(user: User, crime: Crime) -> None:
    if not user.has_perm("cases.view_crime", crime):
        raise Http404("No such crime.")


def crime_detail(
    *, user: User, crime: Crime, request: HttpRequest | None = None, purpose: str = ""
) -> CrimeDetail:
    """The case page's content for `user` (Http404 if they may not view it).

    People with decrypted contact details, each one's current needs
    assessment and latest consent of each kind (equality data is never
    shown: it is for statistics only), shares, and the timeline newest first.
    Writes one VIEW audit entry per person shown, with `purpose`.
    """
    _require_view(user, crime)
    purpose = (purpose or "").strip()[:PURPOSE_MAX]
    links = list(
        CrimeVictim.objects.filter(crime=crime)
        .select_related("victim", "victim__needs__current")
        .prefetch_related(Prefetch("victim__consents", queryset=ConsentRecord.objects.all()))
        .order_by("-is_primary_contact", "added_at", "pk")
    )
    victims = []
    for link in links:
        assessment = getattr(link.victim, "needs", None)
        victims.append(
            VictimDetail(
                victim=link.victim,
                role=link.role,
                role_label=link.get_role_display(),
                is_primary_contact=link.is_primary_contact,
                needs=assessment.current if assessment is not None else None,
                consents=_latest_consents(list(link.victim.consents.all())),
            )
        )
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            actor=user,
            object_type="cases.crime",
            object_id=crime.pk,
            subject_type="cases.victim",
            subject_id=link.victim_id,
            purpose=purpose,
        )
    if not links:
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            actor=user,
            object_type="cases.crime",
            object_id=crime.pk,
            purpose=purpose,
        )
    shares = list(
        CaseShare.objects.filter(crime=crime).select_related("organisation").order_by("shared_at")
    )
    return CrimeDetail(
        crime=crime,
        victims=victims,
        timeline=_timeline(crime),
        shares=shares,
        event_codes=recordable_event_codes(user=user, crime=crime),
        may_edit_needs=user.has_perm("cases.edit_needs", crime),
        may_share=user.has_perm("cases.share_crime", crime),
    )


def _timeline(crime: Crime) -> list[JourneyEvent]:
    return list(
        JourneyEvent.objects.filter(crime=crime)
        .select_related("recorded_by", "recording_organisation", "victim", "supersedes")
        .prefetch_related("superseded_by")
        .order_by("-occurred_at", "-pk")
    )


def timeline(*, user: User, crime: Crime) -> list[JourneyEvent]:
    """The crime's events newest first (by when they happened), with who
    recorded each and for which organisation. Http404 if `user` may not view it.
    A corrected event stays, with `superseded_by` naming its correction."""
    _require_view(user, crime)
    return _timeline(crime)


def victim_ids_matching(
    *,
    name: str = "",
    date_of_birth: dt.date | None = None,
    phone_index: str | None = None,
    email_index: str | None = None,
    among: Iterable[int] | None = None,
    limit: int | None = None,
) -> list[int]:
    """Ids of the people matching every criterion given, through the blind
    indexes (the data is encrypted); `among` narrows to those ids. The date of
    birth is encrypted too, so it is compared among the other matches only."""
    victims = Victim.objects.all()
    if among is not None:
        victims = victims.filter(pk__in=list(among))
    if name:
        victims = victims.filter(name_index=blind_index(name, kind="name"))
    if phone_index:
        victims = victims.filter(phone_index=phone_index)
    if email_index:
        victims = victims.filter(email_index=email_index)
    ids = victims.values_list("pk", flat=True)
    victim_ids = list(ids[:limit] if limit is not None else ids)
    if date_of_birth is None:
        return victim_ids
    wanted = date_of_birth.isoformat()
    return [
        v.pk
        for v in Victim.objects.filter(pk__in=victim_ids).only("pk", "date_of_birth")
        if v.date_of_birth == wanted
    ]


def crime_search(
    *,
    user: User,
    purpose: str,
    crn: str = "",
    name: str = "",
    date_of_birth: dt.date | None = None,
    phone: str = "",
    email: str = "",
    request: HttpRequest | None = None,
) -> list[Crime]:
    """Crimes `user` may view that match every criterion given, exactly: the CRN,
    a victim's full name (and date of birth), a victim's phone number or email.

    Names, phones and emails are matched through blind indexes (the data is
    encrypted). A `purpose` is required and written, with the number of
    results, to a SEARCH audit entry; the search terms themselves are not.
    At most SEARCH_LIMIT results, most recently reported first.
    """
    purpose = (purpose or "").strip()
    crn = (crn or "").strip().upper()
    name = (name or "").strip()
    phone = (phone or "").strip()
    email = (email or "").strip()
    errors: dict[str, list[str]] = {}
    if not purpose:
        errors["purpose"] = [msg.SEARCH_PURPOSE_REQUIRED]
    elif len(purpose) > PURPOSE_MAX:
        errors["purpose"] = [msg.PURPOSE_TOO_LONG]
    if not (crn or name or phone or email):
        errors["__all__"] = [
            msg.SEARCH_DOB_NEEDS_NAME if date_of_birth else msg.SEARCH_CRITERIA_REQUIRED
        ]
    elif date_of_birth is not None and not name:
        errors["name"] = [msg.SEARCH_DOB_NEEDS_NAME]
    phone_index = None
    if phone:
        try:
            phone_index = blind_index(phone_e164(phone), kind="phone")
        except ValueError:
            errors["phone"] = [msg.PHONE_INVALID]
    email_index = None
    if email:
        if email_valid(email):
            email_index = blind_index(email, kind="email")
        else:
            errors["email"] = [msg.EMAIL_INVALID]
    if errors:
        raise ValidationError(errors)

    crimes = crime_list_for_user(user=user)
    if crn:
        crimes = crimes.filter(crn=crn)
    if name or phone_index or email_index:
        victim_ids = victim_ids_matching(
            name=name,
            date_of_birth=date_of_birth,
            phone_index=phone_index,
            email_index=email_index,
            limit=SEARCH_LIMIT * 10,
        )
        crimes = crimes.filter(
            pk__in=CrimeVictim.objects.filter(victim_id__in=victim_ids).values("crime_id")
        )
    results = list(
        crimes.select_related("offence", "area", "team", "oic").order_by("-reported_at", "-pk")[
            :SEARCH_LIMIT
        ]
    )
    audit_record(
        action=AuditAction.SEARCH,
        request=request,
        actor=user,
        object_type="cases.crime",
        purpose=purpose,
        detail={
            "criteria": [
                c
                for c, given in (
                    ("crn", crn),
                    ("name", name),
                    ("date_of_birth", date_of_birth),
                    ("phone", phone),
                    ("email", email),
                )
                if given
            ],
            "result_count": len(results),
            "crime_ids": [c.pk for c in results],
        },
    )
    return results
