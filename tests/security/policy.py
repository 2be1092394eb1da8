"""Who gets in where: the policy table the access-control walk checks (issue 11,
item 3; ASVS v5.0.0-8.2.1/8.2.2/8.4.1, docs/security notes rows 1-3).

Rows are data. `POLICY` has one row per named URL pattern of the project's URL
conf (the Django admin as one row, `admin:*`); `API_POLICY` one per operation of
the partner API's OpenAPI schema (`METHOD /api/v1/path/`). A row maps a
relationship to the roles let in; anyone not listed must be refused (deny by
default, and a route with no row fails the walk):

- `none`: a page about no particular object (a list, a form, a public page);
- `own`: an object of the walk's world on our side: the crime recorded by the
  Central East response team (PC Olivia Officer's), shared with the Witness
  Care Unit and probation and referred to the support charity, with its duty,
  messages, desk call back and escalation, feedback and review, referral and
  data problem; and the organisation-owned things of that side (the team's
  webhook, feed, upload and API token, the charity's support service, the
  force's complaint and leaflet, a Hackney target). For `other_officer` (North
  BCU, same force) the `own` crime is another BCU's.
- `other`: the same kinds of object belonging to another organisation (a
  second force's team, its charity), shared with nobody here.

Objects no organisation owns (a survey import, a publication, a forum
volunteer) are the same on both sides. Roles are the staff personas of
tests/conftest.py plus `other_officer` and anonymous visitors; for the API,
each kind of partner organisation's system with its default scopes
(victimcare.api.services.DEFAULT_SCOPES_BY_KIND). Decision 48 (one deployment
per force) is why administrators and analysts reach every organisation's
things: the deployment is theirs.

"Allowed" means the page or a redirect onwards, or the view's own complaint
about the walk's empty input (400, 409, 412, 415, 422, 428); "refused" means
401, 403, 404 or a redirect to sign in.
"""

from __future__ import annotations

from collections.abc import Mapping

Rule = Mapping[str, frozenset[str]]

NONE = "none"
OWN = "own"
OTHER = "other"
ADMIN_ENTRY = "admin:*"
API_NAMESPACE = "api"

ANONYMOUS = "anonymous"
STAFF_ROLES = (
    "officer",
    "other_officer",
    "supervisor",
    "desk_agent",
    "witness_care_officer",
    "probation_officer",
    "support_caseworker",
    "analyst",
    "administrator",
)
ROLES = (ANONYMOUS, *STAFF_ROLES)

# Partner systems: a token of each kind of organisation (by the world's
# organisation it belongs to) holding its kind's default scopes.
API_TOKEN_ORGS: dict[str, str] = {
    "police_system": "team",
    "other_bcu_system": "other_team",
    "desk_system": "desk",
    "wcu_system": "wcu",
    "cps_system": "cps",
    "court_system": "court",
    "probation_system": "probation",
    "charity_system": "charity",
    "oversight_system": "oversight",
}
API_ROLES = (ANONYMOUS, *API_TOKEN_ORGS)


def _(*roles: str) -> frozenset[str]:
    unknown = set(roles) - set(ROLES) - set(API_ROLES)
    if unknown:
        raise ValueError(f"Unknown roles in the policy table: {sorted(unknown)}")
    return frozenset(roles)


EVERYONE = frozenset(ROLES)
STAFF = frozenset(STAFF_ROLES)
NOBODY: frozenset[str] = frozenset()

# The deliberately public pages: the only rows that may let anonymous visitors in.
PUBLIC_PAGES = frozenset(
    {
        "frontend:start",
        "frontend:privacy",
        "frontend:cookies",
        "frontend:accessibility",
        "core:healthz",
        "core:readyz",
        "accounts:sign-in",
        "accounts:signed-out",
        "api:schema",
        "api:docs",
        "feedback:rights",
        "feedback:rights-leaflet",
        "feedback:rights-large-print",
        "feedback:rights-large-print-leaflet",
        "feedback:rights-easy-read",
        "feedback:respond",
        "feedback:card-scan",
        "forum:join",
        "forum:joined",
        "forum:withdraw",
        "portal:support",
        "portal:complain",
        "portal:complain-received",
        "portal:track-begin",
        "portal:track-begin-code",
        "portal:track",
        "portal:track-code",
        "portal:track-sign-out",
    }
)

