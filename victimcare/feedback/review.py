"""What happens after a response arrives, and the review lists it feeds.

`response_followup` runs inside the response's transaction (services.response_store).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Response


def response_followup(*, response: Response, now: dt.datetime) -> None:
    """Screen the comments for safeguarding risk and put the response on the
    right review list (urgent, low rating, negative comment), tell the OIC's
    supervisor and the desk about urgent ones, and raise a desk task when the
    victim asked to be contacted back after a low rating.

    PLACEHOLDER: the review helper replaces this body (issue 6, item 5–7)."""
    return None
