"""Forms of the messaging pages. They parse what was chosen or typed; the
services (dispatch.py) decide, and their refusals are shown on the field they
belong to. Error texts are constants the tests import."""

from __future__ import annotations

from typing import Any

from django import forms

from . import dispatch

VICTIM_REQUIRED = "Choose who the message is for."
TEMPLATE_REQUIRED = "Choose which message to send."
CHANNEL_REQUIRED = "Choose how to send it."
DUTY_INVALID = dispatch.ERROR_DUTY
NO_DUTY = ""


class ComposeForm(forms.Form):
    """Who, which template, which channel, and (optionally) the duty it fulfils."""

    victim = forms.ChoiceField(
        label="Who is the message for?",
        widget=forms.RadioSelect,
        error_messages={"required": VICTIM_REQUIRED, "invalid_choice": VICTIM_REQUIRED},
    )
    template = forms.ChoiceField(
        label="Which message?",
        error_messages={"required": TEMPLATE_REQUIRED, "invalid_choice": TEMPLATE_REQUIRED},
    )
    channel = forms.ChoiceField(
        label="How should it be sent?",
        widget=forms.RadioSelect,
        error_messages={"required": CHANNEL_REQUIRED, "invalid_choice": CHANNEL_REQUIRED},
    )
    duty = forms.ChoiceField(
        label="Which duty does it fulfil?",
        required=False,
        help_text="Optional. The duty is marked done when the letter is posted, or the text "
        "or email is delivered.",
        error_messages={"invalid_choice": DUTY_INVALID},
    )

    def __init__(
        self,
        *args: Any,
        victims: list[tuple[str, str]],
        templates: list[tuple[str, str]],
        channels: list[tuple[str, str]],
        duties: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["victim"].choices = victims
        self.fields["template"].choices = [("", "Choose a message"), *templates]
        self.fields["channel"].choices = channels
        self.fields["duty"].choices = [(NO_DUTY, "No duty"), *duties]

    def duty_id(self) -> int | None:
        value = self.cleaned_data.get("duty") or ""
        return int(value) if value else None


class TaskDoneForm(forms.Form):
    """What was done about a contact task. Required: it is kept with the person's name."""

    note = forms.CharField(
        label="What did you do?",
        help_text="For example: called the victim on a safe number and told them about the "
        "charge. Do not include personal details that are not needed.",
        max_length=dispatch.TASK_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": dispatch.TASK_NOTE_REQUIRED,
            "max_length": dispatch.TASK_NOTE_TOO_LONG,
        },
    )

    def clean_note(self) -> str:
        note = (self.cleaned_data.get("note") or "").strip()
        if not note:
            raise forms.ValidationError(dispatch.TASK_NOTE_REQUIRED)
        return note
