"""The support organisation's side of a referral: its inbox, the state it moves
through, the data problems it reports, and corrections flowing back.

Selectors read only what the person may see (404 for anyone else, including a
caseworker of another organisation); services write, each with its audit entry.
Every read of a victim's data is a VIEW, every new version shared a DISCLOSE
(DPA 2018 s.62).

The loop (2013 report, recommendation 4): a caseworker reports a data problem;
the officer in the case gets a rectification task (the desk sees it too) due
in `settings.REFERRAL_RECTIFY_WORKING_DAYS` working days; when the victim's
record is corrected, `referrals_refresh_for_victim` sends a new snapshot
version to every open referral and marks the matching problems fixed, their
tasks done. An officer marking the task done by hand fixes the problem too
(`problem_fixed_by_task`, from messaging's task_mark_done).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from victimcare.cases.models import Crime, Victim
from victimcare.cases.validation import email_valid, phone_e164
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction
from victimcare.duties.calendar import deadline_for
from victimcare.messaging.constants import TaskKind, TaskState
from victimcare.messaging.models import ContactTask
from victimcare.messaging.selectors import access_task

from .constants import (
    DECLINE_REASON_MAX,
    OPEN_STATES,
    PROBLEM_DESCRIPTION_MAX,
    TRANSITIONS,
    ProblemKind,
    ProblemState,
    ReferralState,
)
from .models import DataProblem, Referral, ReferralSnapshot, ReferralStatusEvent
from .permissions import UPDATE_REFERRAL, USE_INBOX, VIEW_DATA_PROBLEM, VIEW_REFERRAL
from .snapshot import FIELDS, snapshot_build, snapshot_changes, snapshot_dumps, snapshot_loads

if TYPE_CHECKING:
    from victimcare.accounts.models import User

INBOX_LIMIT = 200

# Plain-English messages (tests import them).
MOVE_NOT_ALLOWED = (
    "This referral cannot be marked as {to} now: it is {state}. "
    "Someone may have changed it since you opened the page."
)
MOVE_UNKNOWN = "Choose what has happened to the referral."
DECLINE_REASON_REQUIRED = "Enter why the service cannot take this referral."
DECLINE_REASON_TOO_LONG = f"The reason must be {DECLINE_REASON_MAX} characters or fewer."
PROBLEM_KIND_REQUIRED = "Select what is wrong with the details."
PROBLEM_DESCRIPTION_REQUIRED = "Describe the problem, so the officer knows what to correct."
PROBLEM_DESCRIPTION_TOO_LONG = (
    f"The description must be {PROBLEM_DESCRIPTION_MAX} characters or fewer."
)
CORRECTION_NOTHING = "Enter the corrected phone number, email address or address."
CORRECTION_PHONE_INVALID = "Enter a phone number in the correct format, like 07700 900 982."
CORRECTION_EMAIL_INVALID = "Enter an email address in the correct format, like name@example.org."
CORRECTION_UNCHANGED = "The details you entered are the same as the ones recorded."

# The task's reason: fixed words only, never the caseworker's description.
TASK_REASON = "A support service reported: {kind}"
TASK_DONE_NOTE = "Corrected: the new details went to the support service (version {version})."

# Which snapshot fields correct each kind of problem. WRONG_VICTIM and OTHER
# cannot be fixed by editing: the officer marks the task done.
KIND_FIELDS: dict[str, frozenset[str]] = {
    ProblemKind.WRONG_PHONE: frozenset({"phone"}),
    ProblemKind.WRONG_EMAIL: frozenset({"email"}),
    ProblemKind.WRONG_ADDRESS: frozenset({"address"}),
    ProblemKind.MISSING_NEEDS: frozenset(
        {
            "vulnerabilities",
            "communication_needs",
            "support_wanted",
            "interpreter_needed",
            "accessible_format",
        }
    ),
    ProblemKind.SAFE_CONTACT: frozenset({"safe_contact", "code_word_set"}),
    ProblemKind.MISSING_RISK: frozenset({"risk_level"}),
}
# The kinds the officer's page offers to correct directly.
CONTACT_KINDS = frozenset(
    {ProblemKind.WRONG_PHONE, ProblemKind.WRONG_EMAIL, ProblemKind.WRONG_ADDRESS}
)


def _state_label(state: str) -> str:
    return str(dict(ReferralState.choices).get(state, state)).lower()


def _kind_label(kind: str) -> str:
    return str(dict(ProblemKind.choices).get(kind, kind))


# --- Selectors -----------------------------------------------------------------------


def referral_list_for_inbox(*, user: User, state: str = "") -> list[Referral]:
    """The referrals made to the person's organisation, newest first, optionally
    in one state. Ids, service, dates, state, borough and offence only: the
    list decrypts nothing. Http404 for anyone who may not use the inbox."""
    if not user.has_perm(USE_INBOX):
        raise Http404("No such page.")
    referrals = Referral.objects.filter(organisation_id=user.organisation_id).select_related(
        "service", "crime__offence", "crime__area"
    )
    if state:
        referrals = referrals.filter(state=state)
    return list(referrals.order_by("-sent_at", "-id")[:INBOX_LIMIT])


def access_referral(*, user: User, referral_id: int, permission: str = VIEW_REFERRAL) -> Referral:
    """The referral if it was made to the person's organisation; Http404 for
    missing and forbidden alike."""
    referral = (
        Referral.objects.select_related("service", "crime__offence", "crime__area", "crime__oic")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None or not user.has_perm(permission, referral):
        raise Http404("No such referral.")
    return referral


@dataclass(frozen=True)
class VersionChange:
    version: int
    taken_at: dt.datetime
    rows: list[tuple[str, str]]  # (label, new value) of each field that changed


@dataclass(frozen=True)
class ReferralDetail:
    referral: Referral
    rows: list[dict[str, Any]]  # label, text, corrected (changed in a later version)
    changes: list[VersionChange]
    events: list[ReferralStatusEvent]
    problems: list[DataProblem]
    next_states: list[str]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "None recorded"
    return str(value) if value not in (None, "") else "Not recorded"


def referral_detail(
    *, user: User, referral_id: int, request: HttpRequest | None = None
) -> ReferralDetail:
    """What the receiving caseworker reads: the latest snapshot (fields corrected
    since the first version marked), what changed in each later version, the
    state history and the data problems. One VIEW audit entry (the victim's data)."""
    referral = access_referral(user=user, referral_id=referral_id)
    latest = snapshot_loads(referral.snapshot)
    versions = list(ReferralSnapshot.objects.filter(referral=referral).order_by("version"))
    corrected: set[str] = set()
    changes = []
    for snap in versions:
        if snap.version <= 1 or not snap.changed_fields:
            continue
        data = snapshot_loads(snap.data)
        corrected.update(snap.changed_fields)
        changes.append(
            VersionChange(
                version=snap.version,
                taken_at=snap.taken_at,
                rows=[
                    (FIELDS[name], _text(data.get(name)))
                    for name in FIELDS
                    if name in snap.changed_fields
                ],
            )
        )
    rows = [
        {"label": label, "text": _text(latest.get(name)), "corrected": name in corrected}
        for name, label in FIELDS.items()
    ]
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=user,
        object_type="referrals.referral",
        object_id=referral.pk,
        subject_type="cases.victim",
        subject_id=referral.victim_id,
        detail={
            "page": "referrals.inbox",
            "referral_id": referral.pk,
            "version": referral.snapshot_version,
        },
    )
    return ReferralDetail(
        referral=referral,
        rows=rows,
        changes=list(reversed(changes)),
        events=list(referral.status_events.select_related("by").order_by("at", "id")),
        problems=list(referral.problems.select_related("reported_by", "fixed_by")),
        next_states=sorted(TRANSITIONS.get(referral.state, frozenset()), key=_ORDER.index),
    )


