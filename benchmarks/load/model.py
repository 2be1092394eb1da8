"""The workload model: London's peak hour, request by request, from published figures.

Every number below is either a figure from the issue or /work/shared/domain/london.md
(marked "source") or an assumption (marked "assumed", with its reason). Change
an assumption here and the load test and its report follow.

The unit is the *crime*: a recorded crime brings, over its life, a number of
officer page views, partner events, messages and feedback. In a steady state
the activity on all open crimes in a day equals the activity that one day's
new crimes will bring over their lives, so requests per peak hour =
crimes per day × per-crime count × the peak hour's share of the day.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Figures (source) -------------------------------------------------------------------

LONDON_CRIMES_PER_YEAR = 950_000  # source: issue 11 ("about 950,000 recorded crimes a year")
NATIONAL_CRIMES_PER_YEAR = 6_600_000  # source: issue 11 (England and Wales)
DESK_BUDGET_POUNDS = 3_000_000  # source: london.md (Victim Focus Desk, MOPAC, a year)

# --- Assumptions ----------------------------------------------------------------------------

# assumed: the busiest day of the year has 1.25 × the average day's crimes (summer
# weekends and Fridays; police.uk monthly series vary about ±20 % around the mean).
BUSIEST_DAY_FACTOR = 1.25
# assumed: staff work (worklists, case pages, partner systems' feeds) is spread over
# a ~14-hour working day; its busiest hour carries 10 % of the day (1.4 × the mean).
STAFF_PEAK_HOUR_SHARE = 0.10
# assumed: victims answer feedback after work; the busiest evening hour has 12 %.
FEEDBACK_PEAK_HOUR_SHARE = 0.12

# Per crime, over its life (assumed; the demo's journeys have ~7.7 events a crime):
CASE_PAGE_VIEWS_PER_CRIME = 20  # the officer in the case, supervisor reviews, others, each event
WORKLIST_VIEWS_PER_CRIME = 10  # about one worklist view for every two case-page views
# Partner systems' event posts through the API: police records systems post about
# two per crime (arrest, interview, bail/RUI/NFA outcome) and Witness Care Units,
# courts, CPS and probation about one per crime on average (~20 % of crimes are
# charged, with ~5 court events each).
POLICE_API_EVENTS_PER_CRIME = 2
PARTNER_API_EVENTS_PER_CRIME = 1
# Feedback: an officer attends about 60 % of crimes and each attended victim is
# invited (QR code, text or email); 15 % answer (the pilot's take-up, assumed).
FEEDBACK_INVITED_SHARE = 0.60
FEEDBACK_RESPONSE_RATE = 0.15
# Victim Focus Desk: £3m a year at ~£45,000 a fully loaded agent is ~65 agents
# (assumed cost); about 25 are on the phones in the busiest hour and each takes
# ~10 calls an hour, one search each.
DESK_COST_PER_AGENT = 45_000
DESK_AGENTS_AT_PEAK = 25
DESK_SEARCHES_PER_AGENT_HOUR = 10
# Messages to victims: every police and partner event the load test posts owes the
# victim an update (Victims' Code Rights 6 and 8: arrest, charge, bail, hearings),
# so each event post queues one message (the test picks crimes whose victim wants
# texts or emails), which drains through the outbox to the Notify stub.
MESSAGES_PER_API_EVENT = 1

# Simulated users per class (benchmarks/load/locustfile.py). Each keeps its share of
# the 10× London rate with responses well under a second; at the top of the ramp a
# slow server makes them fall behind (a lower achieved rate: the knee), and the
# number of requests in flight stays bounded by the user count. Officers and desk
# agents sign in once each (a deliberately slow password hash).
USERS = {"Officer": 40, "DeskAgent": 6, "Victim": 3, "PoliceSystem": 4, "PartnerSystem": 2}

# assumed: a client that will not send again within this many seconds closes its
# connection first, as browsers and HTTP client pools do with idle connections.
# It must be below the server's keep-alive (gunicorn's 2 s): a request sent on a
# connection the server is closing at that moment fails, and a POST is not re-sent.
CLIENT_IDLE_SECONDS = 1.0

# Multiples of London's peak the load test runs.
TARGET_MULTIPLE = 10  # issue 11: "10× the London peak"
NATIONAL_FACTOR = NATIONAL_CRIMES_PER_YEAR / LONDON_CRIMES_PER_YEAR  # ≈ 6.95


@dataclass(frozen=True)
class RequestType:
    """One kind of request in the mix and its rate at 1× London's peak hour."""

    name: str
    per_hour: float
    derivation: str

    @property
    def per_second(self) -> float:
        return self.per_hour / 3600


