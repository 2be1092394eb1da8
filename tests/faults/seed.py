"""What the fault tests' load needs from the demo data, printed as JSON.

Run in the service's environment after `victimcare demo` and `victimcare token
create --name faults`:  python -m tests.faults.seed --invitations N

- `pages`: crimes the demo officer may open (their case pages are read);
- `targets`: crimes (CRN and a victim who takes texts, emails or letters) on
  which the partner token may record the event the load posts, which creates a
  duty for that victim and queues a message to them;
- `tokens`: fresh feedback invitations (the public page's links), each with
  its invitation id, so the checks can find the response it stored.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

# VCOP Right 6: a duty to inform each victim, and a message template for it.
EVENT_CODE = "suspect_arrested"
TOKEN_NAME = "faults"
OFFICER_EMAIL = "officer@example.org"
CHANNELS = ("sms", "email", "letter")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=50)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from victimcare.accounts.models import User
    from victimcare.api.models import ApiToken
    from victimcare.cases.models import Crime, CrimeVictim
    from victimcare.cases.permissions import recordable_event_codes
    from victimcare.feedback.constants import InvitationChannel
    from victimcare.feedback.services import invitation_create

    officer = User.objects.get(email=OFFICER_EMAIL)
    partner = ApiToken.objects.filter(name=TOKEN_NAME).latest("created_at").user
    pages: list[int] = []
    targets: list[dict[str, object]] = []
    for crime in Crime.objects.order_by("pk"):
        if officer.has_perm("cases.view_crime", crime):
            pages.append(crime.pk)
        if EVENT_CODE in recordable_event_codes(user=partner, crime=crime):
            links = CrimeVictim.objects.filter(crime=crime).select_related("victim")
            # A victim who takes texts, emails or letters: the event queues a message.
            link = next(
                (v for v in links.order_by("pk") if v.victim.preferred_channel in CHANNELS), None
            )
            if link is not None:
                targets.append({"crn": crime.crn, "victim": link.victim_id})
    tokens = []
    for _ in range(options.invitations):
        invitation, token = invitation_create(officer=officer, channel=InvitationChannel.CARD)
        tokens.append({"token": token, "invitation": invitation.pk})
    json.dump(
        {
            "officer": OFFICER_EMAIL,
            "event_code": EVENT_CODE,
            "pages": pages[:50],
            "targets": targets,
            "tokens": tokens,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