_ORDER = list(ReferralState.values)


@dataclass(frozen=True)
class ProblemForOfficer:
    problem: DataProblem
    task: ContactTask
    referral: Referral


def problem_for_task(*, user: User, task_id: int, request: HttpRequest | None) -> ProblemForOfficer:
    """The data problem behind a REFERRAL_DATA_PROBLEM task, with the caseworker's
    description, for the person asked to fix it (or the desk, supervisors).

    Http404 for a missing task, one of another kind, or anyone who may not act
    on it. One VIEW audit entry with the victim as subject."""
    task = access_task(user=user, task_id=task_id)
    if task.kind != TaskKind.REFERRAL_DATA_PROBLEM:
        raise Http404("No such data problem.")
    problem = (
        DataProblem.objects.select_related(
            "referral__service", "referral__crime__offence", "reported_by", "task"
        )
        .filter(task=task)
        .first()
    )
    if problem is None or not user.has_perm(VIEW_DATA_PROBLEM, problem):
        raise Http404("No such data problem.")
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        actor=user,
        object_type="referrals.dataproblem",
        object_id=problem.pk,
        subject_type="cases.victim",
        subject_id=task.victim_id,
        detail={
            "page": "referrals.problem",
            "referral_id": problem.referral_id,
            "task_id": task.pk,
        },
    )
    return ProblemForOfficer(problem=problem, task=task, referral=problem.referral)


