"""Forms of the desk's follow-ups: an offered call-back time, cancelling a call
back, closing an escalation. They parse what was typed; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from victimcare.messaging.desk import desk_is_open

from . import messages as msg
from .constants import CallBackCancelReason, CallBackReason
from .forms import _textarea


class OfferedSlotForm(forms.Form):
    """One of the next times the desk is open, offered when the time asked for is
    closed: choosing it books the call back directly (with the reason already given).

    `slots` are the times offered on the page (aware datetimes). A posted value is
    accepted only if it reads as a time when the desk is open; the booking service
    checks it again (in the future, within the horizon)."""

    prefix = "offered"

    slot = forms.ChoiceField(
        label="Book one of the next times the desk is open",
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": msg.SLOT_REQUIRED, "invalid_choice": msg.SLOT_INVALID},
    )
    reason = forms.ChoiceField(
        choices=CallBackReason.choices,
        widget=forms.HiddenInput,
        error_messages={
            "required": msg.CALL_BACK_REASON_REQUIRED,
            "invalid_choice": msg.CALL_BACK_REASON_REQUIRED,
        },
    )

    # The time that was asked for (ISO), so that the same times are offered again
    # if this form comes back with an error.
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, slots: list[dt.datetime], **kwargs: Any) -> None:
        from .services_call_backs import slot_text

        super().__init__(*args, **kwargs)
        offered = list(slots)
        posted = self.data.get(self.add_prefix("slot"), "") if self.is_bound else ""
        chosen = aware(posted)
        if chosen is not None and desk_is_open(chosen) and chosen not in offered:
            offered.append(chosen)
        self.fields["slot"].choices = [(s.isoformat(), slot_text(s)) for s in offered]

    @property
    def chosen(self) -> dt.datetime:
        at = aware(self.cleaned_data["slot"])
        assert at is not None  # a valid choice is always an aware datetime
        return at


def aware(value: str) -> dt.datetime | None:
    """`value` as a time-zone-aware datetime (ISO 8601), else None."""
    try:
        at = dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return at if at is not None and at.tzinfo is not None else None


class CallBackCancelForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is the call back cancelled?",
        choices=CallBackCancelReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": msg.CANCEL_REASON_REQUIRED,
            "invalid_choice": msg.CANCEL_REASON_REQUIRED,
        },
    )


class EscalationCloseForm(forms.Form):
    note = _textarea(
        "What was done about it?",
        max_length=500,
        help_text="For example, the officer called the victim back. Seen by the officer and the desk.",
        error_messages={
            "required": msg.ESCALATION_NOTE_REQUIRED,
            "max_length": "The note must be 500 characters or fewer",
        },
    )
