"""The bulk upload form: one CSV or JSON file of journey events."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from .bulk_check import MAX_BYTES
from .constants import UploadFormat

FILE_REQUIRED = "Select a CSV or JSON file"
FILE_EMPTY = "The selected file is empty"
FILE_TOO_BIG = "The selected file must be smaller than 10 MB"
FILE_WRONG_TYPE = "The selected file must be a CSV or JSON file"

FORMAT_BY_SUFFIX = {".csv": UploadFormat.CSV, ".json": UploadFormat.JSON}


class EventUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        help_text="A CSV or JSON file of events in the bulk upload format, up to 10 MB.",
        error_messages={
            "required": FILE_REQUIRED,
            "empty": FILE_EMPTY,
            "invalid": FILE_REQUIRED,
            "missing": FILE_REQUIRED,
        },
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not any(name.endswith(suffix) for suffix in FORMAT_BY_SUFFIX):
            raise forms.ValidationError(FILE_WRONG_TYPE)
        if (upload.size or 0) > MAX_BYTES:
            raise forms.ValidationError(FILE_TOO_BIG)
        return upload

    def upload_format(self) -> str:
        name = (self.cleaned_data["file"].name or "").lower()
        return next(f for suffix, f in FORMAT_BY_SUFFIX.items() if name.endswith(suffix))

    def content(self) -> bytes:
        upload: UploadedFile = self.cleaned_data["file"]
        return b"".join(upload.chunks())
