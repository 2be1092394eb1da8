"""The "Change contact details" form: the intake's contact fields plus phone,
email and address, starting from what is recorded (views_contact.py)."""

from __future__ import annotations

from typing import Any

from .forms import SAFE_WAY_FIELDS, ContactForm, VictimForm
from .models import Victim


class ContactChangeForm(ContactForm):
    """Phone, email and address, then the safe-contact questions of the intake."""

    title = "Change contact details"

    phone = VictimForm.base_fields["phone"]
    email = VictimForm.base_fields["email"]
    address = VictimForm.base_fields["address"]

    field_order = ["phone", "email", "address"]

    def __init__(self, *args: Any, victim: Victim, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A language recorded through the API that is not in the list stays choosable.
        language = self.fields["language"]
        codes = {str(v) for v, _ in language.choices}  # type: ignore[attr-defined]
        if victim.language and victim.language not in codes:
            language.choices = [*language.choices, (victim.language, victim.language)]  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        """The answers as `victim_contact_update` changes (every contact field)."""
        data = self.cleaned_data
        safe = set(data["safe_ways"])
        accessible = data.get("accessible_format") or "none"
        changes: dict[str, Any] = {
            "phone": data["phone"].strip(),
            "email": (data["email"] or "").strip(),
            "address": data["address"].strip(),
            "preferred_channel": data["preferred_channel"],
            "language": data["language"],
            "interpreter_needed": data["interpreter_needed"] == "yes",
            "accessible_format": "" if accessible == "none" else accessible,
            "wants_updates": data["wants_updates"] == "yes",
            "safe_from": data["safe_from"],
            "safe_until": data["safe_until"],
            "code_word": data["code_word"].strip(),
            "contact_only_if_victim_initiates": "victim_initiates" in data["other_rules"],
        }
        for way, field in SAFE_WAY_FIELDS.items():
            changes[field] = way in safe
        return changes


def contact_initial(victim: Victim) -> dict[str, Any]:
    """What is recorded, as the form's data (the page starts from it)."""

    def yes(value: bool) -> str:
        return "yes" if value else "no"

    def clock(value: Any) -> str:
        return value.strftime("%H:%M") if value else ""

    return {
        "phone": victim.phone or "",
        "email": victim.email or "",
        "address": victim.address or "",
        "preferred_channel": victim.preferred_channel,
        "language": victim.language,
        "interpreter_needed": yes(victim.interpreter_needed),
        "accessible_format": victim.accessible_format or "none",
        "wants_updates": yes(victim.wants_updates),
        "safe_ways": [way for way, field in SAFE_WAY_FIELDS.items() if getattr(victim, field)],
        "safe_from": clock(victim.safe_from),
        "safe_until": clock(victim.safe_until),
        "code_word": victim.code_word or "",
        "other_rules": ["victim_initiates"] if victim.contact_only_if_victim_initiates else [],
    }
