"""The load test's simulated people and systems (locust 2.x, FastHttpUser).

Who is simulated (every request type of benchmarks/load/model.py):
- `Officer`: signs in once (email and password; the demo accounts have no second
  factor), then opens their worklist (/duties/) and the case pages of their own
  crimes, one worklist view for every two case pages;
- `DeskAgent`: a Victim Focus Desk agent, signs in once, then searches by crime
  reference (the POST of the search form and the results page it redirects to);
- `Victim`: opens a feedback link with a real single-use token prepared in the
  database (GET), then rates the contact (POST); a fresh token, and a fresh client
  address, each time;
- `PoliceSystem` / `PartnerSystem`: a police records system and a Witness Care
  Unit's case system, each with its own API token, POST journey events
  (suspect arrested; hearing changed) with a fresh Idempotency-Key each. Each
  event owes the victim an update, so each queues one message that the workers
  send to the Notify stub.

Pacing is constant throughput with random (exponential) gaps: each user of a
class aims at `rate(class) × MULTIPLE / users(class)` iterations a second, never
catching up after a slow response by more than one gap (so a slow server shows
as a lower achieved rate and longer response times, not as a burst). MULTIPLE is
the multiple of London's peak; the runner (benchmarks/load/run.py) changes it
between phases.

The fixture (JSON, path in LOAD_FIXTURE) holds the accounts, crime ids, crime
references, API token secrets and feedback tokens; `load_bench` writes it.
It can also be run with the locust command line:

    LOAD_FIXTURE=var/load/fixture.json LOAD_MULTIPLE=10 \\
      .venv/bin/locust -f benchmarks/load/locustfile.py --headless -H http://127.0.0.1:8710 …
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from locust import FastHttpUser, events, task

from benchmarks.load import model

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class State:
    """What the runner changes while users run, and what users share."""

    multiple: float = float(os.environ.get("LOAD_MULTIPLE", str(model.TARGET_MULTIPLE)))
    fixture: dict[str, Any] = {}
    signed_in = 0
    sign_in_failures = 0
    idle_closes = 0
    feedback_tokens: Any = iter(())
    counters: dict[str, Any] = {}


def load_fixture(path: str | os.PathLike[str]) -> None:
    State.fixture = json.loads(Path(path).read_text())
    State.feedback_tokens = iter(State.fixture["feedback_tokens"])
    State.counters = {name: itertools.count() for name in ("officer", "desk", "police", "partner")}


if os.environ.get("LOAD_FIXTURE"):
    load_fixture(os.environ["LOAD_FIXTURE"])


def _rate(names: tuple[str, ...]) -> float:
    per_second = model.rates(State.multiple)
    return sum(per_second[n] for n in names)


def _problem(status: int) -> str:
    if status == 0:
        return "no answer (the connection failed, or the client's timeout passed)"
    return f"answered {status}"


def _address(n: int, base: int) -> str:
    # 100.64.0.0/10 (carrier-grade NAT space): plausible client addresses, none real.
    n = base + n
    return f"100.{64 + (n >> 16) % 64}.{(n >> 8) % 256}.{n % 256}"


class Paced(FastHttpUser):
    """A user whose iterations arrive at its share of its request types' rate."""

    abstract = True
    rate_names: tuple[str, ...] = ()
    insecure = True
    connection_timeout = 30.0
    network_timeout = 30.0

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self._next = 0.0

    def wait_time(self) -> float:
        users = max(1, self.fixed_count)
        rate = _rate(self.rate_names) / users
        if rate <= 0:
            return 1.0
        now = time.monotonic()
        # Next start: an exponential gap after the previous start; if that has
        # passed (the last iteration was slow), start now without a backlog.
        self._next = max(self._next + random.expovariate(rate), now)  # noqa: S311 - pacing
        gap = self._next - now
        if gap > model.CLIENT_IDLE_SECONDS:
            # A browser or an API client does not keep a connection open across a
            # long pause, and must not: the server (gunicorn's keep-alive, 2 s)
            # closes idle connections, and a POST sent on one it has just closed
            # fails and is not re-sent. Start the next iteration on a new one.
            self.client.client.close()
            State.idle_closes += 1
        return gap

    def on_start(self) -> None:
        # Spread first arrivals over one gap so users do not start in step.
        rate = _rate(self.rate_names) / max(1, self.fixed_count)
        self._next = time.monotonic() + (random.random() / rate if rate > 0 else 0)  # noqa: S311


class StaffUser(Paced):
    abstract = True
    kind = ""

    def sign_in(self, email: str, *, attempts: int = 20) -> bool:
        """Sign in (a few tries: under overload the form or its POST may time out)."""
        for _ in range(attempts):
            if self._sign_in_once(email):
                State.signed_in += 1
                return True
            time.sleep(5)
        State.sign_in_failures += 1
        return False

    def _sign_in_once(self, email: str) -> bool:
        form = self.client.get("/sign-in/", name="sign-in: form")
        token = CSRF.search(form.content or b"")
        if form.status_code != 200 or token is None:
            return False
        with self.client.post(
            "/sign-in/",
            data=urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1).decode(),
                    "email": email,
                    "password": State.fixture["password"],
                }
            ),
            headers=FORM,
            name="sign-in: submit",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            location = answer.headers.get("Location", "") if answer.headers else ""
            if answer.status_code != 302 or "sign-in" in location:
                answer.failure(_problem(answer.status_code))
                return False
        return True

    def page(self, path: str, name: str) -> bytes:
        """GET a staff page; anything but 200 (a redirect to sign in, too) is an error."""
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(_problem(r.status_code))
                return b""
            return r.content or b""


