"""Forms for the targets pages: the year filter and setting a target.

The form checks the choices (measure, area, year); the numbers are checked by
`targets.target_set`, whose ValidationError keys match the field names, so a
rule lives in one place and the view copies its messages onto the form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from victimcare.accounts.models import Area

from .constants import Measure
from .targets import (
    ANNUAL_INVALID,
    AREA_INVALID,
    FORCE_LABEL,
    MEASURE_INVALID,
    MILESTONE_INVALID,
    QUARTERS,
    YEAR_INVALID,
    YEAR_MAX,
    YEAR_MIN,
    current_financial_year,
    percentages_check,
    year_choices,
)

# The area select's value for the whole force (boroughs use their ids).
FORCE_VALUE = "force"


class YearForm(forms.Form):
    """The list's financial year filter (a GET form: `?year=2027`)."""

    year = forms.TypedChoiceField(
        label="Financial year",
        choices=[(str(y), label) for y, label in year_choices()],
        coerce=int,
        error_messages={"required": YEAR_INVALID, "invalid_choice": YEAR_INVALID},
    )


def year_form(data: dict[str, Any]) -> tuple[YearForm, int | None]:
    """The bound filter and the year chosen: the current financial year (kept
    within the years offered) when none was asked for, None when the value is
    bad (the page shows the error and no targets)."""
    if "year" not in data:
        year = min(max(current_financial_year(), YEAR_MIN), YEAR_MAX)
        return YearForm(initial={"year": str(year)}), year
    form = YearForm(data={"year": data.get("year", "")})
    return form, (form.cleaned_data["year"] if form.is_valid() else None)


def _percent_field(
    label: str, *, required: bool, invalid: str, help_text: str = ""
) -> forms.CharField:
    # Text, not a number input (GOV.UK: inputmode="decimal" instead), so what
    # the person typed is shown back to them exactly when it is wrong.
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=20,
        error_messages={"required": invalid, "max_length": invalid},
    )


class TargetForm(forms.Form):
    """Setting a target. On a change page (`fixed=True`) only the percentages
    can be changed: measure, area and year say which target it is."""

    measure = forms.ChoiceField(
        label="What is the target for?",
        choices=Measure.choices,
        widget=forms.RadioSelect,
        error_messages={"required": MEASURE_INVALID, "invalid_choice": MEASURE_INVALID},
    )
    area = forms.ChoiceField(
        label="Area",
        error_messages={"required": AREA_INVALID, "invalid_choice": AREA_INVALID},
    )
    year = forms.TypedChoiceField(
        label="Financial year",
        help_text="April to March.",
        coerce=int,
        error_messages={"required": YEAR_INVALID, "invalid_choice": YEAR_INVALID},
    )
    annual = _percent_field(
        "Annual target",
        required=True,
        invalid=ANNUAL_INVALID,
        help_text="The share to reach by the end of the financial year, for example 80 or 82.5.",
    )
    q1 = _percent_field(
        "Quarter 1 milestone (April to June)", required=False, invalid=MILESTONE_INVALID.format(n=1)
    )
    q2 = _percent_field(
        "Quarter 2 milestone (July to September)",
        required=False,
        invalid=MILESTONE_INVALID.format(n=2),
    )
    q3 = _percent_field(
        "Quarter 3 milestone (October to December)",
        required=False,
        invalid=MILESTONE_INVALID.format(n=3),
    )
    q4 = _percent_field(
        "Quarter 4 milestone (January to March)",
        required=False,
        invalid=MILESTONE_INVALID.format(n=4),
    )

    def __init__(self, *args: Any, fixed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed = fixed
        self.annual_value: Decimal | None = None
        self.milestone_values: dict[int, Decimal | None] = {}
        self.areas = {str(a.pk): a for a in Area.objects.order_by("name")}
        self.fields["area"].choices = [
            ("", "Choose an area"),
            (FORCE_VALUE, FORCE_LABEL),
            *((pk, a.name) for pk, a in self.areas.items()),
        ]
        self.fields["year"].choices = [("", "Choose a year")] + [
            (str(y), label) for y, label in year_choices()
        ]
        if fixed:
            for name in ("measure", "area", "year"):
                del self.fields[name]

    def clean_area(self) -> Area | None:
        value = self.cleaned_data["area"]
        if value == FORCE_VALUE:
            return None
        area = self.areas.get(value)
        if area is None:  # pragma: no cover (ChoiceField already refuses it)
            raise forms.ValidationError(AREA_INVALID)
        return area

    def clean(self) -> dict[str, Any]:
        # The numbers' rules live in `targets` (the service checks them again
        # on save); checking them here too lists every problem at once.
        cleaned = super().clean() or {}
        raw = {n: self.data.get(f"q{n}", "") for n in QUARTERS}
        annual, milestones, errors = percentages_check(
            annual=self.data.get("annual", ""), milestones=raw
        )
        self.annual_value, self.milestone_values = annual, milestones
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def values(self) -> tuple[Decimal, dict[int, Decimal | None]]:
        """The annual target and milestones of a valid form."""
        if self.annual_value is None:  # pragma: no cover (a valid form has one)
            raise ValueError("The form is not valid.")
        return self.annual_value, self.milestone_values
