"""Adapters from Django forms to GOV.UK Frontend macro parameters.

Every form page renders `govukErrorSummary` from `error_summary_items(form)`
and each field from `field_params(form["name"])`, so a field's error, the
summary link and the value the user typed always agree.
"""

from __future__ import annotations

from typing import Any

from django import forms


def _error(bound: forms.BoundField) -> dict[str, str] | None:
    return {"text": str(bound.errors[0])} if bound.errors else None


def field_params(bound: forms.BoundField, **overrides: Any) -> dict[str, Any]:
    """Parameters for govukInput / govukTextarea / govukPasswordInput / govukSelect."""
    widget = bound.field.widget
    params: dict[str, Any] = {
        "id": bound.id_for_label or bound.html_name,
        "name": bound.html_name,
        "label": {"text": str(bound.label), "classes": "govuk-label--s"},
        "errorMessage": _error(bound),
    }
    value = bound.value()
    if not isinstance(widget, forms.PasswordInput) and value not in (None, ""):
        params["value"] = str(value)
    if bound.help_text:
        params["hint"] = {"text": str(bound.help_text)}
    if isinstance(widget, forms.Select):
        params["items"] = [
            {"value": str(v), "text": str(t), "selected": str(v) == str(value)}
            for v, t in bound.field.choices  # type: ignore[attr-defined]
        ]
    autocomplete = widget.attrs.get("autocomplete")
    if autocomplete:
        params["autocomplete"] = autocomplete
    input_type = getattr(widget, "input_type", None)
    if input_type in {"email", "tel", "number"}:
        params["type"] = input_type
    params.update(overrides)
    return params


def choice_params(
    bound: forms.BoundField, *, legend_classes: str = "govuk-fieldset__legend--s", **overrides: Any
) -> dict[str, Any]:
    """Parameters for govukRadios / govukCheckboxes (one fieldset, a legend, items)."""
    value = bound.value()
    selected = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
    params: dict[str, Any] = {
        "idPrefix": bound.id_for_label or bound.html_name,
        "name": bound.html_name,
        "fieldset": {"legend": {"text": str(bound.label), "classes": legend_classes}},
        "errorMessage": _error(bound),
        "items": [
            {"value": str(v), "text": str(t), "checked": str(v) in selected}
            for v, t in bound.field.choices  # type: ignore[attr-defined]
            if str(v) != ""
        ],
    }
    if bound.help_text:
        params["hint"] = {"text": str(bound.help_text)}
    params.update(overrides)
    return params


def date_params(bound: forms.BoundField, **overrides: Any) -> dict[str, Any]:
    """Parameters for govukDateInput, for a field using a day/month/year MultiWidget."""
    value = bound.value() or ["", "", ""]
    if not isinstance(value, list | tuple):
        value = [getattr(value, "day", ""), getattr(value, "month", ""), getattr(value, "year", "")]
    error = _error(bound)
    names = ("day", "month", "year")
    params: dict[str, Any] = {
        "id": bound.id_for_label or bound.html_name,
        "namePrefix": bound.html_name,
        "fieldset": {"legend": {"text": str(bound.label), "classes": "govuk-fieldset__legend--s"}},
        "errorMessage": error,
        "items": [
            {
                "name": n,
                "value": str(v or ""),
                "classes": ("govuk-input--width-4" if n == "year" else "govuk-input--width-2")
                + (" govuk-input--error" if error else ""),
            }
            for n, v in zip(names, value, strict=False)
        ],
    }
    if bound.help_text:
        params["hint"] = {"text": str(bound.help_text)}
    params.update(overrides)
    return params


def error_summary_items(form: forms.Form) -> list[dict[str, str]]:
    """One summary link per error, pointing at the field it belongs to."""
    items: list[dict[str, str]] = []
    for error in form.non_field_errors():
        items.append({"text": str(error), "href": "#main-content"})
    for name, errors in form.errors.items():
        if name == forms.forms.NON_FIELD_ERRORS:
            continue
        bound = form[name]
        target = bound.id_for_label or bound.html_name
        if isinstance(bound.field.widget, forms.MultiWidget):
            target = (
                f"{bound.html_name}-day" if "date" in type(bound.field).__name__.lower() else target
            )
        for error in errors:
            items.append({"text": str(error), "href": f"#{target}"})
    return items
