"""The directory's forms: the filter over the list and the edit page of one
service (who it is for, how it receives referrals, its capacity)."""

from __future__ import annotations

from typing import Any

from django import forms

from victimcare.accounts.models import Area
from victimcare.cases.constants import OffenceGroup

from .constants import Gender, ReceiveBy, RiskLevel, ServiceKind
from .directory import AGE_RANGE, EMAIL_NEEDED, NO_BOROUGH

MAX_AGE = 120
# Bounds that keep the figures plausible and within the columns.
MAX_ADVOCATES = 500
MAX_CASELOAD = 500
MAX_OPEN_CASES = 100_000
MAX_WAITING_DAYS = 365


class DirectoryFilterForm(forms.Form):
    """The list's filters, from the query string; anything unknown is ignored."""

    borough = forms.ChoiceField(label="Borough", required=False)
    kind = forms.ChoiceField(
        label="Kind of service",
        required=False,
        choices=[("", "All kinds")] + list(ServiceKind.choices),
    )

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["borough"].choices = [("", "All boroughs")] + [
            (str(a.pk), a.name) for a in areas
        ]


def _count(label: str, noun: str, example: int, maximum: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=maximum,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": f"Enter the {noun} (0 if none)",
            "invalid": f"Enter the {noun} as a whole number, like {example}",
            "min_value": f"The {noun} must be 0 or more",
            "max_value": f"The {noun} must be {maximum:,} or fewer",
        },
    )


def _age(label: str, which: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_AGE,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="Leave empty if there is no " + which + " age.",
        error_messages={
            "invalid": f"Enter the {which} age as a whole number of years, like 18",
            "min_value": f"The {which} age must be 0 or more",
            "max_value": f"The {which} age must be {MAX_AGE} or less",
        },
    )


class ServiceEditForm(forms.Form):
    """One service's eligibility, referral route and capacity."""

    boroughs = forms.MultipleChoiceField(
        label="Boroughs covered",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": NO_BOROUGH, "invalid_choice": NO_BOROUGH},
    )
    min_age = _age("Minimum age", "minimum")
    max_age = _age("Maximum age", "maximum")
    genders = forms.MultipleChoiceField(
        label="Who the service is for",
        choices=Gender.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if the service is for everyone.",
    )
    offence_groups = forms.MultipleChoiceField(
        label="Offences the service takes",
        choices=OffenceGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if it takes any offence.",
    )
    risk_levels = forms.MultipleChoiceField(
        label="Risk levels the service takes",
        choices=RiskLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if it takes any risk level.",
    )
    receive_by = forms.ChoiceField(
        label="How the service receives referrals",
        choices=ReceiveBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the service receives referrals"},
    )
    referral_email = forms.EmailField(
        label="Referral mailbox",
        required=False,
        max_length=254,
        help_text="The secure email address told when a referral arrives.",
        error_messages={
            "invalid": "Enter the referral mailbox in the correct format, like referrals@example.org"
        },
    )
    advocates_in_post = _count("Advocates in post", "number of advocates in post", 6, MAX_ADVOCATES)
    caseload_each = _count(
        "Caseload each (cases one advocate can hold)", "caseload each", 20, MAX_CASELOAD
    )
    open_cases = _count("Open cases now", "number of open cases", 85, MAX_OPEN_CASES)
    waiting_days = _count("Waiting time in days", "waiting time in days", 5, MAX_WAITING_DAYS)

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = {str(a.pk): a for a in areas}
        self.fields["boroughs"].choices = [(str(a.pk), a.name) for a in areas]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error("min_age", AGE_RANGE)
        if data.get("receive_by") == ReceiveBy.SECURE_EMAIL and not data.get("referral_email"):
            if "referral_email" not in self.errors:
                self.add_error("referral_email", EMAIL_NEEDED)
        return data

    def selected_areas(self) -> list[Area]:
        return [self.areas[pk] for pk in self.cleaned_data["boroughs"]]

    def values(self) -> dict[str, Any]:
        """What service_update takes (everything but the boroughs)."""
        data = self.cleaned_data
        return {
            "min_age": data["min_age"],
            "max_age": data["max_age"],
            "genders": list(data["genders"]),
            "offence_groups": list(data["offence_groups"]),
            "risk_levels": list(data["risk_levels"]),
            "receive_by": data["receive_by"],
            "referral_email": data["referral_email"] or "",
            "advocates_in_post": data["advocates_in_post"],
            "caseload_each": data["caseload_each"],
            "open_cases": data["open_cases"],
            "waiting_days": data["waiting_days"],
        }
