"""One small world for the access-control walk, built once per module.

The organisations and staff are the root conftest's personas (tests/conftest.py),
rebuilt here because the walk needs them at module scope (pytest fixtures are
per test). Beside them is a second police force, "Other Police", so that "another
organisation" exists for everyone: its crime, duty, referral, webhook, token,
upload… are the `other` objects; the Central East crime and everything hanging
off it are the `own` objects. Fake values only.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from victimcare.accounts.constants import OrganisationKind as K
from victimcare.accounts.constants import Role
from victimcare.accounts.models import Area, Organisation, User
from victimcare.cases.constants import EventCode
from victimcare.cases.models import Crime, IntakeDraft, Offence, Victim
from victimcare.cases.reference import offences_load
from victimcare.cases.services import VictimInput, case_share, crime_create, event_record

from ..factories import OrganisationFactory, UserFactory

# Staff personas, as in tests/conftest.py (same organisations and roles).
STAFF_PERSONAS: dict[str, tuple[str, str]] = {
    "officer": ("team", Role.OFFICER),
    "other_officer": ("other_team", Role.OFFICER),
    "supervisor": ("team", Role.SUPERVISOR),
    "desk_agent": ("desk", Role.DESK_AGENT),
    "witness_care_officer": ("wcu", Role.PARTNER_CASEWORKER),
    "probation_officer": ("probation", Role.PARTNER_CASEWORKER),
    "support_caseworker": ("charity", Role.SUPPORT_CASEWORKER),
    "analyst": ("oversight", Role.ANALYST),
    "administrator": ("force", Role.ADMINISTRATOR),
}


@dataclass
class Side:
    """The objects of one side of the world: `own` (Central East's crime, shared
    with the WCU and probation, referred to the charity) or `other` (Other
    Police's crime and organisation-owned things, shared with nobody)."""

    organisation: Organisation
    force: Organisation
    recorder: User
    crime: Crime
    victim: Victim
    objects: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    orgs: dict[str, Organisation]
    people: dict[str, User]
    own: Side
    other: Side
    api_tokens: dict[str, str] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)

    def side(self, relationship: str) -> Side:
        return self.own if relationship == "own" else self.other


def _orgs() -> dict[str, Organisation]:
    force = OrganisationFactory(kind=K.POLICE_FORCE, name="Test Police", code="force")
    force.crn_pattern = r"^[0-9]{7}/[0-9]{2}$"
    force.crn_example = "4412345/26"
    force.save(update_fields=["crn_pattern", "crn_example"])
    ce = OrganisationFactory(kind=K.BCU, name="Central East", code="bcu-ce", parent=force)
    north = OrganisationFactory(kind=K.BCU, name="North", code="bcu-n", parent=force)
    other_force = OrganisationFactory(kind=K.POLICE_FORCE, name="Other Police", code="force-2")
    other_bcu = OrganisationFactory(
        kind=K.BCU, name="Other Central", code="bcu-2", parent=other_force
    )
    return {
        "force": force,
        "bcu": ce,
        "other_bcu": north,
        "team": OrganisationFactory(
            kind=K.TEAM, name="Central East Response", code="team-ce-response", parent=ce
        ),
        "other_team": OrganisationFactory(
            kind=K.TEAM, name="North Response", code="team-n-response", parent=north
        ),
        "desk": OrganisationFactory(
            kind=K.VICTIM_FOCUS_DESK, name="Victim Focus Desk", code="vfd", parent=force
        ),
        "wcu": OrganisationFactory(
            kind=K.WITNESS_CARE_UNIT, name="East London WCU", code="wcu-east"
        ),
        "cps": OrganisationFactory(kind=K.CPS, name="CPS London North", code="cps-ln"),
        "court": OrganisationFactory(
            kind=K.COURT, name="Example Magistrates' Court", code="court-1"
        ),
        "probation": OrganisationFactory(
            kind=K.PROBATION, name="London Probation", code="probation"
        ),
        "charity": OrganisationFactory(
            kind=K.SUPPORT_ORGANISATION, name="Example Victim Support", code="support-1"
        ),
        "oversight": OrganisationFactory(
            kind=K.OVERSIGHT_BODY, name="Example Oversight Office", code="oversight"
        ),
        "other_force": other_force,
        "other_force_bcu": other_bcu,
        "other_force_team": OrganisationFactory(
            kind=K.TEAM, name="Other Central Response", code="team-2", parent=other_bcu
        ),
        "other_charity": OrganisationFactory(
            kind=K.SUPPORT_ORGANISATION, name="Another Support Charity", code="support-2"
        ),
    }


