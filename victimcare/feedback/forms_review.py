"""Closing a feedback review item: parses and checks input; review.review_close decides."""

from __future__ import annotations

from typing import Any

from django import forms

from . import review as rv
from .constants import ReviewState


class ReviewCloseForm(forms.Form):
    """The outcome of a review item, and an optional note (kept encrypted)."""

    outcome = forms.ChoiceField(
        label="What was the outcome?",
        widget=forms.RadioSelect,
        error_messages={"required": rv.OUTCOME_REQUIRED, "invalid_choice": rv.OUTCOME_INVALID},
    )
    note = forms.CharField(
        label="Note (optional)",
        help_text="For example, what was discussed with the officer. Do not include the "
        "victim's personal details.",
        required=False,
        max_length=rv.NOTE_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": rv.NOTE_TOO_LONG},
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = rv.outcome_choices(kind)  # type: ignore[attr-defined]


class ReviewStateFilter(forms.Form):
    """The review list's filter: open (default) or closed items."""

    state = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[(ReviewState.OPEN, "To review"), (ReviewState.CLOSED, "Closed")],
    )

    def state_value(self) -> str:
        if self.is_valid() and self.cleaned_data.get("state"):
            return str(self.cleaned_data["state"])
        return ReviewState.OPEN