POLICY: dict[str, Rule] = {
    # Signing in and out. The code and authenticator set-up pages are reachable only in the
    # middle of a sign-in (anyone else is sent back to the start), so nobody walks in cold.
    "accounts:confirm": {NONE: STAFF},
    "accounts:home": {NONE: STAFF},
    "accounts:sign-in": {NONE: EVERYONE},
    "accounts:sign-in-code": {NONE: NOBODY},
    "accounts:sign-in-set-up": {NONE: NOBODY},
    "accounts:sign-out": {NONE: STAFF},
    "accounts:signed-out": {NONE: EVERYONE},
    "accounts:team": {NONE: _("supervisor", "administrator")},
    # The Django admin, all of it: administrators only (after their second factor).
    "admin:*": {NONE: _("administrator")},
    # The API's schema and docs are deliberately public; the catch-all answers 404.
    "api:docs": {NONE: EVERYONE},
    "api:not-found": {NONE: NOBODY},
    "api:schema": {NONE: EVERYONE},
    # GOV.UK Notify's callbacks: its bearer token, never a session (401 without it).
    "callbacks:notify_delivery_status": {NONE: NOBODY},
    "callbacks:notify_inbound_sms": {NONE: NOBODY},
    # The case record: the crime's own team and supervisors, the desk (force-wide), and the
    # partners it is shared with (WCU and probation; needs and contact details not for probation).
    # Another BCU's officer and another force see nothing. The victim-add wizard's pages need
    # the session's own token, which a stranger to the session does not hold.
    "cases:case": {
        OWN: _("officer", "supervisor", "desk_agent", "witness_care_officer", "probation_officer"),
        OTHER: NOBODY,
    },
    "cases:contact-change": {
        OWN: _("officer", "supervisor", "desk_agent", "witness_care_officer"),
        OTHER: NOBODY,
    },
    "cases:event-new": {
        OWN: _("officer", "supervisor", "desk_agent", "witness_care_officer", "probation_officer"),
        OTHER: NOBODY,
    },
    "cases:intake-check": {OWN: _("officer"), OTHER: NOBODY},
    "cases:intake-delete": {OWN: _("officer"), OTHER: NOBODY},
    "cases:intake-start": {NONE: _("officer", "other_officer", "supervisor")},
    "cases:intake-step": {OWN: _("officer"), OTHER: NOBODY},
    "cases:mine": {NONE: _("officer", "other_officer", "supervisor")},
    "cases:needs-update": {
        OWN: _("officer", "supervisor", "desk_agent", "witness_care_officer"),
        OTHER: NOBODY,
    },
    "cases:search": {
        NONE: _(
            "officer",
            "other_officer",
            "supervisor",
            "desk_agent",
            "witness_care_officer",
            "probation_officer",
            "support_caseworker",
        )
    },
    "cases:share": {OWN: _("officer", "supervisor"), OTHER: NOBODY},
    "cases:victim-add": {
        OWN: _("officer", "supervisor", "desk_agent", "witness_care_officer"),
        OTHER: NOBODY,
    },
    "cases:victim-add-check": {OWN: NOBODY, OTHER: NOBODY},
    "cases:victim-add-step": {OWN: NOBODY, OTHER: NOBODY},
    # Victims' Code compliance figures: supervisors and analysts.
    "compliance:csv": {NONE: _("supervisor", "analyst")},
    "compliance:figures": {NONE: _("supervisor", "analyst")},
    # Health and readiness are public (no detail); the audit search is administrators'.
    "core:audit-search": {NONE: _("administrator")},
    "core:healthz": {NONE: EVERYONE},
    "core:readyz": {NONE: EVERYONE},
    # The Victim Focus Desk's console; an escalation is also read by whoever it is raised to.
    "desk:call-back": {OWN: _("desk_agent"), OTHER: NOBODY},
    "desk:call-back-assign": {OWN: _("desk_agent"), OTHER: NOBODY},
    "desk:call-back-cancel": {OWN: _("desk_agent"), OTHER: NOBODY},
    "desk:call-back-done": {OWN: _("desk_agent"), OTHER: NOBODY},
    "desk:call-backs": {NONE: _("desk_agent")},
    "desk:case": {OWN: _("desk_agent"), OTHER: NOBODY},
    "desk:escalate": {OWN: _("desk_agent"), OTHER: NOBODY},
    "desk:escalation": {OWN: _("officer", "supervisor", "desk_agent"), OTHER: NOBODY},
    "desk:escalation-close": {OWN: _("desk_agent"), OTHER: NOBODY},
    "desk:identity-check": {OWN: _("desk_agent"), OTHER: NOBODY},
    "desk:record-call": {OWN: _("desk_agent"), OTHER: NOBODY},
    "desk:search": {NONE: _("desk_agent")},
    "desk:workload": {NONE: _("desk_agent")},
    # Duties: the case's people and its partners; not-applicable not for partners.
    "duties:duty": {
        OWN: _("officer", "supervisor", "desk_agent", "witness_care_officer", "probation_officer"),
        OTHER: NOBODY,
    },
    "duties:not-applicable": {OWN: _("officer", "supervisor", "desk_agent"), OTHER: NOBODY},
    "duties:notification-read": {OWN: _("officer"), OTHER: NOBODY},
    "duties:team": {NONE: _("supervisor")},
    "duties:worklist": {
        NONE: _(
            "officer",
            "other_officer",
            "supervisor",
            "desk_agent",
            "witness_care_officer",
            "probation_officer",
            "support_caseworker",
        )
    },
    # Rate-your-contact. The rights pages, leaflets, a feedback link and a card's QR code are
    # public. Scores and comments: supervisors over the officer and analysts (the whole force,
    # decision 48: one deployment per force). A card, QR code and scores of one's own: officers.
    "feedback:card-scan": {OWN: EVERYONE, OTHER: EVERYONE},
    "feedback:commend": {OWN: _("supervisor"), OTHER: NOBODY},
    "feedback:force-leaflet-pdf": {OWN: _("supervisor", "administrator"), OTHER: NOBODY},
    "feedback:force-leaflets": {NONE: _("supervisor", "administrator")},
    "feedback:mine": {NONE: _("officer", "other_officer", "supervisor")},
    "feedback:my-card": {NONE: _("officer", "other_officer", "supervisor")},
    "feedback:my-card-new": {NONE: _("officer", "other_officer", "supervisor")},
    "feedback:my-card-print": {NONE: _("officer", "other_officer", "supervisor")},
    "feedback:qr": {OWN: _("officer"), OTHER: NOBODY},
    "feedback:qr-card": {OWN: _("officer"), OTHER: NOBODY},
    "feedback:recognition": {NONE: _("supervisor", "analyst")},
    "feedback:respond": {OWN: EVERYONE, OTHER: EVERYONE},
    "feedback:review-item": {OWN: _("supervisor", "analyst"), OTHER: _("analyst")},
    "feedback:review-list": {NONE: _("supervisor")},
    "feedback:rights": {NONE: EVERYONE},
    "feedback:rights-easy-read": {NONE: EVERYONE},
    "feedback:rights-large-print": {NONE: EVERYONE},
    "feedback:rights-large-print-leaflet": {NONE: EVERYONE},
    "feedback:rights-leaflet": {NONE: EVERYONE},
    "feedback:scores": {NONE: _("supervisor", "analyst")},
    "feedback:urgent": {NONE: _("supervisor", "desk_agent", "analyst")},
    # The victims' forum: joining and withdrawing are public; the volunteer list is for
    # analysts and administrators (no organisation owns a volunteer).
    "forum:join": {NONE: EVERYONE},
    "forum:joined": {NONE: EVERYONE},
    "forum:volunteer": {OWN: _("analyst", "administrator"), OTHER: _("analyst", "administrator")},
    "forum:volunteers": {NONE: _("analyst", "administrator")},
    "forum:withdraw": {OWN: EVERYONE, OTHER: EVERYONE},
    # Public information pages.
    "frontend:accessibility": {NONE: EVERYONE},
    "frontend:cookies": {NONE: EVERYONE},
    "frontend:privacy": {NONE: EVERYONE},
    "frontend:start": {NONE: EVERYONE},
    # Statistics: analysts, and administrators for reading; imports, publications and
    # targets are analysts' work. Survey imports and publications belong to no organisation.
    "insights:below-target": {NONE: _("analyst", "administrator")},
    "insights:compliance": {NONE: _("analyst", "administrator")},
    "insights:csv": {NONE: _("analyst", "administrator")},
    "insights:home": {NONE: _("analyst", "administrator")},
    "insights:import-detail": {OWN: _("analyst"), OTHER: _("analyst")},
    "insights:import-status": {OWN: _("analyst"), OTHER: _("analyst")},
    "insights:imports": {NONE: _("analyst")},
    "insights:publication-download": {OWN: _("analyst"), OTHER: _("analyst")},
    "insights:publication-report": {OWN: _("analyst"), OTHER: _("analyst")},
    "insights:publications": {NONE: _("analyst")},
    "insights:satisfaction": {NONE: _("analyst", "administrator")},
    "insights:target-edit": {OWN: _("analyst"), OTHER: _("analyst")},
    "insights:target-new": {NONE: _("analyst")},
    "insights:targets": {NONE: _("analyst", "administrator")},
    # Partner integrations are the deployment's administrators' (decision 48: one deployment
    # per force, so "another organisation" is still theirs to administer); analysts read feeds;
    # bulk uploads are their uploader's organisation's.
    "integrations:feed-detail": {
        OWN: _("analyst", "administrator"),
        OTHER: _("analyst", "administrator"),
    },
    "integrations:feed-edit": {OWN: _("administrator"), OTHER: _("administrator")},
    "integrations:feed-new": {NONE: _("administrator")},
    "integrations:feeds": {NONE: _("analyst", "administrator")},
    "integrations:token-detail": {OWN: _("administrator"), OTHER: _("administrator")},
    "integrations:token-new": {NONE: _("administrator")},
    "integrations:token-revoke": {OWN: _("administrator"), OTHER: _("administrator")},
    "integrations:token-rotate": {OWN: _("administrator"), OTHER: _("administrator")},
    "integrations:tokens": {NONE: _("administrator")},
    "integrations:upload-detail": {OWN: _("officer", "supervisor"), OTHER: NOBODY},
    "integrations:upload-status": {OWN: _("officer", "supervisor"), OTHER: NOBODY},
    "integrations:uploads": {
        NONE: _(
            "officer", "other_officer", "supervisor", "witness_care_officer", "probation_officer"
        )
    },
    "integrations:webhook-detail": {OWN: _("administrator"), OTHER: _("administrator")},
    "integrations:webhook-disable": {OWN: _("administrator"), OTHER: _("administrator")},
    "integrations:webhook-enable": {OWN: _("administrator"), OTHER: _("administrator")},
    "integrations:webhook-new": {NONE: _("administrator")},
    "integrations:webhook-replay": {OWN: _("administrator"), OTHER: _("administrator")},
    "integrations:webhooks": {NONE: _("administrator")},
    # Messages to a victim: the case's people (safe channel not for probation); the contact
    # task list is the desk's, a task is done by its assignee, supervisors or the desk.
    "messaging:compose": {
        OWN: _("officer", "supervisor", "desk_agent", "witness_care_officer", "probation_officer"),
        OTHER: NOBODY,
    },
    "messaging:safe-channel": {
        OWN: _("officer", "supervisor", "desk_agent", "witness_care_officer"),
        OTHER: NOBODY,
    },
    "messaging:task-done": {OWN: _("officer", "supervisor", "desk_agent"), OTHER: NOBODY},
    "messaging:tasks": {NONE: _("desk_agent")},
    # The victim's portal is public, but its case pages need a tracking session (403 without
    # one). Sending a tracking link is for the case's people; complaints are the force
    # administrators'.
    "portal:complain": {NONE: EVERYONE},
    "portal:complain-received": {NONE: EVERYONE},
    "portal:complaint": {OWN: _("administrator"), OTHER: NOBODY},
    "portal:complaints": {NONE: _("administrator")},
    "portal:support": {NONE: EVERYONE},
    "portal:track": {OWN: EVERYONE, OTHER: EVERYONE},
    "portal:track-begin": {NONE: EVERYONE},
    "portal:track-begin-code": {NONE: EVERYONE},
    "portal:track-call-back": {NONE: NOBODY},
    "portal:track-case": {NONE: NOBODY},
    "portal:track-code": {OWN: EVERYONE, OTHER: EVERYONE},
    "portal:track-message": {NONE: NOBODY},
    "portal:track-send": {
        OWN: _("officer", "supervisor", "desk_agent", "witness_care_officer", "probation_officer"),
        OTHER: NOBODY,
    },
    "portal:track-sign-out": {NONE: EVERYONE},
    # Referrals: the support organisation's inbox is its caseworkers'; the sending side's pages
    # are the case's police and the desk; the directory is edited by administrators.
    "referrals:capacity": {NONE: _("supervisor", "analyst", "administrator")},
    "referrals:capacity-csv": {NONE: _("supervisor", "analyst", "administrator")},
    "referrals:directory": {NONE: _("support_caseworker", "administrator")},
    "referrals:directory-edit": {OWN: _("administrator"), OTHER: _("administrator")},
    "referrals:inbox": {NONE: _("support_caseworker")},
    "referrals:inbox-decline": {OWN: _("support_caseworker"), OTHER: NOBODY},
    "referrals:inbox-move": {OWN: _("support_caseworker"), OTHER: NOBODY},
    "referrals:inbox-problem-new": {OWN: _("support_caseworker"), OTHER: NOBODY},
    "referrals:inbox-referral": {OWN: _("support_caseworker"), OTHER: NOBODY},
    "referrals:measures": {NONE: _("supervisor", "analyst", "administrator")},
    "referrals:problem": {OWN: _("officer", "supervisor", "desk_agent"), OTHER: NOBODY},
    "referrals:problem-correct": {OWN: _("officer", "supervisor", "desk_agent"), OTHER: NOBODY},
    "referrals:referral": {OWN: _("officer", "supervisor", "desk_agent"), OTHER: NOBODY},
    "referrals:referral-decline": {OWN: _("officer", "supervisor", "desk_agent"), OTHER: NOBODY},
}