# --- Services: state ------------------------------------------------------------------


@transaction.atomic
def referral_move(
    *,
    actor: User,
    referral: Referral,
    to_state: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Referral:
    """Move a referral made to the person's organisation along TRANSITIONS.

    A decline needs a reason (kept on the referral and its status event). The
    move is a conditional UPDATE on the state read, so of two caseworkers
    moving it at once only one succeeds; the other gets MOVE_NOT_ALLOWED.
    Writes a ReferralStatusEvent and a CHANGE audit entry."""
    if not actor.has_perm(UPDATE_REFERRAL, referral):
        raise PermissionDenied
    if to_state not in ReferralState.values:
        raise ValidationError({"to_state": [MOVE_UNKNOWN]})
    reason = (reason or "").strip()
    if to_state == ReferralState.DECLINED:
        if not reason:
            raise ValidationError({"reason": [DECLINE_REASON_REQUIRED]})
        if len(reason) > DECLINE_REASON_MAX:
            raise ValidationError({"reason": [DECLINE_REASON_TOO_LONG]})
    else:
        reason = ""
    current = Referral.objects.filter(pk=referral.pk).values_list("state", flat=True).first()
    refused = ValidationError(
        {
            "to_state": [
                MOVE_NOT_ALLOWED.format(
                    to=_state_label(to_state), state=_state_label(current or "")
                )
            ]
        }
    )
    if current is None or to_state not in TRANSITIONS.get(current, frozenset()):
        raise refused
    now = timezone.now()
    changes: dict[str, Any] = {"state": to_state, "state_changed_at": now}
    if to_state == ReferralState.DECLINED:
        changes["decline_reason"] = reason
    moved = Referral.objects.filter(pk=referral.pk, state=current).update(**changes)
    if moved != 1:  # someone else moved it between our read and our write
        raise refused
    ReferralStatusEvent.objects.create(
        referral=referral,
        from_state=current,
        to_state=to_state,
        by=actor,
        at=now,
        note=reason or str(dict(ReferralState.choices)[to_state]),
    )
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="referrals.referral",
        object_id=referral.pk,
        subject_type="cases.victim",
        subject_id=referral.victim_id,
        detail={"from": current, "to": to_state, "referral_id": referral.pk},
    )
    referral.refresh_from_db()
    return referral


# --- Services: data problems -----------------------------------------------------------


