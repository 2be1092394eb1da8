"""Step 3b: a plausible London directory of support services (fictional names).

The catalogue's support organisations get their services (general victim
support in every borough, IDVA services per BCU, ISVA services per BCU and two
pan-London ones, hate crime, young victims), and a few more made-up
organisations are created here (with their demo markers, so the
organisations step's reset removes them): Rape Crisis, bereaved by crime,
road crash, fraud, LGBT+, disabled victims and language services.

Capacity (recommendations 7-8): the boroughs in SHORTFALL_BOROUGHS have their
own small IDVA and ISVA services, full beyond capacity with long waits; every
other borough is covered by its BCU's services with places to spare. Each
advocate service covers few boroughs so a per-borough view can share a
service's capacity out by borough (capacity / boroughs covered) without the
pan-London services hiding a shortfall: those are small and full too.

Phones are Ofcom drama numbers (020 7946 0xxx), websites and mailboxes on
example.org. Every figure comes from `ctx.random("referral-services")` and every
timestamp from `ctx.epoch`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db.models import ProtectedError

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Area, Organisation
from victimcare.cases.constants import OffenceGroup
from victimcare.referrals.constants import Gender, ReceiveBy, RiskLevel, ServiceKind
from victimcare.referrals.models import SupportService

from ..catalogue import DemoError
from ..models import DemoOrganisation
from ..pipeline import DemoContext, demo_step

K = ServiceKind
# Boroughs where advocates are clearly fewer than the demand will need.
SHORTFALL_BOROUGHS = ("Hackney", "Newham", "Croydon")

# Made-up support organisations beyond the catalogue's (code, name).
EXTRA_ORGANISATIONS = (
    ("support-kestrel-rape-crisis", "Kestrel Rape Crisis London"),
    ("support-stillwater-bereaved", "Stillwater Families Bereaved by Crime"),
    ("support-milestone-road", "Milestone Road Crash Support"),
    ("support-ledgerwise-fraud", "Ledgerwise Fraud Recovery"),
    ("support-spectrum-bridge", "Spectrum Bridge LGBT+ Advocacy"),
    ("support-level-access", "Level Access Disabled Victims' Service"),
    ("support-many-tongues", "Many Tongues Language Advocacy"),
)

# The catalogue's support organisations, by what they do.
THAMESIDE = "support-thameside"
HARBOUR = "support-harbour-idva"
WILLOW = "support-willow-isva"
COMMON_GROUND = "support-common-ground"
BRIGHTPATH = "support-brightpath"


@dataclass(frozen=True)
class _Spec:
    organisation: str
    name: str
    kind: str
    description: str
    boroughs: tuple[str, ...] | None  # None: every borough
    min_age: int | None = None
    max_age: int | None = None
    genders: tuple[str, ...] = ()
    offence_groups: tuple[str, ...] = ()
    risk_levels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    receive_by: str = ReceiveBy.VICTIMCARE
    self_referral: bool = False
    short: bool = False  # full beyond capacity, long wait
    advocates_per_borough: int = 0  # 0: a fixed small team


def _specs(bcus: dict[str, list[str]]) -> list[_Spec]:
    specs = [
        _Spec(
            THAMESIDE,
            "Thameside Victim Support",
            K.GENERAL,
            "Emotional and practical help for anyone affected by crime.",
            None,
            receive_by=ReceiveBy.API,
            self_referral=True,
        ),
        _Spec(
            COMMON_GROUND,
            "Common Ground Hate Crime Advocacy",
            K.HATE_CRIME,
            "Advocacy for people targeted because of who they are.",
            None,
            self_referral=True,
        ),
        _Spec(
            BRIGHTPATH,
            "Brightpath Young Victims' Service",
            K.YOUNG_VICTIMS,
            "Support for children and young people under 18, and their families.",
            None,
            max_age=17,
        ),
        _Spec(
            WILLOW,
            "Willow Young People's ISVA (pan-London)",
            K.ISVA,
            "Independent sexual violence advisers for children and young people.",
            None,
            max_age=17,
            offence_groups=(OffenceGroup.SEXUAL_OFFENCES,),
            short=True,
        ),
        _Spec(
            WILLOW,
            "Willow Male Survivors' ISVA (pan-London)",
            K.ISVA,
            "Independent sexual violence advisers for men and boys aged 13 and over.",
            None,
            min_age=13,
            genders=(Gender.MALE,),
            offence_groups=(OffenceGroup.SEXUAL_OFFENCES,),
            short=True,
        ),
        _Spec(
            "support-kestrel-rape-crisis",
            "Kestrel Rape Crisis London",
            K.RAPE_CRISIS,
            "Specialist support and counselling for women and girls aged 13 and over.",
            None,
            min_age=13,
            genders=(Gender.FEMALE,),
            offence_groups=(OffenceGroup.SEXUAL_OFFENCES,),
            receive_by=ReceiveBy.SECURE_EMAIL,
            self_referral=True,
        ),
        _Spec(
            "support-stillwater-bereaved",
            "Stillwater Families Bereaved by Crime",
            K.BEREAVED,
            "A caseworker for the families of people killed by crime.",
            None,
            offence_groups=(OffenceGroup.HOMICIDE,),
        ),
        _Spec(
            "support-milestone-road",
            "Milestone Road Crash Support",
            K.ROAD_CRASH,
            "Support after a death or serious injury on the road.",
            None,
            offence_groups=(OffenceGroup.HOMICIDE, OffenceGroup.VIOLENCE_WITH_INJURY),
            receive_by=ReceiveBy.SECURE_EMAIL,
            self_referral=True,
        ),
        _Spec(
            "support-ledgerwise-fraud",
            "Ledgerwise Fraud Recovery",
            K.FRAUD,
            "Help to recover and stay safe after fraud and scams.",
            None,
            offence_groups=(OffenceGroup.FRAUD,),
            self_referral=True,
        ),
        _Spec(
            "support-spectrum-bridge",
            "Spectrum Bridge LGBT+ Advocacy",
            K.LGBT,
            "Advocacy by and for lesbian, gay, bisexual, trans and queer people.",
            None,
            min_age=16,
            self_referral=True,
        ),
        _Spec(
            "support-level-access",
            "Level Access Disabled Victims' Service",
            K.DISABLED,
            "Advocacy for Deaf and disabled people, with BSL and easy read.",
            None,
        ),
        _Spec(
            "support-many-tongues",
            "Many Tongues: Eastern European languages",
            K.LANGUAGE,
            "Caseworkers who speak Polish, Romanian, Lithuanian and Ukrainian.",
            None,
            languages=("pl", "ro", "lt", "uk"),
        ),
        _Spec(
            "support-many-tongues",
            "Many Tongues: South Asian languages",
            K.LANGUAGE,
            "Caseworkers who speak Bengali, Gujarati, Punjabi, Tamil and Urdu.",
            None,
            languages=("bn", "gu", "pa", "ta", "ur"),
        ),
        _Spec(
            "support-many-tongues",
            "Many Tongues: Arabic, Somali and Turkish",
            K.LANGUAGE,
            "Caseworkers who speak Arabic, Somali and Turkish.",
            None,
            languages=("ar", "so", "tr"),
        ),
    ]
    for bcu, boroughs in bcus.items():
        local = tuple(b for b in boroughs if b not in SHORTFALL_BOROUGHS)
        if local:
            specs += [
                _Spec(
                    HARBOUR,
                    f"Harbour Light IDVA: {bcu}",
                    K.IDVA,
                    "Independent domestic violence advisers for high-risk victims.",
                    local,
                    min_age=16,
                    risk_levels=(RiskLevel.HIGH,),
                    advocates_per_borough=3,
                ),
                _Spec(
                    WILLOW,
                    f"Willow ISVA: {bcu}",
                    K.ISVA,
                    "Independent sexual violence advisers for people aged 16 and over.",
                    local,
                    min_age=16,
                    offence_groups=(OffenceGroup.SEXUAL_OFFENCES,),
                    receive_by=ReceiveBy.SECURE_EMAIL,
                    advocates_per_borough=2,
                ),
            ]
    for borough in SHORTFALL_BOROUGHS:
        specs += [
            _Spec(
                HARBOUR,
                f"Harbour Light IDVA: {borough}",
                K.IDVA,
                "Independent domestic violence advisers for high-risk victims.",
                (borough,),
                min_age=16,
                risk_levels=(RiskLevel.HIGH,),
                short=True,
            ),
            _Spec(
                WILLOW,
                f"Willow ISVA: {borough}",
                K.ISVA,
                "Independent sexual violence advisers for people aged 16 and over.",
                (borough,),
                min_age=16,
                offence_groups=(OffenceGroup.SEXUAL_OFFENCES,),
                receive_by=ReceiveBy.SECURE_EMAIL,
                short=True,
            ),
        ]
    return specs


def _capacity(spec: _Spec, boroughs: int, rng: random.Random) -> dict[str, int]:
    """Advocates in post, caseload each, open cases and waiting days."""
    if spec.kind not in (K.IDVA, K.ISVA):
        # Caseworker-based services: a team and a modest queue.
        advocates = rng.randint(4, 12)
        caseload = rng.randint(25, 40)
        return {
            "advocates_in_post": advocates,
            "caseload_each": caseload,
            "open_cases": round(advocates * caseload * rng.uniform(0.5, 0.85)),
            "waiting_days": rng.randint(1, 7),
        }
    caseload = rng.randint(16, 22)
    if spec.short:
        advocates = rng.randint(1, 2)
        return {
            "advocates_in_post": advocates,
            "caseload_each": caseload,
            "open_cases": round(advocates * caseload * rng.uniform(1.4, 1.8)),
            "waiting_days": rng.randint(21, 35),
        }
    advocates = boroughs * spec.advocates_per_borough + rng.randint(0, 2)
    return {
        "advocates_in_post": advocates,
        "caseload_each": caseload,
        "open_cases": round(advocates * caseload * rng.uniform(0.45, 0.7)),
        "waiting_days": rng.randint(0, 4),
    }


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-").replace("--", "-")


def referral_services_reset(ctx: DemoContext) -> int:
    """Delete the services of demo organisations (the organisations step removes
    the organisations). Refuses when a referral the demo did not make points at one."""
    services = SupportService.objects.filter(organisation__demo_marker__isnull=False)
    try:
        deleted = services.delete()[1]
    except ProtectedError as exc:
        raise DemoError(
            f"Cannot delete the demo support services: {len(exc.protected_objects)} referrals "
            "that the demo did not create were made to them. Delete those first."
        ) from exc
    return deleted.get(SupportService._meta.label, 0)


def _organisations(ctx: DemoContext) -> int:
    """Create the extra organisations (with demo markers); refuse taken codes."""
    codes = [code for code, _ in EXTRA_ORGANISATIONS]
    taken = sorted(Organisation.objects.filter(code__in=codes).values_list("code", flat=True))
    if taken:
        raise DemoError(
            "Organisations with the demo's codes already exist and were not created by the "
            f"demo: {', '.join(taken)}. Rename or delete them first."
        )
    orgs = ctx.bulk_create(
        Organisation,
        (
            Organisation(code=code, kind=OrganisationKind.SUPPORT_ORGANISATION, name=name)
            for code, name in EXTRA_ORGANISATIONS
        ),
        total=len(EXTRA_ORGANISATIONS),
        desc="support organisations",
    )
    for org in orgs:
        ctx.organisations[org.code] = org
    ctx.bulk_create(
        DemoOrganisation,
        (DemoOrganisation(organisation=o, seed=ctx.seed) for o in orgs),
        total=len(orgs),
        desc="organisation markers",
    )
    return 2 * len(orgs)


@demo_step("referral-services", order=35, reset=referral_services_reset)
def referral_services_generate(ctx: DemoContext) -> int:
    """The directory of support services with eligibility and capacity figures."""
    rng = ctx.random("referral-services")
    written = _organisations(ctx)
    areas = {a.name: a for a in Area.objects.select_related("bcu").order_by("name")}
    bcus: dict[str, list[str]] = {}
    for area in areas.values():
        if area.bcu is not None:
            bcus.setdefault(area.bcu.name, []).append(area.name)
    services: list[SupportService] = []
    coverage: list[list[Area]] = []
    for number, spec in enumerate(_specs(dict(sorted(bcus.items())))):
        organisation = ctx.organisations.get(spec.organisation)
        if organisation is None:  # another catalogue without this organisation
            continue
        covered = (
            list(areas.values())
            if spec.boroughs is None
            else [areas[b] for b in spec.boroughs if b in areas]
        )
        if not covered:
            continue
        updated = ctx.epoch - dt.timedelta(days=rng.randint(0, 45), minutes=rng.randint(0, 600))
        slug = _slug(spec.name)
        services.append(
            SupportService(
                organisation=organisation,
                name=spec.name,
                kind=spec.kind,
                description=spec.description,
                min_age=spec.min_age,
                max_age=spec.max_age,
                genders=list(spec.genders),
                offence_groups=list(spec.offence_groups),
                risk_levels=list(spec.risk_levels),
                languages=list(spec.languages),
                self_referral=spec.self_referral,
                public_phone=f"020 7946 0{200 + number:03d}",
                public_url=f"https://{slug}.example.org/",
                receive_by=spec.receive_by,
                referral_email=f"referrals@{slug}.example.org"
                if spec.receive_by == ReceiveBy.SECURE_EMAIL
                else "",
                capacity_updated_at=updated,
                updated_at=updated,
                **_capacity(spec, len(covered), rng),
            )
        )
        coverage.append(covered)
    saved = ctx.bulk_create(SupportService, services, total=len(services), desc="support services")
    through = SupportService.boroughs.through
    links = [
        through(supportservice_id=service.pk, area_id=area.pk)
        for service, covered in zip(saved, coverage, strict=True)
        for area in covered
    ]
    ctx.bulk_create(through, links, total=len(links), desc="service boroughs")
    return written + len(saved) + len(links)
