"""The load test's fixture, made in a child process with Django on the load database:
accounts allowed to sign in without a second factor, crime ids and references,
fresh single-use feedback tokens, API tokens and crimes shared with partners."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from benchmarks.load import model

ELIGIBLE_CRIMES = """
SELECT c.id, c.crn, c.team_id, c.oic_id
FROM cases_crime c
JOIN cases_crimevictim l ON l.crime_id = c.id AND l.is_primary_contact
JOIN cases_victim v ON v.id = l.victim_id
WHERE c.status IN ('open', 'suspect_charged', 'in_court') AND NOT c.restricted
  AND c.oic_id IS NOT NULL AND c.team_id IS NOT NULL
  AND v.wants_updates AND NOT v.contact_only_if_victim_initiates AND v.safe_from IS NULL
  AND ((v.preferred_channel = 'sms' AND v.safe_to_text)
       OR (v.preferred_channel = 'email' AND v.safe_to_email))
ORDER BY c.id DESC
"""


def fixture_prepare(
    path: Path, *, officers: int, agents: int, feedback_tokens: int
) -> dict[str, Any]:
    import hashlib
    import secrets

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from victimcare.accounts.constants import OrganisationKind, Role
    from victimcare.accounts.models import Organisation, User
    from victimcare.api.services import token_create
    from victimcare.cases.models import Crime
    from victimcare.cases.services import case_share
    from victimcare.demo.services import demo_password
    from victimcare.feedback.models import Invitation

    call_command("collectstatic", interactive=False, verbosity=0)
    stamp = f"{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}"
    out: dict[str, Any] = {"password": demo_password()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.oic_id, count(*) FROM cases_crime c JOIN accounts_user u ON u.id = c.oic_id "
            "WHERE NOT c.restricted AND u.is_active AND u.role = %s "
            "GROUP BY c.oic_id ORDER BY count(*) DESC, c.oic_id LIMIT %s",
            [Role.OFFICER, max(officers, model.USERS["Officer"])],
        )
        busiest = [row[0] for row in cursor.fetchall()]
        out["officers"] = []
        for officer_id in busiest:
            cursor.execute(
                "SELECT id FROM cases_crime WHERE oic_id = %s AND NOT restricted "
                "ORDER BY id DESC LIMIT 100",
                [officer_id],
            )
            crimes = [row[0] for row in cursor.fetchall()]
            out["officers"].append({"id": officer_id, "crimes": crimes})
        cursor.execute(
            "SELECT c.crn FROM cases_crime c WHERE NOT c.restricted AND EXISTS "
            "(SELECT 1 FROM cases_crimevictim l WHERE l.crime_id = c.id) "
            "ORDER BY md5(c.id::text) LIMIT 2000"
        )
        out["desk_crns"] = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT e.id, e.crime_id, coalesce(e.recorded_by_id, c.oic_id) "
            "FROM cases_journeyevent e JOIN cases_crime c ON c.id = e.crime_id "
            "WHERE e.code IN ('contact_visit', 'contact_call') AND NOT c.restricted "
            "AND coalesce(e.recorded_by_id, c.oic_id) IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM feedback_invitation i WHERE i.contact_event_id = e.id) "
            "ORDER BY md5(e.id::text) LIMIT %s",
            [feedback_tokens],
        )
        contacts = cursor.fetchall()
        cursor.execute(ELIGIBLE_CRIMES)
        eligible = cursor.fetchall()
    users = {u.pk: u for u in User.objects.filter(pk__in=busiest)}
    for entry in out["officers"]:
        entry["email"] = users[entry.pop("id")].email
    agent_rows = list(
        User.objects.filter(role=Role.DESK_AGENT, is_active=True).order_by("pk")[
            : max(agents, model.USERS["DeskAgent"])
        ]
    )
    out["desk_agents"] = [u.email for u in agent_rows]
    # Load-test accounts sign in with the demo password and no second factor, as
    # the demo's well-known accounts do (TOTP codes cannot be typed by a script).
    User.objects.filter(pk__in=[*busiest, *(u.pk for u in agent_rows)]).update(otp_exempt=True)

    now = timezone.now()
    plain = [secrets.token_urlsafe(16) for _ in contacts]
    Invitation.objects.bulk_create(
        [
            Invitation(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                channel="qr",
                officer_id=officer_id,
                contact_event_id=event_id,
                crime_id=crime_id,
                created_at=now,
                expires_at=now + dt.timedelta(days=14),
                language="en",
            )
            for token, (event_id, crime_id, officer_id) in zip(plain, contacts, strict=True)
        ],
        batch_size=2000,
    )
    out["feedback_tokens"] = plain

    # Police records systems: the teams with the most eligible crimes, one token each.
    by_team: dict[int, list[str]] = {}
    for _id, crn, team_id, _oic in eligible:
        by_team.setdefault(team_id, []).append(crn)
    teams = sorted(by_team, key=lambda t: (-len(by_team[t]), t))[: model.USERS["PoliceSystem"]]
    out["police_systems"] = []
    for team_id in teams:
        _token, secret = token_create(
            organisation=Organisation.objects.get(pk=team_id),
            name=f"load test records system {stamp}",
            scopes=["events:write"],
            days=2,
        )
        out["police_systems"].append({"secret": secret, "crns": by_team[team_id][:500]})
    used = {crn for s in out["police_systems"] for crn in s["crns"]}
    # Witness Care Units: crimes shared with them by their officer in the case.
    units = list(
        Organisation.objects.filter(kind=OrganisationKind.WITNESS_CARE_UNIT).order_by("pk")
    )
    spare = [row for row in eligible if row[1] not in used]
    out["partner_systems"] = []
    per_unit = 200
    oics = {u.pk: u for u in User.objects.filter(pk__in={row[3] for row in spare[:3000]})}
    for n in range(model.USERS["PartnerSystem"]):
        unit = units[n % len(units)]
        rows = spare[n * per_unit : (n + 1) * per_unit]
        crimes = {c.pk: c for c in Crime.objects.filter(pk__in=[r[0] for r in rows])}
        shared = []
        for crime_id, crn, _team, oic_id in rows:
            with transaction.atomic():
                case_share(actor=oics[oic_id], crime=crimes[crime_id], organisation=unit)
            shared.append(crn)
        _token, secret = token_create(
            organisation=unit,
            name=f"load test case system {stamp}-{n}",
            scopes=["events:write"],
            days=2,
        )
        out["partner_systems"].append({"secret": secret, "crns": shared})
    path.write_text(json.dumps(out))
    path.chmod(0o600)
    return {
        "officers": len(out["officers"]),
        "officer_crimes": sum(len(o["crimes"]) for o in out["officers"]),
        "desk_agents": len(out["desk_agents"]),
        "desk_crns": len(out["desk_crns"]),
        "feedback_tokens": len(plain),
        "eligible_crimes": len(eligible),
        "police_systems": len(out["police_systems"]),
        "partner_systems": len(out["partner_systems"]),
        "partner_units": len({u.pk for u in units}),
    }