class Officer(StaffUser):
    """An officer: worklist and case pages of their own crimes."""

    fixed_count = model.USERS["Officer"]
    rate_names = ("officer worklist", "officer case page")

    def on_start(self) -> None:
        officers = State.fixture["officers"]
        me = officers[next(State.counters["officer"]) % len(officers)]
        self.crimes = me["crimes"]
        self.sign_in(me["email"])
        super().on_start()

    @task(1)
    def worklist(self) -> None:
        self.page("/duties/", "officer worklist")

    @task(2)
    def case_page(self) -> None:
        crime = random.choice(self.crimes)  # noqa: S311 - load, not security
        self.page(f"/cases/{crime}/", "officer case page")


class DeskAgent(StaffUser):
    """A Victim Focus Desk agent: a victim rings and gives a crime reference."""

    fixed_count = model.USERS["DeskAgent"]
    rate_names = ("desk search",)

    def on_start(self) -> None:
        agents = State.fixture["desk_agents"]
        email = agents[next(State.counters["desk"]) % len(agents)]
        self.sign_in(email)
        self.csrf = ""
        super().on_start()

    @task
    def search(self) -> None:
        if not self.csrf:
            token = CSRF.search(self.page("/desk/", "desk search: page"))
            if token is None:
                return
            self.csrf = token.group(1).decode()
        crn = random.choice(State.fixture["desk_crns"])  # noqa: S311
        with self.client.post(
            "/desk/",
            data=urlencode(
                {
                    "csrfmiddlewaretoken": self.csrf,
                    "crn": crn,
                    "purpose": "Load test: the victim rang the desk",
                }
            ),
            headers=FORM,
            name="desk search: submit",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            location = answer.headers.get("Location", "") if answer.headers else ""
            if answer.status_code != 302 or "search=" not in location:
                answer.failure(_problem(answer.status_code))
                self.csrf = "" if answer.status_code == 403 else self.csrf
                return
        with self.client.get(
            location, name="desk search: results", allow_redirects=False, catch_response=True
        ) as results:
            content = results.content or b""
            if results.status_code != 200:
                results.failure(_problem(results.status_code))
            elif b'id="results-heading">0 ' in content:
                results.failure("the desk search found nobody")
            elif b'id="results-heading"' not in content:
                results.failure("no results on the desk search page")


class Victim(Paced):
    """A victim who opens the feedback link and rates the contact."""

    fixed_count = model.USERS["Victim"]
    rate_names = ("feedback submission",)
    serial = itertools.count()

    @task
    def give_feedback(self) -> None:
        token = next(State.feedback_tokens, None)
        if token is None:
            events.request.fire(
                request_type="POST",
                name="feedback: submit",
                response_time=0,
                response_length=0,
                exception=RuntimeError("no feedback tokens left in the fixture"),
                context={},
            )
            return
        # A new person each time: a fresh cookie jar and client address.
        self.client.cookiejar.clear()
        headers = {"X-Forwarded-For": _address(next(self.serial), base=1)}
        form = self.client.get(f"/f/{token}/", headers=headers, name="feedback: form")
        csrf = CSRF.search(form.content or b"")
        if form.status_code != 200 or csrf is None:
            return
        with self.client.post(
            f"/f/{token}/?lang=en",
            data=urlencode(
                {
                    "csrfmiddlewaretoken": csrf.group(1).decode(),
                    "rating": str(random.choice((3, 4, 4, 5, 5))),  # noqa: S311
                }
            ),
            headers={**FORM, **headers},
            name="feedback: submit",
            catch_response=True,
        ) as answer:
            if answer.status_code == 200 and b"govuk-panel" not in (answer.content or b""):
                answer.failure("the feedback was not stored (no thank-you page)")


class ApiSystem(Paced):
    abstract = True
    pool = ""

    def on_start(self) -> None:
        systems = State.fixture[self.pool]
        me = systems[next(State.counters[self.pool.split("_")[0]]) % len(systems)]
        self.auth = {"Authorization": f"Bearer {me['secret']}"}
        self.crns = me["crns"]
        super().on_start()

    def post_event(self, name: str, body: dict[str, Any]) -> None:
        crn = random.choice(self.crns)  # noqa: S311
        headers = {**self.auth, "Idempotency-Key": f"load-{uuid.uuid4()}"}
        self.client.post(
            f"/api/v1/crimes/{quote(crn, safe='')}/events/", json=body, headers=headers, name=name
        )


class PoliceSystem(ApiSystem):
    """A police records system posting arrests on its team's crimes."""

    fixed_count = model.USERS["PoliceSystem"]
    rate_names = ("police system event post",)
    pool = "police_systems"

    @task
    def arrest(self) -> None:
        occurred = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
        self.post_event(
            "police system event post",
            {"code": "suspect_arrested", "occurred_at": occurred.isoformat()},
        )


class PartnerSystem(ApiSystem):
    """A Witness Care Unit's case system posting hearing changes on shared crimes."""

    fixed_count = model.USERS["PartnerSystem"]
    rate_names = ("partner system event post",)
    pool = "partner_systems"

    @task
    def hearing_changed(self) -> None:
        now = dt.datetime.now(dt.UTC)
        self.post_event(
            "partner system event post",
            {
                "code": "hearing_changed",
                "occurred_at": (now - dt.timedelta(minutes=10)).isoformat(),
                "details": {
                    "hearing_at": (now + dt.timedelta(days=random.randint(14, 90))).isoformat(),  # noqa: S311
                    "court": "Example Magistrates' Court",
                },
            },
        )


USER_CLASSES = [Officer, DeskAgent, Victim, PoliceSystem, PartnerSystem]
