"""Forms of the API tokens pages: creating a token and rotating one.

The forms check what a person typed; the rules (name length, days, scopes,
two active tokens per name) live in `api.services`, whose TokenError names
the field, so the view copies its message onto the form.
"""

from __future__ import annotations

from typing import Any

from django import forms

from victimcare.accounts.models import Organisation
from victimcare.api.constants import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, SCOPES

ORGANISATION_INVALID = "Choose the organisation whose system will use the token."
NAME_REQUIRED = "Enter a name for the token, saying what it is for."
NAME_TOO_LONG = "The name must be 100 characters or fewer."
SCOPES_REQUIRED = "Choose at least one thing the token may do."
DAYS_INVALID = (
    f"Enter how many days the token is valid for, a whole number from 1 to {MAX_TOKEN_DAYS}."
)


def _days_field() -> forms.IntegerField:
    # Text with inputmode="numeric" (GOV.UK), not a number input.
    return forms.IntegerField(
        label="How many days is the token valid for?",
        help_text=f"From 1 to {MAX_TOKEN_DAYS}. A year is 365.",
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        widget=forms.TextInput,
        error_messages={
            "required": DAYS_INVALID,
            "invalid": DAYS_INVALID,
            "min_value": DAYS_INVALID,
            "max_value": DAYS_INVALID,
        },
    )


class TokenCreateForm(forms.Form):
    """A new token: whose system, what it is for, what it may do, for how long."""

    organisation = forms.ChoiceField(
        label="Organisation",
        help_text="The token acts as a member of this organisation and sees what they may see.",
        error_messages={"required": ORGANISATION_INVALID, "invalid_choice": ORGANISATION_INVALID},
    )
    name = forms.CharField(
        label="Name",
        help_text="What the token is for, for example ‘court results feed’.",
        max_length=100,
        error_messages={"required": NAME_REQUIRED, "max_length": NAME_TOO_LONG},
    )
    scopes = forms.MultipleChoiceField(
        label="What may the token do?",
        help_text="Give a system only what it needs.",
        choices=[(scope, scope) for scope in SCOPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": SCOPES_REQUIRED, "invalid_choice": SCOPES_REQUIRED},
    )
    days = _days_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {
            str(o.pk): o for o in Organisation.objects.filter(active=True).order_by("name")
        }
        self.fields["organisation"].choices = [
            ("", "Choose an organisation"),
            *((pk, o.name) for pk, o in self.organisations.items()),
        ]
        if not self.is_bound:
            self.initial.setdefault("days", DEFAULT_TOKEN_DAYS)

    def clean_organisation(self) -> Organisation:
        organisation = self.organisations.get(self.cleaned_data["organisation"])
        if organisation is None:  # pragma: no cover (ChoiceField already refuses it)
            raise forms.ValidationError(ORGANISATION_INVALID)
        return organisation


class TokenRotateForm(forms.Form):
    """Rotating a token: how long the new one is valid for."""

    days = _days_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("days", DEFAULT_TOKEN_DAYS)
