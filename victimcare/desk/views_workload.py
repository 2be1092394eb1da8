"""The desk's workload page: call backs due per opening hour, overdue, time to
call back, open escalations and open contact tasks by kind. Counts and times
only (no personal data), so no audit entry. Desk agents and supervisors only."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from victimcare.accounts.views import permission_required_or_404
from victimcare.messaging.desk import LONDON, desk_hours_text

from .permissions import USE_CONSOLE
from .selectors_workload import desk_workload

WORKLOAD_TITLE = "Desk workload"


def duration_text(value: dt.timedelta | None) -> str:
    """ "2 hours 5 minutes", "45 minutes", "1 day 3 hours"; "None done" for no value."""
    if value is None:
        return "None done"
    minutes = max(0, round(value.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    for n, word in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if n:
            parts.append(f"{n} {word}{'' if n == 1 else 's'}")
    if days:
        parts = parts[:2]
    return " ".join(parts) or "Less than a minute"


def _day_name(day: dt.date, today: dt.date) -> str:
    text = f"{day:%A} {day.day} {day:%B}"
    return f"Today, {text}" if day == today else text


@never_cache
@permission_required_or_404(USE_CONSOLE)
@require_http_methods(["GET"])
def workload(request: HttpRequest) -> HttpResponse:
    """The desk's workload now, for the cases the person may view."""
    figures = desk_workload(user=request.user)
    today = timezone.now().astimezone(LONDON).date()
    days = [
        {
            "id": f"hours-{i}",
            "name": _day_name(d.day, today),
            "rows": [
                {
                    "hour": f"{r.start.astimezone(LONDON):%H:%M} to "
                    f"{(r.start + dt.timedelta(hours=1)).astimezone(LONDON):%H:%M}",
                    "booked": r.booked,
                    "to_do": r.to_do,
                }
                for r in d.rows
            ],
        }
        for i, d in enumerate(figures.days)
    ]
    return render(
        request,
        "desk/workload.html",
        {
            "title": WORKLOAD_TITLE,
            "figures": figures,
            "days": days,
            "times": [
                {
                    "period": f"Last {t.days} days",
                    "count": t.count,
                    "mean": duration_text(t.mean),
                    "median": duration_text(t.median),
                }
                for t in figures.times
            ],
            "desk_hours": desk_hours_text(),
        },
    )
