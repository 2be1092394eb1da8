"""/integrations/: webhook subscriptions (urls_webhooks), partner feeds
(urls_feeds), bulk uploads of events (urls_uploads) and API tokens (urls_tokens)."""

from django.urls import include, path

app_name = "integrations"

urlpatterns = [
    path("webhooks/", include("victimcare.integrations.urls_webhooks")),
    path("feeds/", include("victimcare.integrations.urls_feeds")),
    path("uploads/", include("victimcare.integrations.urls_uploads")),
    path("tokens/", include("victimcare.integrations.urls_tokens")),
]
