"""Forms of the desk console: the search, the identity check, the call record,
call backs and escalation. They parse what
was typed; the selectors and services decide what it means."""

from __future__ import annotations

from typing import Any

from django import forms

from victimcare.cases.forms import TimeField
from victimcare.cases.validation import email_valid, phone_e164
from victimcare.core.forms import GovukDateField

from . import messages as msg
from .constants import (
    OUTCOME_MAX,
    REASON_MAX,
    SUMMARY_MAX,
    CallBackReason,
    CallChannel,
    Caller,
    EscalateTo,
    FollowUp,
    Topic,
)

PURPOSE_MAX = 200
NOT_RECORDED = "other"


def _text(label: str, *, max_length: int, **kw: Any) -> forms.CharField:
    kw.setdefault("required", False)
    kw.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    return forms.CharField(label=label, max_length=max_length, **kw)


class DeskSearchForm(forms.Form):
    """Find a victim by CRN, phone number, email, or full name (and date of birth).

    Exact matches only: the personal data is encrypted and looked up through
    blind indexes."""

    crn = _text("Crime reference number", max_length=40)
    phone = _text(
        "Phone number",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "tel"}),
    )
    email = _text("Email address", max_length=254)
    name = _text("Full name", max_length=200, help_text="The full name exactly as recorded.")
    date_of_birth = GovukDateField(
        label="Date of birth",
        required=False,
        help_text="Optional, with the full name. For example, 31 3 1980.",
    )
    purpose = _text(
        "Why are you searching?",
        max_length=PURPOSE_MAX,
        required=True,
        help_text="This is recorded with your name. For example, the victim called the desk.",
        error_messages={"required": msg.SEARCH_PURPOSE_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    NAMES = ("crn", "phone", "email", "name", "purpose")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("crn", "phone", "email", "name"):
            data[name] = (data.get(name) or "").strip()
        given = [n for n in ("crn", "phone", "email", "name") if data[n]]
        if not given and not any(self.errors.get(n) for n in ("crn", "phone", "email", "name")):
            if data.get("date_of_birth"):
                self.add_error("name", msg.SEARCH_DOB_NEEDS_NAME)
            else:
                self.add_error("crn", msg.SEARCH_CRITERIA_REQUIRED)
        elif data.get("date_of_birth") and not data["name"]:
            self.add_error("name", msg.SEARCH_DOB_NEEDS_NAME)
        if data["phone"]:
            try:
                phone_e164(data["phone"])
            except ValueError:
                self.add_error("phone", msg.PHONE_INVALID)
        if data["email"] and not email_valid(data["email"]):
            self.add_error("email", msg.EMAIL_INVALID)
        return data

    def raw(self) -> dict[str, str]:
        """What was typed, kept in the session between the POST and the results page."""
        names = [*self.NAMES, "date_of_birth-day", "date_of_birth-month", "date_of_birth-year"]
        return {name: str(self.data.get(name, ""))[:254] for name in names}


class Method:
    CRN_AND_DATE_OF_BIRTH = "crn_and_date_of_birth"
    CODE_WORD = "code_word"
    NOMINATED_CONTACT = "nominated_contact"


METHOD_CHOICES = [
    (Method.CRN_AND_DATE_OF_BIRTH, "They gave the crime reference number and their date of birth"),
    (Method.CODE_WORD, "They gave the victim's code word"),
    (
        Method.NOMINATED_CONTACT,
        "The caller is not the victim: a parent, guardian or contact recorded on the case",
    ),
]
OUTCOME_CHOICES = [
    ("passed", "Passed: what the caller said matches the record"),
    ("failed", "Failed: it does not match, or they could not say"),
]


class IdentityCheckForm(forms.Form):
    """How the agent checked who the caller is, and whether the check passed.

    `contacts` are the other people recorded on the case (id, label);
    `has_date_of_birth` and `has_code_word` say what can be checked."""

    method = forms.ChoiceField(
        label="How did you check who the caller is?",
        choices=METHOD_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": msg.METHOD_REQUIRED, "invalid_choice": msg.METHOD_REQUIRED},
    )
    caller = forms.ChoiceField(
        label="If the caller is not the victim, who are they?",
        required=False,
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": msg.CALLER_REQUIRED},
    )
    outcome = forms.ChoiceField(
        label="Did the caller pass the identity check?",
        choices=OUTCOME_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": msg.OUTCOME_REQUIRED, "invalid_choice": msg.OUTCOME_REQUIRED},
    )

    def __init__(
        self,
        *args: Any,
        contacts: list[tuple[int, str]],
        has_date_of_birth: bool,
        has_code_word: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caller"].choices = [
            *((str(pk), label) for pk, label in contacts),
            (NOT_RECORDED, "Someone not recorded on the case"),
        ]
        self.has_date_of_birth = has_date_of_birth
        self.has_code_word = has_code_word

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        method, outcome = data.get("method"), data.get("outcome")
        passed = outcome == "passed"
        if method == Method.CRN_AND_DATE_OF_BIRTH and passed and not self.has_date_of_birth:
            self.add_error("method", msg.NO_DATE_OF_BIRTH)
        elif method == Method.CODE_WORD and passed and not self.has_code_word:
            self.add_error("method", msg.NO_CODE_WORD)
        elif method == Method.NOMINATED_CONTACT:
            caller = data.get("caller")
            if not caller and not self.errors.get("caller"):
                self.add_error("caller", msg.CALLER_REQUIRED)
            elif caller == NOT_RECORDED and passed:
                self.add_error("caller", msg.CALLER_NOT_RECORDED)
        return data

    @property
    def caller_id(self) -> int | None:
        caller = self.cleaned_data.get("caller")
        if self.cleaned_data.get("method") != Method.NOMINATED_CONTACT or not caller:
            return None
        return None if caller == NOT_RECORDED else int(caller)


# --- Recording a call, call backs, escalation ----------------------------------------


def _textarea(label: str, *, max_length: int, **kw: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
        **kw,
    )


class RecordCallForm(forms.Form):
    """A call with the victim or someone calling for them, and what came of it.

    `contacts` are the other people recorded on the case (id, label); `duties`
    the checkbox choices of what is owed to the person (duty id, label)."""

    channel = forms.ChoiceField(
        label="How was the call made?",
        choices=CallChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": msg.CHANNEL_REQUIRED, "invalid_choice": msg.CHANNEL_REQUIRED},
    )
    caller = forms.ChoiceField(
        label="Who was on the call?",
        choices=Caller.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": msg.CALLER_KIND_REQUIRED,
            "invalid_choice": msg.CALLER_KIND_REQUIRED,
        },
    )
    contact = forms.ChoiceField(
        label="Which contact?",
        required=False,
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": msg.CONTACT_NOT_ON_CASE},
    )
    topics = forms.MultipleChoiceField(
        label="What did you tell them about?",
        required=False,
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="These words go on the case timeline that partners see.",
        error_messages={"invalid_choice": msg.TOPIC_INVALID},
    )
    told = _textarea(
        "What else were they told?",
        max_length=SUMMARY_MAX,
        required=False,
        help_text="Optional. Kept by the desk, not shown to partners.",
        error_messages={"max_length": msg.TOLD_TOO_LONG},
    )
    summary = _textarea(
        "Summary of the call",
        max_length=SUMMARY_MAX,
        help_text="What they asked and what was agreed. Kept by the desk, not shown to partners.",
        error_messages={"required": msg.SUMMARY_REQUIRED, "max_length": msg.SUMMARY_TOO_LONG},
    )
    fulfils = forms.MultipleChoiceField(
        label="Which duties does this call complete?",
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": msg.FULFILS_INVALID},
    )
    follow_up = forms.ChoiceField(
        label="Does the call need a follow-up?",
        choices=FollowUp.choices,
        initial=FollowUp.NONE,
        widget=forms.RadioSelect,
        error_messages={
            "required": msg.FOLLOW_UP_REQUIRED,
            "invalid_choice": msg.FOLLOW_UP_REQUIRED,
        },
    )

    def __init__(
        self,
        *args: Any,
        contacts: list[tuple[int, str]],
        duties: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [(str(pk), label) for pk, label in contacts]
        self.fields["fulfils"].choices = duties

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("caller") == Caller.CONTACT and not data.get("contact"):
            if not self.errors.get("contact"):
                self.add_error("contact", msg.CONTACT_REQUIRED)
        if data.get("caller") == Caller.THIRD_PARTY and data.get("fulfils"):
            self.add_error("fulfils", msg.THIRD_PARTY_FULFILS)
        return data

    @property
    def contact_id(self) -> int | None:
        if self.cleaned_data.get("caller") != Caller.CONTACT:
            return None
        return int(self.cleaned_data["contact"])


class CallBackForm(forms.Form):
    """When the victim wants the desk to call them back, and why (fixed reasons)."""

    date = GovukDateField(
        label="Date of the call back",
        required=True,
        help_text="For example, 5 12 2026.",
        error_messages={"required": msg.CALL_BACK_DATE_REQUIRED},
    )
    time = TimeField(label="Time of the call back")
    reason = forms.ChoiceField(
        label="Why do they want a call back?",
        choices=CallBackReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": msg.CALL_BACK_REASON_REQUIRED,
            "invalid_choice": msg.CALL_BACK_REASON_REQUIRED,
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "time" in data and data["time"] is None:
            self.add_error("time", msg.CALL_BACK_TIME_REQUIRED)
        return data


class CallBackDoneForm(forms.Form):
    outcome = _textarea(
        "What happened on the call back?",
        max_length=OUTCOME_MAX,
        error_messages={
            "required": msg.CALL_BACK_OUTCOME_REQUIRED,
            "max_length": msg.OUTCOME_TOO_LONG,
        },
    )


class EscalateForm(forms.Form):
    to = forms.ChoiceField(
        label="Who needs to act?",
        choices=EscalateTo.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": msg.ESCALATE_TO_REQUIRED,
            "invalid_choice": msg.ESCALATE_TO_REQUIRED,
        },
    )
    reason = _textarea(
        "Why are you escalating?",
        max_length=REASON_MAX,
        help_text="What they need to do. Kept encrypted; seen by the person you escalate to.",
        error_messages={
            "required": msg.ESCALATE_REASON_REQUIRED,
            "max_length": msg.ESCALATE_REASON_TOO_LONG,
        },
    )
