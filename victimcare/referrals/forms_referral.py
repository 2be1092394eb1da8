"""Forms of the officer's referral page: choose a service and the risk level,
confirm consent given now; and record that the victim declined. Error texts
are constants the tests import."""

from __future__ import annotations

from typing import Any

from django import forms

from victimcare.cases.constants import ConsentMethod

from .constants import RiskLevel

SERVICE_REQUIRED = "Select the support service to refer the victim to"
RISK_INVALID = "Select the risk level, or that it has not been assessed"
METHOD_REQUIRED = "Select how the victim gave their consent"
DECLINE_METHOD_REQUIRED = "Select how the victim told you they do not want a referral"
NOT_ASSESSED = "none"

RISK_CHOICES = [(r.value, r.label) for r in RiskLevel] + [(NOT_ASSESSED, "Not assessed")]
METHOD_CHOICES = [(m.value, m.label) for m in ConsentMethod]


class ReferralForm(forms.Form):
    service = forms.ChoiceField(
        label="Support service",
        error_messages={"required": SERVICE_REQUIRED, "invalid_choice": SERVICE_REQUIRED},
    )
    risk_level = forms.ChoiceField(
        label="Risk level",
        choices=RISK_CHOICES,
        widget=forms.RadioSelect,
        help_text="For domestic abuse, the DASH risk assessment's result.",
        error_messages={"required": RISK_INVALID, "invalid_choice": RISK_INVALID},
    )
    consent_now = forms.BooleanField(
        label="The victim has agreed to this referral",
        required=False,
    )
    method = forms.ChoiceField(
        label="How did they agree?",
        choices=METHOD_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": METHOD_REQUIRED},
    )

    def __init__(self, *args: Any, services: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")  # ids match the error summary's links
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "Choose a service"), *services]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("consent_now") and not data.get("method"):
            self.add_error("method", METHOD_REQUIRED)
        return data

    def risk_level_value(self) -> str:
        value = self.cleaned_data.get("risk_level", "")
        return "" if value == NOT_ASSESSED else str(value)


class DeclineForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)

    method = forms.ChoiceField(
        label="How did they tell you?",
        choices=METHOD_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": DECLINE_METHOD_REQUIRED,
            "invalid_choice": DECLINE_METHOD_REQUIRED,
        },
    )
