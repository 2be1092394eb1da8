"""The public feedback form: parses and checks input; the service decides."""

from __future__ import annotations

from django import forms

from victimcare.cases.constants import AgeBand, DisabilityAnswer, Ethnicity

from . import messages as msg
from .constants import COMMENT_MAX_LENGTH, NeedsRecognised, Rating


def _rating_choices() -> list[tuple[str, str]]:
    return [(str(value), f"{value} – {label}") for value, label in Rating.choices]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="How satisfied are you with the contact you had with the police officer?",
        choices=_rating_choices,
        coerce=int,
        error_messages={"required": msg.RATING_REQUIRED, "invalid_choice": msg.RATING_INVALID},
    )
    went_well = forms.CharField(
        label="What went well? (optional)",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea,
        error_messages={"max_length": msg.COMMENT_TOO_LONG},
        help_text="Do not include your name or other personal details.",
    )
    could_be_better = forms.CharField(
        label="What could have been better? (optional)",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea,
        error_messages={"max_length": msg.COMMENT_TOO_LONG},
        help_text="Do not include your name or other personal details.",
    )
    needs_recognised = forms.ChoiceField(
        label="Did you feel the officer understood what you needed? (optional)",
        required=False,
        choices=[("", "")] + list(NeedsRecognised.choices),
        error_messages={"invalid_choice": msg.ANSWER_INVALID},
    )
    age_band = forms.ChoiceField(
        label="How old are you? (optional)",
        required=False,
        choices=[("", "")] + list(AgeBand.choices),
        error_messages={"invalid_choice": msg.ANSWER_INVALID},
    )
    ethnicity = forms.ChoiceField(
        label="What is your ethnic group? (optional)",
        required=False,
        choices=[("", "")] + list(Ethnicity.choices),
        error_messages={"invalid_choice": msg.ANSWER_INVALID},
    )
    disability = forms.ChoiceField(
        label="Do you have a disability? (optional)",
        required=False,
        choices=[("", "")] + list(DisabilityAnswer.choices),
        error_messages={"invalid_choice": msg.ANSWER_INVALID},
    )
    contact_back = forms.BooleanField(label="You can contact me about my feedback", required=False)
    victim_voice_forum = forms.BooleanField(
        label="Tell me about the Victim Voice Forum, where victims help improve the service",
        required=False,
    )
