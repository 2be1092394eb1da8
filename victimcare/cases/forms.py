"""Forms for the staff case screens: the crime intake pages, the case page's
actions, and search. They parse and check what was typed; the services decide
what it means and may refuse it (their errors are mapped back to these fields).

Error texts are constants so the tests can import them (GOV.UK error-message style).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Area, Organisation
from victimcare.core.forms import GovukDateField

from .constants import (
    CONTACT_EVENTS,
    AccessibleFormat,
    AgeBand,
    Channel,
    ConsentKind,
    ConsentMethod,
    DisabilityAnswer,
    EnhancedReason,
    Ethnicity,
    EventCode,
    Sex,
    SpecialMeasure,
    SupportNeed,
    VictimRole,
    VpsOutcome,
    Vulnerability,
)
from .messages import (
    CRN_FORMAT,
    CRN_REQUIRED,
    EMAIL_INVALID,
    ENHANCED_REASON_REQUIRED,
    FULFILS_DUTY_INVALID,
    FULFILS_NOT_A_CONTACT,
    HEARING_COURT_REQUIRED,
    HEARING_DATE_REQUIRED,
    NAME_REQUIRED,
    OCCURRED_IN_FUTURE,
    RECEIVED_BEFORE_OCCURRED,
    RESTRICTED_REASON_REQUIRED,
    SAFE_TIMES_BOTH,
    SAFE_TIMES_ORDER,
    SEARCH_CRITERIA_REQUIRED,
    SEARCH_DOB_NEEDS_NAME,
    SEARCH_PURPOSE_REQUIRED,
    UPDATE_INTERVAL_INVALID,
)
from .models import Offence
from .validation import UPDATE_INTERVAL_MAX, UPDATE_INTERVAL_MIN

if TYPE_CHECKING:
    from .services import VictimInput

OFFENCE_REQUIRED = "Select the offence"
OCCURRED_DATE_REQUIRED = "Enter the date the crime happened"
DATE_IN_FUTURE = "{label} must be today or in the past"
TIME_FORMAT = "Enter {label} using the 24-hour clock, like 14:30"
AREA_REQUIRED = "Select the borough where it happened"
ROLE_REQUIRED = "Select how the person is linked to the crime"
CHANNEL_REQUIRED = "Select how they would like to be contacted"
LANGUAGE_REQUIRED = "Select the language they would like us to use"
INTERPRETER_REQUIRED = "Select yes if they need an interpreter"
WANTS_UPDATES_REQUIRED = "Select yes if they want updates about the case"
ENHANCED_REQUIRED = "Select yes if they are eligible for enhanced rights"
CONSENT_REQUIRED = "Select yes if they agree to {what}"
CONSENT_METHOD_REQUIRED = "Select how they gave their answers"
PURPOSE_REQUIRED = "Enter why you need to see this case"
EVENT_CODE_REQUIRED = "Select what happened"
EVENT_OCCURRED_REQUIRED = "Enter the date it happened"
SHARE_ORGANISATION_REQUIRED = "Select who to share the case with"
VPS_INVALID = "Select whether a Victim Personal Statement was made, declined or not offered"

YES_NO = [("yes", "Yes"), ("no", "No")]
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")

# The languages most often needed in London, as BCP 47 codes; "Another language" is typed.
LANGUAGES = [
    ("en", "English"),
    ("ar", "Arabic"),
    ("bn", "Bengali"),
    ("zh", "Chinese"),
    ("fr", "French"),
    ("gu", "Gujarati"),
    ("it", "Italian"),
    ("lt", "Lithuanian"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("pa", "Punjabi"),
    ("ro", "Romanian"),
    ("so", "Somali"),
    ("es", "Spanish"),
    ("ta", "Tamil"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("ur", "Urdu"),
]
LANGUAGE_NAMES = dict(LANGUAGES)

# Safe-contact answers as checkboxes: ticked means "safe", as VictimInput's booleans.
SAFE_WAYS = [
    ("call", "Phone calls"),
    ("text", "Text messages"),
    ("email", "Emails"),
    ("letters", "Letters to their address"),
    ("voicemail", "Voicemail messages"),
]
SAFE_WAY_FIELDS = {
    "call": "safe_to_call",
    "text": "safe_to_text",
    "email": "safe_to_email",
    "letters": "safe_for_letters",
    "voicemail": "voicemail_allowed",
}


def _radios(label: str, choices: list[tuple[str, str]], required: str, **kw: Any) -> Any:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required, "invalid_choice": required},
        **kw,
    )


def _checkboxes(label: str, choices: Any, **kw: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple, **kw
    )


def _text(label: str, *, max_length: int, required: bool = False, **kw: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=required, **kw)


class TimeField(forms.CharField):
    """A time typed as HH:MM (24-hour clock). Empty is None."""

    def __init__(self, *, label: str, **kw: Any) -> None:
        kw.setdefault("help_text", "Use the 24-hour clock, for example 14:30.")
        super().__init__(
            label=label,
            required=False,
            max_length=5,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            **kw,
        )

    def clean(self, value: Any) -> dt.time | None:  # type: ignore[override]
        text = str(super().clean(value) or "").strip()
        if not text:
            return None
        match = _TIME.match(text)
        if not match:
            raise forms.ValidationError(TIME_FORMAT.format(label=str(self.label).lower()))
        return dt.time(int(match[1]), int(match[2]))


def _not_future(form: forms.Form, name: str, label: str) -> None:
    value = form.cleaned_data.get(name)
    if value and value > timezone.localdate():
        form.add_error(name, DATE_IN_FUTURE.format(label=label))


def combine(day: dt.date, at: dt.time | None, *, past: bool = True) -> dt.datetime:
    """An aware datetime in the service's time zone.

    With no time: midday, except that a past event dated today without a time
    is taken as "now" (midday may still be in the future)."""
    if at is None and past and day == timezone.localdate():
        return timezone.localtime().replace(second=0, microsecond=0)
    return timezone.make_aware(dt.datetime.combine(day, at or dt.time(12, 0)))


# --- The intake pages ------------------------------------------------------------


def offence_choices() -> list[tuple[str, Any]]:
    """Active offences grouped as in Home Office counting (optgroups)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for offence in Offence.objects.filter(active=True).order_by("group", "name"):
        groups.setdefault(offence.get_group_display(), []).append((str(offence.pk), offence.name))
    return [("", "Select the offence"), *groups.items()]


