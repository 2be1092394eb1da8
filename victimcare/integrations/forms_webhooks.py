"""Forms of the webhook pages (parse only; `webhooks_services` validates and saves)."""

from __future__ import annotations

from typing import Any

from django import forms

from .webhooks import EVENT_TYPES


class SubscriptionForm(forms.Form):
    """A new subscription. `organisations` (id, name) pairs are offered to force
    administrators; others subscribe for their own organisation (no field)."""

    name = forms.CharField(
        label="Name of the system",
        help_text="So people know which system this is, like 'probation case system'.",
        required=False,
        max_length=200,
    )
    url = forms.CharField(
        label="Address that receives the webhooks",
        help_text="It must start with https://",
        required=False,
        max_length=1000,
    )
    event_types = forms.MultipleChoiceField(
        label="Which events should be sent?",
        choices=list(EVENT_TYPES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, organisations: list[tuple[int, str]] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"] = forms.TypedChoiceField(
                label="Organisation",
                choices=[("", "Choose an organisation")] + [(str(i), n) for i, n in organisations],
                coerce=int,
                required=True,
                error_messages={
                    "required": "Select an organisation",
                    "invalid_choice": "Select an organisation from the list",
                },
            )
            self.order_fields(["organisation", "name", "url", "event_types"])
        self.fields["event_types"].error_messages["invalid_choice"] = (
            "Select kinds of event from the list"
        )
