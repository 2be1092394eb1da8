"""/integrations/tokens/: partner API tokens (mounted by `integrations/urls.py`,
namespace "integrations"). Rotate and revoke show a confirmation on GET and
act on POST."""

from django.urls import URLPattern, path

from . import views_tokens

urlpatterns: list[URLPattern] = [
    path("", views_tokens.token_list_page, name="tokens"),
    path("new/", views_tokens.token_new, name="token-new"),
    path("<int:pk>/", views_tokens.token_detail, name="token-detail"),
    path("<int:pk>/rotate/", views_tokens.token_rotate_page, name="token-rotate"),
    path("<int:pk>/revoke/", views_tokens.token_revoke_page, name="token-revoke"),
]
