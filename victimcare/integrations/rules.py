"""Placeholder; the permission policy lives in permissions_*.py (imported by AutodiscoverRulesConfig)."""

from . import permissions_feeds, permissions_tokens, permissions_uploads, permissions_webhooks  # noqa: F401
