"""The form behind the create and edit feed pages. It parses what was sent;
the rules (and their messages) live in `feeds_admin._check`, whose
ValidationError keys match the field names, and the view copies them on."""

from __future__ import annotations

from typing import Any

from django import forms

from victimcare.cases.constants import EventCode

from .constants import Rhythm
from .feeds_admin import (
    CODES_INVALID,
    NAME_MAX,
    NAME_MISSING,
    NAME_TOO_LONG,
    ORGANISATION_INVALID,
    RHYTHM_INVALID,
    TOLERANCE_INVALID,
    FeedInput,
    partner_organisations,
)


class FeedForm(forms.Form):
    organisation = forms.TypedChoiceField(
        label="Organisation",
        coerce=int,
        error_messages={"required": ORGANISATION_INVALID, "invalid_choice": ORGANISATION_INVALID},
    )
    name = forms.CharField(
        label="Name",
        help_text="Which system and what it sends, for example 'Court results'.",
        max_length=NAME_MAX,
        error_messages={"required": NAME_MISSING, "max_length": NAME_TOO_LONG},
    )
    event_codes = forms.MultipleChoiceField(
        label="Which events does the feed send?",
        help_text="Leave all unticked if any event the organisation records counts.",
        choices=EventCode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": CODES_INVALID},
    )
    rhythm = forms.ChoiceField(
        label="How often should it send something?",
        choices=Rhythm.choices,
        widget=forms.RadioSelect,
        error_messages={"required": RHYTHM_INVALID, "invalid_choice": RHYTHM_INVALID},
    )
    # Text, not a number input (GOV.UK: inputmode="numeric" instead).
    tolerance = forms.CharField(
        label="How many quiet periods before an alert?",
        help_text="For example, 2 with 'Every working day' alerts after two whole working "
        "days with nothing.",
        max_length=3,
        error_messages={"required": TOLERANCE_INVALID, "max_length": TOLERANCE_INVALID},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Choose an organisation")]
        choices += [(str(o.pk), o.name) for o in partner_organisations()]
        self.fields["organisation"].choices = choices  # type: ignore[attr-defined]

    def clean_tolerance(self) -> int:
        text = self.cleaned_data["tolerance"].strip()
        if not text.isdecimal():
            raise forms.ValidationError(TOLERANCE_INVALID)
        return int(text)

    def feed_input(self) -> FeedInput:
        data = self.cleaned_data
        return FeedInput(
            organisation_id=data["organisation"],
            name=data["name"],
            event_codes=list(data["event_codes"]),
            rhythm=data["rhythm"],
            tolerance=data["tolerance"],
        )
