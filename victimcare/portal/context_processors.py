"""What the other public pages need to link to the portal (a function, called
only by the templates that use it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .i18n import support_link, track_link
from .tracking import desk_panel


def portal_links(request: HttpRequest) -> dict[str, Any]:
    return {
        "support_link": support_link,
        "track_link": track_link,
        "track_desk_panel": desk_panel,
    }
