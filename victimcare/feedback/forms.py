"""The public feedback form: parses and checks input; the service decides.

Labels, choices and error messages come from the page's words in the victim's
language (i18n.py); English when no language is given.
"""

from __future__ import annotations

from typing import Any

from django import forms

from victimcare.cases.constants import AgeBand, DisabilityAnswer, Ethnicity

from . import messages as msg
from .constants import COMMENT_MAX_LENGTH, NeedsRecognised, Rating
from .i18n import SOURCE_LANGUAGE, PageText, page_text

# The service's English error texts (messages.py) and their keys in the page
# words, so an error the service finds is shown in the page's language too.
ERROR_KEYS = {
    msg.RATING_REQUIRED: "rating_required",
    msg.RATING_INVALID: "rating_invalid",
    msg.ANSWER_INVALID: "answer_invalid",
    msg.COMMENT_TOO_LONG: "comment_too_long",
    msg.LINK_UNAVAILABLE: "link_unavailable",
}

_CHOICE_FIELDS: dict[str, list[str]] = {
    "needs_recognised": list(NeedsRecognised.values),
    "age_band": list(AgeBand.values),
    "ethnicity": list(Ethnicity.values),
    "disability": list(DisabilityAnswer.values),
}


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

    def __init__(
        self,
        *args: Any,
        text: PageText | None = None,
        offer_contact_back: bool = True,
        **kwargs: Any,
    ) -> None:
        """`text`: the page's words (English by default). `offer_contact_back`
        False drops "you can contact me" (a personal-card invitation: we hold
        no contact details to call back on)."""
        super().__init__(*args, **kwargs)
        self.text = text or page_text(SOURCE_LANGUAGE)
        t = self.text.plain
        if not offer_contact_back:
            del self.fields["contact_back"]
        rating = self.fields["rating"]
        rating.label = t("rating_label")
        rating.choices = [(str(v), f"{v} – {t(f'rating.{v}')}") for v in Rating.values]  # type: ignore[attr-defined]
        rating.error_messages = {
            "required": t("rating_required"),
            "invalid_choice": t("rating_invalid"),
        }
        for name in ("went_well", "could_be_better"):
            field = self.fields[name]
            field.label = t(f"{name}_label")
            field.help_text = t("comment_hint")
            field.error_messages = {**field.error_messages, "max_length": t("comment_too_long")}
        for name, values in _CHOICE_FIELDS.items():
            field = self.fields[name]
            field.label = t(f"{name}_label")
            field.choices = [("", "")] + [(v, t(f"{name}.{v}")) for v in values]  # type: ignore[attr-defined]
            field.error_messages = {**field.error_messages, "invalid_choice": t("answer_invalid")}
        if "contact_back" in self.fields:
            self.fields["contact_back"].label = t("contact_back_label")
        self.fields["victim_voice_forum"].label = t("forum_label")

    def add_service_error(self, field: str | None, message: str) -> None:
        """An error the service found, in the page's language where we have
        words for it (else as the service gave it)."""
        key = ERROR_KEYS.get(message)
        self.add_error(field, self.text.plain(key) if key else message)
