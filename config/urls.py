from django.contrib import admin
from django.urls import include, path

from victimcare.accounts.admin_site import configure_admin_site

configure_admin_site(admin.site)

urlpatterns = [
    path("", include("victimcare.core.urls")),
    path("", include("victimcare.frontend.urls")),
    path("", include("victimcare.accounts.urls")),
    path("cases/", include("victimcare.cases.urls")),
    path("duties/", include("victimcare.duties.urls")),
    path("compliance/", include("victimcare.duties.urls_compliance")),
    path("messages/", include("victimcare.messaging.urls")),
    path("callbacks/", include("victimcare.messaging.urls_callbacks")),
    path("desk/", include("victimcare.desk.urls")),
    path("", include("victimcare.feedback.urls")),
    path("", include("victimcare.portal.urls")),
    path("forum/", include("victimcare.forum.urls")),
    path("referrals/", include("victimcare.referrals.urls")),
    path("insights/", include("victimcare.insights.urls")),
    path("integrations/", include("victimcare.integrations.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("victimcare.api.urls")),
]

handler400 = "victimcare.frontend.views.bad_request"
handler403 = "victimcare.frontend.views.permission_denied"
handler404 = "victimcare.frontend.views.page_not_found"
handler500 = "victimcare.frontend.views.server_error"
