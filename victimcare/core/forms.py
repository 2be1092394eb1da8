"""Forms for the audit log pages. Error texts are constants the tests import."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

ERROR_ACTOR_FORMAT = "Enter an email address in the correct format, like name@example.org"
ERROR_ACTOR_UNKNOWN = "There is no member of staff with that email address"
ERROR_TYPE_FORMAT = "Enter the {what} type as app and model, like cases.victim"
ERROR_TYPE_MISSING = "Enter the {what} type as well as the {what} ID"
ERROR_ID_FORMAT = "Enter the {what} ID using only letters, numbers and hyphens"
ERROR_DATE_INCOMPLETE = "{label} must include a {parts}"
ERROR_DATE_NOT_REAL = "{label} must be a real date"
ERROR_DATE_ORDER = "Date to must be the same as or after date from"

_TYPE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class DayMonthYearWidget(forms.MultiWidget):
    """Three inputs named `<name>-day`, `<name>-month`, `<name>-year`, as
    govukDateInput renders them (see frontend.forms.date_params)."""

    def __init__(self) -> None:
        super().__init__(widgets=[forms.TextInput(), forms.TextInput(), forms.TextInput()])
        self.widgets_names = ["-day", "-month", "-year"]

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return ["", "", ""]


class GovukDateField(forms.Field):
    """An optional date typed as day, month and year, with GOV.UK error messages."""

    widget = DayMonthYearWidget

    def to_python(self, value: Any) -> dt.date | None:
        parts = [str(p or "").strip() for p in (value or ["", "", ""])]
        if not any(parts):
            return None
        label = str(self.label)
        missing = [
            name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part
        ]
        if missing:
            raise ValidationError(
                ERROR_DATE_INCOMPLETE.format(label=label, parts=" and ".join(missing))
            )
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                raise ValueError
            return dt.date(year, month, day)
        except ValueError:
            raise ValidationError(ERROR_DATE_NOT_REAL.format(label=label)) from None


def _text(label: str, *, max_length: int, hint: str = "", **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=hint,
        widget=forms.TextInput(attrs={"autocomplete": "off", **attrs}),
    )


class AuditSearchForm(forms.Form):
    """Criteria for searching the audit log. Every field is optional; the actor is
    looked up by email (any case) and becomes an id, so only ids reach the query."""

    actor_email = forms.CharField(
        label="Email address of the member of staff",
        required=False,
        max_length=254,
        help_text="Find what this person did.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    subject_type = _text(
        "Subject type", max_length=100, hint="Whose personal data, for example cases.victim."
    )
    subject_id = _text("Subject ID", max_length=64)
    object_type = _text(
        "Object type", max_length=100, hint="What was acted on, for example cases.crime."
    )
    object_id = _text("Object ID", max_length=64)
    date_from = GovukDateField(
        label="Date from", required=False, help_text="For example, 27 3 2026."
    )
    date_to = GovukDateField(label="Date to", required=False, help_text="For example, 31 3 2026.")

    FIELDS = ("actor_email", "subject_type", "subject_id", "object_type", "object_id")
    DATE_FIELDS = ("date_from", "date_to")

    def clean_actor_email(self) -> str:
        email = self.cleaned_data["actor_email"].strip()
        if not email:
            return ""
        try:
            forms.EmailField().clean(email)
        except ValidationError:
            raise ValidationError(ERROR_ACTOR_FORMAT) from None
        user = get_user_model().objects.filter(email__iexact=email).only("pk").first()
        if user is None:
            raise ValidationError(ERROR_ACTOR_UNKNOWN)
        self.cleaned_data["actor_id"] = user.pk
        return email

    def _clean_type(self, name: str, what: str) -> str:
        value = self.cleaned_data[name].strip().lower()
        if value and not _TYPE.match(value):
            raise ValidationError(ERROR_TYPE_FORMAT.format(what=what))
        return value

    def _clean_id(self, name: str, what: str) -> str:
        value = self.cleaned_data[name].strip()
        if value and not _ID.match(value):
            raise ValidationError(ERROR_ID_FORMAT.format(what=what))
        return value

    def clean_subject_type(self) -> str:
        return self._clean_type("subject_type", "subject")

    def clean_object_type(self) -> str:
        return self._clean_type("object_type", "object")

    def clean_subject_id(self) -> str:
        return self._clean_id("subject_id", "subject")

    def clean_object_id(self) -> str:
        return self._clean_id("object_id", "object")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for what in ("subject", "object"):
            if (
                data.get(f"{what}_id")
                and not data.get(f"{what}_type")
                and f"{what}_type" not in self.errors
            ):
                self.add_error(f"{what}_type", ERROR_TYPE_MISSING.format(what=what))
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", ERROR_DATE_ORDER)
        return data

    def criteria(self) -> dict[str, Any]:
        """Keyword arguments for `audit_search` (ids and dates only, no email)."""
        data = self.cleaned_data
        return {
            "actor_id": data.get("actor_id"),
            "subject_type": data.get("subject_type") or None,
            "subject_id": data.get("subject_id") or None,
            "object_type": data.get("object_type") or None,
            "object_id": data.get("object_id") or None,
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }

    def raw_data(self) -> dict[str, str]:
        """What the user typed, for keeping the search server-side between pages."""
        names = [*self.FIELDS] + [
            f"{d}{part}" for d in self.DATE_FIELDS for part in ("-day", "-month", "-year")
        ]
        return {name: str(self.data.get(name, ""))[:254] for name in names}
