"""The Django admin: administrators only, and only after their second factor.

`configure_admin_site` is called once from config/urls.py on `admin.site`.
The admin has no sign-in form of its own: it sends people to our sign-in
journey (password + TOTP), and its "log out" goes to our sign-out page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


def admin_allowed(request: HttpRequest) -> bool:
    """True only for an active person with `accounts.use_admin` whose session
    is verified by a second factor (or who is a demo account exempt from it)."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.has_perm("accounts.use_admin")):
        return False
    return bool(getattr(user, "otp_exempt", False) or user.is_verified())


def configure_admin_site(site: AdminSite) -> None:
    """Point `site` at our sign-in and permission policy, and name it."""
    site.site_header = f"{settings.SERVICE_NAME} administration"
    site.site_title = settings.SERVICE_NAME
    site.index_title = "Administration"
    site.site_url = "/staff/"

    def has_permission(request: HttpRequest) -> bool:
        return admin_allowed(request)

    def login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
        if request.user.is_authenticated:
            # Signed in but not allowed: answer "not found" rather than loop through sign-in.
            raise Http404("No such page.")
        target = reverse("accounts:sign-in")
        next_url = request.GET.get("next") or reverse("admin:index", current_app=site.name)
        return HttpResponseRedirect(f"{target}?{urlencode({'next': next_url})}")

    def logout(request: HttpRequest, extra_context: object = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("accounts:sign-out"))

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.login = login  # type: ignore[method-assign]
    site.logout = logout  # type: ignore[method-assign]
