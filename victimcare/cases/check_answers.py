""" "Check your answers" pages and the placing of a service's refusals, shared by
the crime intake (views.py) and "Add a victim or contact" (views_victims.py).

Both flows keep what was typed per question page; on "Check your answers" every
page is re-validated and shown as a summary list, and a ValidationError from
the service is put back on the page and field it belongs to (forms.service_field).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .forms import service_field


def display(bound: forms.BoundField) -> dict[str, str]:
    """How an answer reads on "Check your answers" (text, or escaped HTML for lists)."""
    field = bound.field
    value = bound.form.cleaned_data.get(bound.name)
    choices: dict[str, str] = {}
    for v, t in getattr(field, "choices", []):
        if isinstance(t, list | tuple):
            choices.update({str(k): str(label) for k, label in t})
        else:
            choices[str(v)] = str(t)
    if isinstance(value, list):
        if not value:
            return {"text": "None"}
        return {"html": mark_safe("<br>".join(escape(choices.get(str(v), v)) for v in value))}  # noqa: S308  # every part escaped  # nosec B308, B703  # nosemgrep: vc-mark-safe-non-literal
    if value in (None, ""):
        return {"text": "Not given"}
    if hasattr(value, "strftime") and hasattr(value, "year"):
        return {"text": value.strftime("%-d %B %Y")}
    if hasattr(value, "strftime"):
        return {"text": value.strftime("%H:%M")}
    if choices:
        return {"text": choices.get(str(value), str(value))}
    return {"text": str(value)}


def _hidden_on_check(step: str, name: str, cleaned: dict[str, Any]) -> bool:
    if step == "crime" and name == "restricted_reason":
        return "restricted" not in cleaned.get("flags", [])
    if step == "needs" and name == "enhanced_reasons":
        return cleaned.get("enhanced") != "yes"
    return False


def check_sections(
    forms_by_step: Mapping[str, forms.Form],
    *,
    titles: Mapping[str, str],
    change_url: Callable[[str], str],
) -> list[dict[str, Any]]:
    """One summary list per page, each answer with a "Change" link to its page."""
    sections = []
    for step, form in forms_by_step.items():
        rows = []
        for bound in form:
            if _hidden_on_check(step, bound.name, form.cleaned_data):
                continue
            rows.append(
                {
                    "key": {"text": str(bound.label)},
                    "value": display(bound),
                    "actions": {
                        "items": [
                            {
                                "href": change_url(step),
                                "text": "Change",
                                "visuallyHiddenText": str(bound.label).lower(),
                            }
                        ]
                    },
                }
            )
        sections.append({"title": titles[step], "rows": rows})
    return sections


def service_errors(error: ValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as {field key: [message]} ("__all__" if unplaced)."""
    if hasattr(error, "error_dict"):
        return {
            key: [str(m) for e in errors for m in e.messages]
            for key, errors in error.error_dict.items()
        }
    return {"__all__": [str(m) for m in error.messages]}


def place_service_errors(
    error: ValidationError,
) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """({page: [(form field, message)]}, messages that belong to no page)."""
    placed: dict[str, list[tuple[str, str]]] = {}
    problems: list[str] = []
    for key, texts in service_errors(error).items():
        where = service_field(key)
        if where is None:
            problems.extend(texts)
            continue
        for text in texts:
            placed.setdefault(where[0], []).append((where[1], text))
    return placed, problems
