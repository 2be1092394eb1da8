"""Forms of the case tracker: the start page (crime reference and date of birth),
the one-time code, a call back, a message to the desk.

Labels and errors are the tracker's words in the page's language (tracking.track_text).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone

from victimcare.core.forms import DayMonthYearWidget
from victimcare.desk.constants import CALL_BACK_HORIZON
from victimcare.duties.calendar import LONDON
from victimcare.feedback.i18n import PageText
from victimcare.messaging import wording

from .constants import CRN_MAX_LENGTH
from .tracking import MESSAGE_MAX_LENGTH, call_back_reasons

# Times a call back can be asked for: every half hour of the day. The desk's
# hours decide which can be booked; a closed time is answered with the next
# open ones.
TIME_CHOICES = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]


# A crime reference once spaces are taken out (services.crime_for_crn does the
# same): letters, digits, slashes, dots, hyphens and underscores.
CRN_PATTERN = re.compile(r"^[A-Z0-9/._-]+$")
OLDEST_YEAR = 1900


class DateOfBirthField(forms.Field):
    """A date of birth typed as day, month and year (govukDateInput), with
    errors in the page's language. Required."""

    widget = DayMonthYearWidget

    def __init__(self, *args: Any, text: PageText, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.words = text

    def to_python(self, value: Any) -> dt.date | None:
        t = self.words.plain
        parts = [str(p or "").strip() for p in (value or ["", "", ""])]
        if not any(parts):
            raise forms.ValidationError(t("start_dob_required"))
        if not all(parts):
            raise forms.ValidationError(t("start_dob_incomplete"))
        try:
            day, month, year = (int(p) for p in parts)
            if year < OLDEST_YEAR:
                raise ValueError
            born = dt.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(t("start_dob_real")) from None
        if born >= timezone.now().astimezone(LONDON).date():
            raise forms.ValidationError(t("start_dob_past"))
        return born


class StartForm(forms.Form):
    """The /track/ start page: a crime reference number and a date of birth."""

    crn = forms.CharField(strip=True)

    def __init__(self, *args: Any, text: PageText, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.words = text
        t = text.plain
        f = self.fields["crn"]
        f.label = t("start_crn_label")
        f.help_text = t("start_crn_hint")
        f.error_messages = {"required": t("start_crn_required")}
        f.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["date_of_birth"] = DateOfBirthField(
            text=text, label=t("start_dob_legend"), help_text=t("start_dob_hint")
        )

    def clean_crn(self) -> str:
        value = re.sub(r"\s+", "", self.cleaned_data["crn"]).upper()
        if not value:
            raise forms.ValidationError(self.words.plain("start_crn_required"))
        if len(value) > CRN_MAX_LENGTH or not CRN_PATTERN.match(value):
            raise forms.ValidationError(self.words.plain("start_crn_invalid"))
        return value


class CodeForm(forms.Form):
    code = forms.CharField(strip=True, max_length=20)

    def __init__(self, *args: Any, text: PageText, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        f = self.fields["code"]
        f.label = text.plain("code_label")
        f.help_text = text.plain("code_hint")
        f.error_messages = {
            "required": text.plain("code_required"),
            "max_length": text.plain("code_wrong"),
        }
        f.widget.attrs.update({"autocomplete": "one-time-code", "inputmode": "numeric"})

    def cleaned_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


def _days(language: str) -> list[tuple[str, str]]:
    today = timezone.now().astimezone(LONDON).date()
    last = (timezone.now() + CALL_BACK_HORIZON).astimezone(LONDON).date()
    days = []
    day = today
    while day <= last:
        days.append((day.isoformat(), wording.format_date(day, language)))
        day += dt.timedelta(days=1)
    return days


class CallBackForm(forms.Form):
    day = forms.ChoiceField()
    time = forms.ChoiceField()
    reason = forms.ChoiceField(widget=forms.RadioSelect)

    def __init__(self, *args: Any, text: PageText, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        t = text.plain
        f = self.fields
        f["day"].label = t("cb_day_label")
        f["day"].choices = [("", "")] + _days(text.language)  # type: ignore[attr-defined]
        f["day"].error_messages = {
            "required": t("cb_day_required"),
            "invalid_choice": t("cb_day_required"),
        }
        f["time"].label = t("cb_time_label")
        f["time"].choices = [("", "")] + [(v, v) for v in TIME_CHOICES]  # type: ignore[attr-defined]
        f["time"].error_messages = {
            "required": t("cb_time_required"),
            "invalid_choice": t("cb_time_required"),
        }
        f["reason"].label = t("cb_reason_legend")
        f["reason"].choices = [(r, t(f"cb_reason.{r}")) for r in call_back_reasons()]  # type: ignore[attr-defined]
        f["reason"].error_messages = {
            "required": t("cb_reason_required"),
            "invalid_choice": t("cb_reason_required"),
        }

    def requested_for(self) -> dt.datetime:
        day = dt.date.fromisoformat(self.cleaned_data["day"])
        hour, minute = (int(x) for x in self.cleaned_data["time"].split(":"))
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


class SlotForm(forms.Form):
    """One of the next open times offered after a closed time: books directly."""

    slot = forms.ChoiceField(widget=forms.RadioSelect)
    reason = forms.ChoiceField(widget=forms.HiddenInput)
    # The closed time first asked for: the offers are worked out from it again.
    after = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args: Any, text: PageText, slots: list[dt.datetime], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        t = text.plain
        self.fields["slot"].label = t("cb_slot_legend")
        self.fields["slot"].choices = [  # type: ignore[attr-defined]
            (s.isoformat(), wording.format_when(s, text.language)) for s in slots
        ]
        self.fields["slot"].error_messages = {
            "required": t("cb_slot_required"),
            "invalid_choice": t("cb_slot_required"),
        }
        self.fields["reason"].choices = [(r, r) for r in call_back_reasons()]  # type: ignore[attr-defined]
        self.fields["reason"].error_messages = {
            "required": t("cb_reason_required"),
            "invalid_choice": t("cb_reason_required"),
        }

    def requested_for(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.cleaned_data["slot"])


class MessageForm(forms.Form):
    text = forms.CharField(strip=True, widget=forms.Textarea)

    def __init__(self, *args: Any, text: PageText, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.words = text
        f = self.fields["text"]
        f.label = text.plain("msg_label")
        f.help_text = text.plain("msg_hint")
        f.error_messages = {"required": text.plain("msg_required")}

    def clean_text(self) -> str:
        value: str = self.cleaned_data["text"]
        if len(value) > MESSAGE_MAX_LENGTH:
            raise forms.ValidationError(self.words.plain("msg_too_long", max=MESSAGE_MAX_LENGTH))
        return value
