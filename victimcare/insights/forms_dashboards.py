"""The dashboards' one filter form (a GET form: the choices travel in the
URL, so a view can be shared; they are not personal data).

- `start`, `end`: months as YYYY-MM (both included), at most `MAX_MONTHS`;
  default the last 12 complete months (London calendar).
- `area`: "" (everything the viewer may see: All London, or all of their
  BCU), "bcu:<code>" or "borough:<ONS code>", offered only within the
  viewer's scope, so another BCU's borough is an invalid choice (400).
- `source`: "" (every source), "feedback" or "survey".
Page-specific: `by` (satisfaction breakdown), `group` (compliance), `sort`
(home), `table` (CSV download).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils import timezone

from victimcare.accounts.constants import OrganisationKind
from victimcare.accounts.models import Area, Organisation, User

from .constants import Source
from .figures import MAX_MONTHS, Filters
from .figures_breakdowns import BREAKDOWNS
from .figures_compliance import GROUPINGS
from .rollups import month_add, month_start
from .scope import visible_area_ids

MONTH_INVALID = "Select a month from the list"
START_REQUIRED = "Select the first month of the period"
END_REQUIRED = "Select the last month of the period"
PERIOD_ORDER = "The first month must be the same as or before the last month"
PERIOD_TOO_LONG = f"Choose a period of {MAX_MONTHS} months or fewer"
AREA_INVALID = "Select an area from the list"
SOURCE_INVALID = "Select a source from the list"
BY_INVALID = "Select a breakdown from the list"
GROUP_INVALID = "Select a grouping from the list"
SORT_INVALID = "Select an order from the list"
TABLE_INVALID = "Select a table to download"

MONTHS_OFFERED = 120
DEFAULT_MONTHS = 12
FILTER_NAMES = ("start", "end", "area", "source")
SOURCE_CHOICES = [("", "All sources"), *Source.choices]
SORTS = {"borough": "Borough A to Z", "gap": "Furthest below target first"}


def this_month() -> dt.date:
    return month_start(timezone.now())


def default_period() -> tuple[dt.date, dt.date]:
    """The last 12 complete months."""
    end = month_add(this_month(), -1)
    return month_add(end, 1 - DEFAULT_MONTHS), end


def _month_choices() -> list[tuple[str, str]]:
    month = this_month()
    out = []
    for _ in range(MONTHS_OFFERED):
        out.append((f"{month:%Y-%m}", f"{month:%B %Y}"))
        month = month_add(month, -1)
    return out


class DashboardForm(forms.Form):
    start = forms.ChoiceField(
        label="From",
        error_messages={"invalid_choice": MONTH_INVALID, "required": START_REQUIRED},
    )
    end = forms.ChoiceField(
        label="To (included)",
        help_text=f"Up to {MAX_MONTHS} months.",
        error_messages={"invalid_choice": MONTH_INVALID, "required": END_REQUIRED},
    )
    area = forms.ChoiceField(
        label="Area", required=False, error_messages={"invalid_choice": AREA_INVALID}
    )
    source = forms.ChoiceField(
        label="Source",
        required=False,
        choices=SOURCE_CHOICES,
        error_messages={"invalid_choice": SOURCE_INVALID},
    )
    extra_names: tuple[str, ...] = ()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        months = _month_choices()
        self.fields["start"].choices = months
        self.fields["end"].choices = months
        visible = visible_area_ids(user)
        areas = Area.objects.select_related("bcu").order_by("name")
        bcus = Organisation.objects.filter(kind=OrganisationKind.BCU).order_by("name")
        if visible is None:
            self.everything = "All London"
        else:
            areas = areas.filter(pk__in=visible)
            bcus = bcus.filter(pk=getattr(user.organisation, "pk", None))
            self.everything = f"All of {user.organisation.name}" if user.organisation else ""
        self._areas = {f"borough:{a.code}": a for a in areas}
        self._bcus = {f"bcu:{b.code}": b for b in bcus}
        self.fields["area"].choices = [
            ("", self.everything),
            *((k, f"{b.name} (BCU)") for k, b in self._bcus.items()),
            *((k, a.name) for k, a in self._areas.items()),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            first, last = _month(start), _month(end)
            if first > last:
                self.add_error("end", PERIOD_ORDER)
            elif (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
                self.add_error("end", PERIOD_TOO_LONG)
        return cleaned

    def filters(self) -> Filters:
        """The choices as `Filters` (call after `is_valid()`)."""
        data = self.cleaned_data
        key = data.get("area") or ""
        area_ids: frozenset[int] | None = None
        label = self.everything
        if key in self._areas:
            area = self._areas[key]
            area_ids, label = frozenset({area.pk}), area.name
        elif key in self._bcus:
            bcu = self._bcus[key]
            area_ids = frozenset(a.pk for a in self._areas.values() if a.bcu_id == bcu.pk)
            label = bcu.name
        return Filters(
            _month(data["start"]),
            _month(data["end"]),
            area_ids,
            data.get("source") or None,
            label,
        )

    def query(self, **changes: str) -> str:
        """The query string of these choices (with `changes`), for links."""
        names = (*FILTER_NAMES, *self.extra_names)
        values = {n: str(self.data.get(n, "")) for n in names} | changes
        return urlencode([(n, v) for n, v in values.items() if v])


def _month(value: str) -> dt.date:
    return dt.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 - a calendar month


class HomeForm(DashboardForm):
    sort = forms.ChoiceField(
        required=False,
        choices=[("", ""), *SORTS.items()],
        error_messages={"invalid_choice": SORT_INVALID},
    )
    extra_names = ("sort",)


class BreakdownForm(DashboardForm):
    by = forms.ChoiceField(
        label="Break down by",
        choices=list(BREAKDOWNS.items()),
        error_messages={"invalid_choice": BY_INVALID, "required": BY_INVALID},
    )
    extra_names = ("by",)


class ComplianceForm(DashboardForm):
    group = forms.ChoiceField(
        label="Group by",
        choices=list(GROUPINGS.items()),
        error_messages={"invalid_choice": GROUP_INVALID, "required": GROUP_INVALID},
    )
    extra_names = ("group",)


DEFAULTS_EXTRA = {"by": "ethnicity", "group": "right"}


def bound(form_class: type[DashboardForm], request: Any) -> DashboardForm:
    """The form bound to the request's query, with defaults for anything
    not given (so `?by=ethnicity` alone shows the last 12 months)."""
    start, end = default_period()
    data = {"start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}", "area": "", "source": ""}
    data |= {n: DEFAULTS_EXTRA[n] for n in form_class.extra_names if n in DEFAULTS_EXTRA}
    for name in (*FILTER_NAMES, *form_class.extra_names, "table"):
        if name in request.GET:
            data[name] = request.GET[name]
    return form_class(data=data, user=request.user)
