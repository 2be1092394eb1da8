"""Periodic jobs of partner integration (found by the scheduler's autodiscovery
of `jobs` modules): webhook sending (jobs_webhooks) and feed health (jobs_feeds)."""

from . import jobs_feeds, jobs_uploads, jobs_webhooks  # noqa: F401
