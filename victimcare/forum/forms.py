"""The public sign-up form and the coordinator's forms.

Sign-up labels, hints and errors are page words in the page's language
(data/page/<language>.json), so a mistake is explained in the language the
person is reading. Nothing is pre-ticked: consent and each item shared are
explicit choices.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms

from victimcare.feedback.i18n import PageText
from victimcare.messaging.safety import is_mobile
from victimcare.portal.directory import borough_names

from . import constants as c
from .constants import ContactPreference, ExperienceType, ShareItem
from .services import VolunteerInput


def _valid_phone(number: str) -> bool:
    if is_mobile(number):
        return True
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


class JoinForm(forms.Form):
    name = forms.CharField(required=False, strip=True)
    email = forms.EmailField(required=False, max_length=c.EMAIL_MAX_LENGTH)
    phone = forms.CharField(required=False, strip=True, max_length=c.PHONE_MAX_LENGTH)
    borough = forms.ChoiceField(required=False)
    experiences = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    contact_preference = forms.ChoiceField(widget=forms.RadioSelect)
    share = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    consent = forms.BooleanField(required=True)

    def __init__(self, *args: Any, text: PageText, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")  # ids match the error summary's links
        super().__init__(*args, **kwargs)
        self.text = text
        t = text.plain
        f = self.fields
        f["name"].label = t("name_label")
        f["name"].help_text = t("name_hint")
        f["name"].widget.attrs["autocomplete"] = "name"
        f["email"].label = t("email_label")
        f["email"].error_messages = {
            "invalid": t("email_invalid"),
            "max_length": t("email_invalid"),
        }
        f["email"].widget.attrs["autocomplete"] = "email"
        f["phone"].label = t("phone_label")
        f["phone"].help_text = t("phone_hint")
        f["phone"].error_messages = {"max_length": t("phone_invalid")}
        f["phone"].widget.input_type = "tel"  # type: ignore[attr-defined]
        f["phone"].widget.attrs["autocomplete"] = "tel"
        f["borough"].label = t("borough_label")
        f["borough"].help_text = t("borough_hint")
        # Borough names are proper nouns, shown as written in the reference data.
        f["borough"].choices = [("", t("borough_none"))] + list(borough_names().items())  # type: ignore[attr-defined]
        f["borough"].error_messages = {"invalid_choice": t("choice_invalid")}
        f["experiences"].label = t("experience_legend")
        f["experiences"].help_text = t("experience_hint")
        f["experiences"].choices = [  # type: ignore[attr-defined]
            (v, t(f"experience.{v}")) for v in ExperienceType.values
        ]
        f["experiences"].error_messages = {"invalid_choice": t("choice_invalid")}
        f["contact_preference"].label = t("prefer_legend")
        f["contact_preference"].choices = [  # type: ignore[attr-defined]
            (v, t(f"prefer.{v}")) for v in ContactPreference.values
        ]
        f["contact_preference"].error_messages = {
            "required": t("prefer_required"),
            "invalid_choice": t("choice_invalid"),
        }
        f["share"].label = t("share_legend")
        f["share"].help_text = t("share_hint")
        f["share"].choices = [(v, t(f"share.{v}")) for v in ShareItem.values]  # type: ignore[attr-defined]
        f["share"].error_messages = {"invalid_choice": t("choice_invalid")}
        f["consent"].label = t("consent_label")
        f["consent"].error_messages = {"required": t("consent_required")}

    def clean_name(self) -> str:
        value: str = self.cleaned_data["name"]
        if len(value) > c.NAME_MAX_LENGTH:
            raise forms.ValidationError(self.text.plain("name_too_long"))
        return value

    def clean_phone(self) -> str:
        value: str = self.cleaned_data["phone"]
        if value and not _valid_phone(value):
            raise forms.ValidationError(self.text.plain("phone_invalid"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        t = self.text.plain
        contact_errors = {"email", "phone"} & set(self.errors)
        email = data.get("email") or ""
        phone = data.get("phone") or ""
        share = set(data.get("share") or [])
        if contact_errors:
            return data
        if not email and not phone:
            self.add_error("email", t("contact_required"))
            return data
        email_shared = bool(email) and ShareItem.EMAIL in share
        phone_shared = bool(phone) and ShareItem.PHONE in share
        if not (email_shared or phone_shared) and "share" not in self.errors:
            self.add_error("share", t("share_contact_required"))
        preference = data.get("contact_preference")
        if preference == ContactPreference.EMAIL and not email_shared:
            self.add_error("contact_preference", t("prefer_email_missing"))
        elif preference in (ContactPreference.PHONE, ContactPreference.TEXT) and not phone_shared:
            self.add_error("contact_preference", t("prefer_phone_missing"))
        elif preference == ContactPreference.TEXT and not is_mobile(phone):
            self.add_error("contact_preference", t("prefer_text_not_mobile"))
        return data

    def to_input(self, *, source: str) -> VolunteerInput:
        d = self.cleaned_data
        return VolunteerInput(
            consent=bool(d["consent"]),
            email=(d["email"] or "").lower(),
            phone=d["phone"],
            name=d["name"],
            borough=d["borough"] or "",
            experiences=tuple(d["experiences"]),
            share=frozenset(d["share"]),
            contact_preference=d["contact_preference"],
            source=source,
            language=self.text.language,
        )


class StatusForm(forms.Form):
    """Coordinator: the contact status of one volunteer."""

    status = forms.ChoiceField(
        label="Contact status",
        choices=[(s.value, s.label) for s in c.COORDINATOR_STATUSES],
        widget=forms.RadioSelect,
        error_messages={"required": c.STATUS_INVALID, "invalid_choice": c.STATUS_INVALID},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)


class WithdrawForm(forms.Form):
    """Coordinator: record a withdrawal the volunteer asked for (by phone, in person)."""

    confirm = forms.BooleanField(
        label="The volunteer asked to leave the forum. Erase their details now.",
        error_messages={"required": c.WITHDRAW_CONFIRM_REQUIRED},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
