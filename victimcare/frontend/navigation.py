"""Staff navigation by role. Each item names the permission that the page itself
enforces; the menu only mirrors it (hiding a link is never the control)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    text: str
    url_name: str
    permission: str | None = None


# Later capabilities append their pages here (cases, worklist, desk, insights…).
STAFF_NAVIGATION: list[NavItem] = [
    NavItem("Home", "accounts:home"),
    # The worklist is for people whose work is cases (duties.views.WORKLIST_PERMISSION).
    NavItem("Owed to victims", "duties:worklist", "duties.view_worklist"),
    NavItem("Team duties", "duties:team", "duties.view_team_duties"),
    NavItem("Contact tasks", "messaging:tasks", "messaging.view_desk_tasks"),
    NavItem("Desk", "desk:search", "desk.use_console"),
    NavItem("Call backs", "desk:call-backs", "desk.use_console"),
    NavItem("Desk workload", "desk:workload", "desk.use_console"),
    NavItem("My cases", "cases:mine", "cases.create_crime"),
    NavItem("Find a case", "cases:search", "cases.search_crime"),
    NavItem("Record a crime", "cases:intake-start", "cases.create_crime"),
    NavItem("My team", "accounts:team", "accounts.view_team"),
    NavItem("Audit log", "core:audit-search", "core.search_audit"),
    NavItem("Administration", "admin:index", "accounts.use_admin"),
    NavItem("Compliance figures", "compliance:figures", "duties.view_compliance"),
    # Feedback from victims (issue 6): safeguarding first, then review and scores.
    NavItem("Urgent feedback", "feedback:urgent", "feedback.view_urgent"),
    NavItem("Feedback to review", "feedback:review-list", "feedback.view_review_list"),
    NavItem("Feedback scores", "feedback:scores", "feedback.view_scores"),
    NavItem("Recognition", "feedback:recognition", "feedback.view_scores"),
    NavItem("Your feedback", "feedback:mine", "feedback.view_own_feedback"),
    NavItem("Complaints", "portal:complaints", "portal.handle_complaint"),
    NavItem("Support services", "referrals:directory", "referrals.view_directory"),
    NavItem("Voice Forum", "forum:volunteers", "forum.coordinate"),
    NavItem("Rights leaflets", "feedback:force-leaflets", "feedback.print_force_leaflet"),
    # Referrals (issue 8): the support organisation's inbox.
    NavItem("Referrals received", "referrals:inbox", "referrals.use_inbox"),
    # Referrals (issue 8): measures and advocate capacity against demand.
    NavItem("Referral measures", "referrals:measures", "referrals.view_measures"),
    NavItem("Advocate capacity", "referrals:capacity", "referrals.view_measures"),
    # Insights (issue 9): dashboards, targets, survey imports, the publication.
    NavItem("Insights", "insights:home", "insights.view"),
    NavItem("Furthest below target", "insights:below-target", "insights.view"),
    NavItem("Targets", "insights:targets", "insights.view"),
    NavItem("Survey imports", "insights:imports", "insights.import_survey"),
    NavItem("Publications", "insights:publications", "insights.publish"),
    # Partner integration (issue 10).
    NavItem("Partner feeds", "integrations:feeds", "integrations.view_feeds"),
    NavItem("Webhooks", "integrations:webhooks", "integrations.manage_webhooks"),
    NavItem("Upload events", "integrations:uploads", "integrations.upload_events"),
    NavItem("API tokens", "integrations:tokens", "integrations.manage_tokens"),
]


def staff_navigation(request: HttpRequest) -> list[dict[str, object]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = []
    for item in STAFF_NAVIGATION:
        if item.permission and not user.has_perm(item.permission):
            continue
        try:
            href = reverse(item.url_name)
        except NoReverseMatch:
            continue
        here = request.path == href
        # "current" gives aria-current="page" on the page itself; "active" marks its section.
        items.append(
            {
                "text": item.text,
                "href": href,
                "active": here or (href != "/staff/" and request.path.startswith(href)),
                "current": here,
            }
        )
    # Only the most specific section is active (/duties/team/ is not also /duties/).
    sections = [i for i in items if i["active"]]
    if len(sections) > 1:
        deepest = max(sections, key=lambda i: len(str(i["href"])))
        for i in sections:
            i["active"] = i is deepest
    return items
