"""Probe one deployment (its own VICTIMCARE_VAR_DIR) and print one JSON line.

Used by test_deployment_isolation.py: each deployment is a separate process
with its own database and keys, exactly as two forces' deployments would be.
Probes print ids, statuses, ciphertexts and blind indexes, never decrypted
personal data.

    python tests/tenancy/probe.py hand-out              what this deployment gives out, checked at home
    python tests/tenancy/probe.py carry-in JSON         the other deployment's hand-out, tried here
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

PARTNER_ORG = "wcu-london-central"
PHONE = "+447700900123"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings

    from victimcare.accounts.models import Organisation
    from victimcare.api.services import token_create
    from victimcare.cases.models import Crime, Victim
    from victimcare.core.crypto import DecryptionError, blind_index

    # Pages are rendered without a collected static manifest (no `serve` here).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    host = {"HTTP_HOST": "127.0.0.1"}

    def api_status(token: str) -> int:
        response = Client().get("/api/v1/crimes/", HTTP_AUTHORIZATION=f"Bearer {token}", **host)
        return response.status_code

    def page(cookie: str, path: str) -> dict[str, Any]:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
        with override_settings(STORAGES=storages):
            response = client.get(path, **host)
        return {"status": response.status_code, "location": response.get("Location", "")}

    def first_victim_read() -> str:
        try:
            Victim.objects.order_by("pk").first().full_name  # noqa: B018 - the read is the test
        except DecryptionError:
            return "refused"
        return "decrypted"

    action = sys.argv[1]
    out: dict[str, Any] = {"index": blind_index(PHONE, kind="phone")}
    crime_id = Crime.objects.order_by("pk").values_list("pk", flat=True).first()
    if action == "hand-out":
        _, token = token_create(
            organisation=Organisation.objects.get(code=PARTNER_ORG), name="isolation"
        )
        client = Client()
        # The officer in charge of the first crime: it is on their worklist.
        client.force_login(Crime.objects.select_related("oic").get(pk=crime_id).oic)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        with connection.cursor() as cursor:
            cursor.execute("SELECT full_name FROM cases_victim ORDER BY id LIMIT 1")
            (ciphertext,) = cursor.fetchone()
        out.update(
            token=token,
            cookie=cookie,
            ciphertext=ciphertext,
            crime_id=crime_id,
            # The controls: what is handed out works at home.
            api_at_home=api_status(token),
            worklist_at_home=page(cookie, "/cases/mine/"),
            case_at_home=page(cookie, f"/cases/{crime_id}/"),
            read_at_home=first_victim_read(),
        )
    elif action == "carry-in":
        other = json.loads(sys.argv[2])
        out["api"] = api_status(other["token"])
        out["worklist"] = page(other["cookie"], "/cases/mine/")
        out["case"] = page(other["cookie"], f"/cases/{other['crime_id']}/")
        # The other force's ciphertext put into this database's first victim, as a
        # misdirected restore or copy would, then read back.
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM cases_victim ORDER BY id LIMIT 1")
            (victim_id,) = cursor.fetchone()
            cursor.execute(
                "UPDATE cases_victim SET full_name = %s WHERE id = %s",
                [other["ciphertext"], victim_id],
            )
        out["read_copied"] = first_victim_read()
    else:
        raise SystemExit(f"unknown probe {action}")
    print("PROBE " + json.dumps(out))


if __name__ == "__main__":
    main()
