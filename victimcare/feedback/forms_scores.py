"""Forms for the scores pages: the period filter and a commendation."""

from __future__ import annotations

from django import forms

from .scores import (
    DEFAULT_PERIOD_MONTHS,
    PERIOD_INVALID,
    PERIODS,
    REASON_MAX_LENGTH,
    REASON_REQUIRED,
    REASON_TOO_LONG,
)


class PeriodForm(forms.Form):
    """The period filter (a GET form: `?months=3|6|12`)."""

    months = forms.TypedChoiceField(
        label="Period",
        choices=[(str(m), label) for m, label in PERIODS.items()],
        coerce=int,
        error_messages={"required": PERIOD_INVALID, "invalid_choice": PERIOD_INVALID},
    )


def period_form(data: dict[str, str] | None) -> tuple[PeriodForm, int | None]:
    """The bound form and the months chosen (the default when none was asked
    for; None when the value is bad, so the page shows the error and no figures)."""
    if not data or "months" not in data:
        return PeriodForm(initial={"months": str(DEFAULT_PERIOD_MONTHS)}), DEFAULT_PERIOD_MONTHS
    form = PeriodForm(data={"months": data.get("months", "")})
    return form, (form.cleaned_data["months"] if form.is_valid() else None)


class CommendationForm(forms.Form):
    reason = forms.CharField(
        label="Why are you commending this officer?",
        help_text="For example, what victims said went well. Do not include victims' names "
        "or details of their cases. Up to 500 characters.",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": REASON_REQUIRED, "max_length": REASON_TOO_LONG},
    )
