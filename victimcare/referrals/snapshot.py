"""What a referral shares with the support service: one snapshot of the victim,
taken when it is sent and again whenever the victim's record changes while the
referral is open (so a corrected phone number reaches the caseworker without a
phone call).

The snapshot is plain data (a dict of strings, lists and booleans), stored
encrypted as JSON on the referral and in ReferralSnapshot. Only what a
support service needs to make safe contact and offer the right help: no
offender details, no free-text case summaries.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from victimcare.cases.models import Crime, CrimeVictim, NeedsAssessmentVersion, Victim

# The fields, in the order the caseworker reads them, with their labels.
FIELDS: dict[str, str] = {
    "full_name": "Name",
    "date_of_birth": "Date of birth",
    "phone": "Phone",
    "email": "Email",
    "address": "Address",
    "preferred_channel": "Preferred way to be contacted",
    "language": "Language",
    "interpreter_needed": "Needs an interpreter",
    "accessible_format": "Accessible format",
    "safe_contact": "Safe-contact rules",
    "code_word_set": "A code word is set (ask the officer in the case)",
    "vulnerabilities": "Vulnerabilities",
    "communication_needs": "Communication needs",
    "support_wanted": "Support wanted",
    "risk_level": "Risk level",
    "role": "Role in the case",
    "crime_reference": "Crime reference number",
    "offence": "Offence",
    "borough": "Borough",
    "reported_on": "Reported on",
    "oic_name": "Officer in the case",
    "oic_email": "Officer's work email",
}


def _needs(victim: Victim) -> NeedsAssessmentVersion | None:
    assessment = getattr(victim, "needs", None)
    if assessment is None or assessment.current_id is None:
        return None
    return NeedsAssessmentVersion.objects.filter(pk=assessment.current_id).first()


def snapshot_build(*, crime: Crime, victim: Victim, risk_level: str) -> dict[str, Any]:
    """The snapshot of `victim` on `crime` as it stands now (reads the database)."""
    # Imported here: cases.views imports much of the app.
    from victimcare.cases.views import contact_warnings

    victim = Victim.objects.select_related("needs").get(pk=victim.pk)
    crime = Crime.objects.select_related("offence", "area", "oic").get(pk=crime.pk)
    link = CrimeVictim.objects.filter(crime=crime, victim=victim).first()
    needs = _needs(victim)
    oic = crime.oic
    return {
        "full_name": victim.full_name or "",
        "date_of_birth": victim.date_of_birth or "",
        "phone": victim.phone or "",
        "email": victim.email or "",
        "address": victim.address or "",
        "preferred_channel": victim.get_preferred_channel_display(),
        "language": victim.language or "",
        "interpreter_needed": bool(victim.interpreter_needed),
        "accessible_format": victim.get_accessible_format_display()
        if victim.accessible_format
        else "",
        "safe_contact": contact_warnings(victim),
        "code_word_set": bool(getattr(victim, "code_word", "")),
        "vulnerabilities": list(needs.vulnerabilities) if needs else [],
        "communication_needs": needs.communication_needs if needs else "",
        "support_wanted": list(needs.support_wanted) if needs else [],
        "risk_level": risk_level or "",
        "role": link.get_role_display() if link is not None else "",
        "crime_reference": crime.crn,
        "offence": crime.offence.name,
        "borough": crime.area.name,
        "reported_on": crime.reported_at.date().isoformat(),
        "oic_name": oic.full_name if oic is not None else "",
        "oic_email": oic.email if oic is not None and oic.is_active else "",
    }


def snapshot_dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def snapshot_loads(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text or "{}")
    return data


def snapshot_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The field names whose value differs, in FIELDS order."""
    return [name for name in FIELDS if old.get(name) != new.get(name)]


def snapshot_rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs for a page, lists joined, booleans as Yes/No, in FIELDS order."""
    rows = []
    for name, label in FIELDS.items():
        value = data.get(name, "")
        if isinstance(value, bool):
            text = "Yes" if value else "No"
        elif isinstance(value, list):
            text = "; ".join(str(v) for v in value) or "None recorded"
        elif isinstance(value, dt.date):
            text = value.isoformat()
        else:
            text = str(value) if value not in (None, "") else "Not recorded"
        rows.append((label, text))
    return rows
