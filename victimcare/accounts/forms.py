"""Sign-in forms. They parse and check what was typed; the views decide what it means.

Error texts are constants so the tests can import them (GOV.UK error-message style).
"""

from __future__ import annotations

import re

from django import forms

EMAIL_REQUIRED = "Enter your email address"
EMAIL_INVALID = "Enter an email address in the correct format, like name@example.org"
PASSWORD_REQUIRED = "Enter your password"  # noqa: S105 (an error message, not a password)
# One message for every wrong credential: never say whether the email has an account.
CREDENTIALS_WRONG = "Enter a correct email address and password"
CODE_REQUIRED = "Enter the 6-digit code from your authenticator app"
CODE_FORMAT = "The code must be 6 digits, like 123456"
CODE_WRONG = "The code is not correct or has expired"

_SIX_DIGITS = re.compile(r"^\d{6}$")


class SignInForm(forms.Form):
    """Email address and password. The password is never rendered back."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={"required": EMAIL_REQUIRED, "invalid": EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=1024,
        error_messages={"required": PASSWORD_REQUIRED},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}, render_value=False),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def credentials_wrong(self) -> None:
        """Mark the submission as a failed sign-in (one generic error on the email field)."""
        self.add_error("email", CREDENTIALS_WRONG)


class CodeForm(forms.Form):
    """A 6-digit code from an authenticator app. Spaces are ignored."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        error_messages={"required": CODE_REQUIRED},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not _SIX_DIGITS.match(code):
            raise forms.ValidationError(CODE_FORMAT)
        return code

    def code_wrong(self) -> None:
        """Mark the code as wrong or expired."""
        self.add_error("code", CODE_WRONG)


# --- Step-up: "Confirm it's you" (accounts/stepup.py) ---------------------------------

PASSWORD_WRONG = "The password is not correct"  # noqa: S105 (an error message, not a password)


class StepUpForm(forms.Form):
    """The signed-in person's password and, if they have an authenticator app, a code."""

    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=1024,
        error_messages={"required": PASSWORD_REQUIRED},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}, render_value=False),
    )
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: object, needs_code: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.needs_code = needs_code
        if needs_code:
            self.fields["code"].required = True
            self.fields["code"].error_messages["required"] = CODE_REQUIRED
        else:
            del self.fields["code"]

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data.get("code") or "")
        if self.needs_code and not _SIX_DIGITS.match(code):
            raise forms.ValidationError(CODE_FORMAT)
        return code

    def password_wrong(self) -> None:
        self.add_error("password", PASSWORD_WRONG)

    def code_wrong(self) -> None:
        self.add_error("code", CODE_WRONG)