def _people(orgs: dict[str, Organisation]) -> dict[str, User]:
    people = {
        name: UserFactory(
            organisation=orgs[org],
            role=role,
            email=f"{name.replace('_', '.')}@example.org",
            full_name=f"Test {name.replace('_', ' ').title()}",
            otp_exempt=True,
        )
        for name, (org, role) in STAFF_PERSONAS.items()
    }
    # Not personas (nobody walks as them): the other force's people own its objects.
    people["other_force_officer"] = UserFactory(
        organisation=orgs["other_force_team"],
        role=Role.OFFICER,
        email="other.force.officer@example.org",
        full_name="Test Other Force Officer",
    )
    people["other_force_administrator"] = UserFactory(
        organisation=orgs["other_force"],
        role=Role.ADMINISTRATOR,
        email="other.force.admin@example.org",
        full_name="Test Other Force Admin",
    )
    people["other_caseworker"] = UserFactory(
        organisation=orgs["other_charity"],
        role=Role.SUPPORT_CASEWORKER,
        email="other.caseworker@example.org",
        full_name="Test Other Caseworker",
    )
    return people


def _crime(*, actor: User, crn: str, area: Area, phone: str) -> tuple[Crime, Victim]:
    crime = crime_create(
        actor=actor,
        crn=crn,
        offence=Offence.objects.get(code="common-assault"),
        occurred_at=timezone.now() - dt.timedelta(days=1),
        area=area,
        victims=[VictimInput(full_name="Test Victim", phone=phone, email="victim@example.org")],
    )
    victim = Victim.objects.filter(crime_links__crime=crime).get()
    return crime, victim


def world_build() -> World:
    """Build the world (call inside a transaction that the caller rolls back)."""
    offences_load(name=settings.OFFENCE_LIST)
    orgs = _orgs()
    people = _people(orgs)
    hackney = Area.objects.get_or_create(
        code="E09000012", defaults={"name": "Hackney", "bcu": orgs["bcu"]}
    )[0]
    other_area = Area.objects.get_or_create(
        code="E09000099", defaults={"name": "Elsewhere", "bcu": orgs["other_force_bcu"]}
    )[0]
    crime, victim = _crime(
        actor=people["officer"], crn="4400001/26", area=hackney, phone="07700 900101"
    )
    case_share(actor=people["officer"], crime=crime, organisation=orgs["wcu"])
    case_share(actor=people["officer"], crime=crime, organisation=orgs["probation"])
    other_crime, other_victim = _crime(
        actor=people["other_force_officer"],
        crn="4400002/26",
        area=other_area,
        phone="07700 900102",
    )
    world = World(
        orgs=orgs,
        people=people,
        own=Side(orgs["team"], orgs["force"], people["officer"], crime, victim),
        other=Side(
            orgs["other_force_team"],
            orgs["other_force"],
            people["other_force_officer"],
            other_crime,
            other_victim,
        ),
    )
    world.shared = _shared_objects(people["analyst"])
    _side_objects(
        world,
        world.own,
        charity=orgs["charity"],
        caseworker=people["support_caseworker"],
        admin=people["administrator"],
    )
    _side_objects(
        world,
        world.other,
        charity=orgs["other_charity"],
        caseworker=people["other_caseworker"],
        admin=people["other_force_administrator"],
    )
    _api_tokens(world)
    return world


