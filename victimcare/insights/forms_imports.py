"""The survey upload form: which survey, and the CSV file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

MAX_UPLOAD_BYTES = 50 * 1024 * 1024

SURVEY_REQUIRED = "Enter the survey's short name, for example uss"
SURVEY_INVALID = (
    "The survey's short name must be 1 to 40 lower-case letters, digits, hyphens (-) "
    "or underscores (_), for example uss"
)
FILE_REQUIRED = "Select a CSV file"
FILE_EMPTY = "The selected file is empty"
FILE_TOO_BIG = "The selected file must be smaller than 50 MB"
FILE_NOT_CSV = "The selected file must be a CSV"


class SurveyUploadForm(forms.Form):
    survey = forms.RegexField(
        label="Survey",
        regex=r"^[a-z0-9_-]{1,40}$",
        max_length=40,
        help_text=(
            "A short name for the survey, in lower-case letters, for example uss for the "
            "User Satisfaction Survey. Use the same name for every file of the same survey: "
            "respondent ids must be unique within it."
        ),
        error_messages={
            "required": SURVEY_REQUIRED,
            "invalid": SURVEY_INVALID,
            "max_length": SURVEY_INVALID,
        },
    )
    file = forms.FileField(
        label="Upload a file",
        help_text="A CSV file in the survey import format, up to 50 MB.",
        error_messages={
            "required": FILE_REQUIRED,
            "empty": FILE_EMPTY,
            "invalid": FILE_REQUIRED,
            "missing": FILE_REQUIRED,
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survey"].widget.attrs["spellcheck"] = "false"

    def clean_survey(self) -> str:
        return str(self.cleaned_data["survey"]).strip()

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".csv"):
            raise forms.ValidationError(FILE_NOT_CSV)
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(FILE_TOO_BIG)
        return upload

    def content(self) -> bytes:
        upload: UploadedFile = self.cleaned_data["file"]
        return b"".join(upload.chunks())
