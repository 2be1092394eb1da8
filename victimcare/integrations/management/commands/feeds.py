"""`victimcare feeds check|list`: partner feed health, for operators.

`check` runs the feed-health sweep now (the same as the 15-minute periodic
job) and prints one line per outage it opened. `list` prints every feed with
its status, rhythm and when it was last heard. No personal data: feed names,
organisation names and counts only.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from victimcare.integrations.feeds import feed_status, rhythm_text, when_text
from victimcare.integrations.feeds_sweep import feeds_sweep
from victimcare.integrations.models import Feed

NOTHING_SILENT = "No feed has newly gone quiet."
OPENED = "Feed {feed} ({name}): quiet since {since}; {flagged} cases flagged."
NO_FEEDS = "There are no partner feeds."


class Command(BaseCommand):
    help = "Check partner feeds for silence now, or list them with their status."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="Run the feed-health sweep now.")
        sub.add_parser("list", help="List the feeds with their status.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "check":
            self._check()
        else:
            self._list()

    def _check(self) -> None:
        opened = feeds_sweep()
        if not opened:
            self.stdout.write(NOTHING_SILENT)
        for outage in opened:
            self.stdout.write(
                OPENED.format(
                    feed=outage.feed_id,
                    name=outage.feed.name,
                    since=when_text(outage.silent_since),
                    flagged=outage.cases_flagged,
                )
            )

    def _list(self) -> None:
        now = timezone.now()
        feeds = Feed.objects.select_related("organisation").order_by("organisation__name", "pk")
        if not feeds:
            self.stdout.write(NO_FEEDS)
        for feed in feeds:
            self.stdout.write(
                "\t".join(
                    [
                        str(feed.pk),
                        feed.organisation.name,
                        feed.name,
                        feed_status(feed, now=now),
                        rhythm_text(feed),
                        f"last heard: {when_text(feed.last_received_at)}",
                    ]
                )
            )