def _side_objects(
    world: World, side: Side, *, charity: Organisation, caseworker: User, admin: User
) -> None:
    """Everything the URL conf takes an id of, for one side."""
    from victimcare.cases.forms import INTAKE_STEPS, PERSON_STEPS
    from victimcare.desk.constants import CallBackReason, EscalateTo
    from victimcare.desk.models import CallBack, Escalation
    from victimcare.duties.constants import NotificationKind
    from victimcare.duties.models import Duty, DutyNotification
    from victimcare.feedback.cards import officer_card_get_or_create
    from victimcare.feedback.constants import InvitationChannel
    from victimcare.feedback.models import Review
    from victimcare.feedback.services import invitation_create, response_record
    from victimcare.insights.constants import Measure
    from victimcare.insights.models import Target
    from victimcare.integrations.bulk import bulk_upload_create
    from victimcare.integrations.models import Feed, WebhookDelivery
    from victimcare.integrations.webhooks_services import subscription_create
    from victimcare.messaging.constants import TaskKind
    from victimcare.messaging.models import ContactTask
    from victimcare.portal import tracking
    from victimcare.portal.models import Complaint, TrackingLink
    from victimcare.referrals.constants import (
        ConsentBasis,
        ProblemKind,
        ReferralState,
        RiskLevel,
        ServiceKind,
    )
    from victimcare.referrals.models import (
        DataProblem,
        Referral,
        ReferralSnapshot,
        ReferralStatusEvent,
        SupportService,
    )
    from victimcare.referrals.snapshot import snapshot_build, snapshot_dumps

    o = side.objects
    now = timezone.now()
    recorder, crime, victim = side.recorder, side.crime, side.victim
    o["draft"] = IntakeDraft.objects.create(owner=recorder)
    duty = Duty.objects.filter(crime=crime).order_by("pk").first()
    assert duty is not None, "a reported crime owes duties"
    o["duty"] = duty
    o["notification"] = DutyNotification.objects.create(
        duty=duty, recipient=recorder, kind=NotificationKind.REMINDER
    )
    visit, _ = event_record(
        actor=recorder,
        crime=crime,
        code=EventCode.CONTACT_VISIT,
        occurred_at=now - dt.timedelta(hours=1),
        victim=victim,
    )
    o["event"] = visit
    o["task"] = ContactTask.objects.create(
        crime=crime,
        victim=victim,
        kind=TaskKind.UNSAFE_TO_SEND,
        reason="Contact the victim safely.",
        assignee=recorder,
    )
    o["call_back"] = CallBack.objects.create(
        crime=crime,
        victim=victim,
        requested_for=now + dt.timedelta(days=1),
        due_at=now + dt.timedelta(days=1),
        reason=CallBackReason.UPDATE,
    )
    o["escalation"] = Escalation.objects.create(
        crime=crime,
        victim=victim,
        to=EscalateTo.OIC,
        assignee=recorder,
        reason="Needs the officer.",
        raised_by=recorder,
        task=ContactTask.objects.create(
            crime=crime,
            victim=victim,
            kind=TaskKind.DESK_ESCALATION,
            reason="An escalation from the desk.",
            assignee=recorder,
        ),
    )
    invitation, token = invitation_create(
        officer=recorder, channel=InvitationChannel.QR, contact_event=visit
    )
    o["feedback_token"] = token
    # A second invitation answered with a low rating: a review item.
    _, answered = invitation_create(officer=recorder, channel=InvitationChannel.CARD)
    response_record(token=answered, rating=1)
    o["review"] = Review.objects.filter(officer=recorder).get()
    o["card"] = officer_card_get_or_create(officer=recorder)
    service = SupportService.objects.create(
        organisation=charity, name=f"Support service of {charity.code}", kind=ServiceKind.GENERAL
    )
    o["service"] = service
    text = snapshot_dumps(snapshot_build(crime=crime, victim=victim, risk_level=RiskLevel.STANDARD))
    referral = Referral.objects.create(
        crime=crime,
        victim=victim,
        service=service,
        organisation=charity,
        state=ReferralState.SENT,
        consent_basis=ConsentBasis.AUTOMATIC,
        risk_level=RiskLevel.STANDARD,
        automatic=True,
        snapshot=text,
        within_deadline=True,
    )
    ReferralSnapshot.objects.create(referral=referral, version=1, data=text)
    ReferralStatusEvent.objects.create(referral=referral, to_state=ReferralState.SENT)
    o["referral"] = referral
    o["problem_task"] = ContactTask.objects.create(
        crime=crime,
        victim=victim,
        kind=TaskKind.REFERRAL_DATA_PROBLEM,
        reason="Check the referral's details.",
        assignee=recorder,
    )
    o["problem"] = DataProblem.objects.create(
        referral=referral,
        kind=ProblemKind.WRONG_PHONE,
        description="The number does not connect.",
        reported_by=caseworker,
        due_at=now + dt.timedelta(days=2),
        task=o["problem_task"],
    )
    subscription, _ = subscription_create(
        actor=admin,
        organisation=side.organisation,
        name="case system",
        url="https://partner.example.org/webhooks",
        event_types=[EventCode.CONTACT_VISIT],
    )
    o["webhook"] = subscription
    o["delivery"] = WebhookDelivery.objects.create(
        subscription=subscription, event=visit, event_type=EventCode.CONTACT_VISIT
    )
    o["feed"] = Feed.objects.create(organisation=side.organisation, name="Records feed")
    o["upload"] = bulk_upload_create(
        actor=recorder, filename="events.csv", content=b"x\n", upload_format="csv", enqueue=False
    )
    o["crn"] = crime.crn
    o["target"] = Target.objects.create(
        measure=Measure.SATISFACTION,
        area=crime.area,
        year=2026,
        annual=Decimal("80.00"),
        set_by=admin,
    )
    o["complaint"] = Complaint.objects.create(
        reference=f"CMP{side.force.pk:05d}",
        force=side.force,
        details="The officer did not call back.",
        due_at=now + dt.timedelta(days=20),
    )
    track = secrets.token_urlsafe(32)
    TrackingLink.objects.create(
        victim=victim,
        crime=crime,
        token_hash=tracking.token_hash(track),
        channel="sms",
        recipient_hash=tracking.recipient_hash("07700900101"),
        expires_at=now + dt.timedelta(days=7),
    )
    o["track_token"] = track
    # No organisation owns these: both sides hold the same one.
    o["survey_import"] = world.shared["survey_import"]
    o["publication"] = world.shared["publication"]
    o["volunteer"] = world.shared["volunteer"]
    o["withdraw_token"] = world.shared["withdraw_token"]
    # A wizard's answers live in the session; an unknown token is what a
    # stranger to the session would hold.
    o["victim_add_token"] = "AAAAAAAAAAAAAAAAAAAAAA"
    o["victim_add_step"] = PERSON_STEPS[0]
    o["intake_step"] = next(iter(INTAKE_STEPS))


