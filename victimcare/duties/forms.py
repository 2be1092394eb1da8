"""Forms of the duties pages. They parse what was typed; `services.duty_not_applicable`
decides (and its refusals are shown on the field they belong to).

Error texts are the constants in `duties.messages`, which the tests import.
"""

from __future__ import annotations

from django import forms

from . import messages
from .services import NOT_APPLICABLE_REASON_MAX


class NotApplicableForm(forms.Form):
    """Why an owed duty does not apply. Required: the reason is kept with who said so."""

    reason = forms.CharField(
        label="Why does this duty not apply?",
        help_text=(
            "This is kept with your name and shown on the duty. For example, the victim "
            "asked not to be told about the investigation. Do not include personal details "
            "that are not needed."
        ),
        max_length=NOT_APPLICABLE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": messages.NOT_APPLICABLE_REASON_REQUIRED,
            "max_length": messages.NOT_APPLICABLE_REASON_TOO_LONG,
        },
    )

    def clean_reason(self) -> str:
        # Django strips by default; a reason of only spaces is no reason.
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(messages.NOT_APPLICABLE_REASON_REQUIRED)
        return reason
