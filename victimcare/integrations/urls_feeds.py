"""/integrations/feeds/: partner feeds, their health, outages and settings."""

from django.urls import path

from . import views_feeds

urlpatterns = [
    path("", views_feeds.feed_list, name="feeds"),
    path("new/", views_feeds.feed_new, name="feed-new"),
    path("<int:pk>/", views_feeds.feed_detail, name="feed-detail"),
    path("<int:pk>/edit/", views_feeds.feed_edit, name="feed-edit"),
]
