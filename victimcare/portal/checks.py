"""`manage.py check` loads the support directory, so a broken file is found
before a victim opens /support/."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from .directory import ServiceDirectoryError, directory_load, directory_path


@register()
def support_directory_check(**kwargs: Any) -> list[CheckMessage]:
    try:
        directory_load(directory_path())
    except ServiceDirectoryError as exc:
        return [Error(str(exc), id="portal.E001", hint="Fix the support directory file.")]
    return []
