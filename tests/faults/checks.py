"""What must hold after every fault: the service came back by itself, nothing a
user was told was saved is missing or doubled, nothing is half-written, every
message is settled and went to the provider at most once, and the audit chain
verifies. Read straight from the private cluster with SQL (the service's own
code is what is under test)."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import httpx

from .conftest import LEASE_SECONDS, Rig
from .harness import connect, wait_for
from .load import Load

RECOVERY_SECONDS = 60
DRAIN_SECONDS = 90
SETTLED = ("sent", "delivered", "cancelled", "needs_attention", "permanent_failure")


def assert_no_server_errors(load: Load) -> None:
    """No 500 (or 502/504) anywhere: a database outage answers 503."""
    errors = load.server_errors()
    assert not errors, f"{len(errors)} server errors, e.g. {errors[:3]}"


def assert_retries_answered(load: Load) -> None:
    """A retried event POST (same key, same body) is answered with the stored
    event, never refused as a conflict."""
    conflicts = load.statuses()[("event-post", 409)]
    assert conflicts == 0, f"{conflicts} retries of an event were refused as conflicts"


def assert_recovered(rig: Rig) -> None:
    """/readyz answers 200 again, and a new write succeeds, within the deadline."""
    wait_for(
        "/readyz to answer 200", lambda: rig.service.status("/readyz") == 200, RECOVERY_SECONDS
    )
    target = rig.seed["targets"][0]
    key = f"recovered-{uuid.uuid4().hex[:12]}"
    body = {
        "code": rig.seed["event_code"],
        "occurred_at": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat(),
        "victim": target["victim"],
    }
    crn = httpx.URL(f"/{target['crn']}").path.lstrip("/").replace("/", "%2F")
    statuses = []

    def write_succeeds() -> bool:
        try:
            response = httpx.post(
                f"{rig.service.url}/api/v1/crimes/{crn}/events/",
                json=body,
                headers={"Authorization": f"Bearer {rig.token}", "Idempotency-Key": key},
                timeout=10,
            )
        except httpx.HTTPError as exc:
            statuses.append(type(exc).__name__)
            return False
        statuses.append(response.status_code)
        return response.status_code in (200, 201)

    wait_for(
        f"a new write to succeed (answers: {statuses[-5:]})",
        write_succeeds,
        RECOVERY_SECONDS,
        every=1,
    )


def stuck_messages(rig: Rig) -> int:
    """Rows claimed (or mid-send) whose lease ran out more than a lease ago."""
    with connect(rig.db_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM messaging_outboundmessage WHERE status IN ('claimed', 'sending')"
            " AND lease_until < now() - make_interval(secs => %s)",
            [LEASE_SECONDS * 3],
        ).fetchone()
    return int(row[0]) if row else 0


def unsettled_messages(rig: Rig) -> dict[str, int]:
    with connect(rig.db_url) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM messaging_outboundmessage"
            " WHERE status <> ALL(%s) GROUP BY status",
            [list(SETTLED)],
        ).fetchall()
    return {status: n for status, n in rows}


def assert_messages_settled(rig: Rig) -> None:
    """Every message reaches a settled state (sent, delivered, or stopped for a
    person); none was accepted by the provider twice; none reached it without a row."""
    last: dict[str, int] = {}

    def settled() -> bool:
        nonlocal last
        last = unsettled_messages(rig)
        return not last

    try:
        wait_for("every message to settle", settled, DRAIN_SECONDS, every=0.5)
    except AssertionError as exc:
        raise AssertionError(
            f"{exc}: unsettled {last}, stuck past lease {stuck_messages(rig)}\n{rig.service.logs(2000)}"
        ) from None
    with connect(rig.db_url) as conn:
        sent = {
            str(pk)
            for (pk,) in conn.execute(
                "SELECT id FROM messaging_outboundmessage WHERE status IN ('sent', 'delivered')"
            )
        }
        known = {str(pk) for (pk,) in conn.execute("SELECT id FROM messaging_outboundmessage")}
    with rig.stub.state.lock:
        accepted = dict(rig.stub.state.accepted)
    doubled = {ref: n for ref, n in accepted.items() if n > 1}
    assert not doubled, f"the provider accepted {len(doubled)} references more than once"
    orphans = set(accepted) - known
    assert not orphans, f"{len(orphans)} provider receipts without an outbox row"
    unsent = [ref for ref in sent if accepted.get(ref, 0) != 1]
    assert not unsent, f"{len(unsent)} messages marked sent that the provider never accepted"


def assert_writes_kept(rig: Rig, load: Load) -> None:
    """Every acknowledged event is stored exactly once with its duties; every
    event the load's keys created (acknowledged or not) has its duties (nothing
    half-written); every acknowledged feedback response is stored."""
    with connect(rig.db_url) as conn:
        rows = conn.execute(
            "SELECT e.idempotency_key, e.id, count(d.id) FROM cases_journeyevent e"
            " LEFT JOIN duties_duty d ON d.event_id = e.id"
            " WHERE e.idempotency_key LIKE %s GROUP BY e.idempotency_key, e.id",
            [f"{load.tag}-%"],
        ).fetchall()
        stored: dict[str, list[tuple[int, int]]] = {}
        for key, event_id, duties in rows:
            stored.setdefault(key, []).append((event_id, duties))
        answered = {
            inv
            for (inv,) in conn.execute(
                "SELECT invitation_id FROM feedback_response WHERE invitation_id = ANY(%s)",
                [load.responses],
            )
        }
    assert load.events, "the load had events acknowledged"
    for key, event_id in load.events.items():
        assert stored.get(key) == [(event_id, stored[key][0][1])], (
            f"event {key} stored as {stored.get(key)}"
        )
    doubled = {k: v for k, v in stored.items() if len(v) != 1}
    assert not doubled, f"events stored twice: {doubled}"
    strays = set(stored) - load.attempted_keys
    assert not strays, f"events nobody posted: {strays}"
    half = {k: v for k, v in stored.items() if v[0][1] == 0}
    assert not half, f"events stored without their duties: {half}"
    missing = set(load.responses) - answered
    assert not missing, f"{len(missing)} acknowledged feedback responses are missing"


def assert_audit_verifies(rig: Rig) -> None:
    result = rig.service.run("audit", "verify", check=False)
    assert result.returncode == 0, (
        f"audit verify failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    )


def assert_all_hold(rig: Rig, load: Load) -> None:
    """The checks every scenario ends with, in order (and a summary line for the record)."""
    answers = ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(load.statuses().items(), key=str))
    print(  # noqa: T201 - the record benchmarks/results/faults.md quotes
        f"\n[{load.tag}] events acknowledged {len(load.events)}, feedback stored"
        f" {len(load.responses)}, messages {sum(unsettled_messages(rig).values())} unsettled"
        f" before the drain; answers: {answers}"
    )
    assert_no_server_errors(load)
    assert_retries_answered(load)
    assert_recovered(rig)
    assert_writes_kept(rig, load)
    assert_messages_settled(rig)
    assert_audit_verifies(rig)


def pause_until(seconds: float) -> float:
    """A monotonic deadline `seconds` from now."""
    return time.monotonic() + seconds