API_POLICY: dict[str, Rule] = {
    # Partner systems, by their organisation's default scopes. Anonymous callers get
    # 401 everywhere; a missing scope is 403; a crime, referral… the organisation may
    # not see is 404 (the same as one that does not exist). Webhooks and bulk uploads
    # are never in a default scope (they are asked for), so nobody here reaches them;
    # tests/api/test_scopes.py covers tokens that hold them. The directory is for
    # support organisations (and force administrators, who hold no tokens).
    "POST /api/v1/bulk-uploads/": {NONE: NOBODY},
    "GET /api/v1/bulk-uploads/{id}/": {OWN: NOBODY, OTHER: NOBODY},
    "GET /api/v1/crimes/": {
        NONE: _(
            "police_system",
            "other_bcu_system",
            "desk_system",
            "wcu_system",
            "cps_system",
            "court_system",
            "probation_system",
        )
    },
    "POST /api/v1/crimes/": {NONE: _("police_system", "other_bcu_system")},
    "GET /api/v1/crimes/{crn}/": {
        OWN: _("police_system", "desk_system", "wcu_system", "probation_system"),
        OTHER: NOBODY,
    },
    "GET /api/v1/crimes/{crn}/duties/": {
        OWN: _("police_system", "desk_system", "wcu_system", "probation_system"),
        OTHER: NOBODY,
    },
    "POST /api/v1/crimes/{crn}/duties/{duty_id}/complete/": {
        OWN: _("police_system", "desk_system", "wcu_system", "probation_system"),
        OTHER: NOBODY,
    },
    "POST /api/v1/crimes/{crn}/events/": {
        OWN: _("police_system", "desk_system", "wcu_system", "probation_system"),
        OTHER: NOBODY,
    },
    "GET /api/v1/crimes/{crn}/messages/": {
        OWN: _("police_system", "desk_system", "wcu_system"),
        OTHER: NOBODY,
    },
    "GET /api/v1/crimes/{crn}/needs/": {
        OWN: _("police_system", "desk_system", "wcu_system", "probation_system"),
        OTHER: NOBODY,
    },
    "GET /api/v1/crimes/{crn}/timeline/": {
        OWN: _("police_system", "desk_system", "wcu_system", "probation_system"),
        OTHER: NOBODY,
    },
    # The people on a crime and its shares: read as the crime; adding a person needs
    # crimes:write and the page's edit right; sharing needs the officer in the case
    # or a supervisor (cases.share_crime), which a system's service user never is.
    "GET /api/v1/crimes/{crn}/victims/": {
        OWN: _("police_system", "desk_system", "wcu_system", "probation_system"),
        OTHER: NOBODY,
    },
    "POST /api/v1/crimes/{crn}/victims/": {OWN: _("police_system"), OTHER: NOBODY},
    "GET /api/v1/crimes/{crn}/shares/": {
        OWN: _("police_system", "desk_system", "wcu_system", "probation_system"),
        OTHER: NOBODY,
    },
    "POST /api/v1/crimes/{crn}/shares/": {OWN: NOBODY, OTHER: NOBODY},
    "GET /api/v1/crimes/{crn}/victims/{victim_id}/contact/": {
        OWN: _("police_system", "desk_system", "wcu_system", "probation_system"),
        OTHER: NOBODY,
    },
    "PATCH /api/v1/crimes/{crn}/victims/{victim_id}/contact/": {
        OWN: _("police_system", "desk_system", "wcu_system"),
        OTHER: NOBODY,
    },
    "GET /api/v1/crimes/{crn}/victims/{victim_id}/referrals/": {
        OWN: _("police_system", "desk_system"),
        OTHER: NOBODY,
    },
    "POST /api/v1/crimes/{crn}/victims/{victim_id}/referrals/": {
        OWN: _("police_system", "desk_system"),
        OTHER: NOBODY,
    },
    "GET /api/v1/feedback/responses/": {NONE: _("oversight_system")},
    "GET /api/v1/referrals/": {NONE: _("charity_system")},
    "GET /api/v1/referrals/{id}/": {OWN: _("charity_system"), OTHER: NOBODY},
    "PATCH /api/v1/referrals/{id}/": {OWN: _("charity_system"), OTHER: NOBODY},
    "POST /api/v1/referrals/{id}/problems/": {OWN: _("charity_system"), OTHER: NOBODY},
    "GET /api/v1/support-services/": {NONE: _("charity_system")},
    "GET /api/v1/webhooks/": {NONE: NOBODY},
    "POST /api/v1/webhooks/": {NONE: NOBODY},
    "GET /api/v1/webhooks/{id}/deliveries/": {OWN: NOBODY, OTHER: NOBODY},
    "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/replay/": {OWN: NOBODY, OTHER: NOBODY},
}
