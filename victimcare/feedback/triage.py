"""Safeguarding screen of feedback comments.

PLACEHOLDER: the triage helper replaces this module (issue 6, item 5).
Contract: `screen(text, language) -> Screen` (pure, no database).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Screen:
    categories: tuple[str, ...] = ()
    urgent: bool = False


def screen(text: str, language: str = "en") -> Screen:
    return Screen()