def peak_day_crimes() -> float:
    return LONDON_CRIMES_PER_YEAR / 365 * BUSIEST_DAY_FACTOR


def london_peak() -> list[RequestType]:
    """Each request type's rate in London's peak hour (1×)."""
    day = peak_day_crimes()
    staff = day * STAFF_PEAK_HOUR_SHARE  # crimes' worth of staff activity in the peak hour
    day_txt = f"{LONDON_CRIMES_PER_YEAR:,}/365 × {BUSIEST_DAY_FACTOR} = {day:,.0f} crimes/day"
    return [
        RequestType(
            "officer worklist",
            staff * WORKLIST_VIEWS_PER_CRIME,
            f"{day_txt} × {STAFF_PEAK_HOUR_SHARE:.0%} in the peak hour × "
            f"{WORKLIST_VIEWS_PER_CRIME} views per crime",
        ),
        RequestType(
            "officer case page",
            staff * CASE_PAGE_VIEWS_PER_CRIME,
            f"same × {CASE_PAGE_VIEWS_PER_CRIME} views per crime",
        ),
        RequestType(
            "desk search",
            DESK_AGENTS_AT_PEAK * DESK_SEARCHES_PER_AGENT_HOUR,
            f"£{DESK_BUDGET_POUNDS:,} ÷ £{DESK_COST_PER_AGENT:,} ≈ "
            f"{DESK_BUDGET_POUNDS // DESK_COST_PER_AGENT} agents; {DESK_AGENTS_AT_PEAK} on the "
            f"phones at peak × {DESK_SEARCHES_PER_AGENT_HOUR} searches an hour",
        ),
        RequestType(
            "feedback submission",
            day * FEEDBACK_INVITED_SHARE * FEEDBACK_RESPONSE_RATE * FEEDBACK_PEAK_HOUR_SHARE,
            f"{day:,.0f} crimes/day × {FEEDBACK_INVITED_SHARE:.0%} invited × "
            f"{FEEDBACK_RESPONSE_RATE:.0%} answer × {FEEDBACK_PEAK_HOUR_SHARE:.0%} in the "
            f"busiest evening hour",
        ),
        RequestType(
            "police system event post",
            staff * POLICE_API_EVENTS_PER_CRIME,
            f"crimes in the staff peak hour × {POLICE_API_EVENTS_PER_CRIME} per crime",
        ),
        RequestType(
            "partner system event post",
            staff * PARTNER_API_EVENTS_PER_CRIME,
            f"crimes in the staff peak hour × {PARTNER_API_EVENTS_PER_CRIME} per crime",
        ),
    ]


def messages_per_hour() -> float:
    """Messages queued per hour at 1× (one per event post)."""
    return (
        sum(t.per_hour for t in london_peak() if t.name.endswith("event post"))
        * MESSAGES_PER_API_EVENT
    )


def rates(multiple: float) -> dict[str, float]:
    """Requests per second per type at `multiple` × London's peak."""
    return {t.name: t.per_second * multiple for t in london_peak()}


def ramp_multiples(top: float | None = None) -> list[float]:
    """The knee search's steps, as multiples of London's peak, up to 10× national."""
    top = top or TARGET_MULTIPLE * NATIONAL_FACTOR
    steps = [5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0]
    return [s for s in steps if s < top] + [round(top, 1)]
