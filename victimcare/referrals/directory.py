"""The directory of support services: who each service is for, which services a
victim may be referred to and in what order, and keeping a service current.

Eligibility (`ineligibility_reasons` is the one rule; `eligible_services`
keeps the services it finds nothing against):
- the service is active and covers the crime's borough (crime.area);
- the victim's age (from the encrypted date of birth, on the day asked) is
  within the service's bounds; with no date of birth only services without
  age bounds qualify;
- the victim's gender (EqualityData.sex, if recorded) is one the service is
  for; unknown, only services open to everyone qualify;
- the crime's offence group (crime.offence.group) and the risk level are ones
  the service takes (an empty list on the service means any);
- IDVA services take domestic abuse only and hate crime services hate crimes
  only (the kind says so, whatever the lists say); a language service needs the
  victim's language among those it works in.

Reading the date of birth here is not audited on its own: the page that asks
(the referral form) audits its read of the victim.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from victimcare.accounts.models import Area, User
from victimcare.cases.constants import AccessibleFormat, OffenceGroup, VictimRole, Vulnerability
from victimcare.cases.forms import LANGUAGE_NAMES
from victimcare.cases.models import Crime, CrimeVictim, NeedsAssessmentVersion, Victim
from victimcare.core.audit import audit_record
from victimcare.core.constants import AuditAction

from .constants import Gender, RiskLevel, ServiceKind
from .models import SupportService

K = ServiceKind

# EqualityData.sex → the Gender a service may be for. Anything else is unknown.
SEX_TO_GENDER = {"female": Gender.FEMALE, "male": Gender.MALE}
# Offences that are road crashes (the offence list has no road group).
ROAD_CRASH_OFFENCES = frozenset({"death-by-dangerous-driving"})
DISABILITY_VULNERABILITIES = frozenset(
    {Vulnerability.PHYSICAL_DISABILITY, Vulnerability.LEARNING_DISABILITY}
)
DISABILITY_FORMATS = frozenset(
    {AccessibleFormat.BSL, AccessibleFormat.BRAILLE, AccessibleFormat.EASY_READ}
)
# The needs assessment has no structured field for it, so the communication
# needs are read for these words (whole words, any case).
LGBT_WORDS = re.compile(
    r"\b(lgbt\w*\+?|gay|lesbian|bisexual|trans|transgender|non-binary|queer)\b", re.IGNORECASE
)

# The order specialist kinds are offered in when several fit; general support last.
KIND_ORDER = [
    K.ISVA,
    K.RAPE_CRISIS,
    K.IDVA,
    K.BEREAVED,
    K.ROAD_CRASH,
    K.HATE_CRIME,
    K.YOUNG_VICTIMS,
    K.FRAUD,
    K.LANGUAGE,
    K.LGBT,
    K.DISABLED,
    K.GENERAL,
]

NO_DOB = (
    "The victim's date of birth is not recorded, so only services open to every age are listed."
)
NO_SEX = "The victim's sex is not recorded, so only services open to everyone are listed."
NO_RISK = "No risk level has been given, so services for a particular risk level are not listed."

# Bad input on the edit page (forms_directory) and in service_update.
AGE_RANGE = "The minimum age must be the same as or lower than the maximum age"
NO_BOROUGH = "Select at least one borough the service covers"
EMAIL_NEEDED = "Enter the secure email address referrals are sent to"


@dataclass(frozen=True)
class Facts:
    """What eligibility and fit are decided on, read once per victim and crime."""

    area_id: int
    area_name: str
    offence_group: str
    offence_code: str
    domestic_abuse: bool
    hate_crime: bool
    age: int | None
    gender: str | None
    risk_level: str
    language: str
    interpreter_needed: bool
    bereaved: bool
    disabled: bool
    lgbt: bool
    support_wanted: frozenset[str] = field(default_factory=frozenset)


def age_on(date_of_birth: str | None, on: dt.date) -> int | None:
    """Whole years from an ISO date of birth to `on`; None when missing or unreadable."""
    try:
        born = dt.date.fromisoformat((date_of_birth or "").strip())
    except ValueError:
        return None
    if born > on:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _facts(*, crime: Crime, victim: Victim, risk_level: str, on: dt.date | None) -> Facts:
    crime = Crime.objects.select_related("offence", "area").get(pk=crime.pk)
    victim = Victim.objects.get(pk=victim.pk)
    equality = getattr(victim, "equality", None)
    needs_row = getattr(victim, "needs", None)
    needs = (
        NeedsAssessmentVersion.objects.filter(pk=needs_row.current_id).first()
        if needs_row is not None and needs_row.current_id
        else None
    )
    vulnerabilities = set(needs.vulnerabilities) if needs else set()
    role = (
        CrimeVictim.objects.filter(crime=crime, victim=victim)
        .values_list("role", flat=True)
        .first()
    )
    return Facts(
        area_id=crime.area_id,
        area_name=crime.area.name,
        offence_group=crime.offence.group,
        offence_code=crime.offence.code,
        domestic_abuse=crime.domestic_abuse,
        hate_crime=crime.hate_crime,
        age=age_on(victim.date_of_birth, on or timezone.localdate()),
        gender=SEX_TO_GENDER.get(equality.sex) if equality is not None else None,
        risk_level=risk_level if risk_level in RiskLevel.values else "",
        language=victim.language or "en",
        interpreter_needed=victim.interpreter_needed,
        bereaved=role == VictimRole.BEREAVED_RELATIVE,
        disabled=bool(vulnerabilities & DISABILITY_VULNERABILITIES)
        or victim.accessible_format in DISABILITY_FORMATS,
        lgbt=bool(needs and LGBT_WORDS.search(needs.communication_needs or "")),
        support_wanted=frozenset(needs.support_wanted) if needs else frozenset(),
    )


def _or_list(words: Iterable[str]) -> str:
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def _and_list(words: Iterable[str]) -> str:
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def age_text(service: SupportService) -> str:
    """Who the service is for by age, as the reasons and the directory say it."""
    low, high = service.min_age, service.max_age
    if low is not None and high is not None:
        return f"people aged {low} to {high}"
    if low is not None:
        return f"people aged {low} and over"
    if high is not None:
        return f"people aged {high} and under"
    return "people of any age"


def _reasons(service: SupportService, facts: Facts, *, covers: bool) -> list[str]:
    reasons: list[str] = []
    if not service.active:
        reasons.append("This service is not taking referrals at the moment")
    if not covers:
        reasons.append(f"This service does not cover {facts.area_name}")
    if service.min_age is not None or service.max_age is not None:
        if facts.age is None:
            reasons.append(
                f"This service is for {age_text(service)}, and the victim's date of birth "
                "is not recorded"
            )
        elif (service.min_age is not None and facts.age < service.min_age) or (
            service.max_age is not None and facts.age > service.max_age
        ):
            reasons.append(f"This service is for {age_text(service)}")
    if service.genders:
        who = _or_list(Gender(g).label.lower() for g in service.genders if g in Gender.values)
        if facts.gender is None:
            reasons.append(f"This service is for {who}, and the victim's sex is not recorded")
        elif facts.gender not in service.genders:
            reasons.append(f"This service is for {who}")
    if service.offence_groups and facts.offence_group not in service.offence_groups:
        group = OffenceGroup(facts.offence_group).label.lower()
        reasons.append(f"This service does not take referrals for {group}")
    if service.kind == K.IDVA and not facts.domestic_abuse:
        reasons.append("This service is for domestic abuse, and this crime is not marked as such")
    if service.kind == K.HATE_CRIME and not facts.hate_crime:
        reasons.append("This service is for hate crime, and this crime is not marked as one")
    if service.risk_levels:
        levels = _or_list(
            RiskLevel(r).label.lower() for r in RiskLevel.values if r in service.risk_levels
        )
        if not facts.risk_level:
            reasons.append(f"This service is for {levels} risk cases, and no risk level is given")
        elif facts.risk_level not in service.risk_levels:
            reasons.append(f"This service is for {levels} risk cases only")
    if service.kind == K.LANGUAGE and service.languages and facts.language not in service.languages:
        spoken = _and_list(LANGUAGE_NAMES.get(code, code) for code in service.languages)
        reasons.append(
            f"This service works in {spoken}, not in "
            f"{LANGUAGE_NAMES.get(facts.language, facts.language)}"
        )
    return reasons


def ineligibility_reasons(
    service: SupportService,
    crime: Crime,
    victim: Victim,
    risk_level: str = "",
    *,
    on: dt.date | None = None,
) -> list[str]:
    """Why `victim` on `crime` may not be referred to `service`, in plain English
    (for the referral form's error messages); [] when they may."""
    facts = _facts(crime=crime, victim=victim, risk_level=risk_level, on=on)
    covers = service.boroughs.filter(pk=facts.area_id).exists()
    return _reasons(service, facts, covers=covers)


def eligible_services(
    *, crime: Crime, victim: Victim, risk_level: str = "", on: dt.date | None = None
) -> list[SupportService]:
    """The active services covering the crime's borough that the victim may be
    referred to (the rules above), by name."""
    facts = _facts(crime=crime, victim=victim, risk_level=risk_level, on=on)
    return _eligible(facts)


def _eligible(facts: Facts) -> list[SupportService]:
    candidates = SupportService.objects.filter(active=True, boroughs=facts.area_id).select_related(
        "organisation"
    )
    return [s for s in candidates.distinct() if not _reasons(s, facts, covers=True)]


def _fits(service: SupportService, facts: Facts) -> bool:
    """Whether the service is the specialist one for this victim and crime."""
    kind = service.kind
    if kind in (K.ISVA, K.RAPE_CRISIS):
        return facts.offence_group == OffenceGroup.SEXUAL_OFFENCES or "isva" in facts.support_wanted
    if kind == K.IDVA:
        return facts.domestic_abuse and (
            facts.risk_level == RiskLevel.HIGH or "idva" in facts.support_wanted
        )
    if kind == K.HATE_CRIME:
        return facts.hate_crime
    if kind == K.BEREAVED:
        return facts.offence_group == OffenceGroup.HOMICIDE or facts.bereaved
    if kind == K.ROAD_CRASH:
        return facts.offence_code in ROAD_CRASH_OFFENCES
    if kind == K.FRAUD:
        return facts.offence_group == OffenceGroup.FRAUD
    if kind == K.YOUNG_VICTIMS:
        return facts.age is not None and facts.age < 18
    if kind == K.LANGUAGE:
        return facts.interpreter_needed
    if kind == K.LGBT:
        return facts.lgbt
    if kind == K.DISABLED:
        return facts.disabled
    return False


def _fit_key(service: SupportService, facts: Facts) -> tuple[int, int, int, int, str]:
    # Specialist services that fit first, then other specialists, general
    # support last; within a rank the kind order, then a local service before a
    # pan-London one (fewer boroughs), the shorter wait, the name.
    rank = 2 if service.kind == K.GENERAL else 0 if _fits(service, facts) else 1
    return (
        rank,
        KIND_ORDER.index(service.kind) if service.kind in KIND_ORDER else len(KIND_ORDER),
        getattr(service, "borough_count", 0),
        service.waiting_days,
        service.name,
    )


def suggested_services(
    *, crime: Crime, victim: Victim, risk_level: str = "", on: dt.date | None = None
) -> list[SupportService]:
    """The eligible services, best fit first: the specialist services for this
    offence and victim (ISVA and Rape Crisis for sexual offences, IDVA for
    high-risk domestic abuse, hate crime, bereaved for homicide, road crash,
    fraud, young victims under 18, language services when an interpreter is
    needed, LGBT+ and disabled victims' services when the needs say so), then
    other eligible specialist services, general victim support last."""
    facts = _facts(crime=crime, victim=victim, risk_level=risk_level, on=on)
    services = _eligible(facts)
    counts = dict(
        SupportService.boroughs.through.objects.filter(
            supportservice_id__in=[s.pk for s in services]
        )
        .values("supportservice_id")
        .annotate(n=Count("id"))
        .values_list("supportservice_id", "n")
    )
    for s in services:
        s.borough_count = counts.get(s.pk, 0)  # type: ignore[attr-defined]
    return sorted(services, key=lambda s: _fit_key(s, facts))


def eligibility_notes(
    *, crime: Crime, victim: Victim, risk_level: str = "", on: dt.date | None = None
) -> list[str]:
    """What is missing that narrows the list, for the page to say so."""
    facts = _facts(crime=crime, victim=victim, risk_level=risk_level, on=on)
    notes = []
    if facts.age is None:
        notes.append(NO_DOB)
    if facts.gender is None:
        notes.append(NO_SEX)
    if not facts.risk_level:
        notes.append(NO_RISK)
    return notes


# --- Reading and keeping the directory current ------------------------------------


def service_list(
    *, user: User, area: Area | None = None, kind: str = ""
) -> QuerySet[SupportService]:
    """Every service (active or not) for people who may view the directory,
    optionally only those covering `area` or of `kind`; nothing for anyone else."""
    if not user.has_perm("referrals.view_directory"):
        return SupportService.objects.none()
    services = SupportService.objects.select_related("organisation", "updated_by")
    if area is not None:
        services = services.filter(boroughs=area)
    if kind in ServiceKind.values:
        services = services.filter(kind=kind)
    return services.prefetch_related("boroughs").order_by("organisation__name", "name", "id")


def access_service_for_edit(*, user: User, service_id: int) -> SupportService:
    """The service if `user` may edit it; Http404 for missing and forbidden alike."""
    service = SupportService.objects.select_related("organisation").filter(pk=service_id).first()
    if service is None or not user.has_perm("referrals.edit_service", service):
        raise Http404("No such service.")
    return service


EDITABLE = (
    "min_age",
    "max_age",
    "genders",
    "offence_groups",
    "risk_levels",
    "receive_by",
    "referral_email",
    "advocates_in_post",
    "caseload_each",
    "open_cases",
    "waiting_days",
)
CAPACITY = ("advocates_in_post", "caseload_each", "open_cases", "waiting_days")


@transaction.atomic
def service_update(
    *,
    actor: User,
    service: SupportService,
    boroughs: Iterable[Area],
    request: HttpRequest | None = None,
    **values: object,
) -> list[str]:
    """Change who a service is for, how it receives referrals and its capacity.

    Saving confirms the capacity figures, so `capacity_updated_at` is set each
    time (whether or not they changed), with `updated_at` and `updated_by`.
    Audited as a CHANGE naming the fields that changed (no values: they are not
    personal data, but the log keeps to ids and names). Returns those fields.
    Raises ValidationError (plain English) and changes nothing on bad input."""
    if not actor.has_perm("referrals.edit_service", service):
        raise Http404("No such service.")
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}.")
    areas = list(boroughs)
    errors: dict[str, list[str]] = {}
    low, high = values.get("min_age", service.min_age), values.get("max_age", service.max_age)
    if low is not None and high is not None and int(low) > int(high):  # type: ignore[call-overload]
        errors["min_age"] = [AGE_RANGE]
    if not areas:
        errors["boroughs"] = [NO_BOROUGH]
    receive_by = values.get("receive_by", service.receive_by)
    if receive_by == "secure_email" and not values.get("referral_email", service.referral_email):
        errors["referral_email"] = [EMAIL_NEEDED]
    for name in CAPACITY:
        value = values.get(name, getattr(service, name))
        if not isinstance(value, int) or value < 0:
            label = str(SupportService._meta.get_field(name).verbose_name).capitalize()
            errors[name] = [f"{label} must be 0 or more"]
    if errors:
        raise ValidationError(errors)
    changed = [
        name for name in EDITABLE if name in values and getattr(service, name) != values[name]
    ]
    before = set(service.boroughs.values_list("pk", flat=True))
    if before != {a.pk for a in areas}:
        changed.append("boroughs")
        service.boroughs.set(areas)
    for name in EDITABLE:
        if name in values:
            setattr(service, name, values[name])
    now = timezone.now()
    service.updated_at = now
    service.capacity_updated_at = now
    service.updated_by = actor
    service.full_clean(exclude=["organisation", "updated_by"])
    service.save()
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        object_type="referrals.supportservice",
        object_id=service.pk,
        detail={"fields": changed, "organisation": service.organisation_id},
    )
    return changed
