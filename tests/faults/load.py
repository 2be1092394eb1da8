"""A small mixed workload for the fault tests, in threads.

- an officer (signed in with the demo password) reading case pages;
- a partner system posting journey events through the API, each with an
  Idempotency-Key, retrying the same key until it is acknowledged (as a
  partner's outbox would);
- victims posting the public feedback form, retrying the same link.

Every answer is counted by kind and status; every acknowledged write is kept
(the key and the event id, the invitation id) for the checks afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from victimcare.demo.constants import DEMO_PASSWORD

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = 10.0
PAUSE = 0.05  # between one thread's requests: a steady trickle, not a flood
VICTIM_PAUSE = 0.5  # feedback links are used up: a slower trickle


@dataclass
class Answer:
    kind: str
    status: int | None  # None: no answer (refused, reset or timed out)
    at: float
    detail: str = ""


@dataclass
class Load:
    url: str
    seed: dict[str, Any]
    token: str
    tag: str
    links: list[dict[str, Any]] = field(default_factory=list)  # this load's feedback links
    answers: list[Answer] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=dict)  # Idempotency-Key -> event id
    attempted_keys: set[str] = field(default_factory=set)
    responses: list[int] = field(default_factory=list)  # invitation ids answered
    stopping: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Load:
        for name, target in (
            ("officer", self._officer),
            ("partner", self._partner),
            ("victim", self._victim),
        ):
            thread = threading.Thread(target=target, name=f"load-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT + 5)

    # --- what happened -------------------------------------------------------

    def record(self, kind: str, status: int | None, detail: str = "") -> None:
        with self._lock:
            self.answers.append(Answer(kind, status, time.monotonic(), detail[:300]))

    def statuses(self, since: float = 0.0, until: float = float("inf")) -> Counter[tuple[str, Any]]:
        with self._lock:
            return Counter((a.kind, a.status) for a in self.answers if since <= a.at <= until)

    def count(self, status: int | None, since: float = 0.0, until: float = float("inf")) -> int:
        return sum(n for (_, s), n in self.statuses(since, until).items() if s == status)

    def server_errors(self) -> list[Answer]:
        """Answers with a 5xx other than 503: each one is a defect."""
        with self._lock:
            return [
                a
                for a in self.answers
                if a.status is not None and a.status >= 500 and a.status != 503
            ]

    def successes(self, since: float = 0.0) -> int:
        return sum(n for (_, s), n in self.statuses(since).items() if s is not None and s < 400)

    def wait_for_successes(self, n: int, seconds: float) -> None:
        """Wait until `n` more requests succeed than have so far."""
        from .harness import wait_for

        target = self.successes() + n
        wait_for(f"{n} successful requests", lambda: self.successes() >= target, seconds)

    # --- the three users -----------------------------------------------------

    def _get(self, client: httpx.Client, kind: str, path: str) -> httpx.Response | None:
        try:
            response = client.get(path)
        except httpx.HTTPError as exc:
            self.record(kind, None, type(exc).__name__)
            return None
        self.record(
            kind, response.status_code, response.text if response.status_code >= 500 else ""
        )
        return response

    def _post(
        self, client: httpx.Client, kind: str, path: str, **kwargs: Any
    ) -> httpx.Response | None:
        try:
            response = client.post(path, **kwargs)
        except httpx.HTTPError as exc:
            self.record(kind, None, type(exc).__name__)
            return None
        self.record(
            kind, response.status_code, response.text if response.status_code >= 500 else ""
        )
        return response

    def _sign_in(self, client: httpx.Client) -> bool:
        page = self._get(client, "sign-in", "/sign-in/")
        if page is None or page.status_code != 200 or not (m := _CSRF.search(page.text)):
            return False
        done = self._post(
            client,
            "sign-in",
            "/sign-in/",
            data={
                "email": self.seed["officer"],
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": m.group(1),
            },
            headers={"Referer": f"{self.url}/sign-in/"},
        )
        return done is not None and done.status_code == 302

    def _officer(self) -> None:
        pages = self.seed["pages"]
        with httpx.Client(base_url=self.url, timeout=TIMEOUT) as client:
            signed_in = False
            n = 0
            while not self.stopping.is_set():
                if not signed_in:
                    signed_in = self._sign_in(client)
                else:
                    response = self._get(client, "case-page", f"/cases/{pages[n % len(pages)]}/")
                    n += 1
                    if response is not None and response.status_code == 302:
                        signed_in = False  # the session was lost: sign in again
                self.stopping.wait(PAUSE)

    def _partner(self) -> None:
        targets = self.seed["targets"]
        n = 0
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, timeout=TIMEOUT, headers=headers) as client:
            body: dict[str, Any] = {}
            while not self.stopping.is_set():
                target = targets[n % len(targets)]
                key = f"{self.tag}-{n}"
                crn = urllib.parse.quote(target["crn"], safe="")
                if not body:  # a retry sends the very same request
                    body = {
                        "code": self.seed["event_code"],
                        "occurred_at": (
                            dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
                        ).isoformat(),
                        "victim": target["victim"],
                    }
                with self._lock:
                    self.attempted_keys.add(key)
                response = self._post(
                    client,
                    "event-post",
                    f"/api/v1/crimes/{crn}/events/",
                    json=body,
                    headers={"Idempotency-Key": key},
                )
                if response is not None and response.status_code in (200, 201):
                    with self._lock:
                        self.events[key] = int(response.json()["id"])
                    n += 1  # acknowledged: on to the next; otherwise retry this key
                    body = {}
                self.stopping.wait(PAUSE)

    def _victim(self) -> None:
        tokens = list(self.links)
        with httpx.Client(base_url=self.url, timeout=TIMEOUT) as client:
            while tokens and not self.stopping.is_set():
                link = tokens[0]
                path = f"/f/{link['token']}/"
                page = self._get(client, "feedback-form", path)
                if page is not None and page.status_code == 404:
                    tokens.pop(0)  # used: an earlier post whose answer was lost was stored
                    continue
                if page is not None and page.status_code == 200 and (m := _CSRF.search(page.text)):
                    if 'name="rating"' not in page.text:
                        tokens.pop(0)  # used already (an earlier post was stored)
                        continue
                    done = self._post(
                        client,
                        "feedback-post",
                        path,
                        data={
                            "rating": "4",
                            "went_well": "Explained what happens next.",
                            "csrfmiddlewaretoken": m.group(1),
                        },
                        headers={"Referer": f"{self.url}{path}"},
                    )
                    if (
                        done is not None
                        and done.status_code == 200
                        and 'name="rating"' not in done.text
                    ):
                        with self._lock:
                            self.responses.append(int(link["invitation"]))
                        tokens.pop(0)
                self.stopping.wait(VICTIM_PAUSE)


@contextlib.contextmanager
def running(load: Load):  # type: ignore[no-untyped-def]
    load.start()
    try:
        yield load
    finally:
        load.stop()
