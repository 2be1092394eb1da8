"""Forms of the support organisation's side: filter, decline, data problem, correction."""

from __future__ import annotations

from django import forms

from .constants import DECLINE_REASON_MAX, PROBLEM_DESCRIPTION_MAX, ProblemKind, ReferralState
from .inbox import (
    DECLINE_REASON_REQUIRED,
    DECLINE_REASON_TOO_LONG,
    MOVE_UNKNOWN,
    PROBLEM_DESCRIPTION_REQUIRED,
    PROBLEM_DESCRIPTION_TOO_LONG,
    PROBLEM_KIND_REQUIRED,
)

STATE_FILTER_INVALID = "Choose a state from the list."


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="Show referrals that are",
        required=False,
        choices=[("", "In any state"), *ReferralState.choices],
        error_messages={"invalid_choice": STATE_FILTER_INVALID},
    )


class MoveForm(forms.Form):
    """One of the buttons on the referral page (the state to move to)."""

    to_state = forms.ChoiceField(
        choices=ReferralState.choices,
        error_messages={"required": MOVE_UNKNOWN, "invalid_choice": MOVE_UNKNOWN},
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why can the service not take this referral?",
        help_text="The officer in the case reads this. For example: the victim lives outside "
        "the boroughs we cover.",
        max_length=DECLINE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": DECLINE_REASON_REQUIRED,
            "max_length": DECLINE_REASON_TOO_LONG,
        },
    )

    def clean_reason(self) -> str:
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(DECLINE_REASON_REQUIRED)
        return reason


class ProblemForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is wrong with the details?",
        choices=ProblemKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": PROBLEM_KIND_REQUIRED, "invalid_choice": PROBLEM_KIND_REQUIRED},
    )
    description = forms.CharField(
        label="Describe the problem",
        help_text="The officer in the case reads this to correct the record. For example: the "
        "number rings a business that does not know the victim.",
        max_length=PROBLEM_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": PROBLEM_DESCRIPTION_REQUIRED,
            "max_length": PROBLEM_DESCRIPTION_TOO_LONG,
        },
    )

    def clean_description(self) -> str:
        text = (self.cleaned_data.get("description") or "").strip()
        if not text:
            raise forms.ValidationError(PROBLEM_DESCRIPTION_REQUIRED)
        return text


class CorrectionForm(forms.Form):
    """The officer's correction of the victim's contact details (blank: unchanged)."""

    phone = forms.CharField(
        label="Correct phone number",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label="Correct email address",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label="Correct address",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