def _archive(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _shared_objects(analyst: User) -> dict[str, Any]:
    """Things no organisation owns: a survey import, a publication, a forum volunteer."""
    from victimcare.forum import services as forum
    from victimcare.forum.models import Volunteer
    from victimcare.insights.models import Publication, SurveyImport
    from victimcare.insights.publication import REPORT_HTML

    withdraw = secrets.token_urlsafe(32)
    return {
        "survey_import": SurveyImport.objects.create(
            survey="uss", filename="a.csv", sha256="0" * 64, uploaded_by=analyst
        ),
        "publication": Publication.objects.create(
            quarter="2026-Q1",
            response_watermark=0,
            survey_watermark=0,
            snapshot_sha256="0" * 64,
            archive=_archive({REPORT_HTML: b"<p>A report.</p>"}),
        ),
        "volunteer": Volunteer.objects.create(
            consent_version="1",
            consented_at=timezone.now(),
            withdraw_token_hash=forum.token_hash(withdraw),
        ),
        "withdraw_token": withdraw,
    }


def _api_tokens(world: World) -> None:
    from victimcare.api.services import token_create

    from .policy import API_TOKEN_ORGS

    for role, org in API_TOKEN_ORGS.items():
        token, secret = token_create(organisation=world.orgs[org], name=f"{role} system")
        world.api_tokens[role] = secret
        if role == "police_system":
            world.own.objects["token"] = token
    token, _ = token_create(organisation=world.orgs["other_force_team"], name="other system")
    world.other.objects["token"] = token