@transaction.atomic
def problem_report(
    *,
    actor: User,
    referral: Referral,
    kind: str,
    description: str,
    request: HttpRequest | None = None,
) -> DataProblem:
    """Report a problem with a referral's details: a DataProblem due in
    REFERRAL_RECTIFY_WORKING_DAYS working days, and a rectification task for
    the officer in the case (on the desk's task list too) whose reason is in
    fixed words. Refused (nothing written) without a kind or a description."""
    if not actor.has_perm(UPDATE_REFERRAL, referral):
        raise PermissionDenied
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in ProblemKind.values:
        errors["kind"] = [PROBLEM_KIND_REQUIRED]
    if not description:
        errors["description"] = [PROBLEM_DESCRIPTION_REQUIRED]
    elif len(description) > PROBLEM_DESCRIPTION_MAX:
        errors["description"] = [PROBLEM_DESCRIPTION_TOO_LONG]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    crime = Crime.objects.select_related("oic").get(pk=referral.crime_id)
    task = ContactTask.objects.create(
        crime=crime,
        victim_id=referral.victim_id,
        kind=TaskKind.REFERRAL_DATA_PROBLEM,
        reason=TASK_REASON.format(kind=_kind_label(kind).lower()),
        assignee=crime.oic if crime.oic_id and crime.oic.is_active else None,
        created_at=now,
    )
    problem = DataProblem.objects.create(
        referral=referral,
        kind=kind,
        description=description,
        reported_by=actor,
        reported_at=now,
        due_at=deadline_for(started=now, working_days=settings.REFERRAL_RECTIFY_WORKING_DAYS),
        task=task,
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        object_type="referrals.dataproblem",
        object_id=problem.pk,
        subject_type="cases.victim",
        subject_id=referral.victim_id,
        detail={"kind": kind, "referral_id": referral.pk, "task_id": task.pk},
    )
    return problem


def _problem_fix(
    problem: DataProblem, *, actor: User | None, version: int, now: dt.datetime
) -> bool:
    """Mark one open problem fixed (conditionally: fixed once). True if it was."""
    fixed = DataProblem.objects.filter(pk=problem.pk, state=ProblemState.OPEN).update(
        state=ProblemState.FIXED, fixed_at=now, fixed_by=actor, fixed_in_version=version
    )
    return fixed == 1


@transaction.atomic
def problem_fixed_by_task(*, task_id: int, actor: User) -> DataProblem | None:
    """The officer marked the rectification task done (they say it is fixed, or
    it cannot be fixed by editing, like the wrong victim): the problem is fixed
    in the referral's current version. Called by messaging's task_mark_done."""
    problem = DataProblem.objects.select_related("referral").filter(task_id=task_id).first()
    if problem is None or problem.state != ProblemState.OPEN:
        return problem
    now = timezone.now()
    if _problem_fix(problem, actor=actor, version=problem.referral.snapshot_version, now=now):
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            object_type="referrals.dataproblem",
            object_id=problem.pk,
            subject_type="cases.victim",
            subject_id=problem.referral.victim_id,
            detail={"state": ProblemState.FIXED, "by": "task_done", "task_id": task_id},
        )
    problem.refresh_from_db()
    return problem


# --- Services: corrections flow back ------------------------------------------------


