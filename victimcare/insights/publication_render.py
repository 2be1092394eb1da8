"""The publication's report: accessible, self-contained HTML (one inline style
sheet, server-rendered SVG charts each beside its data table, commentary
placeholders, the method) and the same as a tagged PDF (PDF/UA-1, printed the
way the rights leaflets are: `feedback.leaflets`)."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from . import disclosure
from .publication_data import Snapshot
from .publication_tables import PublishedTable

REPORT_TEMPLATE = "insights/publication_report.html"
COMMENTARY_PLACEHOLDER = "[Commentary to be written by the analyst]"
STYLE_PATTERN = re.compile(r"<style>(.*?)</style>", re.DOTALL)

# Chart geometry (SVG user units).
CHART_WIDTH = 640
LABEL_WIDTH = 250
BAR_HEIGHT = 16
BAR_GAP = 8
BAR_SPACE = CHART_WIDTH - LABEL_WIDTH - 70


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    width: float
    text: str


@dataclass(frozen=True)
class Chart:
    height: int
    bars: list[Bar]
    label_x: int = LABEL_WIDTH - 8
    bar_x: int = LABEL_WIDTH
    width: int = CHART_WIDTH
    bar: int = BAR_HEIGHT


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def chart_for(table: PublishedTable) -> Chart | None:
    """Bars of the table's percentage, one per group (the total row too); a
    group whose percentage is not published has no bar and says why."""
    if table.share_column is None:
        return None
    bars = []
    for n, (_code, label, _cells, share) in enumerate(table.lines()):
        value = _number(share)
        width = float(value) * BAR_SPACE / 100 if value is not None else 0.0
        text = f"{share}%" if value is not None else share
        bars.append(Bar(label=label, y=n * (BAR_HEIGHT + BAR_GAP) + 4, width=width, text=text))
    return Chart(height=len(bars) * (BAR_HEIGHT + BAR_GAP) + 8, bars=bars)


def report_html(*, snapshot: Snapshot, tables: list[PublishedTable], files: dict[str, str]) -> str:
    """The report as one HTML document. Deterministic: the same snapshot gives
    the same bytes (no time of making, no run id)."""
    quarter = snapshot.quarter
    borough_table = tables[0]
    context: dict[str, Any] = {
        "title": f"Victim satisfaction and Victims' Code compliance, {quarter.label}",
        "quarter": quarter,
        "period": quarter.describe(),
        "force_name": settings.FORCE_NAME,
        "tables": [
            {"table": table, "chart": chart_for(table), "file": files[table.name]}
            for table in tables
        ],
        # The grand total of the first table, protected like any other count.
        "responses": borough_table.protected.shown(
            len(borough_table.rows), len(borough_table.columns)
        ),
        "snapshot_sha256": snapshot.sha256,
        "placeholder": COMMENTARY_PLACEHOLDER,
        "threshold": disclosure.THRESHOLD,
        "rounding_base": disclosure.ROUNDING_BASE,
        "suppressed": disclosure.SUPPRESSED,
        "not_applicable": disclosure.NOT_APPLICABLE,
        "method_version": disclosure.METHOD_VERSION,
    }
    return render_to_string(REPORT_TEMPLATE, context)


def style_hash(html: str) -> str:
    """The CSP source for the report's one inline style sheet ('sha256-…'),
    so the report can be shown under our policy without 'unsafe-inline'."""
    found = STYLE_PATTERN.search(html)
    content = found.group(1) if found else ""
    digest = base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def report_pdf(html: str) -> bytes:
    """The report as a tagged PDF (PDF/UA-1), printed by WeasyPrint with the
    leaflets' renderer, which may fetch nothing but embedded PNGs."""
    from victimcare.feedback.leaflets import _render

    return _render(html)
