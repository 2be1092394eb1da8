"""The public complaint form: parses and checks input; services.complaint_make stores it.

Labels, hints and error messages are page words in the page's language
(data/page/<language>.json), so an error is explained in the language the
person is reading.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms

from victimcare.feedback.i18n import PageText
from victimcare.messaging.safety import has_postcode, is_mobile
from victimcare.messaging.wording import languages

from . import constants as c
from .constants import ComplaintAbout
from .services import ComplaintInput


def _valid_phone(number: str) -> bool:
    if is_mobile(number):
        return True
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


class ComplaintForm(forms.Form):
    details = forms.CharField(strip=True, widget=forms.Textarea)
    crn = forms.CharField(required=False, strip=True)
    name = forms.CharField(required=False, strip=True)
    reply_email = forms.EmailField(required=False, max_length=254)
    reply_phone = forms.CharField(required=False, strip=True, max_length=30)
    reply_address = forms.CharField(required=False, strip=True, widget=forms.Textarea)
    about = forms.ChoiceField(required=False)
    language = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, text: PageText, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")  # ids match the error summary's links
        super().__init__(*args, **kwargs)
        self.text = text
        t = text.plain
        f = self.fields
        f["details"].label = t("complain_details_label")
        f["details"].help_text = t("complain_details_hint")
        f["details"].error_messages = {"required": t("complain_details_required")}
        f["crn"].label = t("complain_crn_label")
        f["crn"].help_text = t("complain_crn_hint")
        f["name"].label = t("complain_name_label")
        f["reply_email"].label = t("complain_email_label")
        f["reply_email"].error_messages = {
            "invalid": t("complain_email_invalid"),
            "max_length": t("complain_email_invalid"),
        }
        f["reply_email"].widget.attrs["autocomplete"] = "email"
        f["reply_phone"].label = t("complain_phone_label")
        f["reply_phone"].help_text = t("complain_phone_hint")
        f["reply_phone"].error_messages = {"max_length": t("complain_phone_invalid")}
        f["reply_phone"].widget.input_type = "tel"  # type: ignore[attr-defined]
        f["reply_phone"].widget.attrs["autocomplete"] = "tel"
        f["reply_address"].label = t("complain_address_label")
        f["reply_address"].help_text = t("complain_address_hint")
        f["name"].widget.attrs["autocomplete"] = "name"
        f["about"].label = t("complain_about_legend")
        f["about"].choices = [("", "")] + [  # type: ignore[attr-defined]
            (value, t(f"complain_about.{value}")) for value in ComplaintAbout.values
        ]
        f["about"].error_messages = {"invalid_choice": t("complain_choice_invalid")}
        f["language"].label = t("complain_language_label")
        f["language"].help_text = t("complain_language_hint")
        f["language"].choices = [  # type: ignore[attr-defined]
            (code, info["native_name"]) for code, info in languages().items()
        ]
        f["language"].error_messages = {"invalid_choice": t("complain_choice_invalid")}
        if not self.is_bound:
            self.initial.setdefault("language", text.language)

    def clean_details(self) -> str:
        value: str = self.cleaned_data["details"]
        if len(value) > c.COMPLAINT_MAX_LENGTH:
            raise forms.ValidationError(self.text.plain("complain_details_too_long"))
        return value

    def clean_crn(self) -> str:
        value: str = self.cleaned_data["crn"]
        if len(value) > c.CRN_MAX_LENGTH:
            raise forms.ValidationError(self.text.plain("complain_crn_too_long"))
        return value

    def clean_name(self) -> str:
        value: str = self.cleaned_data["name"]
        if len(value) > c.NAME_MAX_LENGTH:
            raise forms.ValidationError(self.text.plain("complain_name_too_long"))
        return value

    def clean_reply_phone(self) -> str:
        value: str = self.cleaned_data["reply_phone"]
        if value and not _valid_phone(value):
            raise forms.ValidationError(self.text.plain("complain_phone_invalid"))
        return value

    def clean_reply_address(self) -> str:
        value: str = self.cleaned_data["reply_address"]
        if len(value) > c.ADDRESS_MAX_LENGTH:
            raise forms.ValidationError(self.text.plain("complain_address_too_long"))
        if value and not has_postcode(value):
            raise forms.ValidationError(self.text.plain("complain_address_postcode"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        given = [data.get(n) for n in ("reply_email", "reply_phone", "reply_address")]
        fields_with_errors = {"reply_email", "reply_phone", "reply_address"} & set(self.errors)
        if not any(given) and not fields_with_errors:
            self.add_error("reply_email", self.text.plain("complain_reply_required"))
        return data

    def to_input(self) -> ComplaintInput:
        d = self.cleaned_data
        return ComplaintInput(
            details=d["details"],
            crn=d["crn"],
            name=d["name"],
            reply_email=d["reply_email"].lower(),
            reply_phone=d["reply_phone"],
            reply_address=d["reply_address"],
            about=d["about"],
            language=d["language"] or self.text.language,
        )


class ComplaintCloseForm(forms.Form):
    """Staff: the response sent, to record and close the complaint."""

    response = forms.CharField(
        label="The response you sent",
        help_text="What you told the person, and how (email, phone or letter).",
        strip=True,
        widget=forms.Textarea,
        error_messages={"required": "Enter the response you sent to the person who complained."},
    )

    def clean_response(self) -> str:
        value: str = self.cleaned_data["response"]
        if len(value) > c.RESPONSE_MAX_LENGTH:
            raise forms.ValidationError(
                f"The response must be {c.RESPONSE_MAX_LENGTH:,} characters or fewer."
            )
        return value