@transaction.atomic
def referrals_refresh_for_victim(
    *, victim_id: int, actor: User | None, request: HttpRequest | None = None
) -> list[ReferralSnapshot]:
    """After the victim's record changed: every open referral of the victim whose
    snapshot now differs gets a new version (a DISCLOSE audit entry each), and
    its open data problems whose kind matches a changed field are fixed, their
    tasks done. Returns the new versions. Safe to call when nothing changed."""
    created = []
    now = timezone.now()
    referrals = (
        Referral.objects.select_for_update()
        .filter(victim_id=victim_id, state__in=OPEN_STATES)
        .order_by("pk")
    )
    victim = Victim.objects.filter(pk=victim_id).first()
    if victim is None:
        return created
    for referral in referrals:
        old = snapshot_loads(referral.snapshot)
        new = snapshot_build(crime=referral.crime, victim=victim, risk_level=referral.risk_level)
        # A round trip, so dates and the like compare as they are stored.
        new = snapshot_loads(snapshot_dumps(new))
        changed = snapshot_changes(old, new)
        if not changed:
            continue
        version = referral.snapshot_version + 1
        text = snapshot_dumps(new)
        snap = ReferralSnapshot.objects.create(
            referral=referral, version=version, data=text, taken_at=now, changed_fields=changed
        )
        Referral.objects.filter(pk=referral.pk).update(snapshot=text, snapshot_version=version)
        created.append(snap)
        audit_record(
            action=AuditAction.DISCLOSE,
            request=request,
            actor=actor,
            object_type="referrals.referral",
            object_id=referral.pk,
            subject_type="cases.victim",
            subject_id=victim_id,
            detail={
                "version": version,
                "changed_fields": changed,
                "recipient_organisation_id": referral.organisation_id,
            },
        )
        _problems_fix_for(referral, changed=set(changed), actor=actor, version=version, now=now)
    return created


def _problems_fix_for(
    referral: Referral, *, changed: set[str], actor: User | None, version: int, now: dt.datetime
) -> None:
    for problem in DataProblem.objects.filter(referral=referral, state=ProblemState.OPEN):
        if not KIND_FIELDS.get(problem.kind, frozenset()) & changed:
            continue
        if not _problem_fix(problem, actor=actor, version=version, now=now):
            continue
        if problem.task_id is not None:
            ContactTask.objects.filter(pk=problem.task_id, state=TaskState.OPEN).update(
                state=TaskState.DONE,
                done_at=now,
                done_by=actor,
                done_note=TASK_DONE_NOTE.format(version=version),
            )
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            object_type="referrals.dataproblem",
            object_id=problem.pk,
            subject_type="cases.victim",
            subject_id=referral.victim_id,
            detail={"state": ProblemState.FIXED, "by": "correction", "version": version},
        )


@transaction.atomic
def victim_contact_correct(
    *,
    actor: User,
    crime: Crime,
    victim: Victim,
    phone: str = "",
    email: str = "",
    address: str = "",
    request: HttpRequest | None = None,
) -> Victim:
    """Correct a victim's phone number, email address or postal address from a
    data problem (blank: leave as it is), for people who may edit the case's
    needs and contact rules (`cases.edit_needs`). Writes a CHANGE audit entry
    (field names only), then sends the correction to the victim's open referrals."""
    if not actor.has_perm("cases.edit_needs", crime):
        raise PermissionDenied
    if not crime.victim_links.filter(victim=victim).exists():
        raise PermissionDenied
    phone, email, address = phone.strip(), email.strip(), address.strip()
    errors: dict[str, list[str]] = {}
    if not (phone or email or address):
        errors["phone"] = [CORRECTION_NOTHING]
    if phone:
        try:
            phone = phone_e164(phone)
        except ValueError:
            errors["phone"] = [CORRECTION_PHONE_INVALID]
    if email and not email_valid(email):
        errors["email"] = [CORRECTION_EMAIL_INVALID]
    if errors:
        raise ValidationError(errors)
    victim = Victim.objects.select_for_update().get(pk=victim.pk)
    fields = []
    for name, value in (("phone", phone), ("email", email), ("address", address)):
        if value and value != (getattr(victim, name) or ""):
            setattr(victim, name, value)
            fields.append(name)
    if not fields:
        raise ValidationError({"phone": [CORRECTION_UNCHANGED]})
    victim.updated_at = timezone.now()
    index = {"phone": "phone_index", "email": "email_index"}
    victim.save(update_fields=[*fields, *(index[f] for f in fields if f in index), "updated_at"])
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="cases.victim",
        object_id=victim.pk,
        subject_type="cases.victim",
        subject_id=victim.pk,
        detail={"fields": fields, "crime_id": crime.pk, "via": "referrals.problem"},
    )
    referrals_refresh_for_victim(victim_id=victim.pk, actor=actor, request=request)
    return victim
