"""Placeholder; the permission policy lives in permissions.py (imported by AutodiscoverRulesConfig)."""

from . import permissions  # noqa: F401