def area_choices(force: Organisation | None) -> list[tuple[str, str]]:
    areas = Area.objects.filter(bcu__isnull=False).order_by("name")
    if force is not None:
        areas = areas.filter(bcu__parent=force)
    return [("", "Select the borough"), *((str(a.pk), a.name) for a in areas)]


class CrimeForm(forms.Form):
    """About the crime: CRN, offence, flags, when and where."""

    title = "About the crime"

    crn = _text(
        "Crime reference number",
        max_length=40,
        required=True,
        error_messages={"required": CRN_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    offence = forms.ChoiceField(
        label="Offence",
        error_messages={"required": OFFENCE_REQUIRED, "invalid_choice": OFFENCE_REQUIRED},
    )
    flags = _checkboxes(
        "Which of these apply?",
        [
            ("domestic_abuse", "Domestic abuse"),
            ("hate_crime", "Hate crime"),
            ("restricted", "Mark as a restricted case"),
        ],
        help_text="Select all that apply. Domestic abuse and sexual offences are always restricted.",
    )
    restricted_reason = _text(
        "Why is the case restricted?",
        max_length=200,
        help_text="Only the officer in the case, supervisors, specialist teams and the organisations it is shared with will see it.",
    )
    occurred_date = GovukDateField(
        label="When did it happen?",
        help_text="For example, 27 3 2026. If it happened over a period, enter when it started.",
        error_messages={"required": OCCURRED_DATE_REQUIRED},
    )
    occurred_time = TimeField(
        label="Time it happened", help_text="Optional. Use the 24-hour clock, for example 14:30."
    )
    area = forms.ChoiceField(
        label="Borough where it happened",
        error_messages={"required": AREA_REQUIRED, "invalid_choice": AREA_REQUIRED},
    )

    def __init__(self, *args: Any, force: Organisation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.force = force
        self.fields["offence"].choices = offence_choices()
        self.fields["area"].choices = area_choices(force)
        if force is not None and force.crn_example:
            self.fields["crn"].help_text = f"For example, {force.crn_example}"

    def clean_crn(self) -> str:
        crn = self.cleaned_data["crn"].strip().upper()
        # The service checks the force's format too; checking here gives the error on this page.
        if self.force is not None and self.force.crn_pattern:
            if not re.fullmatch(self.force.crn_pattern, crn):
                raise forms.ValidationError(
                    CRN_FORMAT.format(example=self.force.crn_example or "the force's format")
                )
        return crn

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("occurred_date") and data["occurred_date"] > timezone.localdate():
            self.add_error("occurred_date", OCCURRED_IN_FUTURE)
        if "restricted" in data.get("flags", []) and not data.get("restricted_reason", "").strip():
            self.add_error("restricted_reason", RESTRICTED_REASON_REQUIRED)
        return data


class VictimForm(forms.Form):
    """About the victim (or the relative or parent who is the contact)."""

    title = "About the victim"

    full_name = _text(
        "Full name",
        max_length=200,
        required=True,
        error_messages={"required": NAME_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    date_of_birth = GovukDateField(
        label="Date of birth", required=False, help_text="Optional. For example, 31 3 1980."
    )
    role = _radios("How are they linked to the crime?", list(VictimRole.choices), ROLE_REQUIRED)
    phone = _text(
        "Phone number",
        max_length=30,
        help_text="A number that is safe to use. For international numbers include the country code.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "tel"}),
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        error_messages={"invalid": EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    address = _text("Address", max_length=500, widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _not_future(self, "date_of_birth", "Date of birth")
        return data


class ContactForm(forms.Form):
    """How to contact them safely: channel, language, format and the safe-contact rules."""

    title = "How to contact them safely"

    preferred_channel = _radios(
        "How would they like to be contacted?", list(Channel.choices), CHANNEL_REQUIRED
    )
    language = forms.ChoiceField(
        label="Language they would like us to use",
        choices=LANGUAGES,
        initial="en",
        error_messages={"required": LANGUAGE_REQUIRED, "invalid_choice": LANGUAGE_REQUIRED},
    )
    interpreter_needed = _radios("Do they need an interpreter?", YES_NO, INTERPRETER_REQUIRED)
    accessible_format = forms.ChoiceField(
        label="Do they need information in another format?",
        choices=[("none", "No"), *((v, t) for v, t in AccessibleFormat.choices if v)],
        initial="none",
        required=False,
        widget=forms.RadioSelect,
    )
    wants_updates = _radios(
        "Do they want updates about the case?", YES_NO, WANTS_UPDATES_REQUIRED, initial="yes"
    )
    safe_ways = _checkboxes(
        "Which ways of contacting them are safe?",
        SAFE_WAYS,
        initial=[v for v, _ in SAFE_WAYS],
        help_text="Untick anything that could put them at risk, for example texts someone else might read.",
    )
    safe_from = TimeField(label="Earliest safe time to contact them")
    safe_until = TimeField(label="Latest safe time to contact them")
    code_word = _text(
        "Code word",
        max_length=50,
        help_text="Optional. A word staff must say so they know the call is genuine.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    other_rules = _checkboxes(
        "Other rules",
        [("victim_initiates", "Only contact them if they get in touch first")],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        safe_from, safe_until = data.get("safe_from"), data.get("safe_until")
        if safe_from and safe_until and safe_until <= safe_from:
            self.add_error("safe_until", SAFE_TIMES_ORDER)
        elif bool(safe_from) != bool(safe_until) and not (
            self.errors.get("safe_from") or self.errors.get("safe_until")
        ):
            self.add_error("safe_until" if safe_from else "safe_from", SAFE_TIMES_BOTH)
        return data


class NeedsForm(forms.Form):
    """The needs assessment that every authorised agency sees ("tell us once")."""

    title = "Their needs"

    vulnerabilities = _checkboxes(
        "Vulnerabilities", list(Vulnerability.choices), help_text="Select all that apply."
    )
    communication_needs = _text(
        "Communication and access needs",
        max_length=500,
        help_text="Optional. For example, needs a quiet room, or uses a hearing loop.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    special_measures = _checkboxes(
        "Special measures wanted at court",
        list(SpecialMeasure.choices),
        help_text="Select all that apply.",
    )
    support_wanted = _checkboxes(
        "Support they would like", list(SupportNeed.choices), help_text="Select all that apply."
    )
    enhanced = _radios(
        "Are they eligible for enhanced rights under the Victims' Code?",
        YES_NO,
        ENHANCED_REQUIRED,
    )
    enhanced_reasons = _checkboxes(
        "Why are they eligible for enhanced rights?",
        list(EnhancedReason.choices),
        help_text="If they are eligible, select all that apply.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("enhanced") == "yes" and not data.get("enhanced_reasons"):
            self.add_error("enhanced_reasons", ENHANCED_REASON_REQUIRED)
        if data.get("enhanced") == "no":
            data["enhanced_reasons"] = []
        return data


class NeedsUpdateForm(NeedsForm):
    """The needs assessment on the case page, with the contact plan's update interval."""

    # VCOP Right 6: the victim agrees how often they are updated; blank keeps the rule's default.
    update_interval_days = forms.IntegerField(
        label="How many days between updates did the victim agree?",
        required=False,
        min_value=UPDATE_INTERVAL_MIN,
        max_value=UPDATE_INTERVAL_MAX,
        help_text="Optional. A whole number from 1 to 91, for example 14. Leave blank for the "
        "usual 28 days.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "invalid": UPDATE_INTERVAL_INVALID,
            "min_value": UPDATE_INTERVAL_INVALID,
            "max_value": UPDATE_INTERVAL_INVALID,
        },
    )


class ConsentForm(forms.Form):
    """Consent to referral, sharing and feedback contact, and how it was given."""

    title = "Consent"

    referral = _radios(
        "Do they agree to be referred to support services?",
        YES_NO,
        CONSENT_REQUIRED.format(what="be referred to support services"),
    )
    sharing = _radios(
        "Do they agree to their details being shared with partner agencies?",
        YES_NO,
        CONSENT_REQUIRED.format(what="their details being shared"),
    )
    feedback_contact = _radios(
        "Do they agree to be contacted to ask for feedback?",
        YES_NO,
        CONSENT_REQUIRED.format(what="be contacted for feedback"),
    )
    method = _radios(
        "How did they give these answers?", list(ConsentMethod.choices), CONSENT_METHOD_REQUIRED
    )


class EqualityForm(forms.Form):
    """Optional self-declared equality data (VictimInput.equality): every question may
    be left unanswered or answered "Prefer not to say". Kept apart from the case and
    used only for statistics; staff never see it on the case page."""

    title = "Equality questions (optional)"

    age_band = forms.ChoiceField(
        label="What is their age?",
        choices=list(AgeBand.choices),
        required=False,
        widget=forms.RadioSelect,
    )
    sex = forms.ChoiceField(
        label="What is their sex?",
        choices=list(Sex.choices),
        required=False,
        widget=forms.RadioSelect,
    )
    ethnicity = forms.ChoiceField(
        label="What is their ethnic group?",
        choices=list(Ethnicity.choices),
        required=False,
        widget=forms.RadioSelect,
    )
    disability = forms.ChoiceField(
        label="Do they consider themselves to have a disability?",
        choices=list(DisabilityAnswer.choices),
        required=False,
        widget=forms.RadioSelect,
    )

    NAMES = ("age_band", "sex", "ethnicity", "disability")


# The intake's question pages, in order. Slugs appear in URLs (no personal data).
INTAKE_STEPS: dict[str, type[forms.Form]] = {
    "crime": CrimeForm,
    "victim": VictimForm,
    "contact": ContactForm,
    "needs": NeedsForm,
    "consent": ConsentForm,
    "equality": EqualityForm,
}
# The pages about one person: the intake's pages after "crime", reused by
# "Add a victim or contact" on the case page (views_victims.py).
PERSON_STEPS: list[str] = [slug for slug in INTAKE_STEPS if slug != "crime"]


def raw_data(form: forms.Form) -> dict[str, Any]:
    """What was typed into `form`, to store in the draft and re-bind later."""
    raw: dict[str, Any] = {}
    data = form.data
    for bound in form:
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            for suffix in ("-day", "-month", "-year"):
                key = bound.html_name + suffix
                raw[key] = str(data.get(key, ""))[:10]
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            getter = getattr(data, "getlist", None)
            values = getter(bound.html_name) if getter else data.get(bound.html_name, [])
            raw[bound.html_name] = [str(v)[:60] for v in values]
        else:
            raw[bound.html_name] = str(data.get(bound.html_name, ""))[:1000]
    return raw


def _yes(value: Any) -> bool:
    return value == "yes"


def victim_input(cleaned: Mapping[str, Mapping[str, Any]]) -> VictimInput:
    """A services.VictimInput from the cleaned answers of the PERSON_STEPS pages."""
    from .services import ConsentInput, EqualityInput, NeedsInput, VictimInput

    victim, contact, needs, consent, equality = (cleaned[s] for s in PERSON_STEPS)
    safe = set(contact["safe_ways"])
    accessible = contact.get("accessible_format") or "none"
    # The equality page is optional: with no answer at all nothing is stored.
    answered = any(equality.get(name) for name in EqualityForm.NAMES)
    return VictimInput(
        full_name=victim["full_name"].strip(),
        date_of_birth=victim["date_of_birth"],
        phone=victim["phone"].strip(),
        email=victim["email"].strip(),
        address=victim["address"].strip(),
        role=victim["role"],
        preferred_channel=contact["preferred_channel"],
        language=contact["language"],
        interpreter_needed=_yes(contact["interpreter_needed"]),
        accessible_format="" if accessible == "none" else accessible,
        wants_updates=_yes(contact["wants_updates"]),
        safe_to_call="call" in safe,
        safe_to_text="text" in safe,
        safe_to_email="email" in safe,
        safe_for_letters="letters" in safe,
        voicemail_allowed="voicemail" in safe,
        safe_from=contact["safe_from"],
        safe_until=contact["safe_until"],
        code_word=contact["code_word"].strip(),
        contact_only_if_victim_initiates="victim_initiates" in contact["other_rules"],
        needs=NeedsInput(
            vulnerabilities=list(needs["vulnerabilities"]),
            communication_needs=needs["communication_needs"].strip(),
            special_measures=list(needs["special_measures"]),
            support_wanted=list(needs["support_wanted"]),
            enhanced=_yes(needs["enhanced"]),
            enhanced_reasons=list(needs["enhanced_reasons"]),
        ),
        consents=[
            ConsentInput(kind=kind, given=_yes(consent[name]), method=consent["method"])
            for name, kind in (
                ("referral", ConsentKind.REFERRAL),
                ("sharing", ConsentKind.SHARING),
                ("feedback_contact", ConsentKind.FEEDBACK_CONTACT),
            )
        ],
        equality=EqualityInput(
            age_band=equality["age_band"] or AgeBand.NOT_SAID,
            sex=equality["sex"],
            ethnicity=equality["ethnicity"],
            disability=equality["disability"],
        )
        if answered
        else None,
    )


def cleaned_steps(
    steps: Mapping[str, Mapping[str, Any]], slugs: list[str], *, force: Organisation | None
) -> dict[str, dict[str, Any]]:
    """Each page's answers re-validated (the draft holds what was typed); raises
    IncompleteIntake naming the first page that is missing or no longer valid."""
    cleaned: dict[str, dict[str, Any]] = {}
    for slug in slugs:
        form = bound_step(slug, steps.get(slug), force=force)
        if form is None or not form.is_valid():
            raise IncompleteIntake(slug)
        cleaned[slug] = form.cleaned_data
    return cleaned


def intake_arguments(
    steps: Mapping[str, Mapping[str, Any]], *, force: Organisation | None
) -> dict[str, Any]:
    """Keyword arguments for services.crime_create from a complete draft.

    Every page is re-validated; raises IncompleteIntake naming the first page
    that is missing or no longer valid.
    """
    cleaned = cleaned_steps(steps, list(INTAKE_STEPS), force=force)
    crime = cleaned["crime"]
    return {
        "crn": crime["crn"],
        "offence": Offence.objects.get(pk=crime["offence"]),
        "occurred_at": combine(crime["occurred_date"], crime["occurred_time"]),
        "area": Area.objects.get(pk=crime["area"]),
        "domestic_abuse": "domestic_abuse" in crime["flags"],
        "hate_crime": "hate_crime" in crime["flags"],
        "restricted_by_officer": "restricted" in crime["flags"],
        "restricted_reason": crime["restricted_reason"].strip()
        if "restricted" in crime["flags"]
        else "",
        "victims": [victim_input(cleaned)],
    }


class IncompleteIntake(Exception):
    """A page of the intake has not been answered (or its answers are no longer valid)."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


def bound_step(
    slug: str, data: Mapping[str, Any] | None, *, force: Organisation | None
) -> forms.Form | None:
    """The page's form bound to stored answers, or None if the page was never answered."""
    if data is None:
        return None
    form_class = INTAKE_STEPS[slug]
    if form_class is CrimeForm:
        return CrimeForm(data=dict(data), force=force)
    return form_class(data=dict(data))


def step_form(slug: str, *, data: Any = None, force: Organisation | None = None) -> forms.Form:
    form_class = INTAKE_STEPS[slug]
    if form_class is CrimeForm:
        return CrimeForm(data=data, force=force)
    return form_class(data=data)


# Where a service error for a field belongs: (intake page, form field).
SERVICE_FIELD_STEPS: dict[str, tuple[str, str]] = {
    "crn": ("crime", "crn"),
    "offence": ("crime", "offence"),
    "occurred_at": ("crime", "occurred_date"),
    "reported_at": ("crime", "occurred_date"),
    "area": ("crime", "area"),
    "domestic_abuse": ("crime", "flags"),
    "hate_crime": ("crime", "flags"),
    "restricted_by_officer": ("crime", "flags"),
    "restricted_reason": ("crime", "restricted_reason"),
    "full_name": ("victim", "full_name"),
    "date_of_birth": ("victim", "date_of_birth"),
    "phone": ("victim", "phone"),
    "email": ("victim", "email"),
    "address": ("victim", "address"),
    "role": ("victim", "role"),
    "preferred_channel": ("contact", "preferred_channel"),
    "language": ("contact", "language"),
    "interpreter_needed": ("contact", "interpreter_needed"),
    "accessible_format": ("contact", "accessible_format"),
    "wants_updates": ("contact", "safe_ways"),
    "safe_to_call": ("contact", "safe_ways"),
    "safe_to_text": ("contact", "safe_ways"),
    "safe_to_email": ("contact", "safe_ways"),
    "safe_for_letters": ("contact", "safe_ways"),
    "voicemail_allowed": ("contact", "safe_ways"),
    "safe_from": ("contact", "safe_from"),
    "safe_until": ("contact", "safe_until"),
    "code_word": ("contact", "code_word"),
    "contact_only_if_victim_initiates": ("contact", "other_rules"),
    "vulnerabilities": ("needs", "vulnerabilities"),
    "communication_needs": ("needs", "communication_needs"),
    "special_measures": ("needs", "special_measures"),
    "support_wanted": ("needs", "support_wanted"),
    "enhanced": ("needs", "enhanced"),
    "enhanced_reasons": ("needs", "enhanced_reasons"),
    "needs": ("needs", "enhanced"),
    "consents": ("consent", "method"),
    "kind": ("consent", "method"),
    "given": ("consent", "referral"),
    "method": ("consent", "method"),
    "age_band": ("equality", "age_band"),
    "sex": ("equality", "sex"),
    "ethnicity": ("equality", "ethnicity"),
    "disability": ("equality", "disability"),
}


def service_field(key: str) -> tuple[str, str] | None:
    """Map a service error key ("phone", "victims[0].phone", "victims.0.needs.enhanced")."""
    parts = [p for p in re.split(r"[.\[\]]+", key) if p and not p.isdigit()]
    for part in reversed(parts):
        if part in SERVICE_FIELD_STEPS:
            return SERVICE_FIELD_STEPS[part]
    return None


# --- The case page and its actions -------------------------------------------------


class PurposeForm(forms.Form):
    """Why the person needs to open a restricted case (recorded in the audit log)."""

    purpose = _text(
        "Why do you need to see this case?",
        max_length=200,
        required=True,
        help_text="This is recorded with your name. For example, to update the victim about a hearing.",
        error_messages={"required": PURPOSE_REQUIRED},
    )


class EventForm(forms.Form):
    """Record something that happened on the case."""

    code = forms.ChoiceField(
        label="What happened?",
        error_messages={"required": EVENT_CODE_REQUIRED, "invalid_choice": EVENT_CODE_REQUIRED},
    )
    occurred_date = GovukDateField(
        label="When did it happen?",
        help_text="For example, 27 3 2026.",
        error_messages={"required": EVENT_OCCURRED_REQUIRED},
    )
    occurred_time = TimeField(
        label="Time it happened", help_text="Optional. Use the 24-hour clock, for example 14:30."
    )
    received_date = GovukDateField(
        label="When did your organisation learn of it?",
        required=False,
        help_text="Optional: leave blank if it is the day it happened. For example, 28 3 2026.",
    )
    received_time = TimeField(
        label="Time your organisation learned of it",
        help_text="Optional. Use the 24-hour clock, for example 09:15.",
    )
    hearing_date = GovukDateField(
        label="Date of the hearing",
        required=False,
        help_text="For hearings only. For example, 14 5 2026.",
    )
    hearing_time = TimeField(
        label="Time of the hearing",
        help_text="For hearings only. Use the 24-hour clock, for example 10:00.",
    )
    court = _text("Court", max_length=200, help_text="For hearings only.")
    conditions = _text(
        "Bail conditions",
        max_length=1000,
        help_text="For bail only. One condition on each line.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # VCOP Right 7: a statement records whether a Victim Personal Statement was offered.
    vps = forms.ChoiceField(
        label="Was the victim offered the chance to make a Victim Personal Statement?",
        choices=list(VpsOutcome.choices),
        required=False,
        widget=forms.RadioSelect,
        help_text="For statements only.",
        error_messages={"invalid_choice": VPS_INVALID},
    )
    # A contact (visit, call, letter, message) may complete owed duties; the choices
    # are the case's owed duties this person may act on (set by the view).
    fulfils = forms.MultipleChoiceField(
        label="Which duties does this contact fulfil?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a visit, call, letter or message only. Select each duty this contact "
        "with the victim completes.",
        error_messages={"invalid_choice": FULFILS_DUTY_INVALID},
    )
    summary = _text(
        "Summary",
        max_length=500,
        help_text="Optional. What staff in other organisations need to know. Avoid personal details that are not needed.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    HEARING_CODES = frozenset({EventCode.HEARING_SCHEDULED, EventCode.HEARING_CHANGED})
    BAIL_CODES = frozenset({EventCode.RELEASED_ON_BAIL, EventCode.BAIL_CONDITIONS_CHANGED})

    def __init__(
        self,
        *args: Any,
        codes: list[str],
        duties: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(EventCode.choices)
        self.fields["code"].choices = [("", "Select what happened")] + [
            (c, labels[c]) for c in codes
        ]
        self.fields["fulfils"].choices = list(duties or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("fulfils") and data.get("code") and data["code"] not in CONTACT_EVENTS:
            self.add_error("fulfils", FULFILS_NOT_A_CONTACT)
        _not_future(self, "occurred_date", "The date it happened")
        occurred, received = data.get("occurred_date"), data.get("received_date")
        if occurred and received and received < occurred:
            self.add_error("received_date", RECEIVED_BEFORE_OCCURRED)
        if data.get("code") in self.HEARING_CODES:
            if not data.get("hearing_date") and "hearing_date" not in self.errors:
                self.add_error("hearing_date", HEARING_DATE_REQUIRED)
            if not data.get("court", "").strip():
                self.add_error("court", HEARING_COURT_REQUIRED)
        return data

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data["code"] in self.HEARING_CODES:
            return {
                "hearing_at": combine(
                    data["hearing_date"], data["hearing_time"], past=False
                ).isoformat(),
                "court": data["court"].strip(),
            }
        if data["code"] in self.BAIL_CODES and data["conditions"].strip():
            return {
                "conditions": [
                    line.strip() for line in data["conditions"].splitlines() if line.strip()
                ]
            }
        if data["code"] == EventCode.STATEMENT_TAKEN and data.get("vps"):
            return {"vps": data["vps"]}
        return {}

    def fulfils_ids(self) -> list[int]:
        return [int(value) for value in self.cleaned_data.get("fulfils") or []]

    def occurred_at(self) -> dt.datetime:
        return combine(self.cleaned_data["occurred_date"], self.cleaned_data["occurred_time"])

    def received_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("received_date")
        if not day:
            return None
        return combine(day, self.cleaned_data.get("received_time"))


# Where event_record's errors belong.
EVENT_SERVICE_FIELDS = {
    "code": "code",
    "occurred_at": "occurred_date",
    "received_at": "received_date",
    "hearing_at": "hearing_date",
    "court": "court",
    "conditions": "conditions",
    "details": "code",
    "summary": "summary",
    "vps": "vps",
    "fulfils": "fulfils",
    "victim": "fulfils",
}


def share_choices() -> list[tuple[str, Any]]:
    """Partner organisations and specialist teams, grouped."""
    partners = Organisation.objects.filter(active=True).exclude(
        kind__in=[OrganisationKind.POLICE_FORCE, OrganisationKind.BCU, OrganisationKind.TEAM]
    )
    specialists = Organisation.objects.filter(
        active=True, kind=OrganisationKind.TEAM, is_specialist=True
    )
    return [
        ("", "Select an organisation"),
        ("Specialist teams", [(str(o.pk), o.name) for o in specialists.order_by("name")]),
        ("Partner organisations", [(str(o.pk), o.name) for o in partners.order_by("name")]),
    ]


class ShareForm(forms.Form):
    organisation = forms.ChoiceField(
        label="Who do you want to share the case with?",
        error_messages={
            "required": SHARE_ORGANISATION_REQUIRED,
            "invalid_choice": SHARE_ORGANISATION_REQUIRED,
        },
    )
    reason = _text(
        "Why are you sharing it?",
        max_length=200,
        help_text="Optional. For example, the trial is listed at this court.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = share_choices()


class SearchForm(forms.Form):
    """Find a case by CRN, or a victim's full name (and date of birth), or phone number.

    Exact matches only (the personal data is encrypted; look-ups use blind indexes)."""

    crn = _text(
        "Crime reference number",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = _text(
        "Victim's full name",
        max_length=200,
        help_text="The full name exactly as recorded.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    date_of_birth = GovukDateField(
        label="Victim's date of birth",
        required=False,
        help_text="Optional, with the name. For example, 31 3 1980.",
    )
    phone = _text(
        "Victim's phone number",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "tel"}),
    )
    purpose = _text(
        "Why are you searching?",
        max_length=200,
        required=True,
        help_text="This is recorded with your name. For example, the victim called the desk.",
        error_messages={"required": SEARCH_PURPOSE_REQUIRED},
    )

    NAMES = ("crn", "name", "phone", "purpose")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("crn", "name", "phone"):
            data[name] = (data.get(name) or "").strip()
        if not (data["crn"] or data["name"] or data["phone"]) and not self.errors.get("crn"):
            self.add_error("crn", SEARCH_CRITERIA_REQUIRED)
        if data.get("date_of_birth") and not data["name"]:
            self.add_error("name", SEARCH_DOB_NEEDS_NAME)
        return data

    def raw(self) -> dict[str, str]:
        """What was typed, to keep in the session between the POST and the results page."""
        names = [*self.NAMES, "date_of_birth-day", "date_of_birth-month", "date_of_birth-year"]
        return {name: str(self.data.get(name, ""))[:200] for name in names}
