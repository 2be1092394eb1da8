from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest


def configure_admin_site(site: AdminSite) -> None:
    """The Django admin is for administrators only, after the second factor."""
    from django.conf import settings

    site.site_header = f"{settings.SERVICE_NAME} administration"
    site.site_title = settings.SERVICE_NAME
    site.index_title = "Administration"

    def has_permission(request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.has_perm("accounts.use_admin"))

    site.has_permission = has_permission  # type: ignore[method-assign]
